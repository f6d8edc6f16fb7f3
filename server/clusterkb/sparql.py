"""The public SPARQL endpoint's guard and content negotiation, free of Flask.

Why a guard: the engine behind ``/sparql`` (Oxigraph) executes ``SERVICE``
(it calls any URL it is given) and ``LOAD``, and an engine may read a
``FROM <file:...>`` or ``FROM <http:...>``. Every untrusted query is therefore
parsed here with rdflib's SPARQL grammar (a real parser, not pattern matching)
and refused before it reaches the store when it

* is an update (the endpoint is read-only),
* calls a ``SERVICE`` not in ``Config.service_allowlist``,
* names in ``FROM``/``FROM NAMED`` (or in the protocol's ``default-graph-uri``
  / ``named-graph-uri``) a graph that is not one of our published graphs.

Parsing costs tens of milliseconds for a typical query (pyparsing), so the
analysis of a query text is cached in a bounded LRU: the result depends on the
text alone, while the checks that depend on the current data (which graphs
are published) run on every request.

The second half picks the media type of a result from the ``format`` parameter
or the ``Accept`` header, for the query form at hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translatePrologue, translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable
from werkzeug.datastructures import MIMEAccept

# --- errors -------------------------------------------------------------------


class GuardError(Exception):
    """A query the endpoint will not run; ``status`` is the HTTP status to answer with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedQuery(GuardError):
    """The text is not a SPARQL 1.1 query; the message carries the parser's line and column."""


class UpdateRefused(GuardError):
    """The text is a SPARQL Update: the public endpoint is read-only."""

    status = 403


class QueryRefused(GuardError):
    """A well-formed query that would make the engine reach outside the published data."""


class NotAcceptable(GuardError):
    """No result format the client accepts exists for this query form."""

    status = 406


# --- analysis -----------------------------------------------------------------

#: rdflib's SPARQL grammar is one module-level pyparsing object, and two threads
#: parsing at once corrupt each other's state (seen under load as
#: ``Param.postParse2() missing ... 'tokenList'`` in a validation beside a
#: query). Every rdflib SPARQL parse in the process (this guard, the SHACL
#: constraints in ``clusterkb.validation``, ``dataset_clause`` for the stores)
#: holds this lock; reentrant so nested helpers cannot deadlock.
RDFLIB_PARSER_LOCK = threading.RLock()

_FORMS = {
    "SelectQuery": ("SELECT", "solutions"),
    "AskQuery": ("ASK", "boolean"),
    "ConstructQuery": ("CONSTRUCT", "graph"),
    "DescribeQuery": ("DESCRIBE", "graph"),
}

READ_ONLY_MESSAGE = (
    "This SPARQL endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
    "CREATE, DROP, COPY, MOVE, ADD) is not accepted. Submit data through /submissions."
)


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learnt from parsing one query text.

    ``services`` holds the IRI of each ``SERVICE`` (``None`` for ``SERVICE ?var``);
    ``from_graphs`` / ``from_named`` the IRIs of the dataset clauses, resolved
    against the query's prefixes and base.
    """

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    kind: str  # solutions, boolean, graph (as in store.base.QueryResult.kind)
    services: tuple[str | None, ...] = ()
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()


def _walk(node: object) -> Iterable[CompValue]:
    """Every ``CompValue`` in a pyparsing/rdflib parse tree, depth first.

    Iterative, so that a deeply nested query cannot exhaust Python's stack here.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            yield current
            stack.extend(current.values())
        elif isinstance(current, ParseResults | list | tuple):
            stack.extend(current)


def _error_position(error: ParseBaseException) -> str:
    return f"line {error.lineno}, column {error.col}"


def analyse_query(text: str) -> QueryInfo:
    """Parse ``text`` as a SPARQL 1.1 query and describe it (uncached; see ``QueryGuard``).

    Raises ``MalformedQuery`` or ``UpdateRefused``.
    """
    if not text.strip():
        raise MalformedQuery("The query is empty.")
    try:
        tree = parseQuery(text)
    except ParseBaseException as query_error:
        # Is it an update? If so, say "read-only" rather than "syntax error".
        try:
            parseUpdate(text)
        except ParseBaseException as update_error:
            # Report whichever reading got further: that is what the author meant.
            error = update_error if update_error.loc > query_error.loc else query_error
            near = error.line[max(error.col - 1, 0):][:40]
            raise MalformedQuery(
                f"SPARQL syntax error at {_error_position(error)}: {error.msg}, near {near!r}"
            ) from None
        except RecursionError:
            raise MalformedQuery("The query is nested too deeply to parse.") from None
        raise UpdateRefused(READ_ONLY_MESSAGE) from None
    except RecursionError:
        raise MalformedQuery("The query is nested too deeply to parse.") from None

    prologue_tree, body = tree[0], tree[1]
    form, kind = _FORMS[body.name]
    try:
        prologue = translatePrologue(prologue_tree, None)
    except Exception as error:  # rdflib raises plain Exception for bad prologues
        raise MalformedQuery(f"Invalid prologue (PREFIX/BASE): {error}") from None

    def resolve(term: object) -> str:
        try:
            return str(prologue.absolutize(term))
        except Exception as error:  # unknown prefix: rdflib raises plain Exception
            raise MalformedQuery(f"Cannot resolve {term}: {error}") from None

    services: list[str | None] = []
    from_graphs: list[str] = []
    from_named: list[str] = []
    for node in _walk(body):
        # CompValue.get(key) returns the key itself when absent: test membership instead.
        if node.name == "ServiceGraphPattern":
            term = node["term"]
            services.append(None if isinstance(term, Variable) else resolve(term))
        elif node.name == "DatasetClause":
            if "default" in node:
                from_graphs.append(resolve(node["default"]))
            if "named" in node:
                from_named.append(resolve(node["named"]))
    return QueryInfo(form, kind, tuple(services), tuple(from_graphs), tuple(from_named))


class QueryGuard:
    """Decides whether an untrusted query may run, remembering recent analyses.

    One guard per app (not module-global), so tests and apps with different
    allow-lists do not share state.
    """

    def __init__(self, service_allowlist: Collection[str] = (), cache_size: int = 512) -> None:
        self.service_allowlist = frozenset(service_allowlist)
        # rdflib's grammar is a shared pyparsing object; parse one query at a time.
        self._parse_lock = RDFLIB_PARSER_LOCK
        self._cached = lru_cache(maxsize=cache_size)(self._analyse_or_error)

    def _analyse_or_error(self, text: str) -> QueryInfo | GuardError:
        # Errors are cached too, so a client repeating a bad query costs one parse.
        with self._parse_lock:
            try:
                return analyse_query(text)
            except GuardError as error:
                return error

    def analyse(self, text: str) -> QueryInfo:
        """The cached analysis of ``text``; raises ``MalformedQuery`` or ``UpdateRefused``."""
        result = self._cached(text)
        if isinstance(result, GuardError):
            raise type(result)(result.message)
        return result

    def check(
        self,
        text: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        published_graphs: Callable[[], Collection[str]] = frozenset,
    ) -> QueryInfo:
        """Analyse ``text`` and refuse it if it may reach outside the published data.

        ``published_graphs`` is called only when the query or the protocol
        parameters name graphs, so plain queries never pay for listing them.
        """
        info = self.analyse(text)
        for service in info.services:
            if service is None:
                raise QueryRefused(
                    "SERVICE with a variable endpoint is not allowed on this endpoint."
                )
            if service not in self.service_allowlist:
                raise QueryRefused(
                    f"SERVICE <{service}> is not allowed: this endpoint does not send queries "
                    "to other services unless the operator allow-lists them."
                )
        named = [
            ("FROM", info.from_graphs),
            ("FROM NAMED", info.from_named),
            ("default-graph-uri", tuple(default_graph_uris)),
            ("named-graph-uri", tuple(named_graph_uris)),
        ]
        if any(iris for _, iris in named):
            graphs = set(published_graphs())
            for where, iris in named:
                for iri in iris:
                    if iri not in graphs:
                        raise QueryRefused(
                            f"{where} <{iri}> is not a graph of this knowledge base; "
                            "only published graph names are allowed (the endpoint never "
                            "fetches URLs or files). The service description lists them."
                        )
        return info


@lru_cache(maxsize=256)
def dataset_clause(query: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The FROM / FROM NAMED graphs of ``query``, or None when it has none.

    For the store backends: they always set the dataset themselves (to hide
    pending graphs), and an engine then ignores the query's own clause, so the
    clause is read here and the backend narrows it to published graphs. Unlike
    ``analyse_query`` this never raises: the engine reports a syntax error itself.
    """
    if "from" not in query.lower():
        return None
    try:
        with RDFLIB_PARSER_LOCK:  # rdflib's parser is not thread-safe
            clauses = translateQuery(parseQuery(query)).algebra.get("datasetClause") or []
    except Exception:  # noqa: BLE001 - the engine reports the syntax error itself
        return None
    default = tuple(str(c["default"]) for c in clauses if "default" in c)
    named = tuple(str(c["named"]) for c in clauses if "named" in c)
    return (default, named) if default or named else None


# --- content negotiation -------------------------------------------------------

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
HTML = "text/html"

# Offered media types per result kind, the default first.
RESULT_TYPES: dict[str, tuple[str, ...]] = {
    "solutions": (SPARQL_JSON, SPARQL_XML, CSV, TSV),
    "boolean": (SPARQL_JSON, SPARQL_XML, CSV, TSV),
    "graph": (TURTLE, N_TRIPLES, JSON_LD, RDF_XML),
}

# Names accepted in the ``format`` parameter (case-insensitive), per kind.
# "json" and "xml" mean the natural JSON/XML of the form, as SPARQLWrapper assumes.
_SOLUTION_NAMES = {
    "json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML,
    "csv": CSV, "tsv": TSV,
}
_GRAPH_NAMES = {
    "turtle": TURTLE, "ttl": TURTLE, "n3": TURTLE, "nt": N_TRIPLES, "ntriples": N_TRIPLES,
    "n-triples": N_TRIPLES, "jsonld": JSON_LD, "json-ld": JSON_LD, "json": JSON_LD,
    "rdfxml": RDF_XML, "rdf+xml": RDF_XML, "rdf": RDF_XML, "xml": RDF_XML,
}
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "solutions": _SOLUTION_NAMES, "boolean": _SOLUTION_NAMES, "graph": _GRAPH_NAMES,
}

# Media types clients send that we serve as one of ours.
_ALIASES: dict[str, dict[str, str]] = {
    "solutions": {"application/json": SPARQL_JSON, "application/xml": SPARQL_XML,
                  "text/xml": SPARQL_XML},
    "graph": {"application/json": JSON_LD, "application/xml": RDF_XML, "text/xml": RDF_XML,
              "application/turtle": TURTLE, "application/x-turtle": TURTLE,
              "text/n3": TURTLE, "text/plain": N_TRIPLES, "application/x-json+ld": JSON_LD},
}
_ALIASES["boolean"] = _ALIASES["solutions"]


def negotiate(
    kind: str, format_values: Sequence[str], accept: MIMEAccept, *, form: str = ""
) -> str:
    """The media type to answer a query of ``kind`` with.

    ``format`` parameter values win over ``Accept``: the first one that names a
    format (short name or media type) decides. Without them, ``Accept``
    decides among our types and their aliases; with no ``Accept`` at all, the
    default (SPARQL JSON, or Turtle for graphs). Raises ``NotAcceptable``.
    """
    offered = RESULT_TYPES[kind]
    names = FORMAT_NAMES[kind]
    aliases = _ALIASES[kind]
    what = form or kind
    requested = [v.strip() for v in format_values if v.strip()]
    for value in requested:
        lowered = value.lower().split(";")[0].strip()
        if lowered in names:
            return names[lowered]
        if lowered in offered:
            return lowered
        if lowered in aliases:
            return aliases[lowered]
    if requested:
        raise NotAcceptable(
            f"format={requested[0]!r} is not available for a {what} query; "
            f"use one of {', '.join(sorted(names))} or {', '.join(offered)}."
        )
    if not accept:
        return offered[0]
    candidates = list(offered) + [a for a in aliases if a not in offered]
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable(
            f"None of the media types in Accept: {accept.to_header()} is available for a "
            f"{what} query; available: {', '.join(offered)}."
        )
    return aliases.get(best, best)


def negotiate_description(format_values: Sequence[str], accept: MIMEAccept) -> str:
    """The media type for the endpoint's own page: HTML for browsers, else an RDF format.

    Raises ``NotAcceptable``.
    """
    for value in (v.strip().lower() for v in format_values if v.strip()):
        if value in ("html", HTML):
            return HTML
    # A browser (HTML preferred over every RDF type by its q values) gets the page;
    # ``*/*`` alone picks the first offer, Turtle.
    if not format_values and accept and accept.best_match([TURTLE, HTML]) == HTML:
        return HTML
    return negotiate("graph", format_values, accept, form="service description")
