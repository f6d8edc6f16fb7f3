"""Servers for the /sparql end-to-end tests, over a store holding known test graphs.

The graphs are written here (not taken from ``kb/``, which others are still
writing), so every expected value in the tests comes from this Turtle.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from clusterkb.config import Config
from clusterkb.namespaces import graph_iri
from clusterkb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/clusterkb/"
CKB_NS = BASE + "ontology#"
TEST_GRAPH = graph_iri(BASE, "test/sparql")
OTHER_GRAPH = graph_iri(BASE, "test/other")
ALPHA = BASE + "id/cluster/test-alpha"

CLUSTERS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ckb: <https://w3id.org/clusterkb/ontology#> .
@prefix cl: <https://w3id.org/clusterkb/id/cluster/> .
cl:test-alpha a ckb:ClusterOrganisation ; rdfs:label "Alpha Test Cluster"@en ;
    ckb:memberCount "12"^^xsd:nonNegativeInteger .
cl:test-beta a ckb:ClusterOrganisation ;
    rdfs:label "Beta Test Cluster"@en, "Béta Teszt Klaszter"@hu .
cl:test-gamma a ckb:ClusterOrganisation ; rdfs:label "Gamma Test Cluster"@en .
"""

OTHER = """
<https://w3id.org/clusterkb/id/cluster/test-other>
    <http://www.w3.org/2000/01/rdf-schema#label> "Other Graph Cluster"@en .
"""


def cluster_graph() -> Graph:
    return Graph().parse(data=CLUSTERS, format="turtle")


@pytest.fixture(scope="session")
def sparql_store_dir(tmp_path_factory):
    """A published store with the two test graphs, written once and then only read."""
    path = tmp_path_factory.mktemp("sparql-store")
    store = EmbeddedStore(Config(store_dir=path, query_workers=1))
    try:
        store.replace_graphs({TEST_GRAPH: cluster_graph(),
                              OTHER_GRAPH: Graph().parse(data=OTHER, format="turtle")})
    finally:
        store.close()
    return path


@pytest.fixture(scope="session")
def sparql_server(start_server, sparql_store_dir) -> str:
    """Base URL (no trailing slash) of a real server over the test graphs."""
    return start_server(CLUSTERKB_STORE_DIR=str(sparql_store_dir), CLUSTERKB_QUERY_WORKERS="2")


@pytest.fixture(scope="session")
def slow_limit_server(start_server, sparql_store_dir) -> str:
    """The same data behind a 1.5 s query time limit."""
    return start_server(CLUSTERKB_STORE_DIR=str(sparql_store_dir),
                        CLUSTERKB_QUERY_TIMEOUT="1.5", CLUSTERKB_QUERY_WORKERS="2")
