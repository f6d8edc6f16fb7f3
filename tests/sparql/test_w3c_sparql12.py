"""SPARQL 1.2 through the endpoint, and a Service Description that says so (16.6, 16.7).

Triple terms come back in every results format: JSON and XML carry them as
``triple`` elements (checked against the engine's own parse of the document),
TSV as ``<<( s p o )>>``, CSV flattened to text as the CSV format has no syntax
for them. The Service Description must state the language, the SPARQL 1.2
extension, the union default graph, the formats and the configured limits.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from clusterkb.namespaces import SD

TIMEOUT = 60
A, B, C = "http://example.org/a", "http://example.org/b", "http://example.org/c"
QUERY = (f'VERSION "1.2" SELECT ?t ?o WHERE {{ BIND(<<( <{A}> <{B}> "c"@en )>> AS ?t) '
         "BIND(OBJECT(?t) AS ?o) }")
FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
CKBS = Namespace("https://w3id.org/clusterkb/ontology#")


@pytest.mark.parametrize("media_type", FORMATS)
def test_triple_terms_come_back_in_each_format(sparql_server, media_type):
    response = requests.get(f"{sparql_server}/sparql", params={"query": QUERY},
                            headers={"Accept": media_type}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:300]
    rows = list(ox.parse_query_results(response.content, format=FORMATS[media_type]))
    assert len(rows) == 1
    term = rows[0]["t"]
    assert isinstance(term, ox.Triple)
    assert (term.subject, term.predicate, term.object) == (
        ox.NamedNode(A), ox.NamedNode(B), ox.Literal("c", language="en"))
    assert rows[0]["o"] == ox.Literal("c", language="en")


def test_csv_flattens_triple_terms_to_text(sparql_server):
    response = requests.get(f"{sparql_server}/sparql", params={"query": QUERY},
                            headers={"Accept": "text/csv"}, timeout=TIMEOUT)
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert lines[0] == "t,o" and A in lines[1] and B in lines[1]


def test_triple_terms_in_patterns_and_construct(sparql_server):
    query = (f"CONSTRUCT {{ <{A}> <{B}> <<( <{A}> <{B}> <{C}> )>> }} WHERE {{}}")
    response = requests.get(f"{sparql_server}/sparql", params={"query": query},
                            headers={"Accept": "application/n-triples"}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:300]
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == 1 and isinstance(triples[0].object, ox.Triple)


def test_service_description_tells_the_truth(start_server, sparql_store_dir):
    url = start_server(CLUSTERKB_STORE_DIR=str(sparql_store_dir), CLUSTERKB_QUERY_TIMEOUT="7",
                       CLUSTERKB_MAX_RESULT_ROWS="123", CLUSTERKB_MAX_RESULT_BYTES="4567",
                       CLUSTERKB_MAX_QUERY_BYTES="8910")
    response = requests.get(f"{url}/sparql", headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    service = graph.value(None, RDF.type, SD.Service, any=False) or next(
        graph.subjects(RDF.type, SD.Service))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.languageExtension, URIRef("https://www.w3.org/TR/sparql12-query/")) \
        in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph  # no allow-list
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert graph.value(service, CKBS.maxQuerySeconds) == Literal(7.0)
    assert graph.value(service, CKBS.maxResultRows) == Literal(123)
    assert graph.value(service, CKBS.maxResultBytes) == Literal(4567)
    assert graph.value(service, CKBS.maxQueryBytes) == Literal(8910)
    assert graph.value(service, CKBS.baseIRI) == URIRef("https://w3id.org/clusterkb/")
    # the default graph is the union of the named graphs it lists
    dataset = graph.value(service, SD.defaultDataset)
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert URIRef("https://w3id.org/clusterkb/graph/test/sparql") in names
