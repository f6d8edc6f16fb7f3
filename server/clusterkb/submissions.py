"""The submission workflow: submit, review, accept or reject, and the history it leaves.

No Flask here, so the rules can be tested and reused without HTTP. Where state lives:

* the submitted triples: a pending graph ``{base}graph/submission/{id}`` in the
  store (never part of the published default graph), removed once the
  submission is decided;
* the record (status, who, when, validation report, accepts under way, upload
  volume): SQLite beside the tokens. That is the server's own record; nothing
  a submitter writes into a graph is ever read back as bookkeeping;
* an accepted version: the cluster's published graph ``{base}graph/clusters/{slug}``,
  carrying PROV provenance written from the record; the version it replaced is
  kept as the pending graph ``{base}graph/history/clusters/{slug}/{n}``.

Why accepting survives a crash: the accept is noted in SQLite first; then one
atomic store write publishes the new cluster graph, saves the previous version
and deletes the submission's pending graph; then the record is updated. If the
process dies in between, ``reconcile`` (run at start-up) sees from the store
whether the write happened (the pending graph is gone) and finishes or drops
the note.
"""

from __future__ import annotations

import fcntl
import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import ORG, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from clusterkb import proposals
from clusterkb.config import Config
from clusterkb.namespaces import CKB, PREFIXES, graph_iri
from clusterkb.store.base import QuerySyntaxError, Store
from clusterkb.tokens import Token, cluster_slug, state_dir

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
STATUSES = (PENDING, ACCEPTED, REJECTED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    token_id TEXT NOT NULL,
    cluster TEXT NOT NULL,
    created TEXT NOT NULL,
    decided TEXT,
    curator_id TEXT,
    reason TEXT,
    report TEXT NOT NULL,
    triples INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    cluster TEXT NOT NULL,
    n INTEGER NOT NULL,
    graph TEXT NOT NULL,
    generated TEXT,
    replaced TEXT NOT NULL,
    replaced_by TEXT NOT NULL,
    PRIMARY KEY (cluster, n)
);
CREATE TABLE IF NOT EXISTS accepting (
    submission TEXT PRIMARY KEY,
    curator_id TEXT NOT NULL,
    decided TEXT NOT NULL,
    n INTEGER,
    graph TEXT,
    generated TEXT
);
CREATE TABLE IF NOT EXISTS uploads (
    token_id TEXT NOT NULL,
    at TEXT NOT NULL,
    bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_token ON uploads (token_id, at);
"""


class WorkflowError(Exception):
    """A workflow step refused; ``status`` is the HTTP status that fits (404, 409, 403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submission:
    id: str
    status: str
    token_id: str
    cluster: str
    created: datetime
    decided: datetime | None
    curator_id: str | None
    reason: str | None
    report: dict = field(repr=False)
    triples: int = 0

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "cluster": self.cluster,
                "submitter": self.token_id, "created": self.created.isoformat(),
                "decided": self.decided.isoformat() if self.decided else None,
                "curator": self.curator_id, "reason": self.reason, "triples": self.triples,
                "report": self.report}


@dataclass(frozen=True)
class Version:
    """One version of a cluster's published graph."""

    n: int | None  # None: the current version
    graph: str
    generated: datetime | None
    replaced: datetime | None
    replaced_by: str | None


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- IRIs --------------------------------------------------------------------------------------

def submission_graph(base: str, submission_id: str) -> str:
    return graph_iri(base, f"submission/{submission_id}")


def cluster_graph(base: str, slug: str) -> str:
    return graph_iri(base, f"clusters/{slug}")


def history_graph(base: str, slug: str, n: int) -> str:
    return graph_iri(base, f"history/clusters/{slug}/{n}")


def acceptance_iri(base: str, submission_id: str) -> URIRef:
    return URIRef(f"{base}id/acceptance/{submission_id}")


def agent_iri(base: str, token_id: str) -> URIRef:
    return URIRef(f"{base}id/token/{token_id}")


# --- what a submitter owns ------------------------------------------------------------------

#: Predicates that put their subject inside their object (a member, a unit, a post of it):
#: pointing one at another cluster would add to that cluster's memberships or structure.
_BELONGING = frozenset(URIRef(str(ORG) + name) for name in (
    "memberOf", "organization", "subOrganizationOf", "unitOf", "postIn", "headOf",
    "transitiveSubOrganizationOf"))
#: Predicates that claim their object as part of the subject (an award, a count, a
#: membership, a post): pointing one at another cluster's resource would take it over.
_HAVING = frozenset({CKB.hasAward, CKB.hasMemberCount, URIRef(str(ORG) + "hasMembership"),
                     URIRef(str(ORG) + "hasPost"), URIRef(str(ORG) + "hasUnit"),
                     CKB.hasSuccessStory})
#: Namespaces of terms no submission may describe (the ontology and reused vocabularies).
_TERM_NAMESPACES = tuple(str(ns) for ns in PREFIXES.values())


@dataclass(frozen=True)
class Refusal:
    """A subject a submission may not make (new) statements about, and why."""

    subject: str
    reason: str
    #: the other cluster the subject is or belongs to, when that is why
    cluster: str | None = None

    def to_json(self) -> dict:
        return {"subject": self.subject, "reason": self.reason, "cluster": self.cluster}


@dataclass(frozen=True)
class Ownership:
    """What the KB says about ownership, as far as one submission needs it.

    ``own``: the submitter's published cluster graph; ``describers``: for each IRI
    the submission talks about, the published graphs in which it is a subject;
    ``clusters``: the cluster organisations of the KB; ``accepted``: what the KB
    publishes about the accepted proposed concepts the submission talks about
    (``proposals``), which any submission may restate as it stands.
    """

    cluster: str
    base: str
    own: Graph
    describers: Mapping[str, frozenset[str]]
    clusters: frozenset[str]
    accepted: Graph = field(default_factory=Graph)

    @property
    def target(self) -> str:
        return cluster_graph(self.base, cluster_slug(self.base, self.cluster) or "")

    def owns_by_name(self, node: Node) -> bool:
        """The cluster's IRI and everything under it (``#...``, ``/...``; no dot segments,
        which a browser would resolve to someone else's page)."""
        text = str(node)
        if not isinstance(node, URIRef):
            return False
        if text == self.cluster:
            return True
        rest = text[len(self.cluster):]
        return text.startswith(self.cluster) and rest[:1] in ("#", "/") \
            and "/." not in rest.split("#", 1)[0]

    def other_cluster(self, node: Node, typed: set[Node]) -> str | None:
        """The other cluster ``node`` is (or lies under), if any."""
        if not isinstance(node, URIRef) or self.owns_by_name(node):
            return None
        text = str(node)
        prefix = f"{self.base}id/cluster/"
        if text.startswith(prefix):
            slug = text[len(prefix):].split("#", 1)[0].split("/", 1)[0]
            return prefix + slug
        if text in self.clusters or node in typed:
            return text
        return None


def scope_violations(graph: Graph, ownership: Ownership) -> list[Refusal]:
    """Each subject of ``graph`` the submitter may not add or change statements about.

    The one ownership rule of the workflow. A submitter owns its cluster's IRI and
    everything under it, its blank nodes, the resources only its own published graph
    describes, and the new resources it mints. Statements that its published graph
    already holds are kept as they stand (the partner clusters and shared
    organisations it describes), so its own graph submitted back is never refused.
    Anything else about another cluster, a resource other graphs describe (another
    cluster's members, awards and counts, shared organisations), an ontology or
    vocabulary term, a graph or the catalogue is refused; so is a statement of an
    owned resource that makes it part of another cluster or claims another cluster's
    award, count or membership.
    """
    typed = set(graph.subjects(RDF.type, CKB.ClusterOrganisation))
    refused: dict[str, Refusal] = {}
    for s, p, o in graph:
        if str(s) in refused or _as_it_stands(graph, (s, p, o), ownership.own) \
                or (s, p, o) in ownership.accepted:
            continue
        reason = _subject_reason(s, ownership, typed)
        if reason:
            refused[str(s)] = Refusal(str(s), reason, ownership.other_cluster(s, typed))
        elif reason := _object_reason(p, o, ownership, typed):
            refused[str(s)] = Refusal(str(s), reason, ownership.other_cluster(o, typed))
    return [refused[s] for s in sorted(refused)]


def _as_it_stands(graph: Graph, triple: tuple, own: Graph) -> bool:
    """Whether ``own`` already holds ``triple`` (a blank object: one alike, up to renaming)."""
    s, p, o = triple
    if not isinstance(o, BNode):
        return triple in own
    # Only then the closure: a chain of nested blank nodes would otherwise cost its
    # length squared (a blank subject of an upload is never one of ``own``'s).
    theirs = [t for t in own.objects(s, p) if isinstance(t, BNode)]
    if not theirs:
        return False
    mine = _closure(graph, o)
    return any(isomorphic(mine, _closure(own, t)) for t in theirs)


def _closure(graph: Graph, node: BNode) -> Graph:
    out, todo, seen = Graph(), [node], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for _, p, o in graph.triples((current, None, None)):
            out.add((current, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def _subject_reason(s: Node, own: Ownership, typed: set[Node]) -> str | None:
    if isinstance(s, BNode) or own.owns_by_name(s):
        return None
    text, base = str(s), own.base
    other = own.other_cluster(s, typed)
    if other == text:
        return "another cluster organisation: only its own token may describe it"
    if other:
        return f"part of another cluster, <{other}>"
    if text.startswith(f"{base}graph/"):
        return "a named graph: the server alone describes graphs"
    if text == base or text.startswith((f"{base}catalog", f"{base}.well-known/",
                                        f"{base}dump")):
        return "the catalogue"
    proposed = proposals.is_proposal(text, base)  # a concept the submitter may propose
    if (not proposed and text.startswith((f"{base}ontology", f"{base}vocab/", f"{base}shapes"))) \
            or text.startswith(_TERM_NAMESPACES):
        return "an ontology or vocabulary term"
    describers = own.describers.get(text, frozenset())
    if proposed and own.target in describers:
        # its own accepted proposal: the scheme's copy follows the cluster's description
        describers = describers - {proposals.published_graph(base)}
    for g in sorted(describers - {own.target}):
        if g.startswith(f"{base}graph/clusters/"):
            return f"described by another cluster's graph <{g}>"
        if g.startswith((f"{base}graph/ontology", f"{base}graph/vocab/")):
            return "an ontology or vocabulary term"
        if g.startswith(f"{base}graph/catalog"):
            return "the catalogue"
        return f"a shared resource described by <{g}>"
    return None


def _object_reason(p: Node, o: Node, own: Ownership, typed: set[Node]) -> str | None:
    if p in _BELONGING and (other := own.other_cluster(o, typed)):
        return f"would make it part of another cluster, <{other}> (through <{p}>)"
    if p in _HAVING and isinstance(o, URIRef) and not own.owns_by_name(o):
        other = own.other_cluster(o, typed)
        graphs = [g for g in own.describers.get(str(o), frozenset())
                  if g.startswith(f"{own.base}graph/clusters/") and g != own.target]
        if other or graphs:
            return f"would claim <{o}>, which belongs to another cluster (through <{p}>)"
    return None


def graph_refusals(names: Iterable[str], ownership: Ownership) -> list[Refusal]:
    """Named graphs of a quad upload other than the submitter's own cluster graph."""
    return [Refusal(name, "a named graph other than this cluster's own "
                          f"<{ownership.target}>: a submission replaces only that graph")
            for name in sorted(set(names)) if name != ownership.target]


# --- the server's own records in a graph ---------------------------------------------------

def server_provenance(graph: Graph, base: str, target: str) -> Graph:
    """The triples of ``graph`` that only the server may write: its acceptance provenance.

    That is every statement about (or pointing at) a submission, an acceptance or a
    token, the blank nodes hanging off them, and the target graph's generation stamp
    (``prov:generatedAtTime``, ``prov:wasGeneratedBy``). The server writes these
    from its SQLite records on accept; a diff leaves them out and an upload that
    carries them has them stripped (with a note), so nothing a submitter writes can
    pass for the server's record.
    """
    records = (f"{base}id/acceptance/", f"{base}id/token/", f"{base}graph/submission/")

    def is_record(node: Node) -> bool:
        return isinstance(node, URIRef) and str(node).startswith(records)

    out, hanging = Graph(), []
    g = URIRef(target)
    for s, p, o in graph:
        if is_record(s) or is_record(o) or (s == g and p in (PROV.generatedAtTime,
                                                             PROV.wasGeneratedBy)):
            out.add((s, p, o))
            if isinstance(o, BNode):
                hanging.append(o)
    for node in hanging:
        out += _closure(graph, node)
    return out


def strip_provenance(graph: Graph, base: str, target: str) -> Graph:
    """``graph`` without ``server_provenance`` (what a diff compares)."""
    return graph - server_provenance(graph, base, target)


@dataclass
class Prepared:
    """An upload made ready for the workflow: what to validate and store, and notes."""

    graph: Graph
    notes: list[str]
    refusals: list[Refusal]


# --- records -------------------------------------------------------------------

class SubmissionRecords:
    """The SQLite tables of submissions, saved versions, accepts under way and uploads.

    These are the server's own record: recovery and provenance are built from
    them, never from what the published graphs say.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def insert(self, sub: Submission) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO submissions (id, status, token_id, cluster, created, report, "
                       "triples) VALUES (?,?,?,?,?,?,?)",
                       (sub.id, sub.status, sub.token_id, sub.cluster, sub.created.isoformat(),
                        json.dumps(sub.report), sub.triples))

    def get(self, submission_id: str) -> Submission | None:
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM submissions WHERE id = ?",
                             (submission_id,)).fetchone()
        return _submission(row) if row else None

    def list(self, status: str | None = None, cluster: str | None = None,
             token_id: str | None = None) -> list[Submission]:
        where, args = [], []
        for column, value in (("status", status), ("cluster", cluster),
                              ("token_id", token_id)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        sql = f"SELECT {_COLUMNS} FROM submissions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with closing(self._connect()) as db:
            rows = db.execute(sql + " ORDER BY created, id", args).fetchall()
        return [_submission(row) for row in rows]

    def count_pending(self, token_id: str) -> int:
        with closing(self._connect()) as db:
            row = db.execute("SELECT COUNT(*) FROM submissions WHERE token_id = ? AND "
                             "status = 'pending'", (token_id,)).fetchone()
        return int(row[0])

    # -- upload volume --
    def add_upload(self, token_id: str, size: int, when: datetime) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM uploads WHERE at < ?",
                       ((when - QUOTA_WINDOW).isoformat(),))
            db.execute("INSERT INTO uploads VALUES (?,?,?)", (token_id, when.isoformat(), size))

    def uploaded(self, token_id: str, since: datetime) -> int:
        with closing(self._connect()) as db:
            row = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM uploads WHERE token_id = ? "
                             "AND at >= ?", (token_id, since.isoformat())).fetchone()
        return int(row[0])

    # -- decisions --
    def begin_accept(self, submission_id: str, curator_id: str, decided: datetime,
                     version: Version | None) -> None:
        """Note an accept about to write the store (what recovery finishes after a crash)."""
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR REPLACE INTO accepting VALUES (?,?,?,?,?,?)",
                       (submission_id, curator_id, decided.isoformat(),
                        version.n if version else None, version.graph if version else None,
                        version.generated.isoformat() if version and version.generated
                        else None))

    def accepting(self) -> list[tuple[str, str, datetime, Version | None]]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT submission, curator_id, decided, n, graph, generated "
                              "FROM accepting").fetchall()
        out = []
        for sid, curator_id, decided, n, graph, generated in rows:
            when = datetime.fromisoformat(decided)
            version = Version(n, graph, _dt(generated), when, sid) if n is not None else None
            out.append((sid, curator_id, when, version))
        return out

    def forget_accept(self, submission_id: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM accepting WHERE submission = ?", (submission_id,))

    def decide(self, submission_id: str, status: str, curator_id: str, decided: datetime,
               reason: str | None = None, version: Version | None = None,
               cluster: str | None = None) -> None:
        """Record a decision (and the version it replaced) in one transaction."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE submissions SET status = ?, curator_id = ?, decided = ?, "
                       "reason = ? WHERE id = ? AND status = 'pending'",
                       (status, curator_id, decided.isoformat(), reason, submission_id))
            if version is not None:
                db.execute("INSERT INTO history VALUES (?,?,?,?,?,?)",
                           (cluster, version.n, version.graph,
                            version.generated.isoformat() if version.generated else None,
                            version.replaced.isoformat() if version.replaced else None,
                            version.replaced_by))
            db.execute("DELETE FROM accepting WHERE submission = ?", (submission_id,))

    def versions(self, cluster: str) -> list[Version]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT n, graph, generated, replaced, replaced_by FROM history "
                              "WHERE cluster = ? ORDER BY n DESC", (cluster,)).fetchall()
        return [Version(r[0], r[1], _dt(r[2]), _dt(r[3]), r[4]) for r in rows]

    def next_version(self, cluster: str) -> int:
        with closing(self._connect()) as db:
            row = db.execute("SELECT COALESCE(MAX(n), 0) FROM history WHERE cluster = ?",
                             (cluster,)).fetchone()
        return int(row[0]) + 1


_COLUMNS = "id, status, token_id, cluster, created, decided, curator_id, reason, report, triples"
#: The window of the per-token upload volume quota.
QUOTA_WINDOW = timedelta(days=1)


def _submission(row: tuple) -> Submission:
    return Submission(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]),
                      _dt(row[5]), row[6], row[7], json.loads(row[8]), row[9])


# --- the workflow -------------------------------------------------------------------

class Workflow:
    """Submission steps over one store and one records database.

    Every step that reads and then writes (submit, accept, reject, recovery) runs
    under one exclusive lock: a thread lock within the process and an ``flock`` on
    ``workflow.lock`` beside the records, so web workers in other processes wait too.
    """

    def __init__(self, config: Config, store: Store, records: SubmissionRecords | None = None):
        self.config = config
        self.store = store
        self.records = records or SubmissionRecords(state_dir(config) / "submissions.sqlite3")
        self._lock = threading.Lock()
        self._lock_path = self.records.path.with_name("workflow.lock")

    @property
    def base(self) -> str:
        return self.config.base_iri

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._lock, open(self._lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def known_clusters(self) -> frozenset[str]:
        rows = self.store.select(f"SELECT DISTINCT ?c WHERE {{ ?c a <{CKB.ClusterOrganisation}> }}")
        return frozenset(str(row["c"]) for row in rows)

    def slug(self, cluster: str) -> str:
        slug = cluster_slug(self.base, cluster)
        if slug is None:
            raise WorkflowError(f"{cluster} is not a cluster IRI of this KB", 400)
        return slug

    # -- prepare --
    def ownership(self, graph: Graph, cluster: str) -> Ownership:
        """What the published KB says about who describes the IRIs ``graph`` talks about."""
        iris = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
        iris |= {str(o) for p in _HAVING for o in graph.objects(None, p)
                 if isinstance(o, URIRef)}
        describers: dict[str, set[str]] = {}
        ordered = sorted(iris)
        for start in range(0, len(ordered), 200):
            values = " ".join(f"<{iri}>" for iri in ordered[start:start + 200]
                              if _plain_iri(iri))
            if not values:
                continue
            for row in self.store.select(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ "
                                         f"{values} }} GRAPH ?g {{ ?s ?p ?o }} }}"):
                describers.setdefault(str(row["s"]), set()).add(str(row["g"]))
        return Ownership(cluster, self.base, self.published_graph(cluster),
                         {k: frozenset(v) for k, v in describers.items()},
                         self.known_clusters(), self._accepted_concepts(ordered))

    def _accepted_concepts(self, iris: list[str]) -> Graph:
        """What the KB publishes about those of ``iris`` that are accepted proposed concepts."""
        wanted = [iri for iri in iris if proposals.is_proposal(iri, self.base) and _plain_iri(iri)]
        found = Graph()
        for start in range(0, len(wanted), 200):
            values = " ".join(f"<{iri}>" for iri in wanted[start:start + 200])
            found += self.store.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{proposals.published_graph(self.base)}>"
                f" {{ VALUES ?s {{ {values} }} ?s ?p ?o }} }}")
        return found

    def prepare(self, graph: Graph, cluster: str, graph_names: Iterable[str] = ()) -> Prepared:
        """Strip the server's records and restated triples from an upload; find refusals.

        ``graph_names``: the named graphs of a quad upload (each must be the
        cluster's own graph). Triples about resources the submitter does not own
        that the KB already publishes exactly so elsewhere (the labels of concepts
        and partners in a downloaded ``/id/`` document) are dropped with a note,
        not refused: they change nothing and are not the submitter's to keep. So are
        triples about the cluster itself that another published graph holds and the
        cluster's own graph does not (the cluster's ``/id/`` document carries them).
        """
        target = cluster_graph(self.base, self.slug(cluster))
        notes = []
        records = server_provenance(graph, self.base, target)
        if len(records):
            graph = graph - records
            notes.append(f"{len(records)} provenance triple(s) about submissions, acceptances, "
                         "tokens or this graph's generation were left out: the server writes "
                         "those itself when a curator accepts.")
        ownership = self.ownership(graph, cluster)
        refusals = graph_refusals(graph_names, ownership)
        refused = {r.subject for r in scope_violations(graph, ownership)}
        restated = Graph()
        if refused:
            candidates = [t for t in graph if str(t[0]) in refused and t not in ownership.own]
            restated = self._published_triples(
                [t for t in candidates if not isinstance(t[2], BNode)])
            for s, p, o in candidates:
                if isinstance(o, BNode) and self._published_blank(graph, s, p, o):
                    restated.add((s, p, o))
                    restated += _closure(graph, o)
        if len(restated):
            graph = graph - restated
            notes.append(f"{len(restated)} triple(s) that other graphs of the KB already "
                         "publish, about resources this token does not own, were left out.")
        # The cluster's /id/ document also carries what other graphs say of the cluster
        # (a partner's name for it, a curator's inference): theirs, left where they are.
        theirs = self._published_triples(
            [t for t in graph if t not in ownership.own and isinstance(t[0], URIRef)
             and ownership.owns_by_name(t[0]) and not isinstance(t[2], BNode)])
        if len(theirs):
            graph = graph - theirs
            notes.append(f"{len(theirs)} triple(s) about this cluster that other graphs of "
                         "the KB publish (not this cluster's graph) were left out; they stay "
                         "published where they are.")
        return Prepared(graph, notes, refusals + scope_violations(graph, ownership))

    def _published_triples(self, triples: list[tuple]) -> Graph:
        """Those of ``triples`` the published union holds exactly."""
        found = Graph()
        plain = [t for t in triples if all(_plain_iri(str(term)) for term in t
                                           if isinstance(term, URIRef))
                 and not (isinstance(t[2], Literal) and t[2].datatype
                          and not _plain_iri(str(t[2].datatype)))]
        for start in range(0, len(plain), 200):
            rows = " ".join(f"({s.n3()} {p.n3()} {o.n3()})" for s, p, o in
                            plain[start:start + 200])
            try:
                answer = self.store.select(f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p ?o) {{ "
                                           f"{rows} }} ?s ?p ?o }}")
            except QuerySyntaxError:
                continue  # a term the query language cannot spell: not left out, so refused
            for row in answer:
                found.add((row["s"], row["p"], row["o"]))
        return found

    def _published_blank(self, graph: Graph, s: Node, p: Node, o: BNode) -> bool:
        """Whether the published union states ``s p o`` with a blank node just like ``o``."""
        if not (isinstance(s, URIRef) and _plain_iri(str(s)) and _plain_iri(str(p))):
            return False
        theirs = self.store.construct(
            f"CONSTRUCT {{ <{s}> <{p}> ?b . ?b ?q ?v }} WHERE {{ <{s}> <{p}> ?b . "
            f"FILTER(isBlank(?b)) ?b ?q ?v }}")
        mine = _closure(graph, o)
        return any(isomorphic(mine, _closure(theirs, b)) for b in theirs.objects(s, p)
                   if isinstance(b, BNode))

    # -- submit --
    def check_quota(self, token: Token, upload_bytes: int) -> None:
        """Refuse (429) a token past its pending-submission or upload-volume quota."""
        pending = self.records.count_pending(token.id)
        if pending >= self.config.max_pending_per_token:
            raise WorkflowError(
                f"This token has {pending} submissions pending review, the most it may have "
                f"({self.config.max_pending_per_token}); wait for a curator's decision.", 429)
        since = now() - QUOTA_WINDOW
        used = self.records.uploaded(token.id, since)
        limit = self.config.max_upload_bytes_per_token_day
        if used + upload_bytes > limit:
            raise WorkflowError(
                f"This token uploaded {used} bytes in the last 24 hours; {upload_bytes} more "
                f"would pass its quota of {limit} bytes a day.", 429)

    def record_upload(self, token: Token, size: int) -> None:
        self.records.add_upload(token.id, size, now())

    def submit(self, graph: Graph, token: Token, report: dict) -> Submission:
        """Store a valid, in-scope submission as pending (graph first, then its record)."""
        assert token.cluster is not None
        with self._exclusive():
            self.check_quota(token, 0)
            sub = Submission(secrets.token_hex(8), PENDING, token.id, token.cluster, now(),
                             None, None, None, report, len(graph))
            self.store.replace_graphs({submission_graph(self.base, sub.id): graph},
                                      publish=False)
            self.records.insert(sub)
            return sub

    def get(self, submission_id: str) -> Submission:
        sub = self.records.get(submission_id)
        if sub is None:
            raise WorkflowError(f"no submission {submission_id!r}", 404)
        return sub

    def submitted_graph(self, sub: Submission) -> Graph:
        return self.store.graph(submission_graph(self.base, sub.id))

    def published_graph(self, cluster: str) -> Graph:
        iri = cluster_graph(self.base, self.slug(cluster))
        if iri not in set(self.store.graphs()):
            return Graph()
        return self.store.graph(iri)

    def diff(self, sub: Submission) -> tuple[Graph, Graph]:
        """(triples added, triples removed) by a pending ``sub`` against its published graph.

        The server's provenance is left out on both sides (it is rewritten on every
        accept), so an unchanged resubmission has an empty diff. Blank nodes are
        compared up to renaming.
        """
        if sub.status != PENDING:
            raise WorkflowError(f"submission {sub.id} is {sub.status}: its changes are in the "
                                "cluster's history, not in a diff against today's graph", 409)
        target = cluster_graph(self.base, self.slug(sub.cluster))
        return self.graph_diff(self.published_graph(sub.cluster), self.submitted_graph(sub),
                               target)

    def graph_diff(self, old: Graph, new: Graph, target: str) -> tuple[Graph, Graph]:
        """(added, removed) from ``old`` to ``new``, two versions of the graph ``target``,
        the server's provenance left out on both sides and blank nodes up to renaming."""
        _, removed, added = graph_diff(to_isomorphic(strip_provenance(old, self.base, target)),
                                       to_isomorphic(strip_provenance(new, self.base, target)))
        return added, removed

    # -- decide --
    def accept(self, submission_id: str, curator: Token) -> Submission:
        """Publish a pending submission as its cluster's graph, atomically, with provenance.

        Under the workflow lock from the first read to the record, so two accepts
        (in any processes) never read the same previous version. The store write
        publishes the new graph, saves the previous one as a history version and
        deletes the submission's pending graph, all at once; the deleted graph is
        how recovery tells, after a crash, that the write happened. Concepts the
        submission proposes join their schemes in that same write (``proposals``).
        """
        with self._exclusive():
            sub = self.get(submission_id)
            if sub.status != PENDING:
                raise WorkflowError(f"submission {sub.id} is already {sub.status}", 409)
            slug = self.slug(sub.cluster)
            target = cluster_graph(self.base, slug)
            decided = now()
            submitted = self.submitted_graph(sub)
            new = strip_provenance(submitted, self.base, target)
            self._add_provenance(new, sub, curator, target, decided)
            published = {target: new}
            concepts = proposals.accepted(
                submitted, sub.report.get("proposed", []), self.base, sub.cluster,
                proposals.note(sub.id, sub.cluster, decided), submission_graph(self.base, sub.id))
            if len(concepts):  # the proposals join their schemes in the same write
                scheme_graph = proposals.published_graph(self.base)
                current = (self.store.graph(scheme_graph)
                           if scheme_graph in set(self.store.graphs()) else Graph())
                published[scheme_graph] = proposals.merged(current, concepts, sub.cluster)
            previous = self.published_graph(sub.cluster)
            version = None
            writes_pending: dict[str, Graph] = {}
            if len(previous):
                n = self.records.next_version(sub.cluster)
                version = Version(n, history_graph(self.base, slug, n),
                                  self._current_generated(sub.cluster), decided, sub.id)
                writes_pending[version.graph] = previous
            self.records.begin_accept(sub.id, curator.id, decided, version)
            self._write(published, writes_pending, [submission_graph(self.base, sub.id)])
            self.records.decide(sub.id, ACCEPTED, curator.id, decided, version=version,
                                cluster=sub.cluster)
            return self.get(sub.id)

    def _current_generated(self, cluster: str) -> datetime | None:
        """When the published version was accepted, from the records (None: built)."""
        decided = [s.decided for s in self.records.list(status=ACCEPTED, cluster=cluster)
                   if s.decided is not None]
        return max(decided, default=None)

    def _write(self, published: dict[str, Graph], pending: dict[str, Graph],
               delete: Sequence[str] = ()) -> None:
        """One atomic store write: the pending, published and deleted graphs land together."""
        with self.store.write() as writer:
            for iri, graph in pending.items():
                writer.replace_graph(iri, graph, publish=False)
            for iri, graph in published.items():
                writer.replace_graph(iri, graph, publish=True)
            for iri in delete:
                writer.delete_graph(iri)

    def _add_provenance(self, graph: Graph, sub: Submission, curator: Token, target: str,
                        decided: datetime) -> None:
        base = self.base
        activity = acceptance_iri(base, sub.id)
        entity = URIRef(submission_graph(base, sub.id))
        submitter, reviewer = agent_iri(base, sub.token_id), agent_iri(base, curator.id)
        when = Literal(decided.isoformat(), datatype=XSD.dateTime)
        g = URIRef(target)
        graph.add((g, PROV.wasGeneratedBy, activity))
        graph.add((g, PROV.generatedAtTime, when))
        graph.add((g, PROV.wasDerivedFrom, entity))
        graph.add((activity, RDF.type, PROV.Activity))
        graph.add((activity, RDFS.label, Literal(f"Acceptance of submission {sub.id}", lang="en")))
        graph.add((activity, PROV.used, entity))
        graph.add((activity, PROV.startedAtTime,
                   Literal(sub.created.isoformat(), datatype=XSD.dateTime)))
        graph.add((activity, PROV.endedAtTime, when))
        graph.add((activity, PROV.wasAssociatedWith, reviewer))
        association = BNode()
        graph.add((activity, PROV.qualifiedAssociation, association))
        graph.add((association, RDF.type, PROV.Association))
        graph.add((association, PROV.agent, reviewer))
        graph.add((association, RDFS.comment, Literal("curator who accepted", lang="en")))
        graph.add((entity, RDF.type, PROV.Entity))
        graph.add((entity, RDFS.label, Literal(f"Submission {sub.id}", lang="en")))
        graph.add((entity, PROV.wasAttributedTo, submitter))
        graph.add((entity, PROV.generatedAtTime,
                   Literal(sub.created.isoformat(), datatype=XSD.dateTime)))
        for agent, role in ((submitter, "submitter"), (reviewer, "curator")):
            graph.add((agent, RDF.type, PROV.Agent))
            token_id = str(agent).rsplit("/", 1)[1]
            graph.add((agent, RDFS.label, Literal(f"{role} token {token_id}", lang="en")))

    def reject(self, submission_id: str, curator: Token, reason: str) -> Submission:
        """Record the rejection, then remove the submission's pending graph."""
        with self._exclusive():
            sub = self.get(submission_id)
            if sub.status != PENDING:
                raise WorkflowError(f"submission {sub.id} is already {sub.status}", 409)
            self.records.decide(sub.id, REJECTED, curator.id, now(), reason=reason)
            self.store.delete_graph(submission_graph(self.base, sub.id))
            return self.get(sub.id)

    # -- history --
    def history(self, slug: str) -> list[Version]:
        """The current version first, then the saved ones, newest first."""
        cluster = f"{self.base}id/cluster/{slug}"
        target = cluster_graph(self.base, slug)
        versions = []
        if target in set(self.store.graphs()):
            versions.append(Version(None, target, self._current_generated(cluster), None, None))
        return versions + self.records.versions(cluster)

    def version_graph(self, slug: str, n: int | None) -> Graph | None:
        """Version ``n`` of a cluster's graph (None: the current one); None if there is none."""
        if n is None:
            target = cluster_graph(self.base, slug)
            return self.store.graph(target) if target in set(self.store.graphs()) else None
        cluster = f"{self.base}id/cluster/{slug}"
        for version in self.records.versions(cluster):
            if version.n == n:
                return self.store.graph(version.graph)
        return None

    def compare(self, slug: str, older: int | None, newer: int | None) -> tuple[Graph, Graph,
                                                                             Graph, Graph]:
        """(added, removed, new, old) between two versions of a cluster's graph (None: the
        current one), provenance left out as in a submission's diff; 404 for a version
        the history does not hold."""
        graphs = []
        for n in (older, newer):
            graph = self.version_graph(slug, n)
            if graph is None:
                raise WorkflowError(f"no version {'current' if n is None else n} of cluster "
                                    f"{slug!r}; see /id/cluster/{slug}/history", 404)
            graphs.append(graph)
        old, new = graphs
        added, removed = self.graph_diff(old, new, cluster_graph(self.base, slug))
        return added, removed, new, old

    # -- recovery --
    def reconcile(self) -> list[str]:
        """Finish what a crash interrupted, from the server's own records only.

        An accept noted in ``accepting`` whose submission graph is gone from the
        store did write the store (the write deletes it): it is recorded as
        accepted. One whose graph is still there never wrote: the note is dropped
        and the submission stays pending. The published graphs are never read, so
        nothing a submitter wrote into them can change the records. Pending graphs
        of decided submissions (a crash after a rejection) are removed. Returns the
        ids recorded as accepted.
        """
        fixed = []
        with self._exclusive():
            for sid, curator_id, decided, version in self.records.accepting():
                sub = self.records.get(sid)
                if sub is None or sub.status != PENDING or len(self.submitted_graph(sub)):
                    self.records.forget_accept(sid)
                    continue
                self.records.decide(sid, ACCEPTED, curator_id, decided, version=version,
                                    cluster=sub.cluster)
                fixed.append(sid)
            prefix = submission_graph(self.base, "")
            live = {submission_graph(self.base, s.id) for s in self.records.list(status=PENDING)}
            for iri in self.store.pending_graphs():
                if iri.startswith(prefix) and iri not in live:
                    self.store.delete_graph(iri)
        return fixed


def _plain_iri(iri: str) -> bool:
    """Whether ``iri`` can be written between ``<>`` in a query as it is (absolute, and
    none of the characters an IRI reference may not hold)."""
    return bool(_ABSOLUTE.match(iri)) and not any(c in iri for c in '<>"{}|^`\\ \n\r\t')


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
