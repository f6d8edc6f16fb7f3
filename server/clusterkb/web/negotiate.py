"""Content negotiation: one rule for every route that offers more than one representation.

The rule, in order: a file extension in the path (``/id/cluster/x.ttl``), then the
``format`` query parameter (a short name or a media type), then the ``Accept`` header,
then the surface's default, which is the first format it offers. So ``Accept: */*`` and
no ``Accept`` at all both get the default: HTML on pages meant for people (Linked Data,
home, search, catalogue), JSON on the JSON APIs. An unknown ``format`` is always 400
listing the names; an ``Accept`` that admits nothing offered is always 406 listing the
media types; every negotiated response carries ``Vary: Accept`` and, where there are
alternates, a ``Link`` header naming them. Formats come from ``clusterkb.formats``.

JSON-LD is always compacted: with the project's prefixes (inline, so any JSON-LD
processor reads it without fetching anything), or, where a route offers it and
``?profile=`` names the submitter's context (``{base}context.jsonld``), in that
context, referenced by its IRI: the shape of an upload, so a download can be
edited and submitted back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import Response, abort, request
from rdflib import Graph

from clusterkb import formats, jsonld_context
from clusterkb.formats import Format
from clusterkb.namespaces import PREFIXES
from clusterkb.web.context import config

HTML = formats.HTML
TURTLE = formats.TURTLE
JSONLD = formats.JSON_LD
NTRIPLES = formats.N_TRIPLES
RDFXML = formats.RDF_XML

#: A Linked Data page: HTML first (the default for browsers and ``*/*``), then RDF.
FORMATS: tuple[Format, ...] = (HTML, *formats.GRAPH_FORMATS)
RDF_FORMATS: tuple[Format, ...] = formats.GRAPH_FORMATS

__all__ = ["FORMATS", "Format", "HTML", "JSONLD", "NTRIPLES", "RDFXML", "RDF_FORMATS",
           "TURTLE", "bind_prefixes", "choose", "data_links", "finish", "jsonld_profile",
           "link_header", "preferred", "asks_for", "rdf_response", "serialize", "split_extension",
           "wants_html"]


def split_extension(path: str, offered: tuple[Format, ...] = FORMATS
                    ) -> tuple[str, Format | None]:
    """``id/cluster/x.ttl`` -> (``id/cluster/x``, TURTLE); no known extension -> (path, None)."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = next((f for f in offered if f.name == ext.lower()), None)
        if fmt is not None:
            return stem, fmt
    return path, None


def choose(offered: tuple[Format, ...] = FORMATS, forced: Format | None = None, *,
           asked: Sequence[str] | None = None) -> Format:
    """Pick the representation for the current request by the module's rule.

    ``offered[0]`` is the surface's default. ``forced`` comes from a file extension.
    ``asked`` are the ``format`` values (default: the query string's); the first that is
    not blank decides (``/sparql`` also takes them from a form body).
    """
    names = ", ".join(f.name for f in offered)
    if forced is not None:
        if forced not in offered:
            abort(404, description=f"No {forced.name} representation here; available: {names}")
        return forced
    values = request.args.getlist("format") if asked is None else asked
    values = [v.strip() for v in values if v.strip()]
    if values:
        fmt = formats.by_name(values[0], offered)
        if fmt is None:
            abort(400, description=f"Unknown format {values[0]!r} in parameter 'format'; "
                                   f"use one of: {names}")
        return fmt
    if not request.headers.get("Accept"):
        return offered[0]
    best = request.accept_mimetypes.best_match(formats.accepted_types(offered))
    if best is None:
        abort(406, description="None of the accepted media types is available; offered: "
                               + ", ".join(f.media_type for f in offered))
    found = formats.by_media_type(best, offered)
    assert found is not None  # best is one of the candidates
    return found


def preferred(offered: tuple[Format, ...]) -> Format:
    """What ``Accept`` prefers among ``offered``, never refusing: ``offered[0]`` when it
    names none of them (or is absent or ``*/*``). For bodies that must be sent anyway
    (errors)."""
    if not request.headers.get("Accept"):
        return offered[0]
    best = request.accept_mimetypes.best_match(formats.accepted_types(offered))
    return formats.by_media_type(best, offered) or offered[0] if best else offered[0]


def wants_html() -> bool:
    """For answers that are JSON unless a browser asks (submissions, refused uploads):
    ``?format=html``, or an ``Accept`` that prefers HTML to JSON. Never refuses."""
    asked = request.args.get("format")
    if asked is not None:
        return formats.by_name(asked, (formats.HTML,)) is formats.HTML
    return preferred((formats.JSON, formats.HTML)) is formats.HTML


def asks_for(fmt: Format, others: tuple[Format, ...]) -> bool:
    """True when ``Accept`` names ``fmt`` itself (not through a wildcard) at least as high
    as any of ``others``: how a browser's query asks for the HTML results page."""
    mine = {t.lower() for t in fmt.all_media_types()}
    theirs = {t.lower() for t in formats.accepted_types(others)}
    accept = request.accept_mimetypes
    own = max((q for value, q in accept if value.lower() in mine), default=0)
    rival = max((q for value, q in accept if value.lower() in theirs), default=0)
    return bool(own) and own >= rival


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes so Turtle and JSON-LD output stay readable."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def jsonld_profile() -> str | None:
    """The JSON-LD profile that ``?profile=`` asks for: None, or the submitter's context IRI.

    Another value is a 400 naming the one offered (a silent fallback would hand an
    editor a document in a shape it did not ask for).
    """
    asked = request.args.get("profile", "").strip()
    if not asked:
        return None
    offered = jsonld_context.context_url(config())
    if asked != offered:
        abort(400, description=f"Unknown JSON-LD profile {asked[:200]!r} in parameter "
                               f"'profile'; the one offered is {offered} (the context "
                               "submitters use), or none for the prefixes only.")
    return offered


def serialize(graph: Graph, fmt: Format, profile: str | None = None) -> bytes:
    """Serialise ``graph`` as ``fmt`` (an RDF format); ``profile`` as in ``jsonld_profile``.

    JSON-LD with a profile is compacted with the submitters' context and names it by
    its IRI, as an upload does (the upload parser resolves that IRI to the same file);
    rdflib picks a term only where its coercion fits the value, so the document
    expands to the same triples.
    """
    assert fmt.rdflib is not None
    bind_prefixes(graph)
    if fmt is not JSONLD:
        return graph.serialize(format=fmt.rdflib, encoding="utf-8")
    context = {p: str(ns) for p, ns in PREFIXES.items()} if profile is None \
        else jsonld_context.load_context(config())["@context"]
    data = graph.serialize(format="json-ld", context=context, auto_compact=True)
    if profile is None:
        return data.encode("utf-8")
    document = json.loads(data)
    if not isinstance(document, dict):  # nothing to compact (an empty graph)
        document = {"@graph": document}
    rest = {key: value for key, value in document.items() if key != "@context"}
    return json.dumps({"@context": profile, **rest}, ensure_ascii=False,
                      indent=2).encode("utf-8")


def data_links(url_for_format, offered: tuple[Format, ...] = RDF_FORMATS
               ) -> list[tuple[str, str]]:
    """(label, URL) of each RDF representation, for the small "Data" links of HTML pages."""
    return [(f.label, url_for_format(f)) for f in offered]


def link_header(url_for_format, offered: tuple[Format, ...] = FORMATS,
                profiles: Sequence[tuple[str, str]] = ()) -> str:
    """A ``Link`` header value naming each alternate representation.

    ``url_for_format(fmt)`` gives the URL of ``fmt``'s representation; ``profiles``
    adds JSON-LD alternates as ``(url, profile)``, with the profile as ``profile=``.
    """
    links = [f'<{url_for_format(f)}>; rel="alternate"; type="{f.media_type}"' for f in offered]
    links += [f'<{url}>; rel="alternate"; type="{JSONLD.media_type}"; profile="{profile}"'
              for url, profile in profiles]
    return ", ".join(links)


def finish(response: Response, link: str | None = None) -> Response:
    """Add the headers every negotiated response carries."""
    response.vary.add("Accept")
    if link:
        response.headers["Link"] = link
    return response


def rdf_response(graph: Graph, fmt: Format, link: str | None = None,
                 profile: str | None = None) -> Response:
    """A negotiated RDF response for ``graph`` (``profile``: see ``jsonld_profile``)."""
    return finish(Response(serialize(graph, fmt, profile), mimetype=fmt.media_type), link)
