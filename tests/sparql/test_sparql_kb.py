"""/sparql over the real, built knowledge base (``live_server``).

What is asserted comes from DESIGN.md's naming rules (graph per KB file, the
ontology's IRI) and from the example questions in ``kb/questions/``: every
example the query page offers must run.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from rdflib import Graph, URIRef
from SPARQLWrapper import JSON, SPARQLWrapper

from clusterkb.config import Config
from clusterkb.namespaces import SD
from clusterkb.web.query_page import load_examples

from .test_sparql_endpoint import http

BASE = "https://w3id.org/clusterkb/"
QUESTIONS = Config().kb_dir / "questions"


def test_service_description_names_the_kb_graphs(live_server):
    status, _, body = http(f"{live_server}/sparql", headers={"Accept": "text/turtle"})
    assert status == 200
    names = {str(n) for n in Graph().parse(data=body, format="turtle").objects(None, SD.name)}
    assert {BASE + "graph/ontology", BASE + "graph/clusters/rohealth"} <= names
    assert not any("/graph/submission/" in name for name in names)


def test_the_ontology_graph_is_queryable_by_name(live_server):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setReturnFormat(JSON)
    client.setQuery(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
        f"ASK FROM <{BASE}graph/ontology> {{ <{BASE}ontology> a owl:Ontology ; "
        "owl:versionInfo ?version }"
    )
    assert client.queryAndConvert()["boolean"] is True


def test_every_example_question_runs_and_is_offered_on_the_page(live_server):
    examples = load_examples(Path(QUESTIONS))
    assert examples, f"no example queries in {QUESTIONS}"
    for example in examples:
        status, headers, body = http(f"{live_server}/sparql", method="POST",
                                     data=example.query.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-query"})
        assert status == 200, f"{example.slug}.rq: {status} {body[:300]!r}"
        assert headers.get("X-SPARQL-Truncated") is None, f"{example.slug}.rq was cut"
    page = http(f"{live_server}/sparql", headers={"Accept": "text/html"})[2].decode("utf-8")
    for example in examples:
        assert f"?example={example.slug}" in page
    first = examples[0]
    prefilled = http(f"{live_server}/sparql?{urlencode({'example': first.slug})}",
                     headers={"Accept": "text/html"})[2].decode("utf-8")
    assert "<textarea" in prefilled and first.title in prefilled


def test_unknown_iri_in_the_kb_is_simply_absent(live_server):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setReturnFormat(JSON)
    client.setQuery(f"ASK {{ <{URIRef(BASE + 'id/cluster/no-such-cluster')}> ?p ?o }}")
    assert client.queryAndConvert()["boolean"] is False
