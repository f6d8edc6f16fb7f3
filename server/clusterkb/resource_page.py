"""The HTML view model of a generic resource page (``resource.html``), no Flask.

Every IRI that is neither a cluster (``pages``) nor a concept scheme
(``scheme_page``) is shown this way: its types, definition, every property
with its values (blank nodes nested, three levels at most) and the resources
that link to it. ``href`` maps an IRI to its local URL (None when it is not
ours), so the page can be built and tested without an app.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from clusterkb.labels import best_text, display, pick_label, short_name
from clusterkb.links import safe_href
from clusterkb.pages import Href


def node_view(graph: Graph, node: Node, href: Href, depth: int = 0) -> dict:
    """How one value is shown: a labelled link, a literal with its language, or a nested node."""
    if isinstance(node, Literal):
        dt = str(node.datatype) if node.datatype else None
        return {"kind": "literal", "text": str(node), "lang": node.language,
                "datatype": short_name(dt) if dt else None}
    if isinstance(node, BNode):
        props = _property_rows(graph, node, href, depth + 1) if depth < 3 else []
        return {"kind": "bnode", "label": display(graph, node), "props": props}
    iri = str(node)
    local = href(iri)
    return {"kind": "iri", "iri": iri, "href": local or safe_href(iri),
            "label": display(graph, node), "local": local is not None}


def _property_rows(graph: Graph, subject: Node, href: Href, depth: int = 0) -> list[dict]:
    values: dict[URIRef, list[Node]] = defaultdict(list)
    for p, o in graph.predicate_objects(subject):
        values[p].append(o)
    rows = []
    for p, objs in values.items():
        rows.append({"property": node_view(graph, p, href),
                     "values": [node_view(graph, o, href, depth)
                                for o in sorted(objs, key=_sort_key)]})
    rows.sort(key=lambda r: (r["property"]["iri"] != str(RDF.type),
                             r["property"]["label"].lower()))
    return rows


def _sort_key(node: Node) -> tuple[int, str]:
    return (0 if isinstance(node, Literal) else 1 if isinstance(node, URIRef) else 2, str(node))


def resource_view(graph: Graph, iri: URIRef, href: Href) -> dict:
    """Everything ``resource.html`` shows about ``iri``, labels already chosen."""
    incoming: dict[URIRef, list[Node]] = defaultdict(list)
    for s, p in graph.subject_predicates(iri):
        if isinstance(s, URIRef) and s != iri:
            incoming[p].append(s)
    return {
        "iri": str(iri),
        "label": pick_label(graph, iri) or short_name(str(iri)),
        "types": [node_view(graph, t, href) for t in sorted(graph.objects(iri, RDF.type))],
        "comment": best_text(graph, iri, (SKOS.definition, RDFS.comment)),
        "props": _property_rows(graph, iri, href),
        "incoming": [{"property": node_view(graph, p, href),
                      "values": [node_view(graph, s, href) for s in sorted(subs)]}
                     for p, subs in sorted(incoming.items())],
    }
