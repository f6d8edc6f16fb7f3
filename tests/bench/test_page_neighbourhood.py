"""A cluster page gathers its own neighbourhood, not its partners' (issue #17: a page's cost
must not grow with the KB).

A partner cluster brings what the page shows of it (name, country, type), but its own
members and projects stay out; a project or programme of the cluster itself is still
followed two hops out (the funding programme's parent programme is shown).
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from clusterkb.namespaces import CKB
from clusterkb.pages import neighbourhood
from clusterkb.store.embedded import EmbeddedStore

ID = "https://w3id.org/clusterkb/id/"
A, B = URIRef(f"{ID}cluster/a"), URIRef(f"{ID}cluster/b")
MEMBER_OF_B = URIRef(f"{ID}organisation/m")
PROJECT, PROGRAMME, PARENT = (URIRef(f"{ID}project/p"), URIRef(f"{ID}programme/g"),
                              URIRef(f"{ID}programme/h"))
HUN = URIRef("http://publications.europa.eu/resource/authority/country/HUN")
ORG_MEMBER = URIRef("http://www.w3.org/ns/org#hasMember")
NGO = URIRef("https://w3id.org/clusterkb/vocab/organisation-types/ngo")


def _graph(*triples) -> Graph:
    graph = Graph()
    for t in triples:
        graph.add(t)
    return graph


@pytest.fixture()
def store(config):
    store = EmbeddedStore(config)
    store.replace_graphs({
        "https://w3id.org/clusterkb/graph/clusters/a": _graph(
            (A, RDF.type, CKB.ClusterOrganisation), (A, RDFS.label, Literal("A")),
            (A, CKB.collaboratesWith, B), (A, CKB.participatesInProject, PROJECT)),
        "https://w3id.org/clusterkb/graph/clusters/b": _graph(
            (B, RDF.type, CKB.ClusterOrganisation), (B, RDFS.label, Literal("B")),
            (B, DCTERMS.spatial, HUN), (B, ORG_MEMBER, MEMBER_OF_B),
            (MEMBER_OF_B, RDFS.label, Literal("M")), (MEMBER_OF_B, CKB.organisationType, NGO)),
        "https://w3id.org/clusterkb/graph/shared/programmes": _graph(
            (PROJECT, RDFS.label, Literal("P")), (PROJECT, CKB.fundingProgramme, PROGRAMME),
            (PROGRAMME, RDFS.label, Literal("G")), (PROGRAMME, DCTERMS.isPartOf, PARENT),
            (PARENT, RDFS.label, Literal("H"))),
    })
    yield store
    store.close()


def test_a_partner_cluster_brings_its_name_and_country_but_not_its_members(store) -> None:
    graph = neighbourhood(store, str(A))
    assert (B, DCTERMS.spatial, HUN) in graph
    assert (B, RDFS.label, Literal("B")) in graph
    assert (B, ORG_MEMBER, MEMBER_OF_B) in graph  # B's own triple, fetched in the first round
    assert (MEMBER_OF_B, CKB.organisationType, NGO) not in graph  # B's member: not expanded


def test_the_clusters_own_links_are_still_followed_two_hops_out(store) -> None:
    graph = neighbourhood(store, str(A))
    assert (PROJECT, CKB.fundingProgramme, PROGRAMME) in graph
    assert (PROGRAMME, DCTERMS.isPartOf, PARENT) in graph
    assert (PARENT, RDFS.label, Literal("H")) in graph  # the parent's name, for its link
