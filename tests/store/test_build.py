"""Building the store from the data folders: layout, atomicity, base IRI.

Validation by the real shapes (by graph, incremental, across graphs) is in
``test_build_validation.py``; the shapes here have no targets, so every file conforms.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from clusterkb.build import BuildError, build, sources
from clusterkb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/clusterkb/"
CKB = BASE + "ontology#"

FILES = {
    "ontology/clusterkb.ttl": f"""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <{BASE}ontology> a owl:Ontology .
        <{CKB}ClusterOrganisation> a owl:Class .""",
    "ontology/vocabularies/sectors.ttl": f"""
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{BASE}vocab/sectors/health> a skos:Concept ; skos:prefLabel "Health"@en .""",
    "shapes/a.ttl": f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{BASE}shapes#A> a sh:NodeShape .""",
    "shapes/b.ttl": f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <{BASE}shapes#B> a sh:NodeShape .""",
    "kb/clusters/rohealth.ttl": f"""
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{BASE}id/cluster/rohealth> a <{CKB}ClusterOrganisation> ;
            rdfs:label "ROHEALTH"@en ; <{CKB}sector> <{BASE}vocab/sectors/health> ;
            <{CKB}note> [ rdfs:label "blank" ] .""",
    "kb/shared/organisations.ttl": f"""
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{BASE}id/organisation/umf> rdfs:label "UMF"@en ;
            <{CKB}note> [ rdfs:label "another blank" ] .""",
    "kb/questions/competency.ttl": """
        <http://example.org/question> <http://example.org/p> "not data" .""",
}
EXPECTED_GRAPHS = {BASE + "graph/" + name for name in (
    "ontology", "vocab/sectors", "shapes", "clusters/rohealth", "shared/organisations")}


@pytest.fixture()
def store(data_config):
    store = EmbeddedStore(data_config(FILES))
    yield store
    store.close()


def test_sources_follow_the_layout_and_skip_questions(store):
    names = [name for name, _ in sources(store.config)]
    assert names == ["ontology", "vocab/sectors", "shapes", "shapes", "clusters/rohealth",
                     "shared/organisations"]


def test_build_publishes_one_graph_per_file(store):
    build(store.config, store)
    graphs = set(store.graphs())
    assert graphs == EXPECTED_GRAPHS  # the catalogue is computed by /catalog, not stored
    shapes = store.graph(BASE + "graph/shapes")
    assert set(shapes.subjects(RDF.type)) == {URIRef(BASE + "shapes#A"), URIRef(BASE + "shapes#B")}
    assert not store.ask("ASK { <http://example.org/question> ?p ?o }")
    label = store.graph(BASE + "graph/clusters/rohealth").value(
        URIRef(BASE + "id/cluster/rohealth"), RDFS.label)
    assert label == Literal("ROHEALTH", lang="en")


def test_blank_nodes_of_different_files_stay_apart(store):
    build(store.config, store)
    rows = store.select(f"SELECT DISTINCT ?b WHERE {{ ?s <{CKB}note> ?b }}")
    assert len(rows) == 2


def test_a_syntax_error_names_file_line_and_column_and_publishes_nothing(data_config):
    broken = dict(FILES)
    broken["kb/clusters/broken.ttl"] = "@prefix ex: <http://example.org/> .\nex:a ex:b .\n"
    config = data_config(broken)
    with pytest.raises(BuildError) as error:
        build(config)
    assert error.value.exit_code == 2
    assert "broken.ttl:2:" in str(error.value)
    assert not (config.store_path / "current.json").exists()


def test_rebuild_drops_removed_files_but_keeps_other_graphs(store):
    build(store.config, store)
    other = BASE + "graph/accepted/x"
    pending = BASE + "graph/submission/7"
    graph = Graph().parse(data=f"<{BASE}id/cluster/x> <{RDFS.label}> 'X' .", format="turtle")
    store.replace_graphs({other: graph})
    store.replace_graphs({pending: graph}, publish=False)
    (store.config.kb_dir / "shared" / "organisations.ttl").unlink()
    build(store.config, store)
    assert BASE + "graph/shared/organisations" not in store.graphs()
    assert other in store.graphs()
    assert store.pending_graphs() == [pending]


def test_build_works_on_empty_data_folders(data_config):
    config = data_config({})
    result = build(config)
    assert result.graphs == {}
    assert (config.store_path / "current.json").exists()


def test_a_configured_base_iri_moves_data_iris_but_not_the_ontology(data_config):
    local = "http://localhost:8080/"
    store = EmbeddedStore(data_config(FILES, base_iri=local))
    try:
        build(store.config, store)
        assert local + "graph/clusters/rohealth" in store.graphs()
        rows = store.select(f"SELECT ?c ?s WHERE {{ <{local}id/cluster/rohealth> a ?c ; "
                            f"<{CKB}sector> ?s }}")
        assert rows == [{"c": URIRef(CKB + "ClusterOrganisation"),
                         "s": URIRef(local + "vocab/sectors/health")}]
        assert not store.ask(f"ASK {{ <{BASE}id/cluster/rohealth> ?p ?o }}")
        assert store.ask(f"ASK {{ <{BASE}ontology> a ?t }}")
    finally:
        store.close()


def test_the_repository_data_builds(built_store):
    """The real ontology/ and kb/ (whatever exists of them) build and are queryable."""
    published = built_store.graphs()
    kb_files = [name for name, _ in sources(built_store.config)]
    for name in kb_files:
        assert BASE + "graph/" + name in published
