"""The embedded Oxigraph store: visibility, atomic writes, guarded public queries, dumps."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD
from tests.support import public

from clusterkb.store.base import PublicQuery, QuerySyntaxError, QueryTimeout
from clusterkb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/clusterkb/"
G1 = BASE + "graph/clusters/one"
G2 = BASE + "graph/clusters/two"
PENDING = BASE + "graph/submission/42"
EX = "http://example.org/"
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"

TRICKY = textwrap.dedent("""
    @prefix ex: <http://example.org/> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ex:a rdfs:label "Health Romania"@en, "Sănătate România"@ro ;
        ex:founded "2021-03-04"^^xsd:date ;
        ex:note "tab\\there, newline\\nthere, \\"quoted\\", comma, <angle> & amp" ;
        ex:link ex:b .
    ex:b ex:part [ rdfs:label "blank" ] .
""")


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def _labels(n: int, prefix: str) -> Graph:
    graph = Graph()
    for i in range(n):
        graph.add((URIRef(f"{EX}{prefix}{i}"), RDFS.label, Literal(f"{prefix} {i}")))
    return graph


@pytest.fixture()
def store(config):
    store = EmbeddedStore(config)
    yield store
    store.close()


@pytest.fixture()
def filled(store):
    store.replace_graphs({G1: _graph(TRICKY), G2: _labels(5, "two")})
    store.replace_graphs({PENDING: _graph(f"<{EX}secret> <{EX}p> 'pending secret' .")},
                         publish=False)
    return store


# --- visibility of pending graphs ----------------------------------------------------------

PEEKS = [
    "SELECT ?o WHERE { ?s ?p ?o }",
    "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT ?o WHERE {{ GRAPH <{PENDING}> {{ ?s ?p ?o }} }}",
    f"SELECT ?o FROM <{PENDING}> WHERE {{ ?s ?p ?o }}",
    f"SELECT ?o FROM NAMED <{PENDING}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", PEEKS)
def test_public_queries_never_see_pending_graphs(filled, query):
    body = filled.query(public(query, media_type="application/sparql-results+json")).body
    assert b"pending secret" not in body


def test_protocol_dataset_cannot_name_a_pending_graph(filled):
    for kwargs in ({"default_graph_uris": [PENDING]}, {"named_graph_uris": [PENDING]}):
        result = filled.query(public(
            "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
            media_type="application/sparql-results+json", **kwargs))
        assert b"pending secret" not in result.body


def test_published_and_pending_graphs_are_listed_apart(filled):
    assert filled.graphs() == sorted([G1, G2])
    assert filled.pending_graphs() == [PENDING]
    assert not filled.ask(f"ASK {{ <{EX}secret> ?p ?o }}")
    assert (URIRef(f"{EX}secret"), URIRef(f"{EX}p"), Literal("pending secret")) in \
        filled.graph(PENDING)


def test_submission_graphs_stay_hidden_even_when_written_as_published(store):
    store.replace_graphs({PENDING: _graph(f"<{EX}s> <{EX}p> 'sneaky' .")}, publish=True)
    assert PENDING not in store.graphs()
    body = store.query(public("SELECT ?o { GRAPH ?g { ?s ?p ?o } }", media_type="text/csv")).body
    assert b"sneaky" not in body


def test_a_query_dataset_clause_limits_to_the_named_published_graph(filled):
    result = filled.query(public(f"SELECT ?l FROM <{G2}> WHERE {{ ?s <{RDFS.label}> ?l }}",
                          media_type="application/sparql-results+json"))
    labels = {b["l"]["value"] for b in json.loads(result.body)["results"]["bindings"]}
    assert labels == {f"two {i}" for i in range(5)}


def test_default_graph_is_the_union_of_published_graphs(filled):
    rows = filled.select(f"SELECT ?l WHERE {{ ?s <{RDFS.label}> ?l }}")
    labels = {row["l"] for row in rows}
    assert Literal("Sănătate România", lang="ro") in labels
    assert Literal("two 4") in labels


# --- trusted queries return rdflib terms -----------------------------------------------------

def test_trusted_select_returns_rdflib_terms(filled):
    rows = filled.select(f"SELECT ?c WHERE {{ <{EX}a> <{EX}founded> ?c }}")
    assert rows == [{"c": Literal("2021-03-04", datatype=XSD.date)}]


def test_engine_stores_derived_integer_types_as_xsd_integer(store):
    """A known Oxigraph property others must design around: values, not lexical forms."""
    graph = Graph()
    graph.add((URIRef(f"{EX}a"), URIRef(f"{EX}count"),
               Literal("42", datatype=XSD.nonNegativeInteger)))
    store.replace_graphs({G1: graph})
    assert store.select(f"SELECT ?c {{ <{EX}a> <{EX}count> ?c }}") == [
        {"c": Literal("42", datatype=XSD.integer)}]


def test_trusted_construct_round_trips_the_graph(filled):
    assert isomorphic(filled.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> "
                                       "{ ?s ?p ?o } }"), _graph(TRICKY))


def test_syntax_errors_are_reported_as_such(filled):
    with pytest.raises(QuerySyntaxError):
        # the guard would refuse it first; the engine is the one parser that decides
        filled.query(PublicQuery("SELEKT * WHERE { ?s ?p ?o }", "solutions", "text/csv"))
    with pytest.raises(QuerySyntaxError):
        filled.select("SELECT * WHERE { ?s ?p ")


# --- result formats parse back -----------------------------------------------------------------

SELECT_A = f"SELECT ?p ?o WHERE {{ <{EX}a> ?p ?o }} ORDER BY ?p ?o"
EXPECTED_A = {
    (str(RDFS.label), "Health Romania"), (str(RDFS.label), "Sănătate România"),
    (f"{EX}founded", "2021-03-04"), (f"{EX}link", f"{EX}b"),
    (f"{EX}note", 'tab\there, newline\nthere, "quoted", comma, <angle> & amp'),
}


def test_select_as_sparql_json(filled):
    result = filled.query(public(SELECT_A, media_type="application/sparql-results+json"))
    assert result.kind == "solutions" and not result.truncated
    data = json.loads(result.body)
    assert data["head"]["vars"] == ["p", "o"]
    rows = {(b["p"]["value"], b["o"]["value"]) for b in data["results"]["bindings"]}
    assert rows == EXPECTED_A
    ro = [b["o"] for b in data["results"]["bindings"] if b["o"]["value"].startswith("Săn")]
    assert ro[0]["xml:lang"] == "ro"


def test_select_as_sparql_xml(filled):
    result = filled.query(public(SELECT_A, media_type="application/sparql-results+xml"))
    assert result.media_type.startswith("application/sparql-results+xml")
    root = ET.fromstring(result.body)
    rows = set()
    for solution in root.iter(f"{SPARQL_NS}result"):
        cells = {b.get("name"): "".join(b.itertext()) for b in solution.iter(f"{SPARQL_NS}binding")}
        rows.add((cells["p"], cells["o"]))
    assert rows == EXPECTED_A


def test_select_as_csv(filled):
    result = filled.query(public(SELECT_A, media_type="text/csv"))
    assert result.media_type.startswith("text/csv")
    reader = csv.reader(io.StringIO(result.body.decode("utf-8"), newline=""))
    header, *rows = list(reader)
    assert header == ["p", "o"]
    assert {tuple(r) for r in rows} == EXPECTED_A


def test_select_as_tsv(filled):
    result = filled.query(public(SELECT_A, media_type="text/tab-separated-values"))
    lines = result.body.decode("utf-8").rstrip("\n").split("\n")
    assert lines[0].split("\t") == ["?p", "?o"]
    assert len(lines) == 1 + len(EXPECTED_A)
    assert f'<{EX}founded>\t"2021-03-04"^^<{XSD.date}>' in lines


@pytest.mark.parametrize("media_type,expected", [
    ("application/sparql-results+json", True), ("application/sparql-results+xml", True)])
def test_ask_results(filled, media_type, expected):
    result = filled.query(public(f"ASK {{ <{EX}a> <{EX}link> <{EX}b> }}", media_type=media_type))
    assert result.kind == "boolean"
    if "json" in media_type:
        assert json.loads(result.body)["boolean"] is expected
    else:
        assert ET.fromstring(result.body).find(f"{SPARQL_NS}boolean").text == "true"
    missing = filled.query(public(f"ASK {{ <{EX}a> <{EX}link> <{EX}zzz> }}",
                           media_type="application/sparql-results+json"))
    assert json.loads(missing.body)["boolean"] is False


@pytest.mark.parametrize("media_type,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_construct_in_every_graph_format_parses_back(filled, media_type, rdflib_format):
    result = filled.query(public(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", media_type=media_type))
    assert result.kind == "graph"
    assert result.media_type.split(";")[0] == media_type
    parsed = Graph().parse(data=result.body, format=rdflib_format)
    assert isomorphic(parsed, _graph(TRICKY))


# --- row cap ------------------------------------------------------------------------------------

def test_row_cap_cuts_select_and_says_so(store):
    store.replace_graphs({G2: _labels(5, "row")})
    capped = store.query(public("SELECT ?s WHERE { ?s ?p ?o }", media_type="text/csv", max_rows=3))
    assert capped.truncated
    assert len(capped.body.decode().strip().splitlines()) == 1 + 3
    exact = store.query(public("SELECT ?s WHERE { ?s ?p ?o }", media_type="text/csv", max_rows=5))
    assert not exact.truncated
    assert len(exact.body.decode().strip().splitlines()) == 1 + 5


def test_row_cap_applies_to_construct(store):
    store.replace_graphs({G2: _labels(5, "row")})
    capped = store.query(public("CONSTRUCT WHERE { ?s ?p ?o }", media_type="application/n-triples",
                         max_rows=2))
    assert capped.truncated
    assert len(Graph().parse(data=capped.body, format="nt")) == 2


def test_config_row_cap_is_the_default(data_config):
    store = EmbeddedStore(data_config({}, max_result_rows=4))
    try:
        store.replace_graphs({G2: _labels(10, "row")})
        result = store.query(public("SELECT ?s WHERE { ?s ?p ?o }",
                             media_type="application/sparql-results+json"))
        assert result.truncated
        assert len(json.loads(result.body)["results"]["bindings"]) == 4
    finally:
        store.close()


# --- time limit ---------------------------------------------------------------------------------

SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
        "?m ?n2 ?o . ?q ?r ?t . ?u ?v ?w }")


def test_timeout_kills_the_worker_and_the_next_query_works(store):
    store.replace_graphs({G2: _labels(200, "slow")})
    warm = store.query(public("ASK { ?s ?p ?o }", media_type="application/sparql-results+json"))
    assert json.loads(warm.body)["boolean"] is True
    before = store._pool.pids()
    with pytest.raises(QueryTimeout):
        store.query(public(SLOW, media_type="text/csv", timeout=0.5))
    after = store._pool.pids()
    assert before and after and not set(before) & set(after)
    for pid in before:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    result = store.query(public(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}",
                         media_type="application/sparql-results+json"))
    assert json.loads(result.body)["results"]["bindings"][0]["n"]["value"] == "200"


# --- atomic writes and generations ---------------------------------------------------------------

def test_replace_graphs_changes_generation_and_modified(store):
    assert store.is_empty()
    store.replace_graphs({G1: _labels(1, "a")})
    first, first_time = store.generation(), store.modified()
    store.replace_graphs({G1: _labels(2, "b")})
    assert store.generation() != first
    assert store.modified() >= first_time
    assert {str(o) for o in store.graph(G1).objects()} == {"b 0", "b 1"}


def test_another_opener_sees_a_write(config, store):
    reader = EmbeddedStore(config)
    try:
        assert reader.graphs() == []
        store.replace_graphs({G1: _labels(1, "seen")})
        assert reader.graphs() == [G1]
        assert reader.generation() == store.generation()
    finally:
        reader.close()


def test_a_failing_write_publishes_nothing(store):
    store.replace_graphs({G1: _labels(3, "old")})
    generation = store.generation()
    with pytest.raises(RuntimeError), store.write() as writer:
        writer.replace_graph(G1, _labels(3, "new"))
        writer.replace_graph(G2, _labels(3, "new"))
        raise RuntimeError("boom")
    assert store.generation() == generation
    assert store.graphs() == [G1]
    assert {str(o) for o in store.graph(G1).objects()} == {f"old {i}" for i in range(3)}


def test_delete_graph(filled):
    filled.delete_graph(G2)
    assert filled.graphs() == [G1]
    filled.delete_graph(PENDING)
    assert filled.pending_graphs() == []


def test_old_generations_are_pruned(store):
    for i in range(6):
        store.replace_graphs({G1: _labels(1, f"v{i}")})
    generations = [p for p in store.path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 4  # the current, 2 kept, and at most none aborted
    assert store.graph(G1).value(URIRef(f"{EX}v50"), RDFS.label) == Literal("v5 0")


CHILD = """
import sys
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore

def labels(version, n):
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"http://example.org/x{i}"), RDFS.label, Literal(version)))
    return g

store = EmbeddedStore(Config(store_dir=sys.argv[1]))
mode = sys.argv[2]
if mode == "halfway":
    with store.write() as writer:
        writer.replace_graph(sys.argv[3], labels("new", 2000))
        print("first graph written", flush=True)
        sys.stdin.readline()  # the parent kills us here
        writer.replace_graph(sys.argv[4], labels("new", 2000))
else:
    version = 0
    while True:
        version += 1
        store.replace_graphs({sys.argv[3]: labels(f"v{version}", 20000),
                              sys.argv[4]: labels(f"v{version}", 20000)})
        print(version, flush=True)
"""


def _versions(config) -> tuple[set[str], set[str], int, int]:
    reader = EmbeddedStore(config)
    try:
        one, two = reader.graph(G1), reader.graph(G2)
        return ({str(o) for o in one.objects()}, {str(o) for o in two.objects()},
                len(one), len(two))
    finally:
        reader.close()


def _child(config, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(config.store_path), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_sigkill_in_the_middle_of_a_write_leaves_the_old_state(config, store):
    store.replace_graphs({G1: _labels(3, "old"), G2: _labels(3, "old")})
    child = _child(config, "halfway", G1, G2)
    assert child.stdout.readline().strip() == "first graph written"
    child.kill()
    child.wait()
    one, two, _, _ = _versions(config)
    assert one == {f"old {i}" for i in range(3)}
    assert two == {f"old {i}" for i in range(3)}
    # the store stays writable: the lock died with the child, its half generation is pruned
    store.replace_graphs({G1: _labels(1, "after")})
    assert {str(o) for o in store.graph(G1).objects()} == {"after 0"}


def test_sigkill_during_repeated_replace_graphs_never_mixes(config, store):
    store.replace_graphs({G1: _labels(1, "v0"), G2: _labels(1, "v0")})
    for _ in range(3):
        child = _child(config, "loop", G1, G2)
        committed = int(child.stdout.readline())  # at least one full write happened
        child.kill()
        child.wait()
        one, two, n1, n2 = _versions(config)
        assert one == two and len(one) == 1, "the two graphs come from different writes"
        assert n1 == n2 == 20000
        assert int(next(iter(one))[1:]) >= committed


# --- dumps ---------------------------------------------------------------------------------

def test_dump_streams_every_published_quad(store):
    big = _labels(45_000, "big")  # more than two chunks of the dump
    store.replace_graphs({G1: big, G2: _labels(7, "two")})
    store.replace_graphs({PENDING: _labels(1, "hidden")}, publish=False)
    chunks = store.dump("application/n-quads")
    assert not isinstance(chunks, bytes | list)
    body = b""
    count = 0
    for chunk in chunks:
        count += 1
        body += chunk
    assert count >= 3
    dataset = Dataset().parse(data=body, format="nquads")
    assert len(dataset.graph(URIRef(G1))) == 45_000
    assert len(dataset.graph(URIRef(G2))) == 7
    assert b"hidden" not in body


@pytest.mark.parametrize("media_type,rdflib_format", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/trig", "trig")])
def test_dump_formats_parse_back(filled, media_type, rdflib_format):
    body = b"".join(filled.dump(media_type))
    if rdflib_format == "trig":
        dataset = Dataset().parse(data=body, format="trig")
        assert isomorphic(dataset.graph(URIRef(G1)), _graph(TRICKY))
        assert len(dataset.graph(URIRef(G2))) == 5
    else:
        union = Graph().parse(data=body, format=rdflib_format)
        assert isomorphic(union, _graph(TRICKY) + _labels(5, "two"))
    assert b"pending secret" not in body
