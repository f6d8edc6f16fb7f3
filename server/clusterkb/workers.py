"""Killable worker processes: the one mechanism behind query and validation time limits.

Neither pyoxigraph's ``Store.query`` nor pyshacl can be interrupted, and a thread
cannot be stopped; a process can. So the work a client can make expensive runs in
a pool of worker processes, and a worker that runs past its limit is killed and
replaced (``store.pool`` for queries, ``validation_pool`` for uploads and the
build). This module is what both share:

* a worker is a fresh interpreter (``python -m MODULE FD``) on one end of a
  socket pair, not ``multiprocessing.Process``: spawn would re-import the
  parent's ``__main__`` (a console script, pytest, stdin...), which is fragile;
  the pickle framing of ``Connection`` is all the pools need;
* workers start lazily, so commands that never query or validate start none;
* waiting for a free worker counts against the caller's limit, so a flood of slow
  requests cannot queue others forever;
* a worker exits when its pipe closes (and, where it asks, when its parent dies).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection


@dataclass
class Worker:
    """One worker process and the parent's end of its pipe."""

    process: subprocess.Popen
    conn: Connection
    #: set by a pool whose workers announce that they finished warming up
    ready: bool = False


def start(module: str, *args: str) -> Worker:
    """Start ``python -m module FD *args``; FD is the worker's end of the pipe."""
    parent, child = socket.socketpair()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", module, str(child.fileno()), *args],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
    finally:
        child.close()
    return Worker(process, Connection(parent.detach()))


def stop(worker: Worker) -> None:
    """Close the pipe and kill the process (it may be in the middle of a job)."""
    worker.conn.close()
    if worker.process.poll() is None:
        worker.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(timeout=5)


class Pool:
    """``size`` workers made by ``start_worker``; callers borrow one per job.

    ``closed_error`` is the exception (of the caller's kind) raised once the pool
    is closed.
    """

    def __init__(self, size: int, start_worker: Callable[[], Worker],
                 closed_error: Callable[[], Exception]) -> None:
        self.size = max(1, size)
        self._start = start_worker
        self._closed_error = closed_error
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def borrow(self, timeout: float) -> Worker | None:
        """An idle, live worker, or None when none became free within ``timeout`` seconds."""
        with self._lock:
            if self._closed:
                raise self._closed_error()
            if not self._started:
                for _ in range(self.size):
                    self._idle.put(self._start())
                self._started = True
        try:
            worker = self._idle.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if worker.process.poll() is not None:  # died while idle (killed from outside)
            stop(worker)
            worker = self._start()
        return worker

    def release(self, worker: Worker) -> None:
        """Give a worker back, or stop it when the pool was closed meanwhile."""
        if self._closed:
            stop(worker)
        else:
            self._idle.put(worker)

    def replace(self, worker: Worker) -> None:
        """Kill ``worker`` (past its limit, or broken) and put a fresh one in its place."""
        stop(worker)
        self.release(self._start())

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for health checks and tests)."""
        with self._idle.mutex:
            return [worker.process.pid for worker in self._idle.queue]

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        with self._lock:
            self._closed = True
        while True:
            try:
                stop(self._idle.get_nowait())
            except queue.Empty:
                return


def die_with_parent() -> None:
    """Linux: have this worker killed when its parent dies, even in the middle of a job.

    The kernel sends the signal when the parent *thread* that started the worker ends:
    right for the validation workers (started by the server's long-lived threads or the
    build's main thread), not used by the query workers (see ``store._worker``).
    """
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def serve(conn: Connection, handle: Callable[[object], tuple]) -> None:
    """The worker's side: answer each request with ``handle(request)`` until the pipe closes.

    ``handle`` turns every failure into an answer itself; a pipe that breaks ends
    the loop (the parent has gone or killed the job).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(handle(request))
        except (EOFError, OSError):
            return
