"""Which IRIs a page may make into a link a browser follows.

Why in the core: the HTML view models (``pages``, ``resource_page``...) build
links without Flask, and submitted data can hold ``javascript:`` or ``data:``
IRIs, which Jinja's escaping leaves intact and a click would run. One rule for
every page, testable without an app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: IRI schemes a page links to; any other IRI is shown but not made a link target.
LINK_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "urn", "tel"})


def safe_href(iri: str) -> str:
    """``iri`` when a browser may follow it safely, else ``#`` (``javascript:``, ``data:``...).

    Only absolute IRIs with a listed scheme pass: a scheme-less value such as
    ``//evil.example/login`` (or ``/\\evil.example``) would be followed to another host.
    """
    try:
        scheme = urlsplit(iri.strip()).scheme.lower()
    except ValueError:
        return "#"
    return iri if scheme in LINK_SCHEMES else "#"
