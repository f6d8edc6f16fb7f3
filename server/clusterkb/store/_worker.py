"""The query worker process: runs one untrusted query at a time on a read-only snapshot.

pyoxigraph cannot cancel a running query, so public queries run here, in a
child process the parent can kill when the time limit passes. This module is
deliberately light (pyoxigraph and the standard library only) so that a
replacement worker starts quickly after a kill.

Results are serialised by the engine. The row cap is applied by collecting at
most ``max_rows`` solutions, writing them as SPARQL TSV (whose cells are the
engine's own N-Triples term syntax) and letting the engine parse that and
serialise it into the requested format: the engine stays the only serialiser.
The byte cap (``max_bytes``) drops whole rows from the end until the document
fits, so a cut result is still a valid document and says it was cut.

Unless started with ``--network``, the worker first forbids itself to open
network sockets (``clusterkb.store.sandbox``): whatever a query makes the engine
try (``SERVICE``), no connection can leave this process.
"""

from __future__ import annotations

import signal
import sys
from itertools import islice
from multiprocessing.connection import Connection

import pyoxigraph as ox

from clusterkb.store.sandbox import deny_network

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


class EngineSyntaxError(SyntaxError):
    """The engine could not parse the query (raised by ``Store.query`` itself).

    Kept apart from other ``SyntaxError``s, which pyoxigraph also raises while
    reading what a ``SERVICE`` answered: only a parse error of the query text is
    safe to show the client verbatim.
    """


def run_query(store: ox.Store, query: str, media_type: str, default: list[str],
              named: list[str], max_rows: int, prefixes: dict[str, str], *,
              union: bool = False, base_iri: str | None = None,
              max_bytes: int | None = None) -> tuple:
    """Execute and serialise; returns ``(body, media_type, kind, truncated)``.

    ``union``: the store holds only graphs the query may see, so its union default
    graph is used (much faster than the same graphs given as a list).
    ``truncated`` is False, ``"rows"`` or ``"bytes"`` (which cap cut the result).
    ``base_iri`` resolves the query's relative IRIs (its own ``BASE`` wins).
    """
    try:
        if union:
            result = store.query(query, base_iri=base_iri, use_default_graph_as_union=True)
        else:
            result = store.query(query, base_iri=base_iri,
                                 default_graph=[ox.NamedNode(g) for g in default],
                                 named_graphs=[ox.NamedNode(g) for g in named])
    except SyntaxError as error:
        raise EngineSyntaxError(str(error)) from None
    cap = max_bytes or sys.maxsize
    if isinstance(result, ox.QueryBoolean):
        fmt = solutions_format(media_type)
        return result.serialize(format=fmt), fmt.media_type, "boolean", False
    if isinstance(result, ox.QuerySolutions):
        fmt = solutions_format(media_type)
        variables = result.variables
        header = "\t".join(str(v) for v in variables)
        lines, size, truncated = [], len(header), False
        for count, row in enumerate(result):
            if count >= max_rows:
                truncated = "rows"
                break
            line = "\t".join("" if row[v] is None else tsv_cell(row[v]) for v in variables)
            size += len(line) + 1
            if size > cap:  # stop reading: this many rows cannot fit in any format
                truncated = "bytes"
                break
            lines.append(line)

        def solutions(n: int) -> bytes:
            tsv = "\n".join([header, *lines[:n]]) + "\n"
            return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=fmt)

        body, cut = _fit(solutions, len(lines), cap)
        return body, fmt.media_type, "solutions", truncated or cut
    fmt = graph_format(media_type)
    triples = list(islice(result, max_rows + 1))
    truncated = "rows" if len(triples) > max_rows else False
    del triples[max_rows:]

    def graph(n: int) -> bytes:
        return ox.serialize(triples[:n], format=fmt,
                            prefixes=prefixes if fmt == ox.RdfFormat.TURTLE else None)

    body, cut = _fit(graph, len(triples), cap)
    return body, fmt.media_type, "graph", truncated or cut


def tsv_cell(term) -> str:
    """A term as a SPARQL TSV cell: N-Triples syntax, triple terms as ``<<( s p o )>>``.

    (``str`` of a pyoxigraph ``Triple`` leaves out the brackets, which TSV needs.)
    """
    if isinstance(term, ox.Triple):
        return f"<<( {tsv_cell(term.subject)} {tsv_cell(term.predicate)} " \
               f"{tsv_cell(term.object)} )>>"
    return str(term)


def _fit(serialise, count: int, cap: int) -> tuple[bytes, str | bool]:
    """The document of the first ``count`` items, or of fewer when it exceeds ``cap`` bytes.

    Shrinks by the ratio of sizes (a few passes), so a result far over the cap
    costs no more than a handful of serialisations.
    """
    body = serialise(count)
    if len(body) <= cap:
        return body, False
    while count > 0 and len(body) > cap:
        count = min(count - 1, int(count * cap / len(body) * 0.95))
        body = serialise(max(count, 0))
    return body, "bytes"


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
