"""Conversion between pyoxigraph terms (the engine's) and rdflib terms (the rest of the server's).

The server reasons in rdflib terms (pyshacl, templates, serialisers) while the
engine speaks its own; this is the one place where the two meet, so literal
details (``xsd:string`` versus plain literals, language tags) are decided once.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

_XSD_STRING = str(XSD.string)
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

IriMap = Callable[[str], str]


def _same(iri: str) -> str:
    return iri


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Identifier:
    """An engine term as an rdflib term (``xsd:string`` literals become plain literals)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported RDF term (RDF-star triple terms are not supported): {term!r}")


def to_ox(term: Identifier, iri_map: IriMap = _same) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as an engine term; ``iri_map`` may rewrite IRIs (base IRI change)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(iri_map(str(term)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _RDF_LANG_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(iri_map(str(term.datatype))))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term: {term!r}")


def map_ox_term(term: ox.NamedNode | ox.BlankNode | ox.Literal, iri_map: IriMap):
    """Rewrite the IRIs inside one engine term (used when the base IRI is configured)."""
    if isinstance(term, ox.NamedNode):
        new = iri_map(term.value)
        return term if new == term.value else ox.NamedNode(new)
    if isinstance(term, ox.Literal) and not term.language:
        new = iri_map(term.datatype.value)
        if new != term.datatype.value:
            return ox.Literal(term.value, datatype=ox.NamedNode(new))
    return term


def base_iri_map(default_base: str, base: str, keep: tuple[str, ...] = ()) -> IriMap:
    """An IRI map that moves ``default_base`` IRIs under ``base``, except the ``keep`` prefixes.

    ``keep`` exists for the ontology namespace: it is a vocabulary with a
    permanent IRI that code and other datasets refer to, so it never moves.
    """
    if default_base == base:
        return _same

    def rewrite(iri: str) -> str:
        if iri.startswith(default_base) and not iri.startswith(keep):
            return base + iri[len(default_base):]
        return iri

    return rewrite
