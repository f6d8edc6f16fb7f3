"""``/sparql``: the public, read-only SPARQL 1.1 Protocol endpoint.

Accepts a query by GET ``?query=``, by POST ``application/x-www-form-urlencoded``
and by POST ``application/sparql-query``, with ``default-graph-uri`` and
``named-graph-uri``. Every query passes ``clusterkb.sparql.QueryGuard`` before
the store sees it and runs with ``Config.query_timeout`` and
``Config.max_result_rows``.

Status codes, so clients can tell causes apart:

* 400 malformed query (the engine's message with line and column), refused
  ``SERVICE``/``FROM``/dataset parameters, several ``query`` parameters, and
  queries the engine parsed but cannot evaluate (unknown function...);
* 403 any SPARQL Update (``update=``, ``application/sparql-update``, or an
  update sent as ``query=``): the endpoint is read-only;
* 400 also for a ``format`` name the query form has no format for (listing the
  names it has); 406 an ``Accept`` no result format matches; 413 body or query over
  ``Config.max_query_bytes``; 415 other POST content types, and a query body
  in a charset other than UTF-8 (the Protocol requires UTF-8);
* 500 only when the engine process died under the query (a known pyoxigraph
  abort in ORDER BY): the message says so, the worker is replaced;
* 503 the query ran past the time limit and was stopped (the service could not
  answer it within its limits; retrying the same query will not help, so no
  ``Retry-After``).

A cut result says so in ``X-SPARQL-Truncated: true`` (by rows or by
``Config.max_result_bytes``: ``X-SPARQL-Truncated-By``), ``X-SPARQL-Max-Rows``
and ``X-SPARQL-Max-Bytes``. Errors are ``clusterkb.web.errors``' one shape: JSON
with ``error``, ``status``, ``line`` and ``column`` (position for syntax errors only)
by default, text or HTML for clients preferring those; never a traceback, and never an engine
message that could carry what another server answered: evaluation failures get
a short message and the request id, the log keeps the detail. Without a query,
a browser gets the HTML query page and everyone else the SPARQL 1.1 Service
Description.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from flask import Blueprint, Response, abort, g, request
from flask.sansio.blueprints import BlueprintSetupState
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from werkzeug.exceptions import RequestEntityTooLarge

from clusterkb import formats, sparql
from clusterkb.namespaces import CKB, SD
from clusterkb.web import caching, context, negotiate, sparql_results
from clusterkb.web.context import config, store
from clusterkb.web.query_page import query_page
from clusterkb.web.sparql_results import truncation_headers
from clusterkb.web.urls import public_url

bp = Blueprint("sparql", __name__)
logger = logging.getLogger("clusterkb.query")

FORMATS = Namespace("http://www.w3.org/ns/formats/")
#: Every result format, for the Service Description (from the registry's format IRIs).
_RESULT_FORMATS = (*formats.RESULTS_FORMATS, *formats.GRAPH_FORMATS)
#: Without a query: the Service Description (Turtle by default), or the query page.
_DESCRIPTION_FORMATS = (*formats.GRAPH_FORMATS, formats.HTML)
_FORM_TYPE = formats.FORM.media_type
_QUERY_TYPE = formats.SPARQL_QUERY.media_type
_UPDATE_TYPE = formats.SPARQL_UPDATE.media_type


@bp.record_once
def _install_guard(state: BlueprintSetupState) -> None:
    """One guard (and its parse cache) per app, built from the app's config."""
    app_state = context.state(state.app)
    cfg = app_state.config
    app_state.guard = sparql.QueryGuard(cfg.service_allowlist, base_iri=cfg.base_iri)


def _guard() -> sparql.QueryGuard:
    return context.state().guard


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    """OPTIONS: the methods the endpoint takes; ``web/cors.py`` adds the CORS headers.
    ---
    options:
      summary: The methods the endpoint takes (CORS preflight is answered too)
      responses:
        "204":
          description: No body.
          headers:
            Allow: {schema: {type: string}}
    """
    response = Response(status=204)
    response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
    return response


# --- the protocol ----------------------------------------------------------------


@dataclass(frozen=True)
class _ProtocolRequest:
    queries: list[str]
    default_graph_uris: list[str]
    named_graph_uris: list[str]
    formats: list[str]


def _read_request() -> _ProtocolRequest:
    """Extract the protocol parameters from any of the three request shapes."""
    limit = config().max_query_bytes
    request.max_content_length = limit
    request.max_form_memory_size = limit
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == _UPDATE_TYPE:
            raise sparql.UpdateRefused(sparql.READ_ONLY_MESSAGE)
        if mimetype == _QUERY_TYPE:
            raw = request.get_data(cache=True)
            charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
            if charset not in ("utf-8", "utf8"):
                raise _Unsupported(f"charset={charset} is not supported: the SPARQL Protocol "
                                   "requires the query in UTF-8.")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise sparql.MalformedQuery(
                    f"The query body is not valid UTF-8 (byte {error.start})."
                ) from None
            params = request.args
            queries = [text]
        elif mimetype == _FORM_TYPE:
            params = request.values  # form body, plus any parameters in the URL
            queries = params.getlist("query")
        else:
            shown = mimetype or "none"
            raise _Unsupported(
                f"Content-Type {shown} is not supported: send the query as "
                f"{_FORM_TYPE} (query=...) or {_QUERY_TYPE}."
            )
    else:
        params = request.args
        queries = params.getlist("query")
    if "update" in params:
        raise sparql.UpdateRefused(sparql.READ_ONLY_MESSAGE)
    return _ProtocolRequest(
        queries=queries,
        default_graph_uris=params.getlist("default-graph-uri"),
        named_graph_uris=params.getlist("named-graph-uri"),
        formats=params.getlist("format"),
    )


class _Unsupported(sparql.GuardError):
    status = 415


@bp.route("/sparql", methods=["GET", "POST"], provide_automatic_options=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol: a query by GET or POST; without one, the Service Description.
    ---
    get:
      summary: Query (SPARQL 1.1 Protocol), or the Service Description
      parameters:
        - in: query
          name: query
          description: "The SPARQL query (absent: the Service Description, or the query page)."
          schema: {type: string}
        - default-graph-uri
        - named-graph-uri
        - sparql_format
        - jsonld_profile
      responses: {"200": SparqlResults, "304": NotModified, "400": BadRequest,
                  "403": UpdateRefused, "406": NotAcceptable, "413": PayloadTooLarge,
                  "429": TooManyRequests, "503": Unavailable}
    post:
      summary: Query by POST (a form, or the query as application/sparql-query)
      parameters: [default-graph-uri, named-graph-uri, sparql_format]
      requestBody: SparqlQuery
      responses: {"200": SparqlResults, "400": BadRequest, "403": UpdateRefused,
                  "406": NotAcceptable, "413": PayloadTooLarge, "415": UnsupportedMediaType,
                  "429": TooManyRequests, "503": Unavailable}
    """
    try:
        proto = _read_request()
    except RequestEntityTooLarge:
        abort(413, description=f"The request is too large: queries are limited to "
                               f"{config().max_query_bytes} bytes.")
    if not proto.queries:
        if request.method == "POST":
            raise sparql.MalformedQuery("No query: send it in the 'query' parameter.")
        return _describe(proto.formats)
    if len(proto.queries) > 1:
        raise sparql.MalformedQuery("Send exactly one 'query' parameter.")
    text = proto.queries[0]
    g.sparql_query = text
    cfg = config()
    if len(text.encode("utf-8")) > cfg.max_query_bytes:
        abort(413, description=f"The query is too large: the limit is {cfg.max_query_bytes} "
                               "bytes.")
    if _wants_html_results(proto.formats):

        return sparql_results.render(text, proto, _guard())
    info = _guard().check(
        text,
        default_graph_uris=proto.default_graph_uris,
        named_graph_uris=proto.named_graph_uris,
        published_graphs=store().graphs,
    )
    chosen = negotiate.choose(formats.SPARQL_OFFERS[info.kind], asked=proto.formats)
    media_type = chosen.media_type
    # The engine writes JSON-LD expanded; a graph asked for as JSON-LD is read from its
    # N-Triples and compacted by negotiate (the prefixes, or ?profile='s context).
    compact = chosen is negotiate.JSONLD
    profile = negotiate.jsonld_profile() if compact else None
    generation = store().generation()
    cache_key = ("sparql", text, media_type, tuple(proto.default_graph_uris),
                 tuple(proto.named_graph_uris), cfg.max_result_rows, profile)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    result = store().query(sparql.public_query(
        text, info, media_type=formats.N_TRIPLES.media_type if compact else media_type,
        default_graph_uris=proto.default_graph_uris, named_graph_uris=proto.named_graph_uris,
        timeout=cfg.query_timeout, max_rows=cfg.max_result_rows))
    if compact:
        graph = Graph().parse(data=result.body, format=formats.N_TRIPLES.rdflib)
        result = replace(result, body=negotiate.serialize(graph, chosen, profile),
                         media_type=media_type)
    served = result.media_type or media_type
    response = Response(result.body)
    # The engine's type may already carry a charset; Flask's ``mimetype`` would add another.
    if ";" in served:
        response.content_type = served
    else:
        response.mimetype = served
    response.headers["Content-Length"] = str(len(result.body))
    negotiate.finish(response)
    truncation_headers(response, result.truncated)
    return caching.remember(generation, cache_key, tag, response)


def _wants_html_results(asked: list[str]) -> bool:
    """A browser's query gets an HTML page: ``format=html``, or ``Accept`` naming
    ``text/html`` itself (not through ``*/*``) at least as high as any result type."""
    requested = [f.strip() for f in asked if f.strip()]
    if requested:
        return formats.by_name(requested[0], (formats.HTML,)) is formats.HTML
    return negotiate.asks_for(formats.HTML, (*formats.RESULTS_FORMATS,
                                             *formats.GRAPH_FORMATS, formats.TEXT))


# --- no query: the query page or the service description ----------------------------


def _describe(asked: list[str]) -> Response:
    fmt = negotiate.choose(_DESCRIPTION_FORMATS, asked=asked)
    if fmt is formats.HTML:
        return negotiate.finish(Response(query_page(), mimetype=fmt.media_type))
    graph = service_description(public_url("sparql"), store().graphs(), config())
    return negotiate.rdf_response(graph, fmt)


#: The terms this endpoint uses for what SPARQL 1.1 Service Description has no
#: words for (its limits, its base IRI); documented in the README.
SPARQL12 = URIRef("https://www.w3.org/TR/sparql12-query/")


def service_description(endpoint_iri: str, graphs: list[str], cfg=None) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint, naming every published graph.

    It says what the endpoint does, no more: SPARQL 1.1 Query with the SPARQL 1.2
    additions the engine implements (``sd:languageExtension``), the union
    default graph, the result formats, the limits and the base IRI that
    relative IRIs in queries resolve against (``cfg``: the running config).
    """
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("dct", DCTERMS)
    g.bind("ckb", CKB)
    service = BNode()
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint_iri)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.languageExtension, SPARQL12))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, DCTERMS.title, Literal("clusterkb SPARQL endpoint (read-only)", lang="en")))
    for fmt in _RESULT_FORMATS:
        g.add((service, SD.resultFormat, URIRef(fmt.iri)))
    for fmt in formats.TRIPLE_TERM_FORMATS:
        g.add((service, CKB.tripleTermResultFormat, URIRef(fmt.iri)))
    if cfg is not None:
        g.add((service, CKB.baseIRI, URIRef(cfg.base_iri)))
        g.add((service, CKB.maxQuerySeconds, Literal(cfg.query_timeout)))
        g.add((service, CKB.maxResultRows, Literal(cfg.max_result_rows)))
        g.add((service, CKB.maxResultBytes, Literal(cfg.max_result_bytes)))
        g.add((service, CKB.maxQueryBytes, Literal(cfg.max_query_bytes)))
        if cfg.service_allowlist:
            g.add((service, SD.feature, SD.BasicFederatedQuery))
    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, DCTERMS.description,
           Literal("The union of the published named graphs listed here.", lang="en")))
    for iri in sorted(graphs):
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(iri)))
    return g


