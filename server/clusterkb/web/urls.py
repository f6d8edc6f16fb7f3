"""The URLs the server writes into what it answers: public (absolute) and local (paths).

Why one module: absolute URLs end up in harvested metadata (the catalogue's
``downloadURL``, VoID, the Service Description's ``sd:endpoint``), so they
must name the server as the public reaches it, not whatever ``Host`` header a
client sent. The rule, in order:

1. ``CLUSTERKB_PUBLIC_URL`` when set: every absolute URL starts with it;
2. else the request's own scheme and host (after ``ProxyFix`` applied the
   trusted proxies' ``X-Forwarded-*``), but only when that host is allowed:
   a loopback name or one of ``CLUSTERKB_ALLOWED_HOSTS`` (``.example.org``
   allows every subdomain);
3. else the base IRI, which is what the data names anyway.

So a forged ``Host`` never reaches a generated URL, and the set of roots a
cache can be keyed by stays small.

``local_url`` is the path of an IRI under the base on this server. It never
starts with ``//``: an IRI such as ``{base}/evil.example/login`` would
otherwise become the scheme-relative link ``//evil.example/login``, which a
browser follows to another site.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import request

from clusterkb.config import Config
from clusterkb.links import safe_href
from clusterkb.web.context import config

#: Names a development server is reached by; always allowed.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_LEADING_SLASHES = re.compile(r"^/+")
#: A Host header value: a DNS name or IPv4 address, or a bracketed IPv6 address; a port.
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def check_public_url(url: str) -> None:
    """``CLUSTERKB_PUBLIC_URL`` must be empty or an absolute http(s) URL: else ValueError."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ValueError(f"CLUSTERKB_PUBLIC_URL must be an absolute http(s) URL such as "
                         f"https://kb.example.org/, got {url!r}")


def host_allowed(host: str, cfg: Config) -> bool:
    """Whether ``host`` (a ``Host`` header value, port optional) may appear in our URLs."""
    if not _HOST.fullmatch(host):
        return False  # user info, paths, spaces...: never part of a URL we write
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return False
    if not name:
        return False
    if name in LOOPBACK_HOSTS:
        return True
    for allowed in cfg.allowed_hosts:
        allowed = allowed.lower()
        if name == allowed or (allowed.startswith(".") and name.endswith(allowed)):
            return True
    return False


def public_root() -> str:
    """The absolute URL of this server's root, ending in ``/`` (see the module's rule)."""
    cfg = config()
    if cfg.public_url:
        return cfg.public_url
    if host_allowed(request.host, cfg):
        return request.url_root
    return cfg.base_iri


def public_url(path: str = "") -> str:
    """The absolute public URL of ``path`` (relative to the root, e.g. ``sparql``)."""
    return public_root() + path.lstrip("/")


def local_url(iri: str) -> str | None:
    """The URL of ``iri`` on this server, or None when it is not under the base IRI."""
    base = config().base_iri
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    path, _, fragment = rest.partition("#")
    quoted = quote(path, safe="/:@!$&()*+,;=-._~")
    # "/x" after the root's "/" would make "//x": a link to the host x. Encode those slashes.
    quoted = _LEADING_SLASHES.sub(lambda m: "%2F" * len(m.group()), quoted)
    url = f"{request.script_root}/{quoted}"
    return f"{url}#{fragment}" if fragment else url


def href(iri: str) -> str:
    """Where a link to ``iri`` goes: its local page when it is ours, else the IRI itself
    (``#`` for schemes a browser would run, such as ``javascript:``)."""
    return local_url(iri) or safe_href(iri)
