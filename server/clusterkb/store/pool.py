"""A small pool of query worker processes, each killed and replaced on timeout.

Why processes: pyoxigraph's ``Store.query`` holds the GIL-free engine thread
until the query ends and offers no cancellation, so the only way to stop a
runaway public query without stalling the web process is to kill the process
running it. Workers are fresh interpreters (safe beside waitress's threads),
started lazily, so commands that never query start none. Unless the pool is
made with ``network=True`` (a ``SERVICE`` allow-list is configured), each
worker forbids itself network sockets at start (``clusterkb.store.sandbox``).

A worker can also die under a query: pyoxigraph 0.5's ORDER BY aborts the
process when its comparison of mixed numbers and strings turns out not to be a
total order. The pool replaces the worker at once, logs the event with a hash of
the query (not the query, which may hold personal data) and raises
``WorkerCrashed``; the other workers and queries are not affected.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from clusterkb.store.base import (
    QueryEvaluationError,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    WorkerCrashed,
    query_hash,
)

logger = logging.getLogger("clusterkb.query")

#: Engine evaluation messages safe to show a client: they depend on the query
#: text alone (never on what a SERVICE or a file answered).
_SAFE_MESSAGES = (
    re.compile(r"The custom function <[^>\s]{1,300}> is not supported"),
    re.compile(r"The custom aggregate function <[^>\s]{1,300}> is not supported"),
)


def public_message(detail: str) -> str:
    """What a client may read of an engine error: a known-safe message, or a generic one."""
    for pattern in _SAFE_MESSAGES:
        match = pattern.search(detail)
        if match:
            return match.group()
    return "The query engine could not evaluate this query."


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection


def _start_worker(network: bool = False) -> _Worker:
    """Start ``python -m clusterkb.store._worker FD`` on one end of a socket pair.

    A plain subprocess rather than ``multiprocessing.Process``: spawn would
    re-import the parent's ``__main__`` (a console script, pytest, stdin...),
    which is fragile; the pickle framing of ``Connection`` is all we need.
    """
    parent, child = socket.socketpair()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "clusterkb.store._worker", str(child.fileno()),
             *(["--network"] if network else [])],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
    finally:
        child.close()
    return _Worker(process, Connection(parent.detach()))


def _stop_worker(worker: _Worker) -> None:
    worker.conn.close()
    if worker.process.poll() is None:
        worker.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(timeout=5)


class QueryPool:
    """``size`` worker processes; ``run`` borrows one for one query."""

    def __init__(self, size: int, *, network: bool = False) -> None:
        self._size = max(1, size)
        self._network = network
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closed:
                raise StoreError("the query pool is closed")
            if not self._started:
                for _ in range(self._size):
                    self._idle.put(_start_worker(self._network))
                self._started = True

    def run(self, request: dict, timeout: float) -> QueryResult:
        """Run ``request`` in a worker; the wait for a free worker counts against ``timeout``."""
        self._ensure_started()
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise QueryTimeout(
                f"no query worker became free within the time limit of {timeout:g} s") from None
        if worker.process.poll() is not None:
            _stop_worker(worker)
            worker = _start_worker(self._network)
        try:
            worker.conn.send(request)
            if worker.conn.poll(max(0.0, deadline - time.monotonic())):
                answer = worker.conn.recv()
            else:
                answer = None
        except (EOFError, OSError) as error:
            self._crashed(worker, request, error)
        if answer is None:
            # Past the limit: the only way to stop the engine is to kill its process.
            _stop_worker(worker)
            self._release(_start_worker(self._network))
            raise QueryTimeout(f"the query ran longer than the time limit of {timeout:g} s")
        self._release(worker)
        status, *rest = answer
        if status == "ok":
            body, media_type, kind, truncated = rest
            return QueryResult(body=body, media_type=media_type, kind=kind, truncated=truncated)
        if status == "syntax":
            raise QuerySyntaxError(rest[0])
        raise QueryEvaluationError(rest[0], public_message(rest[0]))

    def _crashed(self, worker: _Worker, request: dict, error: Exception) -> None:
        """Replace a worker that died under ``request``, log it, raise ``WorkerCrashed``."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=2)
        code = worker.process.poll()
        _stop_worker(worker)
        self._release(_start_worker(self._network))
        digest = query_hash(request.get("query", ""))
        logger.error("query worker %d died (exit %s) running query %s: %s",
                     worker.process.pid, code, digest, error or "pipe closed")
        raise WorkerCrashed(f"the query worker died (exit {code})", digest) from None

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for health checks and tests)."""
        with self._idle.mutex:
            return [worker.process.pid for worker in self._idle.queue]

    def _release(self, worker: _Worker) -> None:
        """Give a worker back, or stop it when the pool was closed meanwhile."""
        if self._closed:
            _stop_worker(worker)
        else:
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        with self._lock:
            self._closed = True
        while True:
            try:
                _stop_worker(self._idle.get_nowait())
            except queue.Empty:
                return
