"""A small pool of query worker processes, each killed and replaced on timeout.

Why processes: pyoxigraph's ``Store.query`` holds the GIL-free engine thread
until the query ends and offers no cancellation, so the only way to stop a
runaway public query without stalling the web process is to kill the process
running it. The workers, their start and their replacement are
``clusterkb.workers``, shared with the validation workers. Unless the pool is
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
import re
import subprocess
import time

from clusterkb import workers
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


class QueryPool:
    """``size`` worker processes; ``run`` borrows one for one query."""

    def __init__(self, size: int, *, network: bool = False) -> None:
        args = ("--network",) if network else ()
        self._pool = workers.Pool(size, lambda: workers.start("clusterkb.store._worker", *args),
                                  lambda: StoreError("the query pool is closed"))

    def run(self, request: dict, timeout: float) -> QueryResult:
        """Run ``request`` in a worker; the wait for a free worker counts against ``timeout``."""
        deadline = time.monotonic() + timeout
        worker = self._pool.borrow(timeout)
        if worker is None:
            raise QueryTimeout(
                f"no query worker became free within the time limit of {timeout:g} s")
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
            self._pool.replace(worker)
            raise QueryTimeout(f"the query ran longer than the time limit of {timeout:g} s")
        self._pool.release(worker)
        status, *rest = answer
        if status == "ok":
            body, media_type, kind, truncated = rest
            return QueryResult(body=body, media_type=media_type, kind=kind, truncated=truncated)
        if status == "syntax":
            raise QuerySyntaxError(rest[0])
        raise QueryEvaluationError(rest[0], public_message(rest[0]))

    def _crashed(self, worker: workers.Worker, request: dict, error: Exception) -> None:
        """Replace a worker that died under ``request``, log it, raise ``WorkerCrashed``."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=2)
        code = worker.process.poll()
        self._pool.replace(worker)
        digest = query_hash(request.get("query", ""))
        logger.error("query worker %d died (exit %s) running query %s: %s",
                     worker.process.pid, code, digest, error or "pipe closed")
        raise WorkerCrashed(f"the query worker died (exit {code})", digest) from None

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for health checks and tests)."""
        return self._pool.pids()

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        self._pool.close()
