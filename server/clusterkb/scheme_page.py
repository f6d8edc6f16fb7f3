"""What the HTML page of a SKOS concept scheme shows: a tree, an A–Z list, its metadata.

A scheme's own triples say little (a title, a licence, ``skos:hasTopConcept``); what a
reader wants is its concepts. This module reads them with one trusted query and arranges
them twice: as the hierarchy (top concepts, then ``skos:narrower`` / inverse
``skos:broader``, each concept once per parent) and alphabetically by English name,
with the labels in every other language and the alternative labels beside it. Mappings
(``skos:exactMatch``, ``closeMatch``...) are shown by their targets' labels, or their
codes when the target is an external code list (``clusterkb.labels.authority_code``).

Links come from a caller-supplied ``href``, so the module knows nothing about Flask.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from clusterkb.labels import add_labels, best_text, display, iri_ref
from clusterkb.pages import Href, View
from clusterkb.search import fold
from clusterkb.store.base import Store

#: Properties of a concept the page uses (the rest is on the concept's own page).
CONCEPT_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SKOS.broader, SKOS.narrower,
                      SKOS.topConceptOf, SKOS.definition, SKOS.scopeNote, SKOS.exactMatch,
                      SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
MAPPINGS = (("exact match", SKOS.exactMatch), ("close match", SKOS.closeMatch),
            ("broad match", SKOS.broadMatch), ("narrow match", SKOS.narrowMatch),
            ("related match", SKOS.relatedMatch))
#: Metadata of the scheme, in the order shown.
METADATA = (("Description", DCTERMS.description), ("Licence", DCTERMS.license),
            ("Creator", DCTERMS.creator), ("Publisher", DCTERMS.publisher),
            ("Source", DCTERMS.source), ("Created", DCTERMS.created),
            ("Modified", DCTERMS.modified), ("Defined by", RDFS.isDefinedBy),
            ("See also", RDFS.seeAlso))


def is_scheme(graph: Graph, iri: str) -> bool:
    return (URIRef(iri), None, SKOS.ConceptScheme) in graph


def scheme_page(store: Store, iri: str, href: Href, graph: Graph) -> dict:
    """Everything ``scheme.html`` shows about the scheme ``iri`` (``graph``: its description)."""
    s = URIRef(iri)
    props = " ".join(f"<{p}>" for p in CONCEPT_PROPERTIES)
    ref = iri_ref(iri)
    concepts = store.construct(f"""
        CONSTRUCT {{ ?c ?p ?o . ?c <{SKOS.inScheme}> {ref} }} WHERE {{
          {{ ?c <{SKOS.inScheme}> {ref} }} UNION {{ {ref} <{SKOS.hasTopConcept}> ?c }}
          UNION {{ ?c <{SKOS.topConceptOf}> {ref} }}
          ?c ?p ?o VALUES ?p {{ {props} }} }}""")
    add_labels(store, concepts)
    g = graph + concepts
    v = View(g, href)
    members = sorted({c for c in g.subjects(SKOS.inScheme, s) if isinstance(c, URIRef)},
                     key=lambda c: (fold(display(g, c)), str(c)))
    return {
        "iri": iri,
        "title": display(g, s),
        "metadata": [(title, v.nodes(s, prop)) for title, prop in METADATA
                     if (s, prop, None) in g],
        "count": len(members),
        "tree": _tree(g, v, s, members),
        "az": _az(g, v, members),
    }


def _children(g: Graph, members: list[URIRef]) -> dict[URIRef, list[URIRef]]:
    inside = set(members)
    children: dict[URIRef, set[URIRef]] = defaultdict(set)
    for c in members:
        for parent in g.objects(c, SKOS.broader):
            if parent in inside:
                children[parent].add(c)
        for child in g.objects(c, SKOS.narrower):
            if child in inside:
                children[c].add(child)
    return {p: sorted(cs, key=lambda c: (fold(display(g, c)), str(c)))
            for p, cs in children.items()}


def _tree(g: Graph, v: View, s: URIRef, members: list[URIRef]) -> list[dict]:
    """Top concepts with their narrower concepts, depth first; concepts with no parent in
    the scheme and not marked top are added at the top level, so none is lost."""
    children = _children(g, members)
    has_parent = {c for cs in children.values() for c in cs}
    tops = {c for c in g.objects(s, SKOS.hasTopConcept)} | set(g.subjects(SKOS.topConceptOf, s))
    roots = [c for c in members if c in tops or c not in has_parent]

    def node(c: URIRef, path: frozenset) -> dict:
        kids = [node(k, path | {k}) for k in children.get(c, []) if k not in path]
        return {"link": v.node(c), "notation": best_text(g, c, (SKOS.notation,)), "children": kids}

    return [node(c, frozenset({c})) for c in roots]


def _az(g: Graph, v: View, members: list[URIRef]) -> list[dict]:
    """Concepts by the first letter of their English name, each with all its labels."""
    letters: dict[str, list[dict]] = defaultdict(list)
    for c in members:
        name = display(g, c)
        letter = (fold(name)[:1] or "#").upper()
        letters[letter if letter.isalpha() else "#"].append({
            "link": v.node(c),
            "notation": best_text(g, c, (SKOS.notation,)),
            "labels": _labels(g, c, SKOS.prefLabel, skip=name),
            "alt": _labels(g, c, SKOS.altLabel),
            "definition": best_text(g, c, (SKOS.definition, SKOS.scopeNote)),
            "broader": v.nodes(c, SKOS.broader),
            "mappings": [(title, v.nodes(c, prop)) for title, prop in MAPPINGS
                         if (c, prop, None) in g],
        })
    return [{"letter": k, "concepts": letters[k]} for k in sorted(letters)]


def _labels(g: Graph, c: URIRef, prop: URIRef, skip: str | None = None) -> list[dict]:
    found = [o for o in g.objects(c, prop) if isinstance(o, Literal) and str(o) != skip]
    found.sort(key=lambda lit: ((lit.language or "").lower(), str(lit)))
    return [{"text": str(lit), "lang": lit.language} for lit in found]

