"""What both store backends do with a result: pick the engine format, cap, serialise.

The embedded backend's query worker and the remote backend read their answers
differently (an engine iterator, a streamed SPARQL XML or N-Triples answer), but
from then on they do the same: cap the rows (``max_rows``), write the solutions as
SPARQL TSV (the engine's own N-Triples term syntax, triple terms as ``<<( s p o )>>``)
and let the engine parse that and serialise it into the requested format, dropping
whole rows from the end until the document fits ``max_bytes``. Kept here, light
(pyoxigraph and the format registry only), so the worker still starts fast and the
two backends never import each other.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from clusterkb import formats
from clusterkb.store.base import StoreError

#: ``truncated`` of a result: False, or which cap cut it.
Truncation = bool | str


def solutions_format(media_type: str) -> ox.QueryResultsFormat:
    """The results format for ``media_type``; SPARQL JSON when it names none."""
    fmt = formats.by_media_type(media_type, formats.RESULTS_FORMATS)
    return fmt.results if fmt is not None and fmt.results is not None \
        else ox.QueryResultsFormat.JSON


def graph_format(media_type: str) -> ox.RdfFormat:
    """The RDF format for ``media_type``; Turtle when it names none."""
    fmt = formats.by_media_type(media_type, formats.GRAPH_FORMATS)
    return fmt.rdf if fmt is not None and fmt.rdf is not None else ox.RdfFormat.TURTLE


def dump_format(name: str) -> ox.RdfFormat:
    """The dump format for a media type or short name (``nq``, ``trig``, ``ttl``, ``nt``).

    Raises ``StoreError`` naming the offered types.
    """
    fmt = formats.by_name(name, formats.STORE_DUMP_FORMATS)
    if fmt is None or fmt.rdf is None:
        raise StoreError(f"cannot dump as {name!r}; use one of " + ", ".join(
            f.media_type for f in formats.STORE_DUMP_FORMATS))
    return fmt.rdf


class EngineSyntaxError(SyntaxError):
    """The engine could not parse the query (raised by ``Store.query`` itself).

    Kept apart from other ``SyntaxError``s, which pyoxigraph also raises while
    reading what a ``SERVICE`` answered: only a parse error of the query text is
    safe to show the client verbatim.
    """


def run_query(store: ox.Store, query: str, media_type: str, default: list[str],
              named: list[str], max_rows: int, prefixes: dict[str, str], *,
              union: bool = False, base_iri: str | None = None,
              max_bytes: int | None = None, variable_order: Sequence[str] = ()) -> tuple:
    """Execute and serialise; returns ``(body, media_type, kind, truncated)``.

    ``union``: the store holds only graphs the query may see, so its union default
    graph is used (much faster than the same graphs given as a list).
    ``truncated`` is False, ``"rows"`` or ``"bytes"`` (which cap cut the result).
    ``base_iri`` resolves the query's relative IRIs (its own ``BASE`` wins).
    ``variable_order``: see ``in_query_order``.
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
    if isinstance(result, ox.QueryBoolean):
        fmt = solutions_format(media_type)
        return result.serialize(format=fmt), fmt.media_type, "boolean", False
    if isinstance(result, ox.QuerySolutions):
        fmt = solutions_format(media_type)
        variables = in_query_order([v.value for v in result.variables], variable_order)
        body, truncated = solutions(variables, result, fmt, max_rows, max_bytes)
        return body, fmt.media_type, "solutions", truncated
    fmt = graph_format(media_type)
    body, truncated = graph(result, fmt, max_rows, max_bytes, prefixes)
    return body, fmt.media_type, "graph", truncated


def in_query_order(variables: Sequence[str], order: Sequence[str]) -> list[str]:
    """The engine's ``variables`` in the query's ``order`` (``PublicQuery.variable_order``).

    Names missing from ``order`` keep the engine's order, after the others; an
    empty ``order`` (an explicit projection) leaves the engine's columns as they are.
    """
    rank = {name: i for i, name in enumerate(order)}
    return sorted(variables, key=lambda name: rank.get(name, len(rank)))


def tsv_cell(term) -> str:
    """A term as a SPARQL TSV cell: N-Triples syntax, triple terms as ``<<( s p o )>>``.

    (``str`` of a pyoxigraph ``Triple`` leaves out the brackets, which TSV needs.)
    """
    if isinstance(term, ox.Triple):
        return f"<<( {tsv_cell(term.subject)} {tsv_cell(term.predicate)} " \
               f"{tsv_cell(term.object)} )>>"
    return str(term)


def fit(serialise, count: int, cap: int) -> tuple[bytes, Truncation]:
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


def boolean(value: bool, fmt: ox.QueryResultsFormat) -> bytes:
    """An ASK answer in ``fmt``, written by the engine."""
    answer = "true" if value else "false"
    return ox.parse_query_results(f'{{"head":{{}},"boolean":{answer}}}'.encode(),
                                  format=ox.QueryResultsFormat.JSON).serialize(format=fmt)


def solutions(variables: Sequence[str], rows: Iterable[Mapping[str, object] | object],
              fmt: ox.QueryResultsFormat, max_rows: int, max_bytes: int | None
              ) -> tuple[bytes, Truncation]:
    """Serialise at most ``max_rows`` rows (and ``max_bytes``) of solutions.

    ``rows`` yields mappings (or engine solutions) from a variable name to a term or None.
    """
    cap = max_bytes or sys.maxsize
    header = "\t".join(f"?{v}" for v in variables)
    lines: list[str] = []
    size, truncated = len(header), False
    for count, row in enumerate(rows):
        if count >= max_rows:
            truncated = "rows"
            break
        line = "\t".join(_cell(row, v) for v in variables)
        size += len(line) + 1
        if size > cap:  # stop reading: this many rows cannot fit in any format
            truncated = "bytes"
            break
        lines.append(line)

    def document(n: int) -> bytes:
        tsv = "\n".join([header, *lines[:n]]) + "\n"
        return ox.parse_query_results(tsv.encode(), ox.QueryResultsFormat.TSV).serialize(
            format=fmt)

    body, cut = fit(document, len(lines), cap)
    return body, truncated or cut


def _cell(row, variable: str) -> str:
    term = row.get(variable) if isinstance(row, Mapping) else row[variable]
    return "" if term is None else tsv_cell(term)


def graph(triples: Iterable[ox.Triple], fmt: ox.RdfFormat, max_rows: int,
          max_bytes: int | None, prefixes: Mapping[str, str]) -> tuple[bytes, Truncation]:
    """Serialise at most ``max_rows`` triples (and ``max_bytes``); Turtle gets ``prefixes``."""
    cap = max_bytes or sys.maxsize
    kept: list[ox.Triple] = []
    truncated: Truncation = False
    for triple in triples:
        if len(kept) >= max_rows:
            truncated = "rows"
            break
        kept.append(triple)

    def document(n: int) -> bytes:
        return ox.serialize(kept[:n], format=fmt,
                            prefixes=dict(prefixes) if fmt == ox.RdfFormat.TURTLE else None)

    body, cut = fit(document, len(kept), cap)
    return body, truncated or cut
