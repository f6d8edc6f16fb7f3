"""What changed between two versions of a graph, arranged for a person to read.

A curator deciding on a submission (or anyone comparing two versions of a cluster's
history) wants "the mission of ROHEALTH: this text went, that text came", not two
piles of N-Triples lines. This module takes the triples added and removed (as
``clusterkb.submissions`` computes them) and groups them by resource, then by
property, each named by its label and its short name, with every value in full.

Names come from ``clusterkb.labels`` in this order: the new version (a submission
may name what it mints), the old version, then the store. Blank nodes are shown
inside the statement that points at them, so a changed address or count reads as
one value; a blank node nothing in the same diff points at gets a group of its own.
No Flask here: the web layer renders ``Change.to_json()`` with its templates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from clusterkb.labels import fetch_labels, iri_ref, pick_label, short_name
from clusterkb.store.base import Store

#: How deep blank nodes inside blank nodes are shown (a guard against cycles).
MAX_DEPTH = 4


@dataclass(frozen=True)
class PropertyChange:
    """One property of one resource: the values it lost and the values it gained."""

    property: dict
    removed: list[dict]
    added: list[dict]


@dataclass(frozen=True)
class ResourceChange:
    """Everything that changed about one resource."""

    resource: dict
    properties: list[PropertyChange]

    def to_json(self) -> dict:
        return {"resource": self.resource,
                "properties": [{"property": p.property, "removed": p.removed,
                                "added": p.added} for p in self.properties]}


@dataclass(frozen=True)
class Changes:
    """A diff for people: ``groups`` by resource, and the triple counts."""

    groups: list[ResourceChange]
    added: int
    removed: int

    @property
    def empty(self) -> bool:
        return not self.groups

    def to_json(self) -> list[dict]:
        return [g.to_json() for g in self.groups]


def describe_changes(added: Graph, removed: Graph, new: Graph, old: Graph, store: Store,
                     first: str | None = None) -> Changes:
    """Group ``added`` and ``removed`` (triples of ``new`` and ``old``) by resource and property.

    ``first``: the IRI whose group comes first (the cluster itself); the others
    follow by name. Labels are looked up once for every IRI the diff mentions.
    """
    name = _namer(added, removed, new, old, store)
    table: dict[Node, dict[URIRef, dict[str, list[Node]]]] = defaultdict(
        lambda: defaultdict(lambda: {"added": [], "removed": []}))
    for side, part in (("added", added), ("removed", removed)):
        nested = {o for o in part.objects() if isinstance(o, BNode)}
        for s, p, o in part:
            if isinstance(s, BNode) and s in nested:
                continue  # shown inside the statement that points at it
            table[s][p][side].append(o)

    def term(node: Node, part: Graph, depth: int = 0) -> dict:
        if isinstance(node, Literal):
            dt = str(node.datatype) if node.datatype else None
            return {"kind": "literal", "text": str(node), "lang": node.language,
                    "datatype": short_name(dt) if dt else None}
        if isinstance(node, BNode):
            rows = []
            if depth < MAX_DEPTH:
                by_property: dict[Node, list[Node]] = defaultdict(list)
                for p, o in part.predicate_objects(node):
                    by_property[p].append(o)
                rows = [{"property": term(p, part), "values": [term(o, part, depth + 1)
                                                              for o in _ordered(objs, name)]}
                        for p, objs in sorted(by_property.items(), key=lambda i: _key(i[0], name))]
            return {"kind": "bnode", "label": "(unnamed node)", "props": rows}
        iri = str(node)
        return {"kind": "iri", "iri": iri, "label": name(node), "short": short_name(iri)}

    groups = []
    for subject, properties in table.items():
        rows = []
        for p in sorted(properties, key=lambda q: (q != RDF.type, _key(q, name))):
            values = properties[p]
            rows.append(PropertyChange(
                term(p, added),
                [term(o, removed) for o in _ordered(values["removed"], name)],
                [term(o, added) for o in _ordered(values["added"], name)]))
        part = added if (subject, None, None) in added else removed
        groups.append((subject, ResourceChange(term(subject, part), rows)))
    groups.sort(key=lambda g: (str(g[0]) != first, isinstance(g[0], BNode), _key(g[0], name)))
    return Changes([g for _, g in groups], len(added), len(removed))


def _namer(added: Graph, removed: Graph, new: Graph, old: Graph,
           store: Store) -> Callable[[Node], str]:
    """A name for each IRI of the diff: the new version's label, the old one's, the store's."""
    iris = {t for part in (added, removed) for triple in part for t in triple
            if isinstance(t, URIRef)}
    names = {str(i): pick_label(new, i) or pick_label(old, i) for i in iris}
    names.update(fetch_labels(store, [i for i, n in names.items()
                                      if n is None and _spellable(i)]))

    def name(node: Node) -> str:
        return names.get(str(node)) or short_name(str(node))

    return name


def _spellable(iri: str) -> bool:
    """Whether the store can be asked about ``iri`` (a submission may hold odd IRIs)."""
    try:
        iri_ref(iri)
    except ValueError:
        return False
    return True


def _key(node: Node, name: Callable[[Node], str]) -> tuple[str, str]:
    return (name(node).lower(), str(node)) if isinstance(node, URIRef) else ("", str(node))


def _ordered(values: list[Node], name: Callable[[Node], str]) -> list[Node]:
    return sorted(values, key=lambda v: (str(v),) if isinstance(v, Literal) else _key(v, name))
