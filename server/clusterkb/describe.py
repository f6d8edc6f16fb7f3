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
