"""The validation worker process: loads the shapes once, then validates job after job.

Started by ``validation_pool`` (``python -m clusterkb.validation_worker FD``) and
killed by it when a job runs past its limit. A module of its own so that the pool,
which the upload path imports, does not import that path back.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from clusterkb import uploads, validation, workers
from clusterkb.config import Config
from clusterkb.validation import ValidationReport


def _run(job: dict, config: Config) -> ValidationReport:
    """An upload (``uploads.run_job``) or a unit of ``clusterkb build`` (``kind`` "graphs")."""
    if job.get("kind") == "graphs":
        return validation.validate_graphs(job["ntriples"], job["graphs"], config)
    return uploads.run_job(job, config)


def worker_main(conn: Connection) -> None:
    """Warm up for the configuration the parent sends first, then validate job after job.

    Answers are ``("ready", None)`` once, then ``("ok", report.to_wire())`` or
    ``("error", message)`` per job.
    """
    workers.die_with_parent()
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

    def handle(job: dict) -> tuple:
        try:
            return ("ok", _run(job, config).to_wire())
        except Exception as error:  # noqa: BLE001 - every failure goes back as a message
            return ("error", f"validation failed: {type(error).__name__}: {error}")

    workers.serve(conn, handle)


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
