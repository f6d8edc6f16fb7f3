"""What the HTML documentation of the ontology shows, read from its graph.

People read an ontology's documentation the way pyLODE and Widoco lay it out: clean
metadata first (title, version and version IRI, licence and creators by name, dates,
the preferred prefix), the namespaces its terms come from, a table of contents, then
one entry per term. A class entry says what it specialises and what specialises it,
and which properties have it as their domain ("in domain of") or range ("in range
of"), which a property-by-property dump never shows; a property entry gives its
domain, range, super-properties, inverse and characteristics (symmetric, functional...).

Links come from a caller-supplied ``href``, so the module knows nothing about Flask.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from clusterkb.labels import best_text, display, humanise
from clusterkb.namespaces import PREFIXES, VANN
from clusterkb.pages import Href, View

GROUPS = (
    ("classes", "Classes", (OWL.Class, RDFS.Class)),
    ("object-properties", "Object properties", (OWL.ObjectProperty,)),
    ("datatype-properties", "Datatype properties", (OWL.DatatypeProperty,)),
    ("annotation-properties", "Annotation properties", (OWL.AnnotationProperty,)),
    ("other-properties", "Other properties", (RDF.Property,)),
)
#: The header's fields, in the order shown; anything else it says follows as "Other".
METADATA = (
    ("Title", (DCTERMS.title, RDFS.label)), ("Description", (DCTERMS.description,)),
    ("Version", (OWL.versionInfo,)), ("Version IRI", (OWL.versionIRI,)),
    ("Licence", (DCTERMS.license,)), ("Creators", (DCTERMS.creator,)),
    ("Contributors", (DCTERMS.contributor,)), ("Publisher", (DCTERMS.publisher,)),
    ("Created", (DCTERMS.created,)), ("Modified", (DCTERMS.modified,)),
    ("Preferred prefix", (VANN.preferredNamespacePrefix,)),
    ("Namespace", (VANN.preferredNamespaceUri,)), ("Imports", (OWL.imports,)),
    ("Prior version", (OWL.priorVersion,)), ("See also", (RDFS.seeAlso,)),
)
#: Fields whose IRI is the information (a version IRI reads "…/ontology/0.1.0", not "0.1.0").
SHOWN_AS_IRI = {"Version IRI", "Imports", "Prior version", "See also"}
#: Types a property can have besides its kind: shown as its characteristics.
CHARACTERISTICS = (OWL.FunctionalProperty, OWL.InverseFunctionalProperty,
                   OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.TransitiveProperty,
                   OWL.ReflexiveProperty, OWL.IrreflexiveProperty)


def ontology_page(graph: Graph, href: Href, namespace: str) -> dict:
    """Everything ``ontology.html`` shows; ``namespace`` is the ontology's term namespace."""
    v = View(graph, href)
    header = next(iter(sorted(graph.subjects(RDF.type, OWL.Ontology))), None)
    groups, seen = [], set()
    for anchor, title, classes in GROUPS:
        terms = []
        for cls in classes:
            for term in graph.subjects(RDF.type, cls):
                if isinstance(term, URIRef) and term not in seen:
                    seen.add(term)
                    terms.append(_term(graph, v, term, namespace))
        terms.sort(key=lambda t: t["label"].casefold())
        if terms:
            groups.append({"anchor": anchor, "title": title, "terms": terms})
    return {
        "iri": str(header) if header is not None else namespace,
        "label": display(graph, header) if header is not None else "Ontology",
        "metadata": _metadata(graph, v, header) if header is not None else [],
        "namespaces": _namespaces(graph, namespace, header),
        "groups": groups,
    }


def _metadata(graph: Graph, v: View, header: Node) -> list[dict]:
    shown = {p for _, props in METADATA for p in props} | {RDF.type}
    rows = []
    for title, props in METADATA:
        values = [_value(graph, v, o, title in SHOWN_AS_IRI)
                  for p in props for o in v.values(header, p)]
        if title == "Title" and values:
            values = values[:1]
        if values:
            rows.append({"title": title, "values": values})
    for row in v.rows(header, skip=shown):
        rows.append({"title": row["property"]["label"], "values": row["values"]})
    return rows


def _value(graph: Graph, v: View, node: Node, as_iri: bool) -> dict:
    """A metadata value: literals and IRIs as they are (some shown as the IRI itself),
    a blank node (a creator) by name."""
    if isinstance(node, BNode):
        return {"kind": "literal", "text": display(graph, node), "lang": None, "datatype": None}
    shown = v.node(node)
    if as_iri and shown["kind"] == "iri":
        shown = {**shown, "label": shown["iri"]}
    return shown


def _namespaces(graph: Graph, namespace: str, header: Node | None) -> list[dict]:
    """The prefixes of the namespaces the ontology's statements use, its own first."""
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    own = str(graph.value(header, VANN.preferredNamespacePrefix) or "") if header else ""
    rows = []
    for prefix, ns in PREFIXES.items():
        if str(ns) == namespace or any(i.startswith(str(ns)) for i in used):
            rows.append({"prefix": own or prefix if str(ns) == namespace else prefix,
                         "namespace": str(ns), "own": str(ns) == namespace})
    rows.sort(key=lambda r: (not r["own"], r["prefix"]))
    return rows


def _local(term: URIRef, namespace: str) -> str:
    text = str(term)
    return text[len(namespace):] if text.startswith(namespace) else text.rsplit("#", 1)[-1]


def _term(graph: Graph, v: View, term: URIRef, namespace: str) -> dict:
    def linked(*nodes) -> list[dict]:
        return sorted((v.node(n) for n in nodes if isinstance(n, URIRef)),
                      key=lambda n: n["label"].casefold())

    return {
        "anchor": _local(term, namespace),
        "iri": str(term),
        "label": display(graph, term),
        "definition": best_text(graph, term, (SKOS.definition, RDFS.comment)),
        "comment": best_text(graph, term, (RDFS.comment,)) if (term, SKOS.definition, None) in graph
        else None,
        "examples": [str(e) for e in graph.objects(term, SKOS.example) if isinstance(e, Literal)],
        "super": linked(*graph.objects(term, RDFS.subClassOf),
                        *graph.objects(term, RDFS.subPropertyOf)),
        "sub": linked(*graph.subjects(RDFS.subClassOf, term),
                      *graph.subjects(RDFS.subPropertyOf, term)),
        "equivalent": linked(*graph.objects(term, OWL.equivalentClass),
                             *graph.objects(term, OWL.equivalentProperty)),
        "in_domain_of": linked(*graph.subjects(RDFS.domain, term)),
        "in_range_of": linked(*graph.subjects(RDFS.range, term)),
        "domain": linked(*graph.objects(term, RDFS.domain)),
        "range": linked(*graph.objects(term, RDFS.range)),
        "inverse": linked(*graph.objects(term, OWL.inverseOf),
                          *graph.subjects(OWL.inverseOf, term)),
        "characteristics": [humanise(str(t)) for t in CHARACTERISTICS
                            if (term, RDF.type, t) in graph],
    }

