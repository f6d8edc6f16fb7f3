"""Full-text search over the KB: SQLite FTS5, ranked, with kinds and facets, per generation.

Why SQLite FTS5 (standard library, in memory): it tokenises with Unicode rules and
folds accents (``unicode61 remove_diacritics 2``: ``Pécs`` matches ``pecs``), ranks by
bm25 and answers prefix queries, none of which SPARQL engines agree on. The index is
built from a few trusted SELECTs and rebuilt whenever the store's generation changes
(``index_of``), so a hit never names data that is gone.

What a hit is: every IRI subject with a type or a name. Its *kind* is the one of its
types that ranks first (``KIND_TIERS``), named by the ontology's label or, for a term
the store has no label for, by its humanised local name ("Formal organization").

How hits are ranked, best first:

1. a name equal to the query (``hmc`` finds the cluster whose acronym is HMC);
2. a match in a name (labels, alternative names, acronyms) before a match only in a
   description, definition or comment;
3. by the tier of the kind: cluster organisations, then the other things the KB is
   about (organisations, networks, projects, programmes, events, people, places), then
   vocabulary concepts and ontology terms, then records about them (documents,
   datasets, figures, member counts, memberships, shapes...). So "medical" lists the
   medical clusters before the concepts, distributions and figures that also say it;
4. by bm25 (names weigh more than other names, which weigh more than text), then label.

A query whose words match no token (a fragment inside a compound word, "klaszt")
falls back to a substring test on the folded names.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, RDF, RDFS, SDO, SKOS

from clusterkb.labels import LABEL_PROPERTIES, humanise, label_triples, pick_label, short_name
from clusterkb.namespaces import CKB, COUNTRY, EURIO
from clusterkb.store.base import Store

#: Other names: alternative labels, acronyms.
OTHER_NAME_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.altLabel, SKOS.hiddenLabel, SDO.alternateName, CKB.acronym,
    SKOS.notation,
)
#: Text that describes a thing: searched too, but a match here ranks below a name match.
TEXT_PROPERTIES: tuple[URIRef, ...] = (
    SKOS.definition, SKOS.scopeNote, RDFS.comment, SDO.description, DCTERMS.description,
    CKB.mission,
)

#: Kinds by tier (see the module docstring); a type not listed is in the last tier.
KIND_TIERS: tuple[tuple[URIRef, ...], ...] = (
    (CKB.ClusterOrganisation,),
    (ORG.FormalOrganization, ORG.Organization, ORG.OrganizationalUnit, FOAF.Organization,
     CKB.Network, EURIO.Project, SDO.Project, FOAF.Project, CKB.Programme, SDO.ExhibitionEvent,
     SDO.Event, FOAF.Person, SDO.City, SDO.AdministrativeArea, SDO.Place, DCTERMS.Location,
     CKB.ExcellenceLabel, CKB.Accreditation, CKB.Prize, CKB.PolicyStrategy, CKB.SuccessStory,
     CKB.Funding),
    (SKOS.ConceptScheme, SKOS.Concept, OWL.Ontology, OWL.Class, OWL.ObjectProperty,
     OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property),
)
LAST_TIER = len(KIND_TIERS)
_TIER = {str(t): tier for tier, types in enumerate(KIND_TIERS) for t in types}

#: Facets: (parameter, heading). ``kind`` is the hit's kind; the others are read from
#: the data (``FACET_PATTERNS``). Values are keyed by the last segment of their IRI.
FACETS: tuple[tuple[str, str], ...] = (
    ("kind", "Kind"), ("country", "Country"), ("level", "Label level"),
    ("sector", "Sector"), ("type", "Organisation type"),
)
FACET_PATTERNS: dict[str, str] = {
    "country": f'?s <{DCTERMS.spatial}> ?v FILTER(STRSTARTS(STR(?v), "{COUNTRY}"))',
    "level": f"?s <{CKB.hasAward}>/<{CKB.awardLevel}> ?v",
    "sector": f"?s <{CKB.sectoralIndustry}> ?v",
    "type": f"?s <{CKB.organisationType}> ?v",
}

#: bm25 weights of the FTS columns: names, other names, text.
_WEIGHTS = (10.0, 5.0, 1.0)
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Compare form of ``text``: accents removed (NFKD), case folded, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def facet_key(iri: str) -> str:
    """The parameter value naming a facet value: its IRI's last segment (``.../HUN`` -> HUN)."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass(frozen=True)
class Entry:
    """One IRI of the published data, as search and listings show it."""

    iri: str
    label: str
    kind: str | None  # class IRI
    kind_label: str | None
    tier: int
    named: bool  # has a name of its own (else the label is a short name of the IRI)
    types: tuple[str, ...] = ()
    facets: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)


class SearchIndex:
    """The entries of one generation, their FTS5 index and the labels of facet values."""

    def __init__(self, entries: list[Entry], names: dict[str, tuple[list[str], list[str],
                                                                     list[str]]],
                 value_labels: dict[tuple[str, str], str]):
        self.entries = entries
        self.value_labels = value_labels
        self._lock = threading.Lock()  # one sqlite3 connection, shared by request threads
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY, folded TEXT)")
        self._db.execute("CREATE VIRTUAL TABLE doc USING fts5(names, other, text, "
                         "tokenize = 'unicode61 remove_diacritics 2')")
        for i, e in enumerate(entries):
            main, other, text = names.get(e.iri, ([], [], []))
            self._db.execute("INSERT INTO entry VALUES (?, ?)",
                             (i, "\n".join(fold(n) for n in main + other)))
            self._db.execute("INSERT INTO doc (rowid, names, other, text) VALUES (?, ?, ?, ?)",
                             (i, "\n".join(main), "\n".join(other), "\n".join(text)))

    # --- building -------------------------------------------------------------------

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        main: dict[str, list[str]] = {}
        other: dict[str, list[str]] = {}
        text: dict[str, list[str]] = {}
        label_graph = Graph()
        props = LABEL_PROPERTIES + OTHER_NAME_PROPERTIES + TEXT_PROPERTIES
        values = " ".join(f"<{p}>" for p in props)
        for r in store.select(f"""
                SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?l
                  FILTER(isIRI(?s) && isLiteral(?l)) }}"""):
            s, p, lit = str(r["s"]), r["p"], r["l"]
            if p in LABEL_PROPERTIES:
                label_graph.add((r["s"], p, lit))
                main.setdefault(s, []).append(str(lit))
            elif p in OTHER_NAME_PROPERTIES:
                other.setdefault(s, []).append(str(lit))
            else:
                text.setdefault(s, []).append(str(lit))
        types: dict[str, set[str]] = {}
        for r in store.select("SELECT DISTINCT ?s ?t WHERE { ?s a ?t "
                              "FILTER(isIRI(?s) && isIRI(?t)) }"):
            types.setdefault(str(r["s"]), set()).add(str(r["t"]))
        kinds = {_kind(ts) for ts in types.values()}
        kind_labels = _term_names(store, kinds)
        facets, value_labels = _facets(store)
        entries = []
        for iri in set(main) | set(other) | set(types):
            kind = _kind(types.get(iri, set()))
            of_iri = dict(facets.get(iri, {}))
            if kind:
                of_iri["kind"] = frozenset({facet_key(kind)})
                value_labels[("kind", facet_key(kind))] = kind_labels[kind]
            entries.append(Entry(
                iri=iri, label=pick_label(label_graph, URIRef(iri))
                or (sorted(other.get(iri, [])) or [short_name(iri)])[0],
                kind=kind, kind_label=kind_labels.get(kind) if kind else None,
                tier=_TIER.get(kind, LAST_TIER) if kind else LAST_TIER,
                named=iri in main or iri in other, types=tuple(sorted(types.get(iri, ()))),
                facets=of_iri))
        entries.sort(key=lambda e: (e.tier, fold(e.label), e.iri))
        names = {iri: (sorted(main.get(iri, [])), sorted(other.get(iri, [])),
                       sorted(text.get(iri, []))) for iri in main.keys() | other.keys()
                 | text.keys()}
        return cls(entries, names, value_labels)

    # --- asking ---------------------------------------------------------------------

    def search(self, query: str) -> list[Entry]:
        """Entries matching ``query``, best first (see the module docstring)."""
        q = fold(query)
        if not q:
            return []
        words = _WORD.findall(q)
        with self._lock:
            scores: dict[int, float] = {}
            in_names: set[int] = set()
            if words:
                # Each word as itself or as a prefix: an exact word scores on both.
                match = " AND ".join(f'("{w}" OR "{w}"*)' for w in words)
                scores = dict(self._db.execute(
                    "SELECT rowid, bm25(doc, ?, ?, ?) FROM doc WHERE doc MATCH ?",
                    (*_WEIGHTS, match)).fetchall())
                in_names = {row for (row,) in self._db.execute(
                    "SELECT rowid FROM doc WHERE doc MATCH ?", (f"{{names other}} : ({match})",))}
            if not scores:
                scores = {row: 0.0 for (row,) in self._db.execute(
                    "SELECT id FROM entry WHERE instr(folded, ?) > 0", (q,))}
                in_names = set(scores)
            exact = {row for (row,) in self._db.execute(
                "SELECT id FROM entry WHERE ('\n' || folded || '\n') LIKE ? ESCAPE '\\'",
                (f"%\n{_like(q)}\n%",))}
        ranked = sorted(scores, key=lambda i: (i not in exact, i not in in_names,
                                               self.entries[i].tier, scores[i],
                                               fold(self.entries[i].label), self.entries[i].iri))
        return [self.entries[i] for i in ranked]

    def browse(self) -> list[Entry]:
        """Every named entry, in tier order, then by label: what an empty query lists."""
        return [e for e in self.entries if e.named]

    def under(self, prefix: str) -> list[Entry]:
        """Every entry whose IRI starts with ``prefix``, for listing pages."""
        return [e for e in self.entries if e.iri.startswith(prefix)]


def _like(text: str) -> str:
    """``text`` as a literal part of a LIKE pattern (escaped with a backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _kind(types: Iterable[str]) -> str | None:
    """The type that ranks first: lowest tier, then the listed order, then the IRI."""
    order = {str(t): i for types_ in KIND_TIERS for i, t in enumerate(types_)}
    found = sorted(types, key=lambda t: (_TIER.get(t, LAST_TIER), order.get(t, 0), t))
    return found[0] if found else None


def _term_names(store: Store, iris: Iterable[str | None]) -> dict[str, str]:
    """A human name for each class IRI: its label in the data, else its humanised local name."""
    wanted = {i for i in iris if i}
    graph = Graph()
    for triple in label_triples(store, wanted):
        graph.add(triple)
    names = {i: pick_label(graph, URIRef(i)) or humanise(i) for i in wanted}
    return {i: name[:1].upper() + name[1:] for i, name in names.items()}  # as a heading reads


def _facets(store: Store) -> tuple[dict[str, dict[str, frozenset[str]]],
                                   dict[tuple[str, str], str]]:
    """Facet values (keys) per IRI, and a display label per (facet, key)."""
    union = " UNION ".join(f'{{ {pattern} BIND("{name}" AS ?facet) }}'
                           for name, pattern in FACET_PATTERNS.items())
    rows = store.select(f"SELECT DISTINCT ?s ?facet ?v WHERE {{ {union} "
                        f"FILTER(isIRI(?s) && isIRI(?v)) }}")
    graph = Graph()
    for triple in label_triples(store, {str(r["v"]) for r in rows}):
        graph.add(triple)
    found: dict[str, dict[str, set[str]]] = {}
    labels: dict[tuple[str, str], str] = {}
    for r in rows:
        facet, value = str(r["facet"]), str(r["v"])
        key = facet_key(value)
        found.setdefault(str(r["s"]), {}).setdefault(facet, set()).add(key)
        labels.setdefault((facet, key), pick_label(graph, URIRef(value)) or short_name(value))
    return ({s: {f: frozenset(v) for f, v in fs.items()} for s, fs in found.items()}, labels)


# --- one index per store and generation ----------------------------------------------------

_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_of(store: Store) -> SearchIndex:
    """The index of ``store``'s current generation, built once however many threads ask."""
    generation = store.generation()
    with _INDEXES_LOCK:
        held = _INDEXES.get(store)
        if held is not None and held[0] == generation:
            return held[1]
        index = SearchIndex.build(store)
        _INDEXES[store] = (generation, index)
        return index

