"""What the server says about one resource, and how it names things.

A Linked Data page needs more than the subject's own triples: the labels of
everything it links to (so a person reads names, not IRIs), the blank nodes it
owns (memberships, awards, identifiers) and the resources that point at it.
This module gathers that with a few trusted queries and picks display labels,
so the HTML page, the RDF representations and the ontology page agree.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SDO, SKOS
from rdflib.term import Node

from clusterkb.namespaces import LEGAL, PREFIXES
from clusterkb.store.base import Store

#: Properties that name a thing, best first.
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.prefLabel, RDFS.label, LEGAL.legalName, SDO.name, DCTERMS.title, FOAF.name,
)
_LABEL_VALUES = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)


def _iri(term: str) -> str:
    """``term`` as a SPARQL IRI reference, refusing characters that could break out of it."""
    if any(c in term for c in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not a usable IRI: {term!r}")
    try:  # control characters, bad percent-encoding: the engine would reject the query
        ox.NamedNode(term)
    except ValueError as error:
        raise ValueError(f"not a usable IRI: {term!r} ({error})") from None
    return f"<{term}>"


def describe(store: Store, iri: str) -> Graph:
    """Outgoing triples (with owned blank nodes, two levels deep) and incoming links of ``iri``.

    Labels of every IRI mentioned are added, so the graph is self-explanatory.
    An empty graph means the store knows nothing about ``iri``.
    """
    s = _iri(iri)
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


def add_labels(store: Store, graph: Graph) -> None:
    """Add the label triples of every IRI in ``graph`` (subjects, predicates, objects)."""
    iris: set[URIRef] = set()
    for triple in graph:
        iris.update(t for t in triple if isinstance(t, URIRef))
    for row in _label_rows(store, iris):
        graph.add((row["s"], row["p"], row["l"]))


def _label_rows(store: Store, iris: Iterable[URIRef], chunk: int = 200) -> list[dict]:
    # One VALUES block of (subject, property) pairs: Oxigraph then looks each pair up,
    # while two separate VALUES blocks made it scan every triple (60x slower at 0.3 M).
    rows: list[dict] = []
    ordered = sorted(iris)
    for start in range(0, len(ordered), chunk):
        pairs = " ".join(f"({_iri(str(i))} {p})" for i in ordered[start:start + chunk]
                         for p in _LABEL_VALUES.split())
        rows += store.select(f"""
            SELECT ?s ?p ?l WHERE {{
              VALUES (?s ?p) {{ {pairs} }}
              ?s ?p ?l FILTER(isLiteral(?l)) }}""")
    return rows


def pick_label(graph: Graph, node: Node, lang: str = "en") -> str | None:
    """The best display label of ``node`` in ``graph``: by property order, then language.

    Within one property an English label beats an untagged one, which beats
    any other language, so the page reads in one language where it can.
    """
    for prop in LABEL_PROPERTIES:
        values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
        if values:
            def rank(lit: Literal) -> tuple[int, str]:
                tag = (lit.language or "").lower()
                return (0 if tag.split("-")[0] == lang else 1 if not tag else 2, str(lit))
            return str(min(values, key=rank))
    return None


def short_name(iri: str) -> str:
    """A readable fallback for an IRI without a label: a CURIE, else its last segment."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


def display(graph: Graph, node: Node) -> str:
    """Label for ``node``: its best label, else a short name (IRIs) or a placeholder (blank)."""
    if isinstance(node, BNode):
        return pick_label(graph, node) or "(unnamed node)"
    return pick_label(graph, node) or short_name(str(node))
