"""Name search over the KB: accent- and case-insensitive, ranked, in memory.

A few thousand labels fit in memory and scanning them is faster than any
SPARQL regex, and folding (``Pécs`` -> ``pecs``) needs Unicode rules that
SPARQL engines do not share. The index is built from one trusted SELECT and
rebuilt whenever the store's generation changes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SDO, SKOS

from clusterkb.labels import LABEL_PROPERTIES, pick_label, short_name
from clusterkb.namespaces import CKB
from clusterkb.store.base import Store

#: Names (labels first) and acronyms / alternative names.
NAME_PROPERTIES: tuple[URIRef, ...] = LABEL_PROPERTIES + (
    SKOS.altLabel, SDO.alternateName, CKB.acronym, CKB.shortName,
)

EXACT, PREFIX, WORD_PREFIX, SUBSTRING = range(4)


def fold(text: str) -> str:
    """Compare form of ``text``: accents removed (NFKD), case folded, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass
class Entry:
    iri: str
    label: str
    types: list[str]
    names: list[str] = field(default_factory=list)  # folded


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    types: list[str]
    rank: int


class SearchIndex:
    """Folded names of every named IRI in the published data."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        props = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
        rows = store.select(f"""
            SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?l
              FILTER(isIRI(?s) && isLiteral(?l)) }}""")
        type_rows = store.select("""
            SELECT DISTINCT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }""")
        labels = Graph()
        for r in rows:
            labels.add((r["s"], r["p"], r["l"]))
        types: dict[str, list[str]] = {}
        for r in type_rows:
            types.setdefault(str(r["s"]), []).append(str(r["t"]))
        entries = []
        for subject in set(labels.subjects()):
            names = {fold(str(o)) for o in labels.objects(subject) if isinstance(o, Literal)}
            entries.append(Entry(iri=str(subject),
                                 label=pick_label(labels, subject) or short_name(str(subject)),
                                 types=sorted(types.get(str(subject), [])),
                                 names=sorted(n for n in names if n)))
        entries.sort(key=lambda e: (fold(e.label), e.iri))
        return cls(entries)

    def search(self, query: str) -> list[Hit]:
        """Every entry with a name containing ``query`` (folded), best matches first.

        Rank: a name equal to the query, then starting with it, then a word of
        it starting with it, then containing it anywhere; ties by label.
        """
        q = fold(query)
        if not q:
            return []
        hits = []
        for e in self.entries:
            ranks = [r for r in (_rank(name, q) for name in e.names) if r is not None]
            if ranks:
                best = min(ranks)
                hits.append(Hit(e.iri, e.label, e.types, best))
        hits.sort(key=lambda h: (h.rank, fold(h.label), h.iri))
        return hits


def _rank(name: str, q: str) -> int | None:
    if name == q:
        return EXACT
    if name.startswith(q):
        return PREFIX
    pos = name.find(q)
    if pos < 0:
        return None
    if any(name.startswith(q, i + 1) for i, c in enumerate(name) if not c.isalnum()):
        return WORD_PREFIX
    return SUBSTRING
