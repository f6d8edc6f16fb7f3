"""The submission workflow: submit, review, accept or reject, and the history it leaves.

No Flask here, so the rules can be tested and reused without HTTP. Where state lives:

* the submitted triples: a pending graph ``{base}graph/submission/{id}`` in the
  store (never part of the published default graph);
* the record (status, who, when, validation report): SQLite beside the tokens;
* an accepted version: the cluster's published graph ``{base}graph/clusters/{slug}``,
  carrying its own PROV provenance; the version it replaced is kept as the pending
  graph ``{base}graph/history/clusters/{slug}/{n}``.

Why accepting survives a crash: the new cluster graph (with its provenance) and
the saved previous version are written in one atomic store write; the SQLite
record is updated after. If the process dies between the two, ``reconcile``
(run at start-up) finds the provenance naming the submission in the published
data and records the acceptance it missed.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import PROV, RDF, RDFS, XSD

from clusterkb.config import Config
from clusterkb.namespaces import CKB, graph_iri
from clusterkb.store.base import Store
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


# --- scope of a submitter -------------------------------------------------------------------

def scope_violations(graph: Graph, cluster: str, base: str,
                     known_clusters: set[str]) -> list[str]:
    """Cluster resources other than ``cluster`` that ``graph`` makes statements about.

    A submitter may describe its own cluster (and the organisations, awards...
    around it) and may point *to* other clusters, but may not say anything
    *about* them: a subject typed ``ckb:ClusterOrganisation``, or any subject
    that is another cluster of the KB or another ``{base}id/cluster/...`` IRI.
    """
    others: set[str] = set()
    for subject in graph.subjects(RDF.type, CKB.ClusterOrganisation):
        if str(subject) != cluster:
            others.add(str(subject))
    prefix = f"{base}id/cluster/"
    for subject in set(graph.subjects()):
        text = str(subject)
        if text != cluster and isinstance(subject, URIRef) and (
                text in known_clusters or text.startswith(prefix)):
            others.add(text)
    return sorted(others)


def strip_provenance(graph: Graph, base: str) -> Graph:
    """``graph`` without the acceptance provenance this module adds (for diffs)."""
    out = Graph()
    acceptance, agents = f"{base}id/acceptance/", f"{base}id/token/"
    graph_prefix = graph_iri(base, "")
    for s, p, o in graph:
        text = str(s)
        if text.startswith((acceptance, agents)):
            continue
        if text.startswith(graph_prefix) and p in {PROV.wasGeneratedBy, PROV.generatedAtTime,
                                                   PROV.wasDerivedFrom} \
                and (p != PROV.wasDerivedFrom or str(o).startswith(graph_prefix)):
            continue
        if text.startswith(f"{graph_prefix}submission/"):
            continue
        out.add((s, p, o))
    return out


# --- records -------------------------------------------------------------------

class SubmissionRecords:
    """The SQLite table of submissions and of saved versions."""

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

    def list(self, status: str | None = None, cluster: str | None = None) -> list[Submission]:
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if cluster:
            where.append("cluster = ?")
            args.append(cluster)
        sql = f"SELECT {_COLUMNS} FROM submissions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with closing(self._connect()) as db:
            rows = db.execute(sql + " ORDER BY created, id", args).fetchall()
        return [_submission(row) for row in rows]

    def decide(self, submission_id: str, status: str, curator_id: str, decided: datetime,
               reason: str | None = None, version: Version | None = None,
               cluster: str | None = None) -> None:
        """Record a decision (and the version it replaced) in one transaction."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE submissions SET status = ?, curator_id = ?, decided = ?, "
                       "reason = ? WHERE id = ? AND status = 'pending'",
                       (status, curator_id, decided.isoformat(), reason, submission_id))
            if version is not None:
                db.execute("INSERT OR REPLACE INTO history VALUES (?,?,?,?,?,?)",
                           (cluster, version.n, version.graph,
                            version.generated.isoformat() if version.generated else None,
                            version.replaced.isoformat() if version.replaced else None,
                            version.replaced_by))

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


def _submission(row: tuple) -> Submission:
    return Submission(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]),
                      _dt(row[5]), row[6], row[7], json.loads(row[8]), row[9])


# --- the workflow -------------------------------------------------------------------

class Workflow:
    """Submission steps over one store and one records database."""

    def __init__(self, config: Config, store: Store, records: SubmissionRecords | None = None):
        self.config = config
        self.store = store
        self.records = records or SubmissionRecords(state_dir(config) / "submissions.sqlite3")
        self._lock = threading.Lock()  # one accept at a time in this process

    @property
    def base(self) -> str:
        return self.config.base_iri

    def known_clusters(self) -> set[str]:
        rows = self.store.select(
            "SELECT DISTINCT ?c WHERE { ?c a <https://w3id.org/clusterkb/ontology#"
            "ClusterOrganisation> }")
        return {str(row["c"]) for row in rows}

    def slug(self, cluster: str) -> str:
        slug = cluster_slug(self.base, cluster)
        if slug is None:
            raise WorkflowError(f"{cluster} is not a cluster IRI of this KB", 400)
        return slug

    # -- submit --
    def submit(self, graph: Graph, token: Token, report: dict) -> Submission:
        """Store a valid, in-scope submission as pending (graph first, then its record)."""
        assert token.cluster is not None
        sub = Submission(secrets.token_hex(8), PENDING, token.id, token.cluster, now(), None,
                         None, None, report, len(graph))
        self.store.replace_graphs({submission_graph(self.base, sub.id): graph}, publish=False)
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
        """(triples added, triples removed) by ``sub`` against its cluster's published graph.

        Provenance of earlier acceptances is left out: it is replaced on every accept.
        Blank nodes are compared up to renaming.
        """
        old = to_isomorphic(strip_provenance(self.published_graph(sub.cluster), self.base))
        new = to_isomorphic(self.submitted_graph(sub))
        _, removed, added = graph_diff(old, new)
        return added, removed

    # -- decide --
    def accept(self, submission_id: str, curator: Token) -> Submission:
        """Publish a pending submission as its cluster's graph, atomically, with provenance."""
        with self._lock:
            sub = self.get(submission_id)
            if sub.status != PENDING:
                raise WorkflowError(f"submission {sub.id} is already {sub.status}", 409)
            slug = self.slug(sub.cluster)
            target = cluster_graph(self.base, slug)
            decided = now()
            new = Graph()
            for triple in self.submitted_graph(sub):
                new.add(triple)
            self._add_provenance(new, sub, curator, target, decided)
            previous = self.published_graph(sub.cluster)
            writes_published = {target: new}
            version = None
            writes_pending: dict[str, Graph] = {}
            if len(previous):
                n = self.records.next_version(sub.cluster)
                version = Version(n, history_graph(self.base, slug, n),
                                  _generated_at(previous, target), decided, sub.id)
                writes_pending[version.graph] = previous
            self._write(writes_published, writes_pending)
            self.records.decide(sub.id, ACCEPTED, curator.id, decided, version=version,
                                cluster=sub.cluster)
            return self.get(sub.id)

    def _write(self, published: dict[str, Graph], pending: dict[str, Graph]) -> None:
        """One atomic store write when the backend offers it, else pending first."""
        write = getattr(self.store, "write", None)
        if write is not None:
            with write() as writer:
                for iri, graph in pending.items():
                    writer.replace_graph(iri, graph, publish=False)
                for iri, graph in published.items():
                    writer.replace_graph(iri, graph, publish=True)
            return
        if pending:
            self.store.replace_graphs(pending, publish=False)
        self.store.replace_graphs(published, publish=True)

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
        with self._lock:
            sub = self.get(submission_id)
            if sub.status != PENDING:
                raise WorkflowError(f"submission {sub.id} is already {sub.status}", 409)
            self.records.decide(sub.id, REJECTED, curator.id, now(), reason=reason)
            return self.get(sub.id)

    # -- history --
    def history(self, slug: str) -> list[Version]:
        """The current version first, then the saved ones, newest first."""
        cluster = f"{self.base}id/cluster/{slug}"
        target = cluster_graph(self.base, slug)
        versions = []
        if target in set(self.store.graphs()):
            current = self.store.graph(target)
            versions.append(Version(None, target, _generated_at(current, target), None, None))
        return versions + self.records.versions(cluster)

    def version_graph(self, slug: str, n: int) -> Graph | None:
        cluster = f"{self.base}id/cluster/{slug}"
        for version in self.records.versions(cluster):
            if version.n == n:
                return self.store.graph(version.graph)
        return None

    # -- recovery --
    def reconcile(self) -> list[str]:
        """Record acceptances that were published but not recorded (a crash in between).

        The published cluster graph names the submission it came from
        (``prov:wasDerivedFrom``); that is the truth, the record follows it.
        Returns the ids fixed.
        """
        fixed = []
        published = set(self.store.graphs())
        for sub in self.records.list(status=PENDING):
            slug = cluster_slug(self.base, sub.cluster)
            if slug is None or cluster_graph(self.base, slug) not in published:
                continue
            target = cluster_graph(self.base, slug)
            entity = URIRef(submission_graph(self.base, sub.id))
            rows = self.store.select(
                f"SELECT ?curator ?when WHERE {{ GRAPH <{target}> {{ "
                f"<{target}> <{PROV.wasDerivedFrom}> <{entity}> ; "
                f"<{PROV.generatedAtTime}> ?when ; <{PROV.wasGeneratedBy}> ?a . "
                f"?a <{PROV.wasAssociatedWith}> ?curator }} }}")
            if not rows:
                continue
            curator_id = str(rows[0]["curator"]).rsplit("/", 1)[1]
            decided = datetime.fromisoformat(str(rows[0]["when"]))
            n = self.records.next_version(sub.cluster)
            saved = history_graph(self.base, slug, n)
            version = None
            if len(self.store.graph(saved)):
                version = Version(n, saved, _generated_at(self.store.graph(saved), target),
                                  decided, sub.id)
            self.records.decide(sub.id, ACCEPTED, curator_id, decided, version=version,
                                cluster=sub.cluster)
            fixed.append(sub.id)
        return fixed


def _generated_at(graph: Graph, target: str) -> datetime | None:
    value = graph.value(URIRef(target), PROV.generatedAtTime)
    try:
        return datetime.fromisoformat(str(value)) if value is not None else None
    except ValueError:
        return None
