"""The one interface every store backend implements.

Two kinds of callers use a store:

* the public ``/sparql`` endpoint sends *untrusted* queries through ``query``:
  already checked by the ``clusterkb.sparql`` guard, whose reading of the text
  travels with it as one ``PublicQuery`` (form, dataset, format, limits), so no
  backend parses the text again; run with a time limit and a row cap, and
  serialised by the engine itself into the requested format;
* the rest of the server (Linked Data pages, search, catalogue, VoID) sends
  *trusted*, small queries of its own through ``select``/``construct``/``ask``
  and gets rdflib terms back.

The SPARQL default graph is the union of the *published* named graphs only;
pending submissions live in graphs that are never part of it.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the query worker imports this module (its errors): keep it light
    from rdflib import Graph
    from rdflib.term import Identifier


class StoreError(Exception):
    """A store operation failed for a reason the caller should report (4xx/5xx).

    ``str(error)`` is the detail, for the log; ``clusterkb.web.errors.public_error``
    decides what a client may read of it.
    """


_ENGINE_POSITION = re.compile(r"^error at (\d+):(\d+): ?")


class QuerySyntaxError(StoreError):
    """The engine could not parse the query; ``str(error)`` is its message."""

    def where(self) -> dict[str, int]:
        """``line`` and ``column`` of the engine's ``L:C`` position, when it gave one."""
        match = _ENGINE_POSITION.match(str(self))
        return {"line": int(match.group(1)), "column": int(match.group(2))} if match else {}

    def public_message(self) -> str:
        """The engine's parse error, its ``L:C`` said as line and column.

        Safe to show: it depends on the query text alone. Its list of expected
        tokens can run to kilobytes, so it is cut.
        """
        detail = str(self)
        match = _ENGINE_POSITION.match(detail)
        where = f" at line {match.group(1)}, column {match.group(2)}" if match else ""
        detail = detail[match.end():] if match else detail
        if len(detail) > 300:
            detail = detail[:300].rstrip() + " …"
        return f"SPARQL syntax error{where}: {detail}"


class QueryEvaluationError(StoreError):
    """The engine parsed the query but could not evaluate it: the client's error (400).

    ``public`` is a message safe to send; ``str(error)`` the engine's own, for the log.
    """

    def __init__(self, detail: str, public: str) -> None:
        super().__init__(detail)
        self.public = public


class WorkerCrashed(StoreError):
    """The worker process died while running the query (it has been replaced)."""

    def __init__(self, detail: str, query_hash: str) -> None:
        super().__init__(detail)
        self.query_hash = query_hash


def query_hash(query: str) -> str:
    """A short, stable name for a query in logs (the text itself is not logged)."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped."""


class EngineError(StoreError):
    """A remote SPARQL engine failed, refused us or could not be reached (HTTP 502)."""


@dataclass(frozen=True)
class PublicQuery:
    """One untrusted query on its way to the engine, as the guard read it.

    ``kind`` is the guard's (``"solutions"``, ``"boolean"``, ``"graph"``); the
    dataset is the protocol's ``default-graph-uri``/``named-graph-uri`` when the
    request named any, else the query's own ``FROM``/``FROM NAMED`` (resolved by
    the guard), else empty: the union of the published graphs. ``timeout`` and
    ``max_rows`` None mean the configured limits. ``variable_order`` is the column
    order of a ``SELECT *`` (``results.in_query_order``). Built by ``sparql.public_query``.
    """

    text: str
    kind: str
    media_type: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    timeout: float | None = None
    max_rows: int | None = None
    variable_order: tuple[str, ...] = ()

    @property
    def names_a_dataset(self) -> bool:
        return bool(self.default_graph_uris or self.named_graph_uris)


@dataclass(frozen=True)
class QueryResult:
    """A query result serialised by the engine.

    ``kind`` is ``"solutions"`` (SELECT), ``"boolean"`` (ASK) or ``"graph"``
    (CONSTRUCT/DESCRIBE). ``truncated`` is False, or which cap cut the result
    (``"rows"``, ``"bytes"``).
    """

    body: bytes
    media_type: str
    kind: str
    truncated: bool | str = False


class GraphWriter(Protocol):
    """The changes of one ``Store.write`` block, applied together when it ends."""

    def replace_graph(self, iri: str, data: Graph, *, publish: bool = True,
                      origin: str | None = None) -> int:
        """Replace graph ``iri`` (pending with ``publish=False``); the triples written."""

    def delete_graph(self, iri: str) -> None:
        """Remove graph ``iri``, published or pending."""


class Store(ABC):
    """A quad store holding published named graphs (and, apart, pending ones)."""

    # --- untrusted queries -------------------------------------------------
    @abstractmethod
    def query(self, query: PublicQuery) -> QueryResult:
        """Run a guarded public query and serialise the result as ``query.media_type``.

        An empty dataset means the union of the published graphs; graphs that are
        not published are dropped from any dataset named.
        Raises ``QuerySyntaxError``, ``QueryTimeout`` or ``StoreError``.
        """

    # --- trusted queries of the server itself --------------------------------
    @abstractmethod
    def select(self, query: str) -> list[dict[str, Identifier]]:
        """Run a trusted SELECT over the published union; rows map names to rdflib terms."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        """Run a trusted ASK over the published union."""

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """Run a trusted CONSTRUCT/DESCRIBE over the published union."""

    # --- graphs ----------------------------------------------------------------
    @abstractmethod
    def graphs(self) -> list[str]:
        """IRIs of the published named graphs."""

    @abstractmethod
    def pending_graphs(self) -> list[str]:
        """IRIs of the graphs stored but not published (submissions, history)."""

    @abstractmethod
    def graphs_from(self, origin: str) -> set[str]:
        """Graphs last written with ``origin`` (``build`` and ``publish`` use ``"build"``)."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Whether nothing was ever published here (``serve`` then builds first)."""

    @abstractmethod
    def graph(self, iri: str) -> Graph:
        """The triples of one named graph (published or pending)."""

    @abstractmethod
    def write(self) -> AbstractContextManager[GraphWriter]:
        """A block whose graph changes are applied all together, or not at all, at its end."""

    @abstractmethod
    def replace_graphs(self, graphs: Mapping[str, Graph], *, publish: bool = True) -> None:
        """Replace each named graph with the given triples, all in one atomic step.

        ``publish=False`` stores them as pending graphs, outside the default graph.
        Either every graph is replaced or none is, even if the process is killed.
        """

    @abstractmethod
    def delete_graph(self, iri: str) -> None:
        """Remove a named graph (published or pending)."""

    @abstractmethod
    def publish_graph(self, iri: str) -> None:
        """Make a pending graph part of the published data."""

    @abstractmethod
    def dump(self, media_type: str) -> Iterator[bytes]:
        """Stream every published quad (N-Quads, TriG) or triple (Turtle, N-Triples)."""

    # --- change tracking --------------------------------------------------------
    @abstractmethod
    def generation(self) -> str:
        """An opaque token that changes on every write: the basis of ETags and caches."""

    @abstractmethod
    def modified(self) -> datetime:
        """When the published data last changed (timezone-aware, UTC)."""

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release files, processes and connections."""
