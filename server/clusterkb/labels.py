"""How the server names things: one property order, one language rank, one fetch.

Pages, reports, diffs, search hits and the catalogue all show a name for an IRI. They
pick it here, so a resource reads the same everywhere: Romania is "Romania" on a cluster
page, on a resource page and in a validation report alike.

* Countries of the EU authority list are named by ISO 3166 (pycountry) before any label
  in the data: the catalogue carries only their code as a label.
* Otherwise the first property of ``LABEL_PROPERTIES`` that has a literal wins, and
  within it English beats untagged beats any other language; ties are broken by the
  string itself, so the choice never depends on the order a graph returns triples in.
* NUTS regions without a label read "NUTS RO32"; NACE codes, EU authority codes and
  Creative Commons licences without a label read as their code ("NACE 26.60",
  "CC BY 4.0"); anything else falls back to a short name (a CURIE of a known prefix,
  else the IRI's last segment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import pycountry
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SDO, SKOS
from rdflib.term import Node

from clusterkb.namespaces import COUNTRY, LEGAL, NUTS, PREFIXES
from clusterkb.store.base import Store

#: Properties that name a thing, best first.
LABEL_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.prefLabel, RDFS.label, LEGAL.legalName, SDO.name, DCTERMS.title, FOAF.name,
)


def rank(literal: Literal, lang: str = "en") -> tuple[int, str]:
    """Sort key of a label: ``lang`` first, then untagged, then other languages; then text."""
    tag = (literal.language or "").lower()
    return (0 if tag.split("-")[0] == lang else 1 if not tag else 2, str(literal))


def best(literals: Iterable[Node], lang: str = "en") -> Literal | None:
    """The best of ``literals`` by ``rank`` (non-literals are ignored)."""
    values = [v for v in literals if isinstance(v, Literal)]
    return min(values, key=lambda lit: rank(lit, lang)) if values else None


def best_text(graph: Graph, node: Node, props: Iterable[URIRef], lang: str = "en") -> str | None:
    """The best literal (by ``rank``) of the first of ``props`` that ``node`` has: for a
    definition or description, where the property order matters as it does for names."""
    for prop in props:
        found = best(graph.objects(node, prop), lang)
        if found is not None:
            return str(found)
    return None


def country_name(iri: str) -> str | None:
    """English name of an EU authority country IRI (``.../country/ROU`` -> Romania).

    A code pycountry does not know is returned as it is, so it stays visible.
    """
    if not iri.startswith(str(COUNTRY)):
        return None
    code = iri[len(str(COUNTRY)):]
    record = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if record is None:
        return code
    return getattr(record, "common_name", None) or record.name


def nuts_code(iri: str) -> str | None:
    """``NUTS RO32`` for a NUTS authority IRI, else None."""
    return f"NUTS {iri[len(str(NUTS)):]}" if iri.startswith(str(NUTS)) else None


def humanise(iri: str) -> str:
    """A term's local name as words, for classes the store has no label for.

    ``org#FormalOrganization`` -> "Formal organization", ``dcat#Distribution`` ->
    "Distribution": what a person reads instead of a raw class name.
    """
    tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", tail) or [tail]
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def authority_code(iri: str) -> str | None:
    """A code for IRIs of code lists that carry no label here (mapping targets, licences).

    NACE Rev. 2 (``.../nace2/2660`` -> "NACE 26.60"), EU authority tables
    (``.../authority/data-theme/AGRI`` -> "data-theme AGRI") and Creative Commons
    licences (``.../licenses/by/4.0/`` -> "CC BY 4.0"); None for anything else.
    """
    if iri.startswith(_NACE):
        code = iri[len(_NACE):].strip("/")
        dotted = f"{code[:2]}.{code[2:]}" if code.isdigit() and len(code) > 2 else code
        return f"NACE {dotted}"
    if iri.startswith(_EU_AUTHORITY):
        table, _, code = iri[len(_EU_AUTHORITY):].strip("/").partition("/")
        return f"{table} {code}" if code else table
    cc = _CREATIVE_COMMONS.match(iri)
    if cc:
        kind, version = cc.group(1), cc.group(2)
        return f"CC0 {version}" if kind == "zero" else f"CC {kind.upper()} {version}"
    return None


_NACE = "http://data.europa.eu/ux2/nace2/"
_EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
_CREATIVE_COMMONS = re.compile(
    r"https?://creativecommons\.org/(?:licenses|publicdomain)/([a-z-]+)/(\d+(?:\.\d+)*)/?$")


def short_name(iri: str) -> str:
    """A readable fallback for an IRI without a label: a CURIE, else its last segment."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


def name_among(pairs: Iterable[tuple[Node, Node]], lang: str = "en") -> str | None:
    """The name given by one node's ``(property, value)`` pairs (rows of a query, say):
    the first of ``LABEL_PROPERTIES`` that has a literal, its best value by ``rank``."""
    values: dict[Node, list[Node]] = {}
    for prop, value in pairs:
        values.setdefault(prop, []).append(value)
    for prop in LABEL_PROPERTIES:
        found = best(values.get(prop, ()), lang)
        if found is not None:
            return str(found)
    return None


def pick_label(graph: Graph, node: Node, lang: str = "en") -> str | None:
    """The name of ``node`` from ``graph``'s label triples (or its country), None if none."""
    if isinstance(node, URIRef):
        name = country_name(str(node))
        if name is not None:
            return name
    return name_among(((p, o) for p in LABEL_PROPERTIES for o in graph.objects(node, p)), lang)


def display(graph: Graph, node: Node) -> str:
    """Always a name: the label, else the NUTS code or short name (IRIs), else a placeholder."""
    label = pick_label(graph, node)
    if label is not None:
        return label
    if isinstance(node, BNode):
        return "(unnamed node)"
    return nuts_code(str(node)) or authority_code(str(node)) or short_name(str(node))


def iri_ref(term: str) -> str:
    """``term`` as a SPARQL IRI reference, refusing characters that could break out of it."""
    if any(c in term for c in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not a usable IRI: {term!r}")
    try:  # control characters, bad percent-encoding: the engine would reject the query
        ox.NamedNode(term)
    except ValueError as error:
        raise ValueError(f"not a usable IRI: {term!r} ({error})") from None
    return f"<{term}>"


def label_triples(store: Store, iris: Iterable[str], chunk: int = 200) -> Iterator[tuple]:
    """The ``(iri, property, literal)`` label triples the store holds for ``iris``."""
    # One VALUES block of (subject, property) pairs: Oxigraph then looks each pair up,
    # while two separate VALUES blocks made it scan every triple (60x slower at 0.3 M).
    ordered = sorted({str(i) for i in iris})
    properties = [f"<{p}>" for p in LABEL_PROPERTIES]
    for start in range(0, len(ordered), chunk):
        pairs = " ".join(f"({iri_ref(i)} {p})" for i in ordered[start:start + chunk]
                         for p in properties)
        for row in store.select(f"""
                SELECT ?s ?p ?l WHERE {{
                  VALUES (?s ?p) {{ {pairs} }}
                  ?s ?p ?l FILTER(isLiteral(?l)) }}"""):
            yield row["s"], row["p"], row["l"]


def fetch_labels(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """The display name of each of ``iris``, read from the store (one query per 200 IRIs)."""
    iris = {str(i) for i in iris}
    graph = Graph()
    for triple in label_triples(store, iris):
        graph.add(triple)
    return {iri: display(graph, URIRef(iri)) for iri in iris}


def add_labels(store: Store, graph: Graph) -> None:
    """Add to ``graph`` the label triples of every IRI it mentions, so it names its nodes."""
    iris = {t for triple in graph for t in triple if isinstance(t, URIRef)}
    for triple in label_triples(store, iris):
        graph.add(triple)
