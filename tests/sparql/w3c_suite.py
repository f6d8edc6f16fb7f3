"""The W3C SPARQL test manifests, read in place, and a reference engine to compare with.

``SUITE`` is ``../shared/reference/w3c-rdf-tests/sparql`` (see its README); tests
skip, saying so, when it is absent. ``load_tests()`` follows ``mf:include`` from
the SPARQL 1.0, 1.1 and 1.2 manifests (included manifests left out of the copy,
such as the update suites, are skipped) and returns one ``W3CTest`` per test.

``ReferenceEngine`` is pyoxigraph in a child process of its own, over an
in-memory store: what "the engine's answer" means in these tests. A child,
because some test queries make pyoxigraph 0.5 abort its process (ORDER BY over
mixed numbers and strings), and sandboxed (no network sockets), because a
test query may call ``SERVICE``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.request import url2pathname

from rdflib import RDF, Graph, Namespace

SUITE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "w3c-rdf-tests" / "sparql"
if not SUITE.is_dir():  # the worktree layout: /work/wt/<name>/tests/sparql
    SUITE = Path("/work/shared/reference/w3c-rdf-tests/sparql")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RDFT = Namespace("http://www.w3.org/ns/rdftest#")

POSITIVE = {"PositiveSyntaxTest", "PositiveSyntaxTest11", "PositiveSyntaxTest12"}
NEGATIVE = {"NegativeSyntaxTest", "NegativeSyntaxTest11", "NegativeSyntaxTest12"}
UPDATE_SYNTAX = {"PositiveUpdateSyntaxTest", "PositiveUpdateSyntaxTest11",
                 "NegativeUpdateSyntaxTest", "NegativeUpdateSyntaxTest11"}


@dataclass(frozen=True)
class W3CTest:
    iri: str
    kind: str  # the local name of its rdf:type
    query_file: Path

    @property
    def name(self) -> str:
        return f"{self.query_file.parent.parent.name}/{self.query_file.parent.name}/" \
               f"{self.query_file.name}"

    def text(self) -> str:
        return self.query_file.read_text(encoding="utf-8")


def _path(node) -> Path:
    return Path(url2pathname(str(node).removeprefix("file://")))


def load_tests() -> list[W3CTest]:
    found: dict[str, W3CTest] = {}
    seen: set[Path] = set()

    def load(manifest: Path) -> None:
        if manifest in seen or not manifest.is_file():
            return
        seen.add(manifest)
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for include in graph.objects(None, MF.include):
            for item in graph.items(include):
                load(_path(item))
        for test, kind in graph.subject_objects(RDF.type):
            name = str(kind).rsplit("#", 1)[-1]
            action = graph.value(test, MF.action)
            if action is None:
                continue
            query = graph.value(action, QT.query) if name == "QueryEvaluationTest" else action
            if query is None or not str(query).startswith("file:"):
                continue
            path = _path(query)
            if path.is_file():
                found[str(test)] = W3CTest(str(test), name, path)

    for version in ("sparql10", "sparql11", "sparql12"):
        load(SUITE / version / "manifest.ttl")
    return sorted(found.values(), key=lambda t: t.name)


_REFERENCE = r"""
import sys
from itertools import islice
from multiprocessing.connection import Connection
import pyoxigraph as ox
from clusterkb.store.sandbox import deny_network

deny_network()
conn = Connection(int(sys.argv[1]))
store = ox.Store()
store.load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
while True:
    try:
        query, base, limit = conn.recv()
    except EOFError:
        break
    try:
        result = store.query(query, base_iri=base, use_default_graph_as_union=True)
    except SyntaxError as error:
        conn.send(("syntax", str(error)))
        continue
    except Exception as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
        continue
    try:
        if isinstance(result, ox.QueryBoolean):
            answer = ("boolean", bool(result))
        elif isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(None if row[v] is None else str(row[v]) for v in result.variables)
                    for row in islice(result, limit)]
            answer = ("solutions", variables, rows)
        else:
            answer = ("graph", ox.serialize(list(islice(result, limit)),
                                            format=ox.RdfFormat.N_TRIPLES))
    except Exception as error:
        answer = ("error", f"{type(error).__name__}: {error}")
    conn.send(answer)
"""


class ReferenceEngine:
    """pyoxigraph over ``nquads`` (union default graph), in a restartable child process."""

    def __init__(self, nquads: Path) -> None:
        self.nquads = nquads
        self._start()

    def _start(self) -> None:
        import socket

        parent, child = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _REFERENCE, str(child.fileno()), str(self.nquads)],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
            env={**os.environ, "RUST_BACKTRACE": "0"})
        child.close()
        self.conn = Connection(parent.detach())

    def answer(self, query: str, base: str, limit: int) -> tuple:
        """``("syntax", msg)``, ``("boolean", b)``, ``("solutions", vars, rows)``,
        ``("graph", ntriples)``, ``("error", msg)`` or ``("crash",)``; at most
        ``limit`` rows or triples are read (as the endpoint's row cap does)."""
        try:
            self.conn.send((query, base, limit))
            if not self.conn.poll(60):
                raise EOFError("no answer in 60 s")
            return self.conn.recv()
        except (EOFError, OSError):
            self.close()
            self._start()
            return ("crash",)

    def close(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.wait(timeout=10)
