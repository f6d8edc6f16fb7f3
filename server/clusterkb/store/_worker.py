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

import signal
import sys
from multiprocessing.connection import Connection

import pyoxigraph as ox

from clusterkb.store.results import EngineSyntaxError, run_query
from clusterkb.store.sandbox import deny_network


def worker_main(conn: Connection, *, network: bool = False) -> None:
    """Serve requests from the parent until the pipe closes.

    A request is a dict (see ``pool.QueryPool``); the answer is
    ``("ok", body, media_type, kind, truncated)``, ``("syntax", message)`` or
    ``("error", message)``. The opened snapshot is kept while the parent keeps
    asking for the same generation directory.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if not network:
        deny_network()
    opened_dir: str | None = None
    store = ox.Store()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            gen_dir = request["gen_dir"]
            if gen_dir != opened_dir:
                store = ox.Store.read_only(gen_dir) if gen_dir else ox.Store()
                opened_dir = gen_dir
            answer: tuple = ("ok", *run_query(
                store, request["query"], request["media_type"], request["default"],
                request["named"], request["max_rows"], request.get("prefixes", {}),
                union=request.get("union", False), base_iri=request.get("base_iri"),
                max_bytes=request.get("max_bytes")))
        except EngineSyntaxError as error:
            answer = ("syntax", str(error))
        except Exception as error:  # noqa: BLE001 - every failure goes back as a message
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])), network="--network" in sys.argv[2:])
