"""Content negotiation for the RDF-serving routes (Linked Data, catalogue, VoID).

Several blueprints serve the same resource as HTML or as one of several RDF
syntaxes. Keeping the choice (``Accept`` via werkzeug, then a file extension or
``?format=`` override) and the serialisation in one place means every route
answers the same way: same media types, ``Vary: Accept`` and ``Link`` headers
to the alternates.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, request
from rdflib import Graph

from clusterkb.namespaces import PREFIXES


@dataclass(frozen=True)
class Format:
    """One representation: short name (also the file extension), media type, rdflib format."""

    name: str
    media_type: str
    rdflib_format: str | None  # None: HTML, rendered by a template
    label: str


HTML = Format("html", "text/html", None, "HTML")
TURTLE = Format("ttl", "text/turtle", "turtle", "Turtle")
JSONLD = Format("jsonld", "application/ld+json", "json-ld", "JSON-LD")
NTRIPLES = Format("nt", "application/n-triples", "nt", "N-Triples")
RDFXML = Format("rdf", "application/rdf+xml", "pretty-xml", "RDF/XML")

#: In order of preference when the client accepts anything (``*/*``): a browser gets HTML.
FORMATS: tuple[Format, ...] = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)
RDF_FORMATS: tuple[Format, ...] = FORMATS[1:]

_BY_NAME = {f.name: f for f in FORMATS} | {"turtle": TURTLE, "json-ld": JSONLD, "json": JSONLD,
                                             "ntriples": NTRIPLES, "xml": RDFXML}
# Media types some clients send instead of the registered ones.
_ALIASES = {"application/x-turtle": TURTLE, "application/json": JSONLD,
            "text/plain": NTRIPLES, "application/xhtml+xml": HTML}


def split_extension(path: str) -> tuple[str, Format | None]:
    """``id/cluster/x.ttl`` -> (``id/cluster/x``, TURTLE); no known extension -> (path, None)."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in {f.name for f in FORMATS}:
        return stem, _BY_NAME[ext]
    return path, None


def choose(formats: tuple[Format, ...] = FORMATS, forced: Format | None = None) -> Format:
    """Pick the representation for the current request.

    ``forced`` (from a file extension) wins, then ``?format=``, then the
    ``Accept`` header. An unknown ``format`` value is a 400; an ``Accept``
    header that admits none of ``formats`` is a 406 that lists them.
    """
    names = ", ".join(f.name for f in formats)
    if forced is not None:
        if forced not in formats:
            abort(404, description=f"No {forced.name} representation here; available: {names}")
        return forced
    asked = request.args.get("format")
    if asked is not None:
        fmt = _BY_NAME.get(asked.strip().lower())
        if fmt is None or fmt not in formats:
            abort(400, description=f"Unknown format {asked!r} in query parameter 'format'; "
                                   f"use one of: {names}")
        return fmt
    if not request.headers.get("Accept"):
        return formats[0]
    offered = [f.media_type for f in formats]
    offered += [alias for alias, f in _ALIASES.items() if f in formats]
    best = request.accept_mimetypes.best_match(offered)
    if best is None:
        abort(406, description="None of the accepted media types is available; offered: "
                               + ", ".join(f.media_type for f in formats))
    return next((f for f in formats if f.media_type == best), None) or _ALIASES[best]


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes so Turtle and JSON-LD output stay readable."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def serialize(graph: Graph, fmt: Format) -> bytes:
    """Serialise ``graph`` as ``fmt`` (an RDF format)."""
    assert fmt.rdflib_format is not None
    bind_prefixes(graph)
    if fmt is JSONLD:
        context = {p: str(ns) for p, ns in PREFIXES.items()}
        data = graph.serialize(format="json-ld", context=context, auto_compact=True)
        return data.encode("utf-8")
    return graph.serialize(format=fmt.rdflib_format, encoding="utf-8")


def data_links(url_for_format, formats: tuple[Format, ...] = RDF_FORMATS) -> list[tuple[str, str]]:
    """(label, URL) of each RDF representation, for the small "Data" links of HTML pages."""
    return [(f.label, url_for_format(f)) for f in formats]


def link_header(url_for_format, formats: tuple[Format, ...] = FORMATS) -> str:
    """A ``Link`` header value naming each alternate representation.

    ``url_for_format(fmt)`` gives the URL of ``fmt``'s representation.
    """
    return ", ".join(f'<{url_for_format(f)}>; rel="alternate"; type="{f.media_type}"'
                     for f in formats)


def finish(response: Response, link: str | None = None) -> Response:
    """Add the headers every negotiated response carries."""
    response.vary.add("Accept")
    if link:
        response.headers["Link"] = link
    return response


def rdf_response(graph: Graph, fmt: Format, link: str | None = None) -> Response:
    """A negotiated RDF response for ``graph``."""
    return finish(Response(serialize(graph, fmt), mimetype=fmt.media_type), link)
