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
* 406 no acceptable result format; 413 body or query over
  ``Config.max_query_bytes``; 415 other POST content types, and a query body
  in a charset other than UTF-8 (the Protocol requires UTF-8);
* 500 only when the engine process died under the query (a known pyoxigraph
  abort in ORDER BY): the message says so, the worker is replaced;
* 503 the query ran past the time limit and was stopped (the service could not
  answer it within its limits; retrying the same query will not help, so no
  ``Retry-After``).

A cut result says so in ``X-SPARQL-Truncated: true`` (by rows or by
``Config.max_result_bytes``: ``X-SPARQL-Truncated-By``), ``X-SPARQL-Max-Rows``
and ``X-SPARQL-Max-Bytes``. Errors are plain text, or JSON ``{"error",
"message"}`` for clients preferring JSON; never a traceback, and never an engine
message that could carry what another server answered: evaluation failures get
a short message and the request id, the log keeps the detail. Without a query,
a browser gets the HTML query page and everyone else the SPARQL 1.1 Service
Description.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from flask.sansio.blueprints import BlueprintSetupState
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from werkzeug.exceptions import HTTPException

from clusterkb import sparql
from clusterkb.namespaces import CKB, SD
from clusterkb.store.base import EngineError, QuerySyntaxError, QueryTimeout, StoreError
from clusterkb.store.pool import QueryEvaluationError, WorkerCrashed, query_hash
from clusterkb.web import caching
from clusterkb.web.context import config, store
from clusterkb.web.editor import default_query
from clusterkb.web.urls import public_url

bp = Blueprint("sparql", __name__)
logger = logging.getLogger("clusterkb.query")

FORMATS = Namespace("http://www.w3.org/ns/formats/")
_GUARD_KEY = "clusterkb.sparql_guard"
_CHUNK = 64 * 1024
_RESULT_FORMAT_IRIS = (
    FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
    FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["N-Triples"], FORMATS["JSON-LD"],
    FORMATS.RDF_XML,
)
_RDFLIB_FORMATS = {
    sparql.TURTLE: "turtle", sparql.N_TRIPLES: "nt", sparql.JSON_LD: "json-ld",
    sparql.RDF_XML: "xml",
}
_FORM_TYPE = "application/x-www-form-urlencoded"
_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"


@bp.record_once
def _install_guard(state: BlueprintSetupState) -> None:
    """One guard (and its parse cache) per app, built from the app's config."""
    cfg = state.app.extensions["clusterkb.config"]
    state.app.extensions[_GUARD_KEY] = sparql.QueryGuard(cfg.service_allowlist,
                                                         base_iri=cfg.base_iri)


def _guard() -> sparql.QueryGuard:
    from flask import current_app

    return current_app.extensions[_GUARD_KEY]


# --- errors ---------------------------------------------------------------------


def _error(status: int, message: str) -> Response:
    """A short error body: JSON for clients that prefer it, else plain text."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/plain", "application/json", sparql.SPARQL_JSON, sparql.JSON_LD])
    if accept and best not in (None, "text/plain"):
        response = jsonify(error=status, message=message)
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = status
    response.headers["Vary"] = "Accept"
    return response


@bp.errorhandler(sparql.GuardError)
def _guard_error(error: sparql.GuardError) -> Response:
    return _error(error.status, error.message)


@bp.errorhandler(QuerySyntaxError)
def _engine_syntax_error(error: QuerySyntaxError) -> Response:
    return _error(400, syntax_message(error))


_ENGINE_POSITION = re.compile(r"^error at (\d+):(\d+): ?")


def syntax_message(error: QuerySyntaxError) -> str:
    """The engine's parse error, its ``L:C`` said as line and column.

    Safe to show: it depends on the query text alone. Its list of expected
    tokens can run to kilobytes, so it is cut.
    """
    detail = str(error)
    match = _ENGINE_POSITION.match(detail)
    where = f" at line {match.group(1)}, column {match.group(2)}" if match else ""
    detail = detail[match.end():] if match else detail
    if len(detail) > 300:
        detail = detail[:300].rstrip() + " …"
    return f"SPARQL syntax error{where}: {detail}"


def _request_id() -> str:
    return g.get("request_id", "") or "-"


@bp.errorhandler(QueryEvaluationError)
def _evaluation_error(error: QueryEvaluationError) -> Response:
    return _error(400, evaluation_message(error))


def evaluation_message(error: QueryEvaluationError) -> str:
    """A safe message for a query the engine could not evaluate; the detail goes to the log."""
    logger.warning("query %s failed in the engine (request %s): %s",
                   query_hash(_query_text()), _request_id(), error)
    return (f"{error.public} (request id {_request_id()}). The query is well-formed but the "
            "engine cannot evaluate it, e.g. it calls a function this endpoint does not have.")


@bp.errorhandler(WorkerCrashed)
def _worker_crashed(error: WorkerCrashed) -> Response:
    return _error(500, crash_message(error))


def crash_message(error: WorkerCrashed) -> str:
    """What happened when the engine process died, and what the client can do about it."""
    hint = ""
    if "order" in _query_text().lower():
        hint = (" A known cause is ORDER BY over a column that mixes numbers and strings, "
                "which makes the engine (pyoxigraph 0.5) abort; order by STR(?x), or by a "
                "typed expression such as xsd:decimal(?x), instead.")
    return (f"The query engine process stopped while running this query (request id "
            f"{_request_id()}, query {error.query_hash}); it has been replaced and other "
            f"queries are not affected.{hint}")


def _query_text() -> str:
    return g.get("sparql_query", "")


@bp.errorhandler(QueryTimeout)
def _timeout(error: QueryTimeout) -> Response:
    limit = config().query_timeout
    return _error(
        503,
        f"The query ran longer than this endpoint's limit of {limit:g} s and was stopped. "
        "Narrow it (more specific patterns, LIMIT) and try again.",
    )


@bp.app_errorhandler(EngineError)
@bp.errorhandler(EngineError)  # else this blueprint's StoreError handler would catch it first
def _engine_error(error: EngineError) -> Response:
    """A remote engine failed: the gateway's fault, said as 502 on every route."""
    return _error(502, f"The SPARQL engine behind this service failed: {error}")


@bp.errorhandler(StoreError)
def _store_error(error: StoreError) -> Response:
    logger.error("query %s: store error (request %s): %s", query_hash(_query_text()),
                 _request_id(), error)
    return _error(500, f"The query engine failed (request id {_request_id()}).")


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    messages = {
        413: f"The request is too large: queries are limited to {config().max_query_bytes} bytes.",
    }
    return _error(error.code or 500, messages.get(error.code or 0, error.description or ""))


@bp.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    """OPTIONS: the methods the endpoint takes; ``web/cors.py`` adds the CORS headers."""
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
    proto = _read_request()
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
        return _error(413, f"The query is too large: the limit is {cfg.max_query_bytes} bytes.")
    if _wants_html_results(proto.formats):
        from clusterkb.web import sparql_results  # the HTML results page reuses _query_page

        return sparql_results.render(text, proto, _guard())
    info = _guard().check(
        text,
        default_graph_uris=proto.default_graph_uris,
        named_graph_uris=proto.named_graph_uris,
        published_graphs=store().graphs,
    )
    media_type = sparql.negotiate(
        info.kind, proto.formats, request.accept_mimetypes, form=info.form
    )
    generation = store().generation()
    cache_key = ("sparql", text, media_type, tuple(proto.default_graph_uris),
                 tuple(proto.named_graph_uris), cfg.max_result_rows)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    result = store().query(
        text,
        media_type=media_type,
        default_graph_uris=proto.default_graph_uris,
        named_graph_uris=proto.named_graph_uris,
        timeout=cfg.query_timeout,
        max_rows=cfg.max_result_rows,
    )
    served = result.media_type or media_type
    response = Response(_chunks(result.body))
    # The engine's type may already carry a charset; Flask's ``mimetype`` would add another.
    if ";" in served:
        response.content_type = served
    else:
        response.mimetype = served
    response.headers["Content-Length"] = str(len(result.body))
    response.headers["Vary"] = "Accept"
    truncation_headers(response, result.truncated)
    return caching.remember(generation, cache_key, tag, response)


def truncation_headers(response: Response, truncated: bool | str) -> None:
    """Announce the caps, and which one cut this result (``rows`` or ``bytes``)."""
    cfg = config()
    response.headers["X-SPARQL-Max-Rows"] = str(cfg.max_result_rows)
    response.headers["X-SPARQL-Max-Bytes"] = str(cfg.max_result_bytes)
    if truncated:
        response.headers["X-SPARQL-Truncated"] = "true"
        response.headers["X-SPARQL-Truncated-By"] = truncated if isinstance(truncated, str) \
            else "rows"


def _chunks(body: bytes) -> Iterator[bytes]:
    """Send a large result in pieces rather than one write."""
    view = memoryview(body)
    for start in range(0, len(view), _CHUNK):
        yield bytes(view[start:start + _CHUNK])


def _wants_html_results(formats: list[str]) -> bool:
    """A browser's query gets an HTML page: ``format=html``, or ``Accept`` naming
    ``text/html`` itself (not through ``*/*``) at least as high as any result type."""
    requested = [f.strip().lower() for f in formats if f.strip()]
    if requested:
        return requested[0] in ("html", sparql.HTML)
    accept = request.accept_mimetypes
    html = max((q for value, q in accept if value.lower() == sparql.HTML), default=0)
    if not html:
        return False
    ours = {t for types in sparql.RESULT_TYPES.values() for t in types}
    ours |= {"application/json", "application/xml", "text/xml", "text/plain"}
    others = max((q for value, q in accept if value.lower() in ours), default=0)
    return html >= others


# --- no query: the query page or the service description ----------------------------


def _describe(formats: list[str]) -> Response:
    media_type = sparql.negotiate_description(formats, request.accept_mimetypes)
    if media_type == sparql.HTML:
        response = Response(_query_page())
    else:
        graph = service_description(public_url("sparql"), store().graphs(), config())
        body = graph.serialize(format=_RDFLIB_FORMATS[media_type], encoding="utf-8")
        response = Response(body, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


#: The terms this endpoint uses for what SPARQL 1.1 Service Description has no
#: words for (its limits, its base IRI); documented in the README.
SPARQL12 = URIRef("https://www.w3.org/TR/sparql12-query/")
#: The result formats that carry SPARQL 1.2 triple terms (CSV/TSV flatten them).
_TRIPLE_TERM_FORMATS = (FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML,
                        FORMATS.Turtle, FORMATS["N-Triples"])


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
    for iri in _RESULT_FORMAT_IRIS:
        g.add((service, SD.resultFormat, iri))
    for iri in _TRIPLE_TERM_FORMATS:
        g.add((service, CKB.tripleTermResultFormat, iri))
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


@dataclass(frozen=True)
class Example:
    """One example query from ``kb/questions/*.rq``."""

    slug: str
    title: str
    description: str
    query: str


def load_examples(questions_dir: Path) -> list[Example]:
    """Read the example queries from their leading ``#`` comment lines.

    Either ``# title: ...`` / ``# description: ...`` lines, or plain comment
    lines: the first is the title, the rest the description. Read on each
    request of the HTML page: a handful of small files, and edits show up
    without a restart.
    """
    examples = []
    for path in sorted(questions_dir.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        fields: dict[str, list[str]] = {"title": [], "description": []}
        current = "title"
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comment = line.lstrip("#").strip()
            key, sep, value = comment.partition(":")
            if sep and key.strip().lower() in fields:
                current = key.strip().lower()
                comment = value.strip()
            elif fields["title"] and current == "title":
                current = "description"  # plain comments: the first line is the title
            if comment:
                fields[current].append(comment)
        title = " ".join(fields["title"]) or path.stem.replace("-", " ")
        examples.append(Example(path.stem, title, " ".join(fields["description"]), text))
    return examples


def _query_page(**context) -> str:
    """The query form with the example questions; ``context`` adds results or an error."""
    examples = load_examples(config().kb_dir / "questions")
    chosen = request.args.get("example")
    query = next((e.query for e in examples if e.slug == chosen), default_query(config()))
    context.setdefault("query", query)
    return render_template(
        "query.html",
        endpoint=url_for("sparql.endpoint"),
        examples=examples,
        chosen=chosen,
        config_timeout=f"{config().query_timeout:g}",
        config_rows=config().max_result_rows,
        **context,
    )

