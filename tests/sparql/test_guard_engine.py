"""What the engine says about a query, as a client sees it (issue 16.3, 16.4; 13 byte cap).

One real server (its log file known, so logged events can be checked) over a
store holding the conftest test graphs plus a graph whose objects mix integers
and strings: the data on which pyoxigraph 0.5.13's ORDER BY aborts its process.
The byte cap is set low (4 KB) so that a cut can be provoked with a few rows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from tests.support import free_port, wait_until_up

from clusterkb.config import Config
from clusterkb.namespaces import graph_iri
from clusterkb.store.embedded import EmbeddedStore

from .conftest import BASE, OTHER, OTHER_GRAPH, TEST_GRAPH, cluster_graph

MIXED_GRAPH = graph_iri(BASE, "test/mixed")
MAX_BYTES = 4096
JSON_TYPE = "application/sparql-results+json"


def _mixed() -> Graph:
    graph = Graph()
    p = URIRef("http://example.org/p")
    for i in range(200):  # the same data that aborted the engine when this test was written
        value = Literal(str(i * 7919 % 1000)) if i % 2 else Literal(i * 104729 % 1000)
        graph.add((URIRef(f"http://example.org/s{i}"), p, value))
    return graph


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("guard-engine")
    store = EmbeddedStore(Config(store_dir=root / "store", query_workers=1))
    try:
        store.replace_graphs({TEST_GRAPH: cluster_graph(), MIXED_GRAPH: _mixed(),
                              OTHER_GRAPH: Graph().parse(data=OTHER, format="turtle")})
    finally:
        store.close()
    port = free_port()
    log = root / "server.log"
    env = {**os.environ, "CLUSTERKB_HOST": "127.0.0.1", "CLUSTERKB_PORT": str(port),
           "CLUSTERKB_VAR_DIR": str(root / "var"), "CLUSTERKB_STORE_DIR": str(root / "store"),
           "CLUSTERKB_QUERY_WORKERS": "1", "CLUSTERKB_MAX_RESULT_BYTES": str(MAX_BYTES),
           "CLUSTERKB_RESULT_CACHE_BYTES": "0", "RUST_BACKTRACE": "0"}
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "clusterkb"), "serve"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process, log, timeout=120, what="clusterkb serve")
        yield url, log
    finally:
        os.killpg(process.pid, 9)
        process.wait(timeout=30)


def _get(url: str, query: str, **headers: str) -> requests.Response:
    return requests.get(f"{url}/sparql", params={"query": query},
                        headers={"Accept": JSON_TYPE, **headers}, timeout=60)


def _values(response: requests.Response, name: str) -> list[str]:
    return [b[name]["value"] for b in response.json()["results"]["bindings"] if name in b]


def test_syntax_errors_are_400_with_the_engines_line_and_column(server):
    url, _ = server
    query = "SELECT * WHERE {\n  ?s ?p }"
    response = _get(url, query)
    assert response.status_code == 400
    with pytest.raises(SyntaxError) as engine:  # the reference: pyoxigraph itself
        pyoxigraph.Store().query(query)
    line, column = re.match(r"error at (\d+):(\d+)", str(engine.value)).groups()
    assert line == "2"
    assert f"line {line}, column {column}" in response.json()["error"]
    # #14.3: the position is also a field of the one JSON error shape
    assert (response.json()["line"], response.json()["column"]) == (int(line), int(column))
    # W3C syntax-general-08, a positive test: crashed the old guard (500)
    response = _get(url, "SELECT * WHERE { <a><b>-1.0 }")
    assert response.status_code == 200 and _values(response, "x") == []


def test_unknown_function_is_400_with_a_safe_message_and_a_request_id(server):
    url, log = server
    response = _get(url, "PREFIX q: <http://example.org/q#> SELECT * WHERE { FILTER(q:name()) }")
    assert response.status_code == 400
    message = response.json()["error"]
    request_id = response.headers["X-Request-Id"]
    assert request_id in message
    assert "<http://example.org/q#name>" in message  # the function it does not know
    assert "RuntimeError" not in message


def test_relative_iris_resolve_against_the_kb_base_and_base_wins(server):
    url, _ = server
    assert _values(_get(url, "SELECT ?x WHERE { BIND(<a> AS ?x) }"), "x") == [BASE + "a"]
    assert _values(_get(url, "PREFIX : <#> SELECT ?x WHERE { BIND(:b AS ?x) }"), "x") \
        == [BASE + "#b"]
    assert _values(_get(url, "BASE <http://example.org/d/> SELECT ?x WHERE { BIND(<a> AS ?x) }"),
                   "x") == ["http://example.org/d/a"]


def test_codepoint_escape_in_a_string_is_the_engines(server):
    url, _ = server
    response = _get(url, 'SELECT ?x WHERE { BIND("\\u00410042" AS ?x) }')
    assert response.status_code == 200
    assert _values(response, "x") == ["A0042"]  # \u0041 is "A", the rest stays


def test_engine_abort_is_a_500_that_explains_and_the_worker_is_replaced(server):
    url, log = server
    query = f"SELECT * FROM <{MIXED_GRAPH}> WHERE {{ ?s ?p ?o }} ORDER BY ?o"
    response = _get(url, query)
    if response.status_code == 200:
        pytest.fail("pyoxigraph no longer aborts on this ORDER BY: drop the explanation "
                    "(crash_message) and this test")
    assert response.status_code == 500
    message = response.json()["error"]
    assert "replaced" in message and "not affected" in message
    assert "order by STR(?x)" in message  # how to rewrite it
    # the next query is answered (a fresh worker), and the rewrite works
    fixed = _get(url, f"SELECT * FROM <{MIXED_GRAPH}> WHERE {{ ?s ?p ?o }} ORDER BY STR(?o)")
    assert fixed.status_code == 200
    assert len(_values(fixed, "o")) > 0
    logged = log.read_text(errors="replace")
    from clusterkb.store.pool import query_hash

    assert query_hash(query) in logged and "died" in logged
    assert query not in logged  # the hash, not the text


def test_results_over_the_byte_cap_are_cut_to_whole_rows_and_say_so(server):
    url, _ = server
    query = f"SELECT ?s ?o FROM <{MIXED_GRAPH}> WHERE {{ ?s ?p ?o }}"
    for accept in (JSON_TYPE, "application/sparql-results+xml", "text/csv",
                   "text/tab-separated-values"):
        response = _get(url, query, Accept=accept)
        assert response.status_code == 200, response.text[:300]
        assert len(response.content) <= MAX_BYTES
        assert response.headers["X-SPARQL-Truncated"] == "true"
        assert response.headers["X-SPARQL-Truncated-By"] == "bytes"
        assert response.headers["X-SPARQL-Max-Bytes"] == str(MAX_BYTES)
    rows = _get(url, query).json()["results"]["bindings"]
    assert 0 < len(rows) < 200 and all(set(row) == {"s", "o"} for row in rows)
    # one row larger than the cap: an empty, valid, announced result (not a 500)
    big = 'SELECT ?x WHERE { BIND(CONCAT(' + ", ".join(['"' + "y" * 500 + '"'] * 12) + ') AS ?x) }'
    response = _get(url, big)
    assert response.status_code == 200
    assert json.loads(response.content)["results"]["bindings"] == []
    assert response.headers["X-SPARQL-Truncated-By"] == "bytes"
    small = _get(url, f"ASK {{ GRAPH <{TEST_GRAPH}> {{ ?s ?p ?o }} }}")
    assert small.status_code == 200 and "X-SPARQL-Truncated" not in small.headers
