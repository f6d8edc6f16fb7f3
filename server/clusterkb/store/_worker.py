"""The query worker process: runs one untrusted query at a time on a read-only snapshot.

pyoxigraph cannot cancel a running query, so public queries run here, in a
child process the parent can kill when the time limit passes. This module is
deliberately light (pyoxigraph and the standard library only) so that a
replacement worker starts quickly after a kill.

Results are serialised by the engine, capped by rows and bytes, by
``clusterkb.store.results`` (shared with the remote backend): a cut result is
still a valid document and says it was cut.

Unless started with ``--network``, the worker first forbids itself to open
network sockets (``clusterkb.store.sandbox``): whatever a query makes the engine
try (``SERVICE``), no connection can leave this process.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

import pyoxigraph as ox

from clusterkb import workers
from clusterkb.store.results import EngineSyntaxError, run_query
from clusterkb.store.sandbox import deny_network


def worker_main(conn: Connection, *, network: bool = False) -> None:
    """Serve requests from the parent until the pipe closes.

    A request is a dict (see ``pool.QueryPool``); the answer is
    ``("ok", body, media_type, kind, truncated)``, ``("syntax", message)`` or
    ``("error", message)``. The opened snapshot is kept while the parent keeps
    asking for the same generation directory.
    """
    # No ``workers.die_with_parent()`` here: the kernel sends that signal when the
    # *thread* that started the worker ends, and query workers are replaced from
    # request threads. An orphan worker still exits when its pipe closes.
    if not network:
        deny_network()
    opened: dict[str, ox.Store] = {}

    def handle(request: dict) -> tuple:
        try:
            gen_dir = request["gen_dir"]
            if gen_dir not in opened:
                opened.clear()
                opened[gen_dir] = ox.Store.read_only(gen_dir) if gen_dir else ox.Store()
            return ("ok", *run_query(
                opened[gen_dir], request["query"], request["media_type"], request["default"],
                request["named"], request["max_rows"], request.get("prefixes", {}),
                union=request.get("union", False), base_iri=request.get("base_iri"),
                max_bytes=request.get("max_bytes"),
                variable_order=request.get("variable_order", ())))
        except EngineSyntaxError as error:
            return ("syntax", str(error))
        except Exception as error:  # noqa: BLE001 - every failure goes back as a message
            return ("error", f"{type(error).__name__}: {error}")

    workers.serve(conn, handle)


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])), network="--network" in sys.argv[2:])
