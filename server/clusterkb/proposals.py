"""Concepts a submission proposes for an incomplete scheme, and what accepting one publishes.

Some concept schemes cannot be complete (their authoritative list is not available, see
the README), so a submitter may propose a missing concept: an IRI in the proposal
namespace of its scheme, ``{base}vocab/proposed/{scheme}/{slug}``, typed ``skos:Concept``
with a ``skos:prefLabel`` and ``ckb:proposedFor`` the scheme. The shapes accept it where
a concept of that scheme is expected (``ckbsh:ProposedConceptShape`` checks its form) and
the report lists it apart, for the curator.

Why the scheme membership lives in a graph of its own, ``{base}graph/vocab/proposed``:

* the submitter's triples are published exactly as submitted in the cluster's graph, so a
  download of that graph validates and comes back with an empty diff; the server's
  ``skos:inScheme`` is not one of them;
* only the server asserts ``skos:inScheme`` of a proposed concept, and only after a
  curator accepted it: no submitter's word makes a concept part of a scheme;
* the scheme's page and SPARQL read the union of the published graphs, so the concept
  shows there with ``skos:inScheme`` as soon as the accept is written.

A rejected submission's pending graph is deleted, and its proposals with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS

from clusterkb.namespaces import CKB, graph_iri

#: What of a proposal's own description the scheme publishes (its words, no links).
_COPIED = (SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.scopeNote)


def namespace(base: str) -> str:
    """Where every proposed concept lives: ``{base}vocab/proposed/``."""
    return f"{base}vocab/proposed/"


def scheme_namespace(base: str, scheme: str) -> str | None:
    """The proposal namespace of one scheme of this KB (None for an IRI that is none)."""
    vocab = f"{base}vocab/"
    slug = scheme[len(vocab):] if scheme.startswith(vocab) else ""
    if not slug or "/" in slug:
        return None
    return f"{namespace(base)}{slug}/"


def published_graph(base: str) -> str:
    """The graph in which the server publishes accepted proposals as concepts of their scheme."""
    return graph_iri(base, "vocab/proposed")


def is_proposal(iri: str, base: str) -> bool:
    return iri.startswith(namespace(base))


def accepted(graph: Graph, listed: Iterable[dict], base: str, cluster: str, note: str,
             derived_from: str) -> Graph:
    """The concepts to publish for an accepted submission of ``cluster``: each well-formed
    proposal (``listed``, the validation report's ``proposed``) that ``graph`` describes in
    the proposal namespace of its scheme, as a top concept of that scheme, with its labels
    and notes, ``ckb:proposedFor`` (so that other clusters may restate the proposal as it
    stands), ``prov:wasAttributedTo`` the cluster, a change note (``note``) and
    ``prov:wasDerivedFrom`` the submission."""
    out = Graph()
    for item in listed:
        concept, scheme = URIRef(item["iri"]), URIRef(item["scheme"])
        space = scheme_namespace(base, str(scheme))
        if (space is None or not str(concept).startswith(space)
                or (concept, CKB.proposedFor, scheme) not in graph):
            continue
        out.add((concept, RDF.type, SKOS.Concept))
        out.add((concept, SKOS.inScheme, scheme))
        out.add((concept, SKOS.topConceptOf, scheme))
        out.add((scheme, SKOS.hasTopConcept, concept))
        out.add((concept, CKB.proposedFor, scheme))
        out.add((concept, PROV.wasAttributedTo, URIRef(cluster)))
        for prop in _COPIED:
            for value in graph.objects(concept, prop):
                if isinstance(value, Literal):
                    out.add((concept, prop, value))
        out.add((concept, SKOS.changeNote, Literal(note, lang="en")))
        out.add((concept, PROV.wasDerivedFrom, URIRef(derived_from)))
    return out


def merged(current: Graph, new: Graph, cluster: str) -> Graph:
    """``current`` (the published proposals) with the concepts of ``new`` added.

    A concept already published is described anew only when ``cluster`` proposed it
    (its cluster resubmitted it, perhaps relabelled: one description, the latest
    accepted); another cluster that uses it and restates it leaves it as it stands.
    """
    out = Graph()
    proposer = URIRef(cluster)
    published = set(current.subjects(SKOS.inScheme, None))
    renewed = {c for c in new.subjects(SKOS.inScheme, None)
               if c not in published or (c, PROV.wasAttributedTo, proposer) in current}
    for s, p, o in current:
        if s not in renewed:
            out.add((s, p, o))
    for s, p, o in new:
        if s in renewed or (p == SKOS.hasTopConcept and o in renewed):
            out.add((s, p, o))
    return out


def note(submission_id: str, cluster: str, decided: datetime) -> str:
    return (f"Proposed for this scheme by the cluster organisation <{cluster}> in submission "
            f"{submission_id}; added when a curator accepted it on {decided.date().isoformat()}.")
