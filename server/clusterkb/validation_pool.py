"""Uploads are validated in worker processes that are killed when they run past a time limit.

Why processes: pyshacl runs its constraints in Python (SPARQL ones in rdflib's
engine) and cannot be interrupted, and one crafted 48 KB upload can cost
minutes of CPU (issue #13.2). A thread cannot be stopped; a process can. So
every upload the web layer validates runs here, in one of ``size`` workers (and
``clusterkb build`` validates its graphs here too, one worker per core:
``build_validation``):

* each worker loads the ontology, vocabularies and shapes once when it starts
  (``uploads.warm``), so an upload costs only its own validation;
* one upload holds one worker and nothing else: there is no lock across
  workers, so a slow upload never makes the others wait;
* past ``timeout`` the worker is killed and replaced (the replacement warms up
  in the background), and the caller gets ``ValidationTimeout``;
* waiting for a free worker counts against the same limit
  (``ValidationBusy``), so a flood of slow uploads cannot queue requests forever.

Workers are fresh interpreters started lazily (``python -m
clusterkb.validation_pool FD``, as the query workers of ``store.pool``), so
commands that never validate an upload start none. A worker exits when its
pipe closes, and on Linux when its parent dies.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from clusterkb.config import Config
from clusterkb.validation import ValidationReport

#: How long a new worker may take to load the shapes and ontology (not counted
#: against an upload's limit: the worker was not working on it yet).
WARM_UP_TIMEOUT = 120.0


class ValidationUnavailable(Exception):
    """Validation could not run (no free worker, a worker that failed): HTTP 503."""


class ValidationBusy(ValidationUnavailable):
    """Every worker stayed busy for the whole time limit."""


class ValidationTimeout(ValidationUnavailable):
    """The upload's validation ran past the time limit and was stopped."""


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection
    ready: bool = False


def _start_worker(config: Config) -> _Worker:
    parent, child = socket.socketpair()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "clusterkb.validation_pool", str(child.fileno())],
            pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, close_fds=True)
    finally:
        child.close()
    worker = _Worker(process, Connection(parent.detach()))
    worker.conn.send(config)  # the worker warms up with it while nobody waits
    return worker


def _stop_worker(worker: _Worker) -> None:
    worker.conn.close()
    if worker.process.poll() is None:
        worker.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.process.wait(timeout=5)


class ValidationPool:
    """``size`` validation workers for one configuration; ``validate`` borrows one per upload."""

    def __init__(self, config: Config, size: int) -> None:
        self._config = config
        self._size = max(1, size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def _ensure_started(self) -> None:
        with self._lock:
            if self._closed:
                raise ValidationUnavailable("the validation service is shutting down")
            if not self._started:
                for _ in range(self._size):
                    self._idle.put(_start_worker(self._config))
                self._started = True

    def validate(self, job: dict, timeout: float) -> ValidationReport:
        """Run ``job`` (see ``uploads.run_job``) in a worker within ``timeout`` seconds."""
        self._ensure_started()
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ValidationBusy(
                f"all {self._size} validation workers stayed busy for {timeout:g} s; "
                "try again in a moment") from None
        if worker.process.poll() is not None:  # died while idle (killed from outside)
            _stop_worker(worker)
            worker = _start_worker(self._config)
        try:
            self._warm(worker)
            worker.conn.send(job)
            answer = worker.conn.recv() if worker.conn.poll(timeout) else None
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise ValidationUnavailable(f"the validation worker failed: {error}") from None
        if answer is None:
            # Past the limit: the only way to stop pyshacl is to kill its process.
            self._replace(worker)
            raise ValidationTimeout(
                f"validating this upload took longer than the limit of {timeout:g} s, so it "
                "was stopped; nothing was stored. Send a smaller upload (for instance, "
                "fewer member counts or figures at a time).")
        self._release(worker)
        status, body = answer
        if status == "ok":
            return ValidationReport.from_wire(body)
        raise ValidationUnavailable(body)

    def _warm(self, worker: _Worker) -> None:
        """Wait (once per worker) for its ``ready``; a worker that died is replaced first."""
        if worker.ready:
            return
        if not worker.conn.poll(WARM_UP_TIMEOUT):
            raise OSError(f"it did not load the shapes within {WARM_UP_TIMEOUT:g} s")
        status, body = worker.conn.recv()
        if status != "ready":
            raise OSError(body)
        worker.ready = True

    def _replace(self, worker: _Worker) -> None:
        _stop_worker(worker)
        self._release(_start_worker(self._config))

    def _release(self, worker: _Worker) -> None:
        if self._closed:
            _stop_worker(worker)
        else:
            self._idle.put(worker)

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for tests)."""
        with self._idle.mutex:
            return [worker.process.pid for worker in self._idle.queue]

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        with self._lock:
            self._closed = True
        while True:
            try:
                _stop_worker(self._idle.get_nowait())
            except queue.Empty:
                return


def _die_with_parent() -> None:
    """Linux: be killed when the web process dies, even in the middle of a validation."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _run(job: dict, config: Config) -> ValidationReport:
    """An upload (``uploads.run_job``) or a unit of ``clusterkb build`` (``kind`` "graphs")."""
    if job.get("kind") == "graphs":
        from clusterkb import validation

        return validation.validate_graphs(job["ntriples"], job["graphs"], config)
    from clusterkb import uploads

    return uploads.run_job(job, config)


def worker_main(conn: Connection) -> None:
    """Warm up for the configuration the parent sends first, then validate job after job.

    Answers are ``("ready", None)`` once, then ``("ok", report.to_wire())`` or
    ``("error", message)`` per job.
    """
    import signal

    from clusterkb import uploads

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    try:
        config: Config = conn.recv()
    except (EOFError, OSError):
        return
    try:
        uploads.warm(config)
        conn.send(("ready", None))
    except Exception as error:  # noqa: BLE001 - the parent reports it (e.g. broken shapes)
        conn.send(("error", f"the shapes or ontology could not be loaded: {error}"))
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple = ("ok", _run(job, config).to_wire())
        except Exception as error:  # noqa: BLE001 - every failure goes back as a message
            answer = ("error", f"validation failed: {type(error).__name__}: {error}")
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
