"""A small, real (Oxigraph) store and the app over it, for the web tests.

The data is written here, not taken from ``kb/``, so each test can rely on
exact facts: an accented name (Pécs), a label that is HTML, a blank-node
membership, provenance of a cluster graph, dates and a country.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

from clusterkb.config import Config
from clusterkb.namespaces import graph_iri
from clusterkb.store.embedded import EmbeddedStore
from clusterkb.web import create_app

BASE = "https://w3id.org/clusterkb/"

ONTOLOGY = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ckb: <https://w3id.org/clusterkb/ontology#> .
<https://w3id.org/clusterkb/ontology> a owl:Ontology ;
    dct:title "clusterkb ontology"@en ; dct:created "2025-01-15"^^xsd:date .
ckb:ClusterOrganisation a owl:Class ; rdfs:label "cluster organisation"@en ;
    skos:definition "An organisation that runs a business cluster."@en ;
    rdfs:subClassOf <http://www.w3.org/ns/org#FormalOrganization> ;
    rdfs:isDefinedBy <https://w3id.org/clusterkb/ontology> .
ckb:memberCount a owl:DatatypeProperty ; rdfs:label "member count"@en ;
    skos:definition "How many members the cluster has."@en ;
    rdfs:domain ckb:ClusterOrganisation ; rdfs:range xsd:nonNegativeInteger ;
    rdfs:isDefinedBy <https://w3id.org/clusterkb/ontology> .
"""

CLUSTER = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix legal: <http://www.w3.org/ns/legal#> .
@prefix ckb: <https://w3id.org/clusterkb/ontology#> .
@prefix cl: <https://w3id.org/clusterkb/id/cluster/> .
@prefix o: <https://w3id.org/clusterkb/id/organisation/> .
@prefix pl: <https://w3id.org/clusterkb/id/place/> .
<https://w3id.org/clusterkb/graph/clusters/medical>
    prov:wasDerivedFrom <https://example.org/profile/medical> .
cl:medical a ckb:ClusterOrganisation ;
    skos:prefLabel "Hungarian Medical Cluster"@en, "Magyar Orvosi Klaszter"@hu ;
    legal:legalName "Magyar Orvosi Klaszter Egyesület" ;
    ckb:acronym "HMC" ;
    ckb:memberCount "42"^^xsd:nonNegativeInteger ;
    dct:spatial <http://publications.europa.eu/resource/authority/country/HUN>, pl:pecs ;
    dct:created "2011-03-01"^^xsd:date ;
    org:hasMembership [ a org:Membership ; org:member o:univ-pecs ;
                        org:role "founding member"@en ] .
pl:pecs rdfs:label "Pécs"@hu .
o:univ-pecs skos:prefLabel "University of Pécs"@en ;
    org:memberOf cl:medical .
o:evil rdfs:label "<script>alert(1)</script>" ;
    rdfs:comment "a & b <b>bold</b>" ;
    org:memberOf cl:medical .
"""


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def fill(store: EmbeddedStore, extra: dict[str, str] | None = None) -> None:
    """Publish the test graphs (plus ``extra``: graph name -> Turtle) in one generation."""
    graphs = {graph_iri(BASE, "ontology"): _graph(ONTOLOGY),
              graph_iri(BASE, "clusters/medical"): _graph(CLUSTER)}
    for name, text in (extra or {}).items():
        graphs[graph_iri(BASE, name)] = _graph(text)
    store.replace_graphs(graphs)


@pytest.fixture()
def web_config(tmp_path) -> Config:
    return Config(var_dir=tmp_path / "var", catalog_page_size=2, query_workers=1)


@pytest.fixture()
def small_store(web_config):
    store = EmbeddedStore(web_config)
    fill(store)
    yield store
    store.close()


@pytest.fixture()
def app(web_config, small_store):
    return create_app(web_config, small_store)


@pytest.fixture()
def client(app):
    return app.test_client()
