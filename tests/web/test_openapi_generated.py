"""``/openapi.json`` is generated from the app (#19.8): every route is in it, as it is.

The route test walks the app's own ``url_map``, so a route added without its OpenAPI
YAML (in the view's docstring, after ``---``) fails here by name. The other tests check
what a harvester or client generator needs from the document, with expected values
written from the routes' code and the specs (SPARQL 1.1 Protocol section 2.1), not
read back from the generator.
"""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from clusterkb import formats
from clusterkb.search import FACETS
from clusterkb.web.dump_files import DUMP_NAMES

#: Routes that serve the files of a folder (the site's assets and Swagger UI's).
ASSET_ENDPOINTS = {"static", "openapi.static"}
_PARAM = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture()
def document(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _template(rule: str) -> str:
    return _PARAM.sub(r"{\1}", rule)


def test_every_route_of_the_url_map_is_documented(app, document):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ASSET_ENDPOINTS:
            continue
        methods = set(rule.methods) - {"HEAD"}
        if rule.provide_automatic_options:
            methods.discard("OPTIONS")
        item = document["paths"].get(_template(rule.rule), {})
        for method in sorted(methods):
            operation = item.get(method.lower())
            if not operation or not operation.get("responses"):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
                continue
            declared = {p["name"] for p in item.get("parameters", []) + operation.get(
                "parameters", []) if "$ref" not in p and p["in"] == "path"}
            declared |= {_ref_name(document, p) for p in operation.get("parameters", [])
                         if "$ref" in p and _resolve(document, p)["in"] == "path"}
            assert declared == set(rule.arguments), (rule.rule, declared)
    assert missing == []


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = document["components"][kind][name]
    return node


def _ref_name(document: dict, node: dict) -> str:
    return _resolve(document, node)["name"]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    ids = [op["operationId"] for item in document["paths"].values()
           for key, op in item.items() if key in ("get", "post", "options")]
    assert len(ids) == len(set(ids))


def _operation(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method]


def _parameters(document: dict, path: str, method: str) -> dict[str, dict]:
    found = [_resolve(document, p) for p in
             document["paths"][path].get("parameters", [])
             + _operation(document, path, method).get("parameters", [])]
    return {f"{p['in']}:{p['name']}": p for p in found}


def test_search_documents_its_query_and_every_facet(document):
    names = set(_parameters(document, "/search", "get"))
    assert {"query:q", "query:page", "query:per_page", "query:format"} <= names
    for facet, _ in FACETS:  # kind, country, level, sector, type
        assert f"query:{facet}" in names, facet
    ok = _resolve(document, _operation(document, "/search", "get")["responses"]["200"])
    schema = _resolve(document, ok["content"]["application/json"]["schema"])
    assert {"facets", "filters", "hits", "total"} <= set(schema["required"])


def test_sparql_has_the_protocol_operations_and_parameters(document):
    item = document["paths"]["/sparql"]
    assert {"get", "post", "options"} <= set(item)
    for name in ("query", "default-graph-uri", "named-graph-uri"):
        assert f"query:{name}" in _parameters(document, "/sparql", "get"), name
    body = _operation(document, "/sparql", "post")["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(body)
    ok = _resolve(document, _operation(document, "/sparql", "get")["responses"]["200"])
    served = set(ok["content"])
    assert {"application/sparql-results+json", "application/sparql-results+xml",
            "text/csv", "text/tab-separated-values", "text/turtle"} <= served
    assert "403" in _operation(document, "/sparql", "post")["responses"]  # updates refused


def test_curator_and_session_routes_require_credentials(document):
    for path, method in (("/submissions", "get"), ("/submissions", "post"),
                         ("/submissions/{submission_id}", "get"),
                         ("/submissions/{submission_id}/diff", "get"),
                         ("/submissions/{submission_id}/accept", "post"),
                         ("/submissions/{submission_id}/reject", "post")):
        operation = _operation(document, path, method)
        assert {"bearerAuth": []} in operation["security"], (path, method)
        assert {"401", "403"} <= set(operation["responses"]), (path, method)
    sign_in = _operation(document, "/submissions/session", "post")
    assert "303" in sign_in["responses"] and "Set-Cookie" in _resolve(
        document, sign_in["responses"]["303"])["headers"]
    assert "303" in _operation(document, "/submissions/session/end", "post")["responses"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                     "description": schemes["bearerAuth"]["description"]}
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["sessionCookie"]["name"] == "clusterkb_session"


def test_linked_data_dumps_catalogue_and_void_are_there(document):
    for path in ("/id/{rest}", "/vocab/{rest}", "/graph/{rest}", "/ontology", "/shapes",
                 "/catalog", "/catalog.{ext}", "/.well-known/void", "/dump.{ext}",
                 "/healthz", "/context.jsonld", "/validate", "/id/cluster/{slug}/history"):
        assert path in document["paths"], path
    dump = _parameters(document, "/dump.{ext}", "get")["path:ext"]
    assert set(dump["schema"]["enum"]) == {"ttl", "ttl.gz", "nt", "nt.gz", "nq", "nq.gz"}
    assert set(dump["schema"]["enum"]) == {n.removeprefix("dump.") for n in DUMP_NAMES}
    page = _resolve(document, _operation(document, "/id/{rest}", "get")["responses"]["200"])
    assert {"text/html", "text/turtle", "application/ld+json", "application/n-triples",
            "application/rdf+xml"} <= set(page["content"])
    history = _parameters(document, "/id/cluster/{slug}/history/{n}", "get")
    assert history["path:n"]["schema"]["type"] == "integer"  # an <int:n> converter


def test_media_types_come_from_the_format_registry(document):
    """Every media type the document names is one of clusterkb.formats' (no typo'd string)."""
    known = {f.media_type for f in vars(formats).values() if isinstance(f, formats.Format)}
    named = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "content":
                    named.update(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert named and named <= known, named - known


def test_the_server_is_the_public_root(client, document):
    assert document["servers"] == [{"url": "http://localhost"}]


def test_format_names_in_the_document_are_the_registry_names(document):
    """The short names the YAML lists (``?format=``, ``.ext``) are those negotiation knows."""
    names = {f.name for f in (formats.HTML, *formats.GRAPH_FORMATS)}
    parameters = document["components"]["parameters"]
    assert set(parameters["format"]["schema"]["enum"]) == names
    assert set(parameters["rdf_ext"]["schema"]["enum"]) == names
    assert names == {"html", "ttl", "nt", "jsonld", "rdf"}  # as the docstrings name them
