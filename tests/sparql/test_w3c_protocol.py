"""The SPARQL 1.1 Protocol test suite's query half, one test per manifest entry (issue 16.5).

``sparql11/protocol/manifest.ttl`` describes its tests in words against the
W3C's own data; here each is replayed against the real server over the
conftest test graphs: ``TEST_GRAPH`` (three clusters) and ``OTHER_GRAPH`` (one
label), so "the dataset the protocol named" is visible in what a query finds.
The manifest's test name is in each docstring.
"""

from __future__ import annotations

import pytest
import requests

from .conftest import ALPHA, OTHER_GRAPH, TEST_GRAPH
from .w3c_suite import SUITE

TIMEOUT = 60
IN_TEST = f"ASK {{ <{ALPHA}> ?p ?o }}"  # true exactly when TEST_GRAPH is in the default graph
IN_OTHER = "ASK { <https://w3id.org/clusterkb/id/cluster/test-other> ?p ?o }"
NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def _boolean(response: requests.Response) -> bool:
    assert response.status_code == 200, response.text[:300]
    return response.json()["boolean"]


def _get(url: str, **params) -> requests.Response:
    return requests.get(f"{url}/sparql", params=params, timeout=TIMEOUT,
                        headers={"Accept": "application/sparql-results+json"})


def _post_form(url: str, data) -> requests.Response:
    return requests.post(f"{url}/sparql", data=data, timeout=TIMEOUT,
                         headers={"Accept": "application/sparql-results+json"})


def test_the_manifest_is_there_to_follow():
    if not SUITE.is_dir():
        pytest.skip(f"W3C test suites absent: {SUITE}")
    text = (SUITE / "sparql11" / "protocol" / "manifest.ttl").read_text(encoding="utf-8")
    for name in ("query_post_form", "query_dataset_default_graphs_get",
                 "query_dataset_default_graphs_post", "query_dataset_named_graphs_post",
                 "query_dataset_named_graphs_get", "query_dataset_full", "query_multiple_dataset",
                 "query_get", "query_content_type_select", "query_content_type_ask",
                 "query_content_type_describe", "query_content_type_construct",
                 "query_post_direct", "bad_query_method", "bad_multiple_queries",
                 "bad_query_wrong_media_type", "bad_query_missing_form_type",
                 "bad_query_missing_direct_type", "bad_query_non_utf8", "bad_query_syntax",
                 "update_base_uri"):
        assert f":{name} " in text or f":{name}\n" in text


def test_query_get_post_form_and_post_direct(sparql_server):
    """query via GET; query via URL-encoded POST; query via POST directly."""
    assert _boolean(_get(sparql_server, query=IN_TEST)) is True
    assert _boolean(_post_form(sparql_server, {"query": IN_TEST})) is True
    direct = requests.post(f"{sparql_server}/sparql", data=IN_TEST.encode(), timeout=TIMEOUT,
                           headers={"Content-Type": "application/sparql-query",
                                    "Accept": "application/sparql-results+json"})
    assert _boolean(direct) is True


def test_protocol_default_graph_get(sparql_server):
    """GET query with protocol-specified default graph (query_dataset_default_graphs_get)."""
    assert _boolean(_get(sparql_server, query=IN_TEST, **{"default-graph-uri": TEST_GRAPH}))
    assert not _boolean(_get(sparql_server, query=IN_OTHER,
                             **{"default-graph-uri": TEST_GRAPH}))


def test_protocol_default_graphs_post(sparql_server):
    """POST query with protocol-specified default graphs: their merge."""
    query = f"ASK {{ <{ALPHA}> ?p ?o . <https://w3id.org/clusterkb/id/cluster/test-other> ?q ?r }}"
    data = [("query", query),
            ("default-graph-uri", TEST_GRAPH), ("default-graph-uri", OTHER_GRAPH)]
    assert _boolean(_post_form(sparql_server, data)) is True
    one = [data[0], ("default-graph-uri", TEST_GRAPH)]
    assert _boolean(_post_form(sparql_server, one)) is False


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_protocol_named_graphs(sparql_server, method):
    """GET / POST query with protocol-specified named graphs."""
    params = [("query", NAMED), ("named-graph-uri", OTHER_GRAPH)]
    if method == "GET":
        response = requests.get(f"{sparql_server}/sparql", params=params, timeout=TIMEOUT,
                                headers={"Accept": "application/sparql-results+json"})
    else:
        response = _post_form(sparql_server, params)
    assert response.status_code == 200
    graphs = [b["g"]["value"] for b in response.json()["results"]["bindings"]]
    assert graphs == [OTHER_GRAPH]


def test_protocol_dataset_full(sparql_server):
    """query with protocol-specified dataset (both named and default graphs)."""
    query = f"ASK {{ <{ALPHA}> ?p ?o GRAPH <{OTHER_GRAPH}> {{ ?s ?q ?r }} }}"
    params = {"query": query, "default-graph-uri": TEST_GRAPH, "named-graph-uri": OTHER_GRAPH}
    assert _boolean(_get(sparql_server, **params)) is True
    params["named-graph-uri"] = TEST_GRAPH
    assert _boolean(_get(sparql_server, **params)) is False


def test_protocol_dataset_wins_over_from(sparql_server):
    """query specifying dataset in both query string and protocol; the protocol's is used."""
    query = f"ASK FROM <{OTHER_GRAPH}> {{ <{ALPHA}> ?p ?o }}"
    assert _boolean(_get(sparql_server, query=query)) is False  # FROM alone: OTHER only
    assert _boolean(_get(sparql_server, query=query,
                         **{"default-graph-uri": TEST_GRAPH})) is True


@pytest.mark.parametrize(("query", "allowed"), [
    (f"SELECT ?s WHERE {{ GRAPH <{TEST_GRAPH}> {{ ?s ?p ?o }} }} LIMIT 1",
     {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
      "text/tab-separated-values"}),
    ("ASK { ?s ?p ?o }", {"application/sparql-results+xml", "application/sparql-results+json"}),
    (f"DESCRIBE <{ALPHA}>", {"application/rdf+xml", "text/turtle", "application/n-triples"}),
    (f"CONSTRUCT WHERE {{ <{ALPHA}> ?p ?o }}",
     {"application/rdf+xml", "text/turtle", "application/n-triples"}),
])
def test_content_type_per_form_under_any_accept(sparql_server, query, allowed):
    """query appropriate content type (select, ask, describe, construct) with Accept: */*."""
    response = requests.get(f"{sparql_server}/sparql", params={"query": query},
                            headers={"Accept": "*/*"}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] in allowed


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(sparql_server, method):
    """invoke query operation with a method other than GET or POST."""
    response = requests.request(method, f"{sparql_server}/sparql", params={"query": "ASK {}"},
                                timeout=TIMEOUT)
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


def test_more_than_one_query_is_400(sparql_server):
    """invoke query operation with more than one query string."""
    response = requests.get(f"{sparql_server}/sparql", params=[("query", "ASK {}"),
                                                              ("query", "SELECT * {}")],
                            timeout=TIMEOUT)
    assert response.status_code == 400


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b"ASK {}"),  # neither form nor sparql-query
    ("text/plain", b"query=ASK%20%7B%7D"),  # url-encoded body, wrong media type
    ("application/x-www-form-urlencoded+x", b"ASK {}"),  # SPARQL body, wrong media type
])
def test_wrong_media_types_are_415(sparql_server, content_type, body):
    """bad_query_wrong_media_type, bad_query_missing_form_type, bad_query_missing_direct_type."""
    response = requests.post(f"{sparql_server}/sparql", data=body, timeout=TIMEOUT,
                             headers={"Content-Type": content_type})
    assert response.status_code == 415


def test_non_utf8_body_is_refused(sparql_server):
    """invoke query operation with direct POST, but with a non-UTF8 encoding (UTF-16)."""
    response = requests.post(f"{sparql_server}/sparql", data="ASK {}".encode("utf-16"),
                             timeout=TIMEOUT,
                             headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert response.status_code in (400, 415)
    undeclared = requests.post(f"{sparql_server}/sparql", data="ASK {}".encode("utf-16"),
                               timeout=TIMEOUT,
                               headers={"Content-Type": "application/sparql-query"})
    assert undeclared.status_code == 400


def test_invalid_syntax_is_400(sparql_server):
    """invoke query operation with invalid query syntax (4XX result)."""
    response = _get(sparql_server, query="ASK {")
    assert response.status_code == 400


def test_update_through_the_query_operation_is_refused(sparql_server):
    """update via URL-encoded POST / POST directly / GET, sent to the query endpoint."""
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    responses = [
        _post_form(sparql_server, {"update": update}),
        _post_form(sparql_server, {"query": update}),
        requests.post(f"{sparql_server}/sparql", data=update.encode(), timeout=TIMEOUT,
                      headers={"Content-Type": "application/sparql-update"}),
        _get(sparql_server, update=update),
    ]
    assert [r.status_code for r in responses] == [403] * 4
    assert not _boolean(_get(sparql_server, query="ASK { <http://example.org/s> ?p ?o }"))


def test_service_defined_base_iri(sparql_server):
    """test for service-defined BASE URI (the query half: a relative IRI is made absolute)."""
    query = 'ASK { BIND(<test> AS ?o) FILTER(isIRI(?o) && STR(?o) != "test") }'
    assert _boolean(_get(sparql_server, query=query)) is True
