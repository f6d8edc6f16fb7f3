"""``/catalog`` (DCAT-AP, paged with Hydra) and ``/.well-known/void`` (VoID statistics).

Both are built live from the store, once per generation and page, because
they state facts that change with the data (dates, sizes, counts) and the
URLs of the server they are answered on — its public root (``web.urls``),
never a raw ``Host`` header, so the memo below is keyed by a small set.

Harvesters poll these, so every answer carries an ``ETag`` (generation,
root, page, format) and ``Last-Modified`` (the generation's time), and a
conditional request for an unchanged page is answered ``304``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD

from clusterkb import formats
from clusterkb.catalog import Page, catalog_graph, kb_facts, parse_moment, timestamp
from clusterkb.catalog_page import catalog_view
from clusterkb.web import caching, negotiate
from clusterkb.web.context import config, state, store
from clusterkb.web.dump_files import DUMP_NAMES, dump_sizes
from clusterkb.web.urls import public_root

bp = Blueprint("catalog", __name__)

_FORMATS = (negotiate.HTML, negotiate.TURTLE, negotiate.JSONLD, negotiate.RDFXML,
            negotiate.NTRIPLES)
#: Catalogue pages and VoID graphs kept per generation (each a few hundred KB).
MEMO_ENTRIES = 16


def _cached(key: tuple, make):
    """Memoise per store generation, bounded (``MEMO_ENTRIES``) and safe under threads
    (``AppState.catalog_memo``, a ``caching.GenerationMemo`` made with the app): the
    catalogue's pages, the whole KB's facts they share, VoID."""
    return state().catalog_memo.get_or_make(store().generation(), key, make)


def _conditional(*parts: object) -> tuple[str, Response | None]:
    """The ETag of this representation, and a 304 when the client already has it."""
    tag = caching.etag(store().generation(), *parts)
    return tag, caching.not_modified(tag)


def _forced(ext: str | None) -> negotiate.Format | None:
    if ext is None:
        return None
    _, fmt = negotiate.split_extension(f"x.{ext}")
    if fmt is None or fmt not in _FORMATS:
        abort(404, description=f"Unknown extension .{ext}")
    return fmt


def _page_from_args() -> Page:
    raw_page = request.args.get("page", "1")
    try:
        number = int(raw_page)
    except ValueError:
        number = 0
    if number < 1:
        abort(400, description=f"Query parameter 'page' must be a positive integer, "
                               f"got {raw_page!r}")
    since = request.args.get("modified_since")
    modified_since = None
    if since is not None:
        try:
            modified_since = parse_moment(since)
        except ValueError:
            abort(400, description="Query parameter 'modified_since' must be an ISO 8601 date "
                                   f"(YYYY-MM-DD) or date-time, got {since!r}")
    return Page(number=number, size=config().catalog_page_size, modified_since=modified_since)


@bp.get("/catalog")
@bp.get("/catalog.<ext>")
def catalog(ext: str | None = None):
    """One page of the catalogue (Hydra paging), HTML or RDF.
    ---
    get:
      summary: The DCAT-AP catalogue, paged
      description: >-
        Datasets and distributions of the knowledge base, one page at a time (Hydra links to
        the others). Every answer carries `ETag` and `Last-Modified`; a conditional request for
        an unchanged page is answered 304.
      parameters:
        - rdf_ext
        - in: query
          name: page
          description: The page, from 1.
          schema: {type: integer, minimum: 1}
        - in: query
          name: modified_since
          description: Only datasets modified since this ISO 8601 date or date-time.
          schema: {type: string, maxLength: 40}
        - format
      responses:
        "200":
          description: The catalogue page.
          headers: {ETag: ETag, Last-Modified: LastModified, Link: Link}
          content:
            HTML: {schema: {type: string}}
            GRAPH_FORMATS: {}
        <<: {"304": NotModified, "400": BadRequest, "404": NotFound, "406": NotAcceptable}
    """
    fmt = negotiate.choose(_FORMATS, forced=_forced(ext))
    page = _page_from_args()
    root = public_root()
    cfg, st = config(), store()
    tag, early = _conditional("catalog", root, page, fmt.name)
    if early is not None:
        return early
    graph = _cached(("catalog", root, page), lambda: catalog_graph(
        cfg, st, public_url=root, byte_sizes=dump_sizes(cfg, st), page=page,
        kb=_cached(("kb-facts",), lambda: kb_facts(cfg, st))))
    if page.number > 1 and not any(graph.objects(URIRef(f"{cfg.base_iri}catalog"),
                                                 DCAT.dataset)):
        abort(404, description=f"Page {page.number} is past the last page of the catalogue")
    query = request.query_string.decode("latin-1")
    link = negotiate.link_header(
        lambda f: f"{request.script_root}/catalog.{f.name}" + (f"?{query}" if query else ""),
        _FORMATS)
    if fmt is not negotiate.HTML:
        return caching.add_headers(negotiate.rdf_response(graph, fmt, link), tag)
    data_links = negotiate.data_links(
        lambda f: f"{request.script_root}/catalog.{f.name}" + (f"?{query}" if query else ""),
        _FORMATS[1:])
    body = render_template("catalog.html", c=catalog_view(graph, cfg.base_iri),
                           data_links=data_links)
    response = negotiate.finish(Response(body, mimetype=formats.HTML.media_type), link)
    return caching.add_headers(response, tag)


# --- VoID ---------------------------------------------------------------------------

_STATS = {
    VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
    VOID.entities: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
    VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
    VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
}


def _graph_stats_query(stat: str, graph: str) -> str:
    """The same statistic restricted to one named graph."""
    return stat.replace("WHERE { ", f"WHERE {{ GRAPH <{graph}> {{ ", 1).replace(" }", " } }", 1)


def void_graph(root: str) -> Graph:
    """A VoID description of the KB and each published named graph, with statistics."""
    cfg, st = config(), store()
    g = Graph()
    ds = URIRef(f"{cfg.base_iri}catalog#dataset")
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("clusterkb: European cluster organisations", lang="en")))
    g.add((ds, DCTERMS.license,
           URIRef("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")))
    g.add((ds, DCTERMS.modified, timestamp(st.modified())))
    g.add((ds, FOAF.homepage, URIRef(root)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{root}sparql")))
    for name in DUMP_NAMES:
        g.add((ds, VOID.dataDump, URIRef(f"{root}{name}")))
    g.add((ds, VOID.uriSpace, Literal(cfg.base_iri)))
    g.add((ds, VOID.rootResource, URIRef(f"{cfg.base_iri}catalog")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    for prop, query in _STATS.items():
        g.add((ds, prop, _count(st.select(query))))
    for graph in sorted(st.graphs()):
        sub = URIRef(graph)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.sparqlEndpoint, URIRef(f"{root}sparql")))
        for prop, query in _STATS.items():
            g.add((sub, prop, _count(st.select(_graph_stats_query(query, graph)))))
    return g


def _count(rows: list[dict]) -> Literal:
    n = int(rows[0]["n"]) if rows and rows[0].get("n") is not None else 0
    return Literal(n, datatype=XSD.integer)


@bp.get("/.well-known/void")
@bp.get("/.well-known/void.<ext>")
def void(ext: str | None = None):
    """The VoID description with the KB's statistics, RDF only.
    ---
    get:
      summary: VoID description and statistics
      parameters:
        - in: path
          name: ext
          required: true
          description: "`ttl`, `jsonld`, `rdf` (RDF/XML) or `nt`."
          schema: {enum: [ttl, jsonld, rdf, nt]}
        - format
      responses:
        "200":
          description: The VoID graph.
          headers: {ETag: ETag, Last-Modified: LastModified, Link: Link}
          content:
            GRAPH_FORMATS: {}
        <<: {"304": NotModified, "400": BadRequest, "404": NotFound, "406": NotAcceptable}
    """
    formats = _FORMATS[1:]
    fmt = negotiate.choose(formats, forced=_forced(ext) if ext else None)
    root = public_root()
    tag, early = _conditional("void", root, fmt.name)
    if early is not None:
        return early
    graph = _cached(("void", root), lambda: void_graph(root))
    link = negotiate.link_header(
        lambda f: f"{request.script_root}/.well-known/void.{f.name}", formats)
    return caching.add_headers(negotiate.rdf_response(graph, fmt, link), tag)
