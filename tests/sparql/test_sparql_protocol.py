"""The /sparql protocol logic in-process, over a recording stand-in for the store.

The end-to-end tests (test_sparql_endpoint.py) run the real store and server;
these pin down what the blueprint sends to the store (and that refused
requests never reach it) without needing a built KB.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from rdflib import Graph, URIRef

from clusterkb.config import Config
from clusterkb.namespaces import SD
from clusterkb.store.base import QueryResult, QueryTimeout, Store
from clusterkb.web import create_app

GRAPHS = ["https://w3id.org/clusterkb/graph/ontology",
          "https://w3id.org/clusterkb/graph/clusters/rohealth"]
SELECT = "SELECT ?s WHERE { ?s ?p ?o }"


class RecordingStore(Store):
    """Answers every query with a fixed body and remembers what it was asked."""

    def __init__(self, *, truncated: bool = False, timeout: bool = False) -> None:
        self.calls: list[dict] = []
        self.truncated = truncated
        self.timeout = timeout

    def query(self, query):
        self.calls.append(dict(query=query.text, media_type=query.media_type,
                               default_graph_uris=list(query.default_graph_uris),
                               named_graph_uris=list(query.named_graph_uris),
                               timeout=query.timeout, max_rows=query.max_rows))
        if self.timeout:
            raise QueryTimeout("stopped")
        return QueryResult(b"x" * 200_000, query.media_type, query.kind, self.truncated)

    def select(self, query):
        return []

    def ask(self, query):
        return False

    def construct(self, query):
        return Graph()

    def graphs(self):
        return list(GRAPHS)

    def graph(self, iri):
        return Graph()

    def pending_graphs(self):
        return []

    def graphs_from(self, origin):
        return set()

    def is_empty(self):
        return False

    def write(self):
        raise AssertionError("the read-only /sparql endpoint must never write")

    def publish_graph(self, iri):
        raise AssertionError("the read-only /sparql endpoint must never write")

    def replace_graphs(self, graphs, *, publish=True):
        raise AssertionError("the read-only /sparql endpoint must never write")

    def delete_graph(self, iri):
        raise AssertionError("the read-only /sparql endpoint must never write")

    def dump(self, media_type):
        return iter(())

    def generation(self):
        return "0"

    def modified(self):
        return datetime(2026, 1, 1, tzinfo=UTC)


def make_client(tmp_path, store, **settings):
    (tmp_path / "kb" / "questions").mkdir(parents=True)
    settings.setdefault("query_timeout", 7.5)
    settings.setdefault("max_result_rows", 123)
    config = Config(var_dir=tmp_path / "var", kb_dir=tmp_path / "kb", **settings)
    return create_app(config, store).test_client()


@pytest.fixture
def store():
    return RecordingStore()


@pytest.fixture
def client(tmp_path, store):
    return make_client(tmp_path, store)


def test_get_runs_the_query_with_the_configured_limits(client, store):
    response = client.get(f"/sparql?query={quote(SELECT)}")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.headers["X-SPARQL-Max-Rows"] == "123"
    assert "X-SPARQL-Truncated" not in response.headers
    assert response.headers["Content-Length"] == "200000"
    assert len(response.data) == 200_000
    assert store.calls == [dict(query=SELECT, media_type="application/sparql-results+json",
                                default_graph_uris=[], named_graph_uris=[],
                                timeout=7.5, max_rows=123)]


def test_the_three_request_shapes_send_the_same_query_and_dataset(client, store):
    dataset = {"default-graph-uri": GRAPHS[0], "named-graph-uri": GRAPHS[1]}
    client.get("/sparql", query_string={"query": SELECT, **dataset})
    client.post("/sparql", data={"query": SELECT, **dataset})
    client.post("/sparql", query_string=dataset, data=SELECT.encode(),
                content_type="application/sparql-query")
    assert len(store.calls) == 3
    assert store.calls[0] == store.calls[1] == store.calls[2]
    assert store.calls[0]["default_graph_uris"] == [GRAPHS[0]]
    assert store.calls[0]["named_graph_uris"] == [GRAPHS[1]]


def test_truncated_results_say_so(tmp_path):
    client = make_client(tmp_path, RecordingStore(truncated=True))
    response = client.get("/sparql", query_string={"query": SELECT})
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert response.headers["X-SPARQL-Max-Rows"] == "123"
    assert "X-SPARQL-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_time_out_is_503_with_the_limit_in_the_message(tmp_path):
    client = make_client(tmp_path, RecordingStore(timeout=True))
    response = client.get("/sparql", query_string={"query": SELECT},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 503
    assert response.is_json
    assert "7.5 s" in response.get_json()["error"]


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
        lambda c: c.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}),
        lambda c: c.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update"),
        lambda c: c.post("/sparql", data={"query": "LOAD <http://example.org/x.ttl>"}),
        lambda c: c.get("/sparql", query_string={"query": "DROP ALL"}),
    ],
)
def test_updates_get_403_and_never_reach_the_store(client, store, send):
    response = send(client)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert store.calls == []


@pytest.mark.parametrize(
    ("query", "status", "needle"),
    [
        ("ASK { FILTER(?x = 'a) }", 400, "line 1, column 19"),  # a string that never ends
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400, "SERVICE"),
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "file:///etc/passwd"),
    ],
)
def test_refused_queries_get_4xx_with_a_reason_and_never_reach_the_store(
    client, store, query, status, needle
):
    response = client.post("/sparql", data={"query": query})
    assert response.status_code == status
    assert needle in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert store.calls == []


def test_published_graph_in_from_is_allowed(client, store):
    query = f"SELECT * FROM <{GRAPHS[1]}> WHERE {{ ?s ?p ?o }}"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    assert store.calls[0]["query"] == query


def test_foreign_dataset_parameter_is_refused(client, store):
    response = client.get("/sparql", query_string={"query": SELECT,
                                                    "named-graph-uri": "http://example.org/"})
    assert response.status_code == 400
    assert "named-graph-uri" in response.get_data(as_text=True)
    assert store.calls == []


def test_other_content_types_get_415(client, store):
    for content_type in ("text/plain", "application/json", None):
        kwargs = {"content_type": content_type} if content_type else {}
        response = client.post("/sparql", data=b"SELECT * {}", **kwargs)
        assert response.status_code == 415, content_type
        assert "application/sparql-query" in response.get_data(as_text=True)
    assert store.calls == []


def test_bodies_and_queries_over_the_limit_get_413(tmp_path):
    store = RecordingStore()
    client = make_client(tmp_path, store, max_query_bytes=1000)
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 1000
    direct = client.post("/sparql", data=big.encode(), content_type="application/sparql-query")
    form = client.post("/sparql", data={"query": big})
    get = client.get("/sparql", query_string={"query": big})
    assert (direct.status_code, form.status_code, get.status_code) == (413, 413, 413)
    assert "1000 bytes" in direct.get_data(as_text=True)
    assert store.calls == []


def test_unacceptable_formats_get_406_and_unknown_names_400(client, store):
    response = client.get("/sparql", query_string={"query": SELECT},
                          headers={"Accept": "image/png"})
    assert response.status_code == 406
    # #14.2: a format name the form does not offer is 400 listing the names, as on every route
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                   "format": "csv"})
    assert response.status_code == 400 and "ttl" in response.get_json()["error"]
    assert store.calls == []


def test_two_queries_are_ambiguous(client, store):
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400
    assert store.calls == []


def test_cors_on_answers_errors_and_preflight(client):
    ok = client.get("/sparql", query_string={"query": SELECT})
    error = client.get("/sparql", query_string={"query": "SELECT"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)  # any 2xx passes a CORS preflight
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_service_description_lists_endpoint_formats_and_graphs(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    g = Graph().parse(data=response.data, format="turtle")
    service = g.value(predicate=SD.endpoint, object=URIRef("http://localhost/sparql"))
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    names = {str(n) for n in g.objects(None, SD.name)}
    assert names == set(GRAPHS)
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert len(Graph().parse(data=jsonld.data, format="json-ld")) == len(g)


def test_browser_gets_the_query_page_with_examples(tmp_path, store):
    client = make_client(tmp_path, store)
    questions = tmp_path / "kb" / "questions"
    (questions / "members-of-rohealth.rq").write_text(
        "# Members of ROHEALTH\n# Which organisations belong to the cluster?\n"
        "SELECT ?m WHERE { ?c <http://www.w3.org/ns/org#hasMember> ?m }\n", encoding="utf-8")
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/sparql", headers=browser)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<form method="get" action="/sparql">' in html
    assert '<textarea id="query" name="query"' in html
    assert '<select id="format" name="format">' in html
    assert "Members of ROHEALTH" in html
    assert "Which organisations belong to the cluster?" in html
    assert 'href="/sparql?example=members-of-rohealth"' in html
    prefilled = client.get("/sparql?example=members-of-rohealth", headers=browser)
    assert "org#hasMember&gt; ?m }" in prefilled.get_data(as_text=True)
    assert store.calls == []


def test_error_bodies_are_json_for_json_clients(client):
    response = client.get("/sparql", query_string={"query": "SELECT \"x"},
                          headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = json.loads(response.data)
    assert body["status"] == 400 and "syntax error" in body["error"]


def test_query_size_limit_is_configurable_from_the_environment():
    assert Config.from_env({"CLUSTERKB_MAX_QUERY_BYTES": "2048"}).max_query_bytes == 2048


def test_example_headers_in_both_styles(tmp_path):
    from clusterkb.web.query_page import load_examples

    (tmp_path / "01-keyed.rq").write_text(
        "# title: Silver clusters\n# description: Clusters with a Silver label,\n"
        "#   and the level.\n\nSELECT * {}\n", encoding="utf-8")
    (tmp_path / "02-plain.rq").write_text(
        "# Founders\n# Who founded the clusters.\nASK {}\n", encoding="utf-8")
    (tmp_path / "03-bare.rq").write_text("ASK {}\n", encoding="utf-8")
    keyed, plain, bare = load_examples(tmp_path)
    assert (keyed.slug, keyed.title) == ("01-keyed", "Silver clusters")
    assert keyed.description == "Clusters with a Silver label, and the level."
    assert keyed.query.endswith("SELECT * {}\n")
    assert (plain.title, plain.description) == ("Founders", "Who founded the clusters.")
    assert (bare.title, bare.description) == ("03 bare", "")
