"""A diff for people (``clusterkb.changes``): grouped, named, complete, stable.

The store is the real built KB (names of ontology terms and concepts come from it);
the graphs are written here by hand, so every expected name, group and value below
is what a curator should read, not what the code happened to produce.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDF, RDFS, SDO, XSD

from clusterkb.changes import describe_changes

BASE = "https://w3id.org/clusterkb/"
CKB = "https://w3id.org/clusterkb/ontology#"
ROHEALTH = URIRef(f"{BASE}id/cluster/rohealth")
AWARD = URIRef(f"{BASE}id/award/rohealth-silver-label")
NEW = URIRef(f"{BASE}id/cluster/rohealth#new-office")
LONG = "A mission that goes on and on. " * 40


def _diff(old: Graph, new: Graph) -> tuple[Graph, Graph]:
    _, removed, added = graph_diff(to_isomorphic(old), to_isomorphic(new))
    return added, removed


def _old() -> Graph:
    g = Graph()
    g.add((ROHEALTH, RDF.type, URIRef(f"{CKB}ClusterOrganisation")))
    g.add((ROHEALTH, RDFS.label, Literal("ROHEALTH", lang="en")))
    g.add((ROHEALTH, URIRef(f"{CKB}mission"), Literal("Old mission.", lang="en")))
    g.add((ROHEALTH, URIRef(f"{CKB}sectoralIndustry"),
           URIRef(f"{BASE}vocab/sectoral-industries/business-services")))
    g.add((AWARD, RDFS.label, Literal("Silver label", lang="en")))
    return g


def test_changes_are_grouped_by_resource_then_property_with_names(built_store):
    old = _old()
    new = Graph() + old
    new.remove((ROHEALTH, URIRef(f"{CKB}mission"), None))
    new.add((ROHEALTH, URIRef(f"{CKB}mission"), Literal(LONG, lang="en")))
    new.add((ROHEALTH, SDO.foundingDate, Literal("2015-05-28", datatype=XSD.date)))
    new.add((NEW, RDFS.label, Literal("The new office", lang="en")))
    new.add((NEW, RDF.type, SDO.Place))
    new.set((AWARD, RDFS.label, Literal("Cluster Excellence Silver Label", lang="en")))
    added, removed = _diff(old, new)

    changes = describe_changes(added, removed, new, old, built_store, first=str(ROHEALTH))
    assert (changes.added, changes.removed) == (5, 2)
    # The cluster first, then the others by name: the award, then the new office.
    assert [g.resource["iri"] for g in changes.groups] == [str(ROHEALTH), str(AWARD), str(NEW)]
    assert [g.resource["label"] for g in changes.groups] == [
        "ROHEALTH", "Cluster Excellence Silver Label", "The new office"]  # the new names
    cluster = changes.groups[0]
    # Properties by name, each with its short name: ckb:mission by its ontology label
    # (from the store); schema:foundingDate has no label in the KB, so its short name.
    assert [(p.property["label"], p.property["short"]) for p in cluster.properties] == [
        ("mission", "ckb:mission"), ("schema:foundingDate", "schema:foundingDate")]
    mission, founding = cluster.properties
    assert founding.removed == [] and founding.added == [
        {"kind": "literal", "text": "2015-05-28", "lang": None, "datatype": "xsd:date"}]
    assert [v["text"] for v in mission.removed] == ["Old mission."]
    assert [v["text"] for v in mission.added] == [LONG]  # in full
    # rdf:type comes first in a group.
    office = changes.groups[2]
    assert office.properties[0].property["short"] == "rdf:type"
    assert office.properties[0].added[0]["short"] == "schema:Place"


def test_a_blank_node_is_shown_inside_the_statement_that_points_at_it(built_store):
    old = _old()
    new = Graph() + old
    address = BNode()
    new.add((ROHEALTH, SDO.address, address))
    new.add((address, SDO.streetAddress, Literal("Strada 1")))
    new.add((address, SDO.addressCountry, URIRef("http://publications.europa.eu/resource/"
                                                 "authority/country/ROU")))
    added, removed = _diff(old, new)

    changes = describe_changes(added, removed, new, old, built_store, first=str(ROHEALTH))
    [group] = changes.groups  # no group of its own for the blank node
    [row] = group.properties
    assert row.property["short"] == "schema:address"
    [value] = row.added
    assert value["kind"] == "bnode"
    inner = {r["property"]["short"]: r["values"] for r in value["props"]}
    assert inner["schema:streetAddress"][0]["text"] == "Strada 1"
    assert inner["schema:addressCountry"][0]["label"] == "Romania"  # named by ISO 3166


def test_no_changes_and_odd_iris_do_not_break_the_names(built_store):
    old = _old()
    assert describe_changes(Graph(), Graph(), old, old, built_store).empty
    new = Graph() + old
    odd = URIRef("urn:x:has space")  # not an IRI the store can be asked about
    new.add((ROHEALTH, RDFS.seeAlso, odd))
    added, removed = _diff(old, new)
    changes = describe_changes(added, removed, new, old, built_store)
    assert changes.groups[0].properties[0].added[0]["iri"] == "urn:x:has space"
