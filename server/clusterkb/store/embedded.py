"""The embedded backend: Oxigraph (pyoxigraph 0.5) on local disk, in immutable generations.

Why generations: pyoxigraph allows one read-write opener per directory, and a
read-only opener beside a writer is undefined. So a published directory is
never written again. A write makes a hard-link ``backup()`` of the current
generation into a new directory, changes that, fsyncs it and then switches the
pointer file ``current.json`` with ``os.replace``. Readers (the web process,
the query workers) see the pointer change and open the new generation
read-only. A crash or SIGKILL at any moment leaves the pointer on the old
generation or the new one, never on a mix: that is what makes
``replace_graphs`` all or nothing.

Layout of ``config.store_path``::

    current.json          {"generation": "gen-000007-1a2b3c4d", "modified": "..."}
    gen-000006-.../       the previous generations (a few kept for slow readers)
    gen-000007-.../       the published one
    .write.lock           flock held by the single writer

Pending graphs (submissions under review) live in the same generation but are
listed in an internal bookkeeping graph and are never part of the default
graph or of the named graphs a public query can see; anything under
``{base}graph/submission/`` is pending whatever the bookkeeping says.

Why a ``private/`` store inside each generation: Oxigraph answers a query
over "the union of all named graphs" fast, but a query over an explicit list
of graphs gets slower with every graph in the list (70x on the benchmark's
member-composition query with 70 graphs, worse with thousands). So a
published generation keeps only published graphs in its main store and moves
the bookkeeping graph and pending graphs into ``gen-.../private/``; public and
trusted queries then run over the union. A write hard-links both stores of the
current generation into the new one (RocksDB checkpoints) and writes each graph
where it lives, so its cost does not grow with the pending and history graphs
the private store holds. A generation written before this layout (no
``private/``) is still read correctly, through the explicit list of published
graphs, and its next write moves its bookkeeping into a private store.
"""

from __future__ import annotations

import fcntl
import gc
import json
import os
import secrets
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from clusterkb.config import Config
from clusterkb.namespaces import PREFIXES
from clusterkb.store import results
from clusterkb.store.base import PublicQuery, QueryResult, QuerySyntaxError, Store, StoreError
from clusterkb.store.pool import QueryPool
from clusterkb.store.results import dump_format
from clusterkb.store.terms import IriMap, to_ox, to_rdflib

POINTER = "current.json"
LOCK = ".write.lock"
GEN_PREFIX = "gen-"
#: How many superseded generations stay on disk for readers still using them.
KEEP_OLD_GENERATIONS = 2
#: Bookkeeping graph: which graphs are pending and which a build made. Never published.
INTERNAL_GRAPH = ox.NamedNode("urn:clusterkb:store")
_STATUS = ox.NamedNode("urn:clusterkb:status")
_ORIGIN = ox.NamedNode("urn:clusterkb:origin")
_PENDING = ox.Literal("pending")
#: Sub-directory of a generation holding the bookkeeping and pending graphs.
PRIVATE_DIR = "private"
_CHUNK = 20_000

_PREFIX_STRINGS = {name: str(ns) for name, ns in PREFIXES.items()}


class _Graphs:
    """Which graphs of one opened engine store are published, which pending.

    Shared by the read side (a published snapshot) and the write side (a
    generation being prepared), so both decide visibility the same way.
    """

    def __init__(self, store: ox.Store, base_iri: str, *, frozen: bool = False,
                 private: ox.Store | None = None) -> None:
        self.ox = store
        #: Bookkeeping and pending graphs of a published generation (None: all in ``ox``).
        self.private = private
        self._submission_prefix = f"{base_iri}graph/submission/"
        self._frozen = frozen  # a published generation never changes: lists can be cached
        self._cache: dict[str, object] = {}

    def pending(self) -> set[str]:
        if "pending" in self._cache:
            return set(self._cache["pending"])  # type: ignore[arg-type]
        meta = self.private if self.private is not None else self.ox
        marked = {q.subject.value for q in
                  meta.quads_for_pattern(None, _STATUS, _PENDING, INTERNAL_GRAPH)}
        pending = marked | {g for g in self._all() if g.startswith(self._submission_prefix)}
        if self.private is not None:
            pending |= set(self._names(self.private))
        if self._frozen:
            self._cache["pending"] = frozenset(pending)
        return pending

    @staticmethod
    def _names(store: ox.Store) -> list[str]:
        return [g.value for g in store.named_graphs()
                if isinstance(g, ox.NamedNode) and g != INTERNAL_GRAPH]

    def _all(self) -> list[str]:
        names = self._names(self.ox)
        return names + self._names(self.private) if self.private is not None else names

    def graphs_from(self, origin: str) -> set[str]:
        """Graphs last written with ``origin`` (e.g. ``"build"``)."""
        stores = (self.ox,) if self.private is None else (self.private, self.ox)
        return {q.subject.value for store in stores
                for q in store.quads_for_pattern(None, _ORIGIN, ox.Literal(origin),
                                                 INTERNAL_GRAPH)}

    def union_is_published(self) -> bool:
        """True when every named graph of the main store is published, so the union
        default graph (fast) equals the union of the published graphs (slow to list)."""
        if "union" in self._cache:
            return bool(self._cache["union"])
        union = (self.private is not None
                 and not self.ox.contains_named_graph(INTERNAL_GRAPH)
                 and not set(self._names(self.ox)) & self.pending())
        if self._frozen:
            self._cache["union"] = union
        return union

    def published(self) -> list[str]:
        if "published" in self._cache:
            return list(self._cache["published"])  # type: ignore[call-overload]
        pending = self.pending()
        published = sorted(g for g in self._all() if g not in pending)
        if self._frozen:
            self._cache["published"] = tuple(published)
        return published

    def graph(self, iri: str) -> Graph:
        graph = Graph()
        node = ox.NamedNode(iri)
        source = (self.private if self.private is not None
                  and self.private.contains_named_graph(node) else self.ox)
        for quad in source.quads_for_pattern(None, None, None, node):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                       to_rdflib(quad.object)))
        return graph

    def trusted(self, query: str):
        try:
            if self.union_is_published():
                return self.ox.query(query, use_default_graph_as_union=True)
            published = [ox.NamedNode(g) for g in self.published()]
            return self.ox.query(query, default_graph=published, named_graphs=published)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None

    def select(self, query: str) -> list[dict]:
        result = self.trusted(query)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{name: to_rdflib(row[name]) for name in names if row[name] is not None}
                for row in result]

    def ask(self, query: str) -> bool:
        result = self.trusted(query)
        if not isinstance(result, ox.QueryBoolean):
            raise StoreError("ask() needs an ASK query")
        return bool(result)

    def construct(self, query: str) -> Graph:
        result = self.trusted(query)
        if not isinstance(result, ox.QueryTriples):
            raise StoreError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in result:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate),
                       to_rdflib(triple.object)))
        return graph

    def dump(self, fmt: ox.RdfFormat) -> Iterator[bytes]:
        first = True
        for iri in self.published():
            quads = self.ox.quads_for_pattern(None, None, None, ox.NamedNode(iri))
            while chunk := list(islice(quads, _CHUNK)):
                items = chunk if fmt.supports_datasets else [q.triple for q in chunk]
                prefixes = _PREFIX_STRINGS if fmt in (ox.RdfFormat.TURTLE,
                                                      ox.RdfFormat.TRIG) and first else None
                yield ox.serialize(items, format=fmt, prefixes=prefixes)
                first = False


class StoreWriter:
    """Changes to a generation that is not published yet (see ``EmbeddedStore.write``).

    Published graphs go to the new generation's main store, pending graphs and the
    bookkeeping graph to its private store, each written where it lives: nothing
    of the other side is copied, so a write costs what it changes, however many
    pending and history graphs the private store holds.
    """

    def __init__(self, store: ox.Store, base_iri: str, private: ox.Store) -> None:
        self._main: ox.Store | None = store
        self._private: ox.Store | None = private
        self._graphs: _Graphs | None = _Graphs(store, base_iri, private=private)
        self._base_iri = base_iri
        self.published_changed = False
        #: The new generation's modification time, fixed when the write starts, so
        #: whatever is computed from ``view()`` states the time the published
        #: generation will carry.
        self.started = datetime.now(UTC).replace(microsecond=0)

    @property
    def ox(self) -> ox.Store:
        """The engine store of the new generation's published graphs, for bulk loading."""
        assert self._main is not None, "the write has ended"
        return self._main

    @property
    def private(self) -> ox.Store:
        assert self._private is not None, "the write has ended"
        return self._private

    def _close(self) -> None:
        """Drop the read-write openers (the generation's directories can then be used)."""
        self._main = self._private = self._graphs = None
        gc.collect()

    def graphs(self) -> list[str]:
        """Published graphs of the new generation as it stands."""
        assert self._graphs is not None
        return self._graphs.published()

    def pending(self) -> set[str]:
        assert self._graphs is not None
        marked = {q.subject.value for q in self.ox.quads_for_pattern(
            None, _STATUS, _PENDING, INTERNAL_GRAPH)}  # a generation of the older layout
        return self._graphs.pending() | marked

    def graphs_from(self, origin: str) -> set[str]:
        """Graphs last written with ``origin`` (e.g. ``"build"``)."""
        assert self._graphs is not None
        return self._graphs.graphs_from(origin)

    def replace_graph(self, iri: str, data: Graph | Iterable, *, publish: bool = True,
                      origin: str | None = None, iri_map: IriMap | None = None) -> int:
        """Replace graph ``iri`` with ``data`` (an rdflib Graph or engine triples/quads).

        Returns the number of triples written.
        """
        node = ox.NamedNode(iri)
        self.delete_graph(iri)
        target = self.ox if publish else self.private
        count = 0
        quads = self._quads(node, data, iri_map)
        while chunk := list(islice(quads, _CHUNK)):
            target.extend(chunk)
            count += len(chunk)
        target.add_graph(node)
        if not publish:
            self.private.add(ox.Quad(node, _STATUS, _PENDING, INTERNAL_GRAPH))
        else:
            self.published_changed = True
        if origin:
            self.private.add(ox.Quad(node, _ORIGIN, ox.Literal(origin), INTERNAL_GRAPH))
        return count

    @staticmethod
    def _quads(node: ox.NamedNode, data: Graph | Iterable,
               iri_map: IriMap | None) -> Iterator[ox.Quad]:
        if isinstance(data, Graph):
            for s, p, o in data:
                if iri_map:
                    yield ox.Quad(to_ox(s, iri_map), to_ox(p, iri_map), to_ox(o, iri_map), node)
                else:
                    yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), node)
            return
        for item in data:
            yield ox.Quad(item.subject, item.predicate, item.object, node)

    def publish(self, iri: str) -> None:
        """Make a pending graph part of the published data (moved to the main store)."""
        node = ox.NamedNode(iri)
        if self.private.contains_named_graph(node):
            _move_graph(self.private, self.ox, node)
        for store in (self.private, self.ox):
            store.remove(ox.Quad(node, _STATUS, _PENDING, INTERNAL_GRAPH))
        self.published_changed = True

    def _is_pending(self, node: ox.NamedNode) -> bool:
        """``node in self.pending()`` without listing every graph (a build replaces
        thousands of graphs, and that list made its store stage grow as N squared)."""
        return (node.value.startswith(f"{self._base_iri}graph/submission/")
                or self.private.contains_named_graph(node)
                or any(ox.Quad(node, _STATUS, _PENDING, INTERNAL_GRAPH) in store
                       for store in (self.private, self.ox)))

    def delete_graph(self, iri: str) -> None:
        node = ox.NamedNode(iri)
        if self.ox.contains_named_graph(node):
            if not self._is_pending(node):
                self.published_changed = True
            self.ox.remove_graph(node)
        if self.private.contains_named_graph(node):
            self.private.remove_graph(node)
        for store in (self.private, self.ox):
            for quad in list(store.quads_for_pattern(node, None, None, INTERNAL_GRAPH)):
                store.remove(quad)

    def mark_loaded(self, graphs: Iterable[str]) -> None:
        """Record that a bulk load wrote ``graphs`` (published unless pending by name)."""
        for iri in graphs:
            self.ox.add_graph(ox.NamedNode(iri))
        self.published_changed = True

    def split_private(self) -> None:
        """Move bookkeeping and pending graphs that are in the main store to the private one.

        Nothing to move in the usual case; a bulk load of a pending-by-name graph
        and a generation of the older single-store layout are the exceptions.
        """
        hidden = [ox.NamedNode(g) for g in sorted(self.pending())] + [INTERNAL_GRAPH]
        for node in hidden:
            if self.ox.contains_named_graph(node):
                _move_graph(self.ox, self.private, node)

    def view(self) -> SnapshotStore:
        """A read-only ``Store`` over the generation being written (for the whole-KB checks).

        The view's lists of graphs are those of the moment it is taken (take a new
        view after writing more): without that, each of its queries listed every
        named graph again, which made a 1,000-cluster build spend minutes there and
        a 10,000-cluster one hours (bench/NOTES.md).
        """
        self.split_private()
        return SnapshotStore(_Graphs(self.ox, self._base_iri, private=self.private,
                                     frozen=True), modified=self.started)


def _move_graph(source: ox.Store, target: ox.Store, node: ox.NamedNode) -> None:
    target.add_graph(node)
    quads = source.quads_for_pattern(None, None, None, node)
    while chunk := list(islice(quads, _CHUNK)):
        target.extend(chunk)
    source.remove_graph(node)


class SnapshotStore(Store):
    """A ``Store`` answering trusted reads from one engine store, in process, no writes.

    Used to hand a not-yet-published generation to the checks that need the whole
    KB (``build.check_cross_graph``); ``query`` runs in process without a time limit.
    """

    def __init__(self, graphs: _Graphs, *, modified: datetime) -> None:
        self._graphs = graphs
        self._modified = modified

    def query(self, query: PublicQuery) -> QueryResult:
        published = self._graphs.published()
        try:
            body, media, kind, truncated = results.run_query(
                self._graphs.ox, query.text, query.media_type, published, published,
                query.max_rows or 10**9, _PREFIX_STRINGS,
                union=self._graphs.union_is_published(), variable_order=query.variable_order)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from None
        return QueryResult(body, media, kind, truncated)

    def select(self, query: str) -> list[dict]:
        return self._graphs.select(query)

    def ask(self, query: str) -> bool:
        return self._graphs.ask(query)

    def construct(self, query: str) -> Graph:
        return self._graphs.construct(query)

    def graphs(self) -> list[str]:
        return self._graphs.published()

    def graph(self, iri: str) -> Graph:
        return self._graphs.graph(iri)

    def pending_graphs(self) -> list[str]:
        return sorted(self._graphs.pending())

    def graphs_from(self, origin: str) -> set[str]:
        return self._graphs.graphs_from(origin)

    def publish_graph(self, iri: str) -> None:
        raise StoreError("this store view is read-only")

    def is_empty(self) -> bool:
        return not self._graphs.published()

    def write(self):
        raise StoreError("this store view is read-only")

    def replace_graphs(self, graphs: Mapping[str, Graph], *, publish: bool = True) -> None:
        raise StoreError("this store view is read-only")

    def delete_graph(self, iri: str) -> None:
        raise StoreError("this store view is read-only")

    def dump(self, media_type: str) -> Iterator[bytes]:
        return self._graphs.dump(dump_format(media_type))

    def generation(self) -> str:
        return "unpublished"

    def modified(self) -> datetime:
        return self._modified


class _Published:
    """The generation currently published, opened read-only (immutable once published)."""

    def __init__(self, directory: Path | None, name: str, modified: datetime,
                 base_iri: str, stamp: tuple) -> None:
        self.directory = directory
        self.name = name
        self.modified = modified
        self.stamp = stamp
        store = ox.Store.read_only(str(directory)) if directory else ox.Store()
        private_dir = directory / PRIVATE_DIR if directory else None
        private = (ox.Store.read_only(str(private_dir)) if private_dir and private_dir.is_dir()
                   else None if directory else ox.Store())
        self.graphs = _Graphs(store, base_iri, frozen=True, private=private)


class EmbeddedStore(Store):
    """Oxigraph on disk under ``config.store_path``; see the module docstring for the layout."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.path = Path(config.store_path)
        self._lock = threading.Lock()
        self._published: _Published | None = None
        self._pool = QueryPool(config.query_workers, network=bool(config.service_allowlist))

    # --- the published generation -----------------------------------------------
    def _pointer(self) -> tuple[dict | None, tuple]:
        try:
            stat = os.stat(self.path / POINTER)
        except FileNotFoundError:
            return None, ()
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with open(self.path / POINTER, encoding="utf-8") as handle:
            return json.load(handle), stamp

    def _current(self) -> _Published:
        """The published generation, reopened when the pointer file changed."""
        with self._lock:
            pointer, stamp = self._pointer()
            if self._published is None or self._published.stamp != stamp:
                if pointer is None:
                    self._published = _Published(None, "gen-empty",
                                                 datetime.fromtimestamp(0, UTC),
                                                 self.config.base_iri, stamp)
                else:
                    self._published = _Published(
                        self.path / pointer["generation"], pointer["generation"],
                        datetime.fromisoformat(pointer["modified"]),
                        self.config.base_iri, stamp)
            return self._published

    # --- untrusted queries ---------------------------------------------------------
    def query(self, query: PublicQuery) -> QueryResult:
        current = self._current()
        published = current.graphs.published()
        default, named = published, published
        if query.names_a_dataset:
            default = self._visible(query.default_graph_uris, published)
            named = self._visible(query.named_graph_uris, published)
        # The union is fast; use it when the dataset is "everything published".
        union = default is published and named is published and \
            current.graphs.union_is_published()
        request = {
            "gen_dir": str(current.directory) if current.directory else None,
            "query": query.text, "media_type": query.media_type, "union": union,
            # the lists are not needed for the union (and cost IPC with thousands of graphs)
            "default": [] if union else default, "named": [] if union else named,
            "max_rows": self.config.max_result_rows if query.max_rows is None
            else query.max_rows,
            "prefixes": _PREFIX_STRINGS,
            "base_iri": self.config.base_iri, "max_bytes": self.config.max_result_bytes,
            "variable_order": query.variable_order,
        }
        timeout = self.config.query_timeout if query.timeout is None else query.timeout
        return self._pool.run(request, timeout)

    @staticmethod
    def _visible(requested: Sequence[str], published: list[str]) -> list[str]:
        allowed = set(published)
        return [g for g in requested if g in allowed]

    # --- trusted queries -------------------------------------------------------------
    def select(self, query: str) -> list[dict]:
        return self._current().graphs.select(query)

    def ask(self, query: str) -> bool:
        return self._current().graphs.ask(query)

    def construct(self, query: str) -> Graph:
        return self._current().graphs.construct(query)

    # --- graphs --------------------------------------------------------------------------
    def graphs(self) -> list[str]:
        return self._current().graphs.published()

    def pending_graphs(self) -> list[str]:
        """IRIs of the graphs stored but not published (submissions under review)."""
        return sorted(self._current().graphs.pending())

    def graph(self, iri: str) -> Graph:
        return self._current().graphs.graph(iri)

    def graphs_from(self, origin: str) -> set[str]:
        return self._current().graphs.graphs_from(origin)

    def is_empty(self) -> bool:
        """True when nothing was ever published (``serve`` then builds first)."""
        return self._pointer()[0] is None

    def replace_graphs(self, graphs: Mapping[str, Graph], *, publish: bool = True) -> None:
        with self.write() as writer:
            for iri, data in graphs.items():
                writer.replace_graph(iri, data, publish=publish)

    def delete_graph(self, iri: str) -> None:
        with self.write() as writer:
            writer.delete_graph(iri)

    def publish_graph(self, iri: str) -> None:
        """Turn a pending graph into a published one (not for ``graph/submission/*``)."""
        with self.write() as writer:
            writer.publish(iri)

    def dump(self, media_type: str) -> Iterator[bytes]:
        fmt = dump_format(media_type)
        return self._current().graphs.dump(fmt)

    # --- writing a new generation -----------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[StoreWriter]:
        """Prepare a new generation; it is published only if the block ends without error.

        Writers are serialised by an flock, across processes. On an exception
        (or a kill) the new generation is discarded and the published one stays.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / LOCK, "a+") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                pointer, _ = self._pointer()
                current = pointer["generation"] if pointer else None
                self._prune(current)
                number = _gen_number(current) + 1 if current else 1
                new_dir = self.path / f"{GEN_PREFIX}{number:06d}-{secrets.token_hex(4)}"
                private_dir = new_dir / PRIVATE_DIR
                if current:
                    # Hard-link copies (RocksDB checkpoints): nothing is rewritten.
                    source = ox.Store.read_only(str(self.path / current))
                    source.backup(str(new_dir))
                    del source
                    if (self.path / current / PRIVATE_DIR).is_dir():
                        source = ox.Store.read_only(str(self.path / current / PRIVATE_DIR))
                        source.backup(str(private_dir))
                        del source
                writer = StoreWriter(ox.Store(str(new_dir)), self.config.base_iri,
                                     ox.Store(str(private_dir)))
                try:
                    writer.split_private()
                    yield writer
                    writer.split_private()
                    writer.private.flush()
                    writer.ox.flush()
                except BaseException:
                    writer._close()
                    shutil.rmtree(new_dir, ignore_errors=True)
                    raise
                changed = writer.published_changed
                writer._close()
                _fsync_tree(new_dir)
                modified = (writer.started if changed or pointer is None
                            else datetime.fromisoformat(pointer["modified"]))
                self._switch(new_dir.name, modified)
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _switch(self, generation: str, modified: datetime) -> None:
        tmp = self.path / f".{POINTER}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"generation": generation, "modified": modified.isoformat()}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path / POINTER)
        _fsync_dir(self.path)

    def _prune(self, current: str | None) -> None:
        """Remove aborted generations and all but a few superseded ones (writer lock held)."""
        gens = sorted((p for p in self.path.glob(f"{GEN_PREFIX}*") if p.is_dir()),
                      key=lambda p: _gen_number(p.name))
        if current is None:
            doomed = gens
        else:
            number = _gen_number(current)
            older = [p for p in gens if _gen_number(p.name) < number]
            doomed = [p for p in gens if _gen_number(p.name) > number]
            doomed += older[:-KEEP_OLD_GENERATIONS] if KEEP_OLD_GENERATIONS else older
        for path in doomed:
            shutil.rmtree(path, ignore_errors=True)

    # --- change tracking -----------------------------------------------------------------------
    def generation(self) -> str:
        return self._current().name

    def modified(self) -> datetime:
        return self._current().modified

    def close(self) -> None:
        self._pool.close()
        with self._lock:
            self._published = None


def _gen_number(name: str) -> int:
    try:
        return int(name[len(GEN_PREFIX):].split("-", 1)[0])
    except ValueError:
        return 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Make every file of a generation durable before the pointer names it."""
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(directory))
