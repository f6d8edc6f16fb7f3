"""The query worker process: runs one untrusted query at a time on a read-only snapshot.

pyoxigraph cannot cancel a running query, so public queries run here, in a
child process the parent can kill when the time limit passes. This module is
deliberately light (pyoxigraph and the standard library only) so that a
replacement worker starts quickly after a kill.

Results are serialised by the engine. The row cap is applied by collecting at
most ``max_rows`` solutions, writing them as SPARQL TSV (whose cells are the
engine's own N-Triples term syntax) and letting the engine parse that and
serialise it into the requested format: the engine stays the only serialiser.
"""

from __future__ import annotations

import signal
import sys
from itertools import islice
from multiprocessing.connection import Connection

import pyoxigraph as ox

SOLUTION_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def solutions_format(media_type: str) -> ox.QueryResultsFormat:
    """The results format for ``media_type``; SPARQL JSON when it names none."""
    return SOLUTION_FORMATS.get(_bare(media_type), ox.QueryResultsFormat.JSON)


def graph_format(media_type: str) -> ox.RdfFormat:
    """The RDF format for ``media_type``; Turtle when it names none."""
    return GRAPH_FORMATS.get(_bare(media_type), ox.RdfFormat.TURTLE)


def run_query(store: ox.Store, query: str, media_type: str, default: list[str],
              named: list[str], max_rows: int, prefixes: dict[str, str], *,
              union: bool = False) -> tuple:
    """Execute and serialise; returns ``(body, media_type, kind, truncated)``.

    ``union``: the store holds only graphs the query may see, so its union default
    graph is used (much faster than the same graphs given as a list).
    """
    if union:
        result = store.query(query, use_default_graph_as_union=True)
    else:
        result = store.query(query, default_graph=[ox.NamedNode(g) for g in default],
                             named_graphs=[ox.NamedNode(g) for g in named])
    if isinstance(result, ox.QueryBoolean):
        fmt = solutions_format(media_type)
        return result.serialize(format=fmt), fmt.media_type, "boolean", False
    if isinstance(result, ox.QuerySolutions):
        fmt = solutions_format(media_type)
        variables = result.variables
        rows = list(islice(result, max_rows + 1))
        truncated = len(rows) > max_rows
        lines = ["\t".join(str(v) for v in variables)]
        for row in rows[:max_rows]:
            lines.append("\t".join("" if row[v] is None else str(row[v]) for v in variables))
        capped = ox.parse_query_results("\n".join(lines) + "\n", ox.QueryResultsFormat.TSV)
        return capped.serialize(format=fmt), fmt.media_type, "solutions", truncated
    fmt = graph_format(media_type)
    triples = list(islice(result, max_rows + 1))
    truncated = len(triples) > max_rows
    body = ox.serialize(triples[:max_rows], format=fmt,
                        prefixes=prefixes if fmt == ox.RdfFormat.TURTLE else None)
    return body, fmt.media_type, "graph", truncated


def worker_main(conn: Connection) -> None:
    """Serve requests from the parent until the pipe closes.

    A request is a dict (see ``pool.QueryPool``); the answer is
    ``("ok", body, media_type, kind, truncated)``, ``("syntax", message)`` or
    ``("error", message)``. The opened snapshot is kept while the parent keeps
    asking for the same generation directory.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
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
                union=request.get("union", False)))
        except SyntaxError as error:
            answer = ("syntax", str(error))
        except Exception as error:  # noqa: BLE001 - every failure goes back as a message
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
