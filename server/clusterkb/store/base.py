"""The one interface every store backend implements.

Two kinds of callers use a store:

* the public ``/sparql`` endpoint sends *untrusted* queries through ``query``:
  already checked by ``clusterkb.sparql`` guard, run with a time limit and a
  row cap, and serialised by the engine itself into the requested format;
* the rest of the server (Linked Data pages, search, catalogue, VoID) sends
  *trusted*, small queries of its own through ``select``/``construct``/``ask``
  and gets rdflib terms back.

The SPARQL default graph is the union of the *published* named graphs only;
pending submissions live in graphs that are never part of it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import Graph
from rdflib.term import Identifier


class StoreError(Exception):
    """A store operation failed for a reason the caller should report (4xx/5xx)."""


class QuerySyntaxError(StoreError):
    """The engine could not parse the query; ``str(error)`` is its message."""


class QueryTimeout(StoreError):
    """The query ran past its time limit and was stopped."""


class EngineError(StoreError):
    """A remote SPARQL engine failed, refused us or could not be reached (HTTP 502)."""


@dataclass(frozen=True)
class QueryResult:
    """A query result serialised by the engine.

    ``kind`` is ``"solutions"`` (SELECT), ``"boolean"`` (ASK) or ``"graph"``
    (CONSTRUCT/DESCRIBE). ``truncated`` is True when the row cap cut the result.
    """

    body: bytes
    media_type: str
    kind: str
    truncated: bool = False


class Store(ABC):
    """A quad store holding published named graphs (and, apart, pending ones)."""

    # --- untrusted queries -------------------------------------------------
    @abstractmethod
    def query(
        self,
        query: str,
        *,
        media_type: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a guarded public query and serialise the result as ``media_type``.

        Empty ``default_graph_uris`` means the union of the published graphs.
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
    def graph(self, iri: str) -> Graph:
        """The triples of one named graph (published or pending)."""

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
