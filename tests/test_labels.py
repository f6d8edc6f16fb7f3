"""One way to name things (clusterkb.labels): stable, English first, authorities first."""

from __future__ import annotations

import random

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from clusterkb import labels

EX = "http://example.org/"
ROU = URIRef("http://publications.europa.eu/resource/authority/country/ROU")
RO32 = URIRef("http://data.europa.eu/nuts/code/RO32")


def test_language_rank_and_property_order_do_not_depend_on_triple_order():
    names = [Literal("Sănătate România", lang="ro"), Literal("Health Romania", lang="en"),
             Literal("Health Romania cluster"), Literal("A cluster", lang="en-GB")]
    node = URIRef(EX + "c")
    seen = set()
    for seed in range(20):
        shuffled = names[:]
        random.Random(seed).shuffle(shuffled)
        graph = Graph()
        for name in shuffled:
            graph.add((node, RDFS.label, name))
        seen.add(labels.pick_label(graph, node))
    # Both English labels rank first; the tie goes to the string that sorts first.
    assert seen == {"A cluster"}


def test_a_preferred_label_beats_an_english_rdfs_label():
    graph = Graph()
    node = URIRef(EX + "c")
    graph.add((node, RDFS.label, Literal("Label", lang="en")))
    graph.add((node, SKOS.prefLabel, Literal("Eticheta", lang="ro")))
    assert labels.pick_label(graph, node) == "Eticheta"


def test_countries_are_named_by_iso_3166_even_when_the_data_labels_them_by_code():
    graph = Graph()
    graph.add((ROU, SKOS.prefLabel, Literal("ROU")))
    assert labels.display(graph, ROU) == "Romania"
    unknown = URIRef(str(ROU)[:-3] + "XYZ")
    assert labels.display(Graph(), unknown) == "XYZ"


def test_fallbacks_for_nodes_without_labels():
    graph = Graph()
    assert labels.display(graph, RO32) == "NUTS RO32"
    assert labels.display(graph, URIRef("http://www.w3.org/ns/org#Membership")) \
        == "org:Membership"
    assert labels.display(graph, URIRef("http://other.example/a/b/last/")) == "last"
    assert labels.display(graph, BNode()) == "(unnamed node)"


def test_fetch_labels_reads_names_from_the_real_store(built_store):
    base = built_store.config.base_iri
    rohealth = base + "id/cluster/rohealth"
    names = labels.fetch_labels(built_store, [rohealth, str(ROU), EX + "nothing"])
    assert names[rohealth].startswith("ROHEALTH")
    assert names[str(ROU)] == "Romania"
    assert names[EX + "nothing"] == "nothing"
