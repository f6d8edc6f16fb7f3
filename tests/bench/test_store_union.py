"""The embedded store's fast path: published graphs alone in the main store, queried as a union.

The benchmark found that a query over an explicit list of graphs gets slower
with every graph, so a published generation keeps pending graphs and the
bookkeeping graph in ``private/`` and queries the union of the main store.
These tests check that the split keeps the promise of the store interface:
pending data stays invisible, and stays readable and publishable.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from tests.support import public

from clusterkb.store.embedded import INTERNAL_GRAPH, PRIVATE_DIR, EmbeddedStore

PUBLISHED = "https://w3id.org/clusterkb/graph/clusters/a"
PENDING = "https://w3id.org/clusterkb/graph/review/b"
JSON = "application/sparql-results+json"


def _labelled(name: str) -> Graph:
    graph = Graph()
    graph.add((URIRef(f"https://w3id.org/clusterkb/id/cluster/{name}"), RDFS.label, Literal(name)))
    return graph


def _labels(store: EmbeddedStore, query: str) -> set[str]:
    body = store.query(public(query, media_type=JSON)).body
    return {row["l"]["value"] for row in json.loads(body)["results"]["bindings"]}


@pytest.fixture()
def store(config):
    store = EmbeddedStore(config)
    store.replace_graphs({PUBLISHED: _labelled("visible")})
    store.replace_graphs({PENDING: _labelled("hidden")}, publish=False)
    yield store
    store.close()


def test_main_store_holds_only_published_graphs(store) -> None:
    directory = store.path / store.generation()
    main = ox.Store.read_only(str(directory))
    assert {g.value for g in main.named_graphs()} == {PUBLISHED}
    private = ox.Store.read_only(str(directory / PRIVATE_DIR))
    names = {g.value for g in private.named_graphs()}
    assert PENDING in names and INTERNAL_GRAPH.value in names


def test_union_queries_do_not_see_pending_data(store) -> None:
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    assert _labels(store, query) == {"visible"}
    in_graphs = ("SELECT ?l WHERE { GRAPH ?g { "
                 "?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")
    assert _labels(store, in_graphs) == {"visible"}
    assert [row["s"] for row in store.select("SELECT ?s WHERE { ?s ?p ?o }")] == [
        URIRef("https://w3id.org/clusterkb/id/cluster/visible")]


def test_pending_graph_stays_readable_and_survives_later_writes(store) -> None:
    assert store.pending_graphs() == [PENDING]
    store.replace_graphs({PUBLISHED: _labelled("visible-2")})
    assert store.pending_graphs() == [PENDING]
    assert (None, RDFS.label, Literal("hidden")) in store.graph(PENDING)
    assert store.graphs() == [PUBLISHED]


def test_publishing_moves_a_graph_into_the_union(store) -> None:
    store.publish_graph(PENDING)
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    assert _labels(store, query) == {"visible", "hidden"}
    assert store.pending_graphs() == []


def test_writer_view_hides_pending_and_later_changes_keep_it(store) -> None:
    with store.write() as writer:
        view = writer.view()
        labels = {str(row["l"]) for row in view.select(
            "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }")}
        assert labels == {"visible"}
        assert view.graphs() == [PUBLISHED]
        writer.replace_graph("https://w3id.org/clusterkb/graph/clusters/c", _labelled("third"))
    assert store.pending_graphs() == [PENDING]
    assert (None, RDFS.label, Literal("hidden")) in store.graph(PENDING)
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    assert _labels(store, query) == {"visible", "third"}
