"""Query results as an HTML page, for a person who ran a query from a browser.

The query goes through the same guard, time limit and row cap as any other;
the engine answers in SPARQL JSON (or Turtle for graphs) and this module lays
that out as a table: IRIs under the base IRI link to their local pages with
their labels, others link out. The page keeps the query in the form, says when
the row cap cut the result, and links to the same result as JSON, XML, CSV,
TSV (or Turtle, N-Triples, JSON-LD, RDF/XML for graphs).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, url_for
from rdflib import Graph, Literal, URIRef

from clusterkb import formats, sparql
from clusterkb.labels import fetch_labels, short_name
from clusterkb.links import safe_href
from clusterkb.store.base import (
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    WorkerCrashed,
)
from clusterkb.web import negotiate
from clusterkb.web.context import config, store
from clusterkb.web.errors import public_error
from clusterkb.web.query_page import query_page
from clusterkb.web.urls import local_url

#: Cells whose IRI labels are looked up: enough for a page, cheap for the store.
MAX_LABELLED = 2000



def render(text: str, proto, guard: sparql.QueryGuard) -> Response:
    cfg = config()
    # Refusals re-show the form with the message (a page, not an error body); the
    # message is the one web/errors gives every other client.
    try:
        info = guard.check(text, default_graph_uris=proto.default_graph_uris,
                           named_graph_uris=proto.named_graph_uris,
                           published_graphs=store().graphs)
        media = (formats.TURTLE if info.kind == "graph" else formats.SPARQL_JSON).media_type
        result = store().query(sparql.public_query(
            text, info, media_type=media, default_graph_uris=proto.default_graph_uris,
            named_graph_uris=proto.named_graph_uris, timeout=cfg.query_timeout,
            max_rows=cfg.max_result_rows))
    except (sparql.GuardError, QuerySyntaxError, QueryEvaluationError, WorkerCrashed,
            QueryTimeout) as error:
        shown = error if isinstance(error, sparql.GuardError) else public_error(error)
        return _page(query_page(query=text, error=shown.message), shown.status)
    table = _table(result.body, info.kind)
    params = [("query", text)] + [("default-graph-uri", g) for g in proto.default_graph_uris] \
        + [("named-graph-uri", g) for g in proto.named_graph_uris]
    endpoint = url_for("sparql.endpoint")
    downloads = [(fmt.label, f"{endpoint}?{urlencode(params + [('format', fmt.name)])}")
                 for fmt in formats.SPARQL_OFFERS[info.kind]]
    body = query_page(query=text, results=table, truncated=result.truncated,
                       downloads=downloads, kind=info.kind)
    response = _page(body, 200)
    truncation_headers(response, result.truncated)
    return response


def _page(body: str, status: int) -> Response:
    return negotiate.finish(Response(body, status, mimetype=formats.HTML.media_type))


def _table(body: bytes, kind: str) -> dict:
    """Columns and rows of cells ({text, href, lang, datatype}) from the engine's answer."""
    if kind == "boolean":
        return {"boolean": bool(json.loads(body).get("boolean")), "columns": [], "rows": []}
    if kind == "graph":
        graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
        columns = ["subject", "predicate", "object"]
        raw = [dict(zip(columns, t, strict=True)) for t in sorted(graph)]
    else:
        data = json.loads(body)
        columns = data.get("head", {}).get("vars", [])
        raw = [{name: _term(b) for name, b in row.items()}
               for row in data.get("results", {}).get("bindings", [])]
    labels = _labels({t for row in raw for t in row.values() if isinstance(t, URIRef)})
    rows = [[_cell(row.get(c), labels) for c in columns] for row in raw]
    return {"boolean": None, "columns": columns, "rows": rows}


def _term(binding: dict):
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return f"_:{value}"
    return Literal(value, lang=binding.get("xml:lang"),
                   datatype=binding.get("datatype") if not binding.get("xml:lang") else None)


def _labels(iris: set[URIRef]) -> dict[str, str]:
    """Names of the IRIs under the base IRI (the only ones the store can name)."""
    base = config().base_iri
    ours = sorted(str(i) for i in iris if str(i).startswith(base))[:MAX_LABELLED]
    return fetch_labels(store(), ours)


def _cell(term, labels: dict[str, str]) -> dict | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        local = local_url(str(term))
        text = (labels.get(str(term)) or short_name(str(term))) if local else str(term)
        return {"text": text, "href": local or safe_href(str(term)), "iri": str(term),
                "external": local is None}
    if isinstance(term, Literal):
        dt = short_name(str(term.datatype)) if term.datatype else None
        return {"text": str(term), "lang": term.language,
                "datatype": dt if dt not in (None, "xsd:string") else None}
    return {"text": str(term)}


def truncation_headers(response: Response, truncated: bool | str) -> None:
    """Announce the caps, and which one cut this result (``rows`` or ``bytes``)."""
    cfg = config()
    response.headers["X-SPARQL-Max-Rows"] = str(cfg.max_result_rows)
    response.headers["X-SPARQL-Max-Bytes"] = str(cfg.max_result_bytes)
    if truncated:
        response.headers["X-SPARQL-Truncated"] = "true"
        response.headers["X-SPARQL-Truncated-By"] = truncated if isinstance(truncated, str) \
            else "rows"
