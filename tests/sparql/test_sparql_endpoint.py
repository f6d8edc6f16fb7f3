"""End-to-end: the real server process over a real Oxigraph store, SPARQLWrapper as client.

The data are the test graphs of ``conftest.py`` (three test clusters), so each
expected value below comes from that Turtle, not from the server's output.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from clusterkb.namespaces import SD

from .conftest import ALPHA, CKB_NS, OTHER_GRAPH, TEST_GRAPH

PREFIXES = f"PREFIX rdfs: <{RDFS}>\nPREFIX ckb: <{CKB_NS}>\n"
LABELS = PREFIXES + (
    f"SELECT ?c ?label FROM <{TEST_GRAPH}> WHERE {{ ?c a ckb:ClusterOrganisation ; "
    'rdfs:label ?label FILTER(LANG(?label) = "en") } ORDER BY ?label'
)
EXPECTED_LABELS = ["Alpha Test Cluster", "Beta Test Cluster", "Gamma Test Cluster"]
ASK_BETA_HU = PREFIXES + 'ASK { ?c rdfs:label "Béta Teszt Klaszter"@hu }'
ASK_MISSING = PREFIXES + 'ASK { ?c rdfs:label "No Such Cluster"@en }'
CONSTRUCT = PREFIXES + (
    f"CONSTRUCT {{ ?c rdfs:label ?l }} FROM <{TEST_GRAPH}> "
    "WHERE { ?c a ckb:ClusterOrganisation ; rdfs:label ?l }"
)
DESCRIBE = f"DESCRIBE <{ALPHA}>"


def wrapper(url: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setTimeout(60)
    return client


def http(url: str, *, method: str = "GET", data: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60):
    """(status, headers, body) of one request, errors included."""
    request = Request(url, data=data, method=method, headers=headers or {})
    try:
        with urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except HTTPError as error:
        return error.code, error.headers, error.read()


# --- every result format -----------------------------------------------------------


def test_select_as_json(sparql_server):
    result = wrapper(sparql_server, LABELS, JSON).queryAndConvert()
    assert result["head"]["vars"] == ["c", "label"]
    bindings = result["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == EXPECTED_LABELS
    assert bindings[0]["c"] == {"type": "uri", "value": ALPHA}
    assert bindings[0]["label"]["xml:lang"] == "en"


def test_select_as_xml(sparql_server):
    doc = wrapper(sparql_server, LABELS, XML).queryAndConvert()
    assert isinstance(doc, Document)
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert literals == EXPECTED_LABELS


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_select_as_csv_and_tsv(sparql_server, fmt):
    body = wrapper(sparql_server, LABELS, fmt).queryAndConvert().decode("utf-8")
    if fmt == CSV:
        rows = list(csv.reader(io.StringIO(body)))
    else:  # TSV has no quoting rules of its own: quotes belong to the RDF terms
        rows = [line.split("\t") for line in body.splitlines()]
    if fmt == CSV:
        assert rows[0] == ["c", "label"]
        assert [r[1] for r in rows[1:]] == EXPECTED_LABELS
        assert rows[1][0] == ALPHA
    else:  # TSV writes RDF terms: ?vars, <iris>, "literals"@lang
        assert rows[0] == ["?c", "?label"]
        assert [r[1] for r in rows[1:]] == [f'"{label}"@en' for label in EXPECTED_LABELS]
        assert rows[1][0] == f"<{ALPHA}>"


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_true_and_false(sparql_server, fmt):
    yes = wrapper(sparql_server, ASK_BETA_HU, fmt).queryAndConvert()
    no = wrapper(sparql_server, ASK_MISSING, fmt).queryAndConvert()
    if fmt == JSON:
        assert (yes["boolean"], no["boolean"]) == (True, False)
    else:
        values = [d.getElementsByTagName("boolean")[0].firstChild.data for d in (yes, no)]
        assert values == ["true", "false"]


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_ask_as_csv_and_tsv_carries_the_answer(sparql_server, fmt):
    yes = wrapper(sparql_server, ASK_BETA_HU, fmt).queryAndConvert().decode()
    no = wrapper(sparql_server, ASK_MISSING, fmt).queryAndConvert().decode()
    assert "true" in yes and "false" not in yes
    assert "false" in no and "true" not in no


def _expected_construct() -> Graph:
    g = Graph()
    from .conftest import cluster_graph

    for s, o in cluster_graph().subject_objects(RDFS.label):
        g.add((s, RDFS.label, o))
    return g


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_construct_in_each_rdf_format_parses_back_to_the_same_triples(sparql_server, fmt):
    converted = wrapper(sparql_server, CONSTRUCT, fmt).queryAndConvert()
    if isinstance(converted, bytes):
        converted = Graph().parse(data=converted, format="turtle")
    assert set(converted) == set(_expected_construct())
    assert (URIRef(ALPHA), RDFS.label, Literal("Alpha Test Cluster", lang="en")) in converted


def test_construct_as_n_triples(sparql_server):
    query = urlencode({"query": CONSTRUCT})
    status, headers, body = http(f"{sparql_server}/sparql?{query}",
                                 headers={"Accept": "application/n-triples"})
    assert status == 200
    assert headers.get_content_type() == "application/n-triples"
    assert set(Graph().parse(data=body, format="nt")) == set(_expected_construct())


@pytest.mark.parametrize(("fmt", "rdflib_format"), [
    ("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_describe_in_each_format(sparql_server, fmt, rdflib_format):
    query = urlencode({"query": DESCRIBE, "format": fmt})
    status, _, body = http(f"{sparql_server}/sparql?{query}")
    assert status == 200
    g = Graph().parse(data=body, format=rdflib_format)
    assert (URIRef(ALPHA), RDFS.label, Literal("Alpha Test Cluster", lang="en")) in g
    assert (URIRef(ALPHA), URIRef(CKB_NS + "memberCount"), None) in g


# --- the three request shapes ----------------------------------------------------------


def test_get_post_form_and_post_direct_give_the_same_answer(sparql_server):
    url = f"{sparql_server}/sparql"
    accept = {"Accept": "application/sparql-results+json"}
    get = http(f"{url}?{urlencode({'query': LABELS})}", headers=accept)
    form = http(url, method="POST", data=urlencode({"query": LABELS}).encode(),
                headers={**accept, "Content-Type": "application/x-www-form-urlencoded"})
    direct = http(url, method="POST", data=LABELS.encode(),
                  headers={**accept, "Content-Type": "application/sparql-query"})
    assert get[0] == form[0] == direct[0] == 200
    answers = [json.loads(r[2]) for r in (get, form, direct)]
    assert answers[0] == answers[1] == answers[2]
    assert [b["label"]["value"] for b in answers[0]["results"]["bindings"]] == EXPECTED_LABELS
    via_wrapper = wrapper(sparql_server, LABELS, JSON, POST).queryAndConvert()
    assert via_wrapper == answers[0]


def test_dataset_parameters_select_the_graphs(sparql_server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    params = urlencode({"query": query, "default-graph-uri": OTHER_GRAPH, "format": "json"})
    status, _, body = http(f"{sparql_server}/sparql?{params}")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"  # one triple there


# --- protocol errors ----------------------------------------------------------------------


def test_malformed_query_is_400_with_the_parsers_message(sparql_server):
    with pytest.raises(QueryBadFormed) as caught:
        wrapper(sparql_server, "SELECT * WHERE { ?s ?p ", JSON).query()
    assert "syntax error" in str(caught.value)
    status, _, body = http(f"{sparql_server}/sparql?" + urlencode({"query": "SELECT ?x WHERE {"}))
    assert status == 400
    assert b"line 1, column" in body


@pytest.mark.parametrize("how", ["get-update", "form-update", "direct-update", "query-load"])
def test_updates_are_403_and_change_nothing(sparql_server, how):
    url = f"{sparql_server}/sparql"
    update = f"INSERT DATA {{ GRAPH <{TEST_GRAPH}> {{ <{ALPHA}> <{RDFS.label}> \"Hacked\" }} }}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = {
        "get-update": lambda: http(f"{url}?{urlencode({'update': update})}"),
        "form-update": lambda: http(url, method="POST", data=urlencode({"update": update})
                                    .encode(), headers=form),
        "direct-update": lambda: http(url, method="POST", data=update.encode(),
                                      headers={"Content-Type": "application/sparql-update"}),
        "query-load": lambda: http(url, method="POST", data=urlencode(
            {"query": f"LOAD <file:///etc/passwd> INTO GRAPH <{TEST_GRAPH}>"}).encode(),
            headers=form),
    }[how]()
    assert status == 403
    assert b"read-only" in body
    still = wrapper(sparql_server, PREFIXES + 'ASK { ?c rdfs:label "Hacked" }', JSON)
    assert still.queryAndConvert()["boolean"] is False


def test_nothing_acceptable_is_406(sparql_server):
    status, _, body = http(f"{sparql_server}/sparql?{urlencode({'query': LABELS})}",
                           headers={"Accept": "image/png"})
    assert status == 406
    assert b"application/sparql-results+json" in body


def test_other_content_type_is_415(sparql_server):
    status, _, body = http(f"{sparql_server}/sparql", method="POST", data=LABELS.encode(),
                           headers={"Content-Type": "text/plain"})
    assert status == 415
    assert b"application/sparql-query" in body


def test_oversized_body_is_413(sparql_server):
    huge = ("SELECT * WHERE { ?s ?p ?o } #" + "x" * (1024 * 1024)).encode()
    status, _, body = http(f"{sparql_server}/sparql", method="POST", data=huge,
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 413
    assert b"bytes" in body


def test_cors_on_results_and_preflight(sparql_server):
    status, headers, _ = http(f"{sparql_server}/sparql?{urlencode({'query': ASK_BETA_HU})}",
                              headers={"Origin": "https://notebook.example"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = http(f"{sparql_server}/sparql", method="POST", data=LABELS.encode(),
                              headers={"Content-Type": "application/sparql-query",
                                       "Origin": "https://notebook.example"})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, "*")
    status, headers, _ = http(f"{sparql_server}/sparql", method="OPTIONS", headers={
        "Origin": "https://notebook.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert status in (200, 204)  # any 2xx passes a CORS preflight
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()


# --- no query --------------------------------------------------------------------------------


def test_service_description_names_the_endpoint_and_graphs(sparql_server):
    status, headers, body = http(f"{sparql_server}/sparql", headers={"Accept": "text/turtle"})
    assert status == 200
    assert headers.get_content_type() == "text/turtle"
    g = Graph().parse(data=body, format="turtle")
    service = g.value(predicate=SD.endpoint, object=URIRef(f"{sparql_server}/sparql"))
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    names = {str(n) for n in g.objects(None, SD.name)}
    assert {TEST_GRAPH, OTHER_GRAPH} <= names
    status, headers, body = http(f"{sparql_server}/sparql", headers={"Accept": "*/*"})
    assert headers.get_content_type() == "text/turtle"


def test_browser_gets_the_html_query_page(sparql_server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    status, headers, body = http(f"{sparql_server}/sparql", headers={"Accept": browser})
    assert status == 200
    assert headers.get_content_type() == "text/html"
    page = body.decode("utf-8")
    assert "<form" in page and 'name="query"' in page and 'name="format"' in page


# --- limits and the guard ------------------------------------------------------------------------

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?{v} {{ {' '.join(str(i) for i in range(200))} }}" for v in "abcd") + " }"


def test_a_runaway_query_is_stopped_while_the_server_keeps_answering(slow_limit_server):
    outcome: dict[str, object] = {}

    def run_slow():
        outcome["slow"] = http(f"{slow_limit_server}/sparql?{urlencode({'query': SLOW})}")

    slow = threading.Thread(target=run_slow)
    slow.start()
    time.sleep(0.2)  # let the slow query reach the engine first
    quick = []
    for _ in range(3):
        quick.append(wrapper(slow_limit_server, ASK_BETA_HU, JSON).queryAndConvert()["boolean"])
        quick.append(http(f"{slow_limit_server}/healthz")[0])
    quick_done_while_slow_ran = slow.is_alive()
    slow.join(timeout=60)
    assert quick == [True, 200] * 3
    assert quick_done_while_slow_ran
    status, _, body = outcome["slow"]
    assert status == 503
    assert b"limit" in body
    # and afterwards, the engine (a fresh worker) still answers
    assert wrapper(slow_limit_server, ASK_BETA_HU, JSON).queryAndConvert()["boolean"] is True


def test_service_to_a_local_listener_is_refused_and_nothing_is_sent(sparql_server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    received: list[bytes] = []

    def accept_all():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            received.append(conn.recv(65536) or b"(connected)")
            conn.close()

    stop = threading.Event()
    thread = threading.Thread(target=accept_all)
    thread.start()
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        status, _, body = http(f"{sparql_server}/sparql?{urlencode({'query': query})}")
        silent = (f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> "
                  "{ ?s ?p ?o } }")
        status_silent, _, _ = http(f"{sparql_server}/sparql", method="POST",
                                   data=silent.encode(),
                                   headers={"Content-Type": "application/sparql-query"})
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert (status, status_silent) == (400, 400)
    assert b"SERVICE" in body
    assert received == []


def test_from_a_local_file_is_refused_and_nothing_of_it_is_returned(sparql_server):
    query = "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"
    for params in ({"query": query}, {"query": "SELECT * WHERE { ?s ?p ?o }",
                                      "default-graph-uri": "file:///etc/passwd"}):
        status, _, body = http(f"{sparql_server}/sparql?{urlencode(params)}",
                               headers={"Accept": "text/csv"})
        assert status == 400
        assert b"root:" not in body
        assert b"file:///etc/passwd" in body
