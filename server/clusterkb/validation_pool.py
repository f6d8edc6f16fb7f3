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

The workers, their start, replacement and shutdown are ``clusterkb.workers``,
shared with the query workers of ``store.pool``.
"""

from __future__ import annotations

from clusterkb import workers
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


def _start_worker(config: Config) -> workers.Worker:
    worker = workers.start("clusterkb.validation_worker")
    worker.conn.send(config)  # the worker warms up with it while nobody waits
    return worker


class ValidationPool:
    """``size`` validation workers for one configuration; ``validate`` borrows one per upload."""

    def __init__(self, config: Config, size: int) -> None:
        self._pool = workers.Pool(
            size, lambda: _start_worker(config),
            lambda: ValidationUnavailable("the validation service is shutting down"))

    def validate(self, job: dict, timeout: float) -> ValidationReport:
        """Run ``job`` (see ``uploads.run_job``) in a worker within ``timeout`` seconds."""
        worker = self._pool.borrow(timeout)
        if worker is None:
            raise ValidationBusy(
                f"all {self._pool.size} validation workers stayed busy for {timeout:g} s; "
                "try again in a moment")
        try:
            _warm(worker)
            worker.conn.send(job)
            answer = worker.conn.recv() if worker.conn.poll(timeout) else None
        except (EOFError, OSError) as error:
            self._pool.replace(worker)
            raise ValidationUnavailable(f"the validation worker failed: {error}") from None
        if answer is None:
            # Past the limit: the only way to stop pyshacl is to kill its process.
            self._pool.replace(worker)
            raise ValidationTimeout(
                f"validating this upload took longer than the limit of {timeout:g} s, so it "
                "was stopped; nothing was stored. Send a smaller upload (for instance, "
                "fewer member counts or figures at a time).")
        self._pool.release(worker)
        status, body = answer
        if status == "ok":
            return ValidationReport.from_wire(body)
        raise ValidationUnavailable(body)

    def pids(self) -> list[int]:
        """Process ids of the idle workers (for tests)."""
        return self._pool.pids()

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when they come back)."""
        self._pool.close()


def _warm(worker: workers.Worker) -> None:
    """Wait (once per worker) for its ``ready``; a worker that died is replaced first."""
    if worker.ready:
        return
    if not worker.conn.poll(WARM_UP_TIMEOUT):
        raise OSError(f"it did not load the shapes within {WARM_UP_TIMEOUT:g} s")
    status, body = worker.conn.recv()
    if status != "ready":
        raise OSError(body)
    worker.ready = True
