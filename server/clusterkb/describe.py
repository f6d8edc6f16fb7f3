"""What the server says about one resource.

A Linked Data page needs more than the subject's own triples: the labels of
everything it links to (so a person reads names, not IRIs), the blank nodes it
owns (memberships, awards, identifiers) and the resources that point at it.
This module gathers that with a few trusted queries (names are picked by
``clusterkb.labels``), so the HTML page and the RDF representations agree.
"""

from __future__ import annotations

from rdflib import Graph

from clusterkb.labels import add_labels, iri_ref
from clusterkb.namespaces import graph_iri
from clusterkb.store.base import Store


def describe(store: Store, iri: str) -> Graph:
    """Outgoing triples (with owned blank nodes, two levels deep) and incoming links of ``iri``.

    Labels of every IRI mentioned are added, so the graph is self-explanatory.
    An empty graph means the store knows nothing about ``iri``.
    """
    s = iri_ref(iri)
    # Hash IRIs (``{iri}#membership-1``) are parts of the resource, as blank
    # nodes are: a client can only fetch them through ``iri``, so their own
    # triples come along, whether ``iri`` links to them or they link to it.
    owned = f'(isBlank(?o) || STRSTARTS(STR(?o), "{iri}#"))'
    graph = store.construct(f"""
        CONSTRUCT {{ {s} ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 . ?x ?q {s} . ?x ?xp ?xo }}
        WHERE {{
          {{ {s} ?p ?o
             OPTIONAL {{ ?o ?p2 ?o2 FILTER{owned}
                OPTIONAL {{ ?o2 ?p3 ?o3 FILTER(isBlank(?o2)) }} }} }}
          UNION {{ ?x ?q {s}
             OPTIONAL {{ ?x ?xp ?xo FILTER(STRSTARTS(STR(?x), "{iri}#")) }} }}
        }}""")
    add_labels(store, graph)
    return graph


def cluster_profile(store: Store, base_iri: str, iri: str) -> Graph | None:
    """The RDF document of the cluster ``iri``: its profile, plus what other graphs say of it.

    Why not ``describe``'s view: a cluster manager downloads this document, edits one
    value and submits it back (issue 15). ``describe`` adds what a page needs to read
    well (names of the partners and regions it links to, the resources linking to it),
    statements about other resources that are not the manager's to submit and that fail
    the shapes (an untyped subject). This is the cluster's named graph, exactly as
    validated and published, plus the statements other graphs make about the cluster
    itself (a partner's name for it, a curator's inference), so no fact the server holds
    about it is missing; a submission leaves those out again
    (``submissions.Workflow.prepare``), so the round trip gives an empty diff. None when
    ``iri`` is not a cluster with its own graph.
    """
    prefix = f"{base_iri}id/cluster/"
    slug = iri[len(prefix):] if iri.startswith(prefix) else ""
    if not slug or any(c in slug for c in "/#?"):
        return None
    profile = store.graph(graph_iri(base_iri, f"clusters/{slug}"))  # no list of every graph
    if not len(profile):
        return None
    s = iri_ref(iri)
    return profile + store.construct(f"""
        CONSTRUCT {{ {s} ?p ?o . ?o ?p2 ?o2 }}
        WHERE {{ {s} ?p ?o OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }} }}""")
