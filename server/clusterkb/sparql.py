"""The public SPARQL endpoint's guard, free of Flask.

Why a guard: the engine behind ``/sparql`` (Oxigraph) executes ``SERVICE``
(it calls any URL it is given). Every untrusted query is therefore read here
and refused before it reaches the store when it

* is an update (the endpoint is read-only),
* calls a ``SERVICE`` not in ``Config.service_allowlist``,
* names in ``FROM``/``FROM NAMED`` (or in the protocol's ``default-graph-uri``
  / ``named-graph-uri``) a graph that is not one of our published graphs.

The guard has no grammar of its own: ``clusterkb.sparql_lexer`` splits the text
into tokens exactly where the engine does (strings, IRIs, comments), and the
guard looks only at the words outside them. The engine stays the only parser:
syntax errors come from it, in the killable query worker. Because Oxigraph's
parser backtracks, a keyword can be glued to the word before it
(``trueSERVICE<…>``); so any word outside strings and IRIs that contains
``service`` counts as a ``SERVICE``, and the guard refuses what it cannot read
for sure. The pass is linear in the text, needs no lock and costs microseconds
per kilobyte; analyses are still cached per text in a bounded LRU.

Relative IRIs resolve against the service base, the KB's base IRI
(``Config.base_iri``), unless the query's own ``BASE`` says otherwise; the
resolution is the engine's own (pyoxigraph's IRI parser).

Which result format a query gets is ``clusterkb.web.negotiate``'s rule over the
form's offers (``clusterkb.formats.SPARQL_OFFERS``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from clusterkb.errors import ClientError
from clusterkb.sparql_lexer import LexError, Token, line_column, tokens
from clusterkb.store.base import PublicQuery

# --- errors -------------------------------------------------------------------


class GuardError(ClientError):
    """A query the endpoint will not run; ``status`` is the HTTP status to answer with."""

    status = 400


class MalformedQuery(GuardError):
    """The text is not a SPARQL query; the message says where."""


class UpdateRefused(GuardError):
    """The text is a SPARQL Update: the public endpoint is read-only."""

    status = 403


class QueryRefused(GuardError):
    """A well-formed query that would make the engine reach outside the published data."""


# --- analysis -----------------------------------------------------------------

_FORMS = {
    "SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph",
}
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
            "WITH")

#: Brackets deeper than this are refused: Oxigraph's recursive parser overflows its
#: stack (and kills the worker) a few thousand levels down.
MAX_NESTING = 500
_NESTING = {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}

READ_ONLY_MESSAGE = (
    "This SPARQL endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, "
    "CREATE, DROP, COPY, MOVE, ADD) is not accepted. Submit data through /submissions."
)


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learnt from reading one query text.

    ``services`` holds the IRI of each ``SERVICE``
    (``None`` for ``SERVICE ?var`` or a target the guard cannot read);
    ``from_graphs`` / ``from_named`` the IRIs of the dataset clauses, resolved
    against the query's prefixes and base; ``variable_order`` for ``SELECT *``
    the names of the query's variables in the order they first appear (empty
    otherwise: an explicit projection already fixes the columns).
    """

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    kind: str  # solutions, boolean, graph (as in store.base.QueryResult.kind)
    services: tuple[str | None, ...] = ()
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    variable_order: tuple[str, ...] = ()


def resolve_iri(reference: str, base: str | None) -> str:
    """``reference`` (the text between ``<`` and ``>``) resolved as the engine resolves it.

    Raises ``ValueError`` for an IRI the engine would refuse.
    """
    try:
        quads = ox.parse(f"<{reference}> <urn:x:p> <urn:x:o> .".encode(),
                         format=ox.RdfFormat.TURTLE, base_iri=base)
        return next(iter(quads)).subject.value
    except (SyntaxError, StopIteration) as error:
        raise ValueError(str(error)) from None


class _Reader:
    """The state of one pass over the tokens: the prologue's base and prefixes."""

    def __init__(self, text: str, toks: list[Token], base: str | None) -> None:
        self.text = text
        self.toks = toks
        self.base = base
        # prefix -> (IRI token, base in force): resolved only when a SERVICE or FROM uses it
        self.prefixes: dict[str, tuple[Token, str | None]] = {}
        self.redefined: set[str] = set()

    def where(self, token: Token) -> str:
        line, column = line_column(self.text, token.start)
        return f"line {line}, column {column}"

    def iri(self, token: Token) -> str:
        try:
            return resolve_iri(token.text[1:-1], self.base)
        except ValueError:
            raise MalformedQuery(f"Invalid IRI {token.text[:80]} at {self.where(token)}.") \
                from None

    def pname(self, text: str, token: Token) -> str | None:
        """The IRI of prefixed name ``text``, None when its prefix is unknown or redefined."""
        prefix, _, local = text.partition(":")
        if prefix.lower() in self.redefined or prefix not in self.prefixes:
            return None
        local = "".join(c for i, c in enumerate(local) if c != "\\" or
                        (i > 0 and local[i - 1] == "\\"))
        iri, base = self.prefixes[prefix]
        saved, self.base = self.base, base
        try:
            return self.iri(iri) + local
        finally:
            self.base = saved

    def read_prologue(self) -> int:
        """Read BASE / PREFIX / VERSION declarations; returns the index of the next token."""
        i, toks = 0, self.toks
        while i < len(toks):
            word = toks[i].text.lower() if toks[i].kind in ("word", "pname") else ""
            if word == "base" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
                self.base = self.iri(toks[i + 1])
                i += 2
            elif word.startswith("prefix"):
                # "PREFIX ex: <…>", or glued "PREFIXex: <…>" (the engine reads both)
                if toks[i].kind == "pname" and len(word) > 6:
                    name, nxt = toks[i].text[6:], i + 1
                elif i + 1 < len(toks) and toks[i + 1].kind == "pname":
                    name, nxt = toks[i + 1].text, i + 2
                else:
                    return i
                if not name.endswith(":") or name.count(":") != 1 or nxt >= len(toks) \
                        or toks[nxt].kind != "iri":
                    return i
                value = (toks[nxt], self.base)
                prefix = name[:-1]
                if prefix in self.prefixes and (self.prefixes[prefix][0].text,
                                                self.prefixes[prefix][1]) != (value[0].text,
                                                                              value[1]):
                    self.redefined.add(prefix.lower())
                self.prefixes[prefix] = value
                i = nxt + 1
            elif word == "version" and i + 1 < len(toks) and toks[i + 1].kind == "string":
                i += 2
            else:
                return i
        return i

    def target(self, rest: str, i: int) -> tuple[str | None, int]:
        """The IRI named after ``SERVICE [SILENT]`` / ``FROM [NAMED]`` (``rest``: what was
        glued to the keyword); None when it is a variable or unreadable."""
        token = self.toks[i - 1]
        if rest:
            return (self.pname(rest, token) if ":" in rest else None), i
        if i >= len(self.toks):
            return None, i
        nxt = self.toks[i]
        if nxt.kind == "iri":
            return self.iri(nxt), i + 1
        if nxt.kind == "pname":
            return self.pname(nxt.text, nxt), i + 1
        return None, i + 1


def _keyword_part(token: Token) -> str:
    """The part of a token where the engine might find a keyword (lower-cased)."""
    if token.kind in ("word", "langtag"):
        return token.text.lower()
    if token.kind == "pname":  # the local name is read greedily: only the prefix counts
        return token.text.partition(":")[0].lower() + ":"
    return ""


def analyse_query(text: str, base_iri: str | None = None) -> QueryInfo:
    """Read ``text`` and describe it (uncached; see ``QueryGuard``).

    Raises ``MalformedQuery`` (the text cannot be read for sure), ``UpdateRefused``
    or ``QueryRefused`` (a ``SERVICE`` or ``FROM`` the guard cannot resolve, or an
    IRI that the engine and the SPARQL grammar read differently).
    """
    try:
        toks = tokens(text)
    except LexError as error:
        line, column = line_column(text, error.position)
        raise MalformedQuery(f"SPARQL syntax error at line {line}, column {column}: "
                             f"{error}.") from None
    if not toks:
        raise MalformedQuery("The query is empty.")
    reader = _Reader(text, toks, base_iri)
    start = reader.read_prologue()
    first = _keyword_part(toks[start]) if start < len(toks) else ""
    form = next((f for f in _FORMS if first.startswith(f.lower())), "")
    if not form and first.startswith(tuple(u.lower() for u in _UPDATES)):
        raise UpdateRefused(READ_ONLY_MESSAGE)
    if not form:
        # The engine would refuse it too; refusing here keeps engine-specific
        # prologues (Virtuoso's DEFINE pragmas, behind a remote store) away from it.
        where = reader.where(toks[start]) if start < len(toks) else "the end"
        raise MalformedQuery(f"SPARQL syntax error at {where}: expected SELECT, ASK, "
                             "CONSTRUCT or DESCRIBE (after any BASE, PREFIX and VERSION).")
    services: list[str | None] = []
    from_graphs: list[str] = []
    from_named: list[str] = []
    depth = 0
    i = start
    while i < len(toks):
        token = toks[i]
        i += 1
        if token.ambiguous:
            raise QueryRefused(
                f"{token.text[:40]} at {reader.where(token)} reads as an IRI under SPARQL's "
                "longest-token rule but as a comparison to this endpoint's engine: put a space "
                "after '<' for a comparison, or percent-encode the IRI.")
        if token.kind == "punct":
            step = _NESTING.get(token.text, 0)
            depth += step
            if depth > MAX_NESTING:
                raise MalformedQuery(
                    f"The query is nested more than {MAX_NESTING} levels deep at "
                    f"{reader.where(token)}; this endpoint does not run such queries.")
            continue
        word = _keyword_part(token)
        if token.kind == "pname" and "service" not in word and not word.startswith("from") \
                and token.text.partition(":")[0] not in reader.prefixes:
            # Undeclared prefixes are errors in SPARQL and in Oxigraph; a remote engine may
            # give some a meaning of its own (Virtuoso's bif: and sql: functions read files).
            raise MalformedQuery(f"SPARQL syntax error at {reader.where(token)}: the prefix "
                                 f"of {token.text[:60]} is not declared.")
        if "service" in word:
            if not word.startswith("service"):
                raise QueryRefused(
                    f"{token.text[:40]} at {reader.where(token)} contains SERVICE glued to "
                    "another word, which the engine may read as a SERVICE call; separate "
                    "the words (SERVICE is not available on this endpoint).")
            rest = token.text[7:]
            if rest.lower().startswith("silent"):
                rest = rest[6:]
            if not rest and i < len(toks) and _keyword_part(toks[i]).startswith("silent"):
                rest = toks[i].text[6:]
                i += 1
            iri, i = reader.target(rest, i)
            services.append(iri)
        elif depth == 0 and word.startswith("from"):
            rest = token.text[4:]
            named = rest.lower().startswith("named")
            rest = rest[5:] if named else rest
            if not named and not rest and i < len(toks) and \
                    _keyword_part(toks[i]).startswith("named"):
                named, rest = True, toks[i].text[5:]
                i += 1
            iri, i = reader.target(rest, i)
            if iri is None:
                raise QueryRefused(f"The graph after FROM at {reader.where(token)} cannot be "
                                   "read: name it with a full IRI or a declared prefix.")
            (from_named if named else from_graphs).append(iri)
    return QueryInfo(form, _FORMS[form], tuple(services),
                     tuple(from_graphs), tuple(from_named),
                     _star_order(toks, start) if form == "SELECT" else ())


def _star_order(toks: list[Token], select: int) -> tuple[str, ...]:
    """For ``SELECT [DISTINCT|REDUCED] *``: each variable's name, in order of first appearance.

    Why: SPARQL leaves the column order of ``SELECT *`` open and Oxigraph sorts the
    names, so ``SELECT * { ?s ?p ?o }`` came back as ``o, p, s``; people (and Jena,
    RDF4J, Virtuoso) expect the order in which the query mentions them. Names the
    engine does not project (a subquery's hidden variables) are simply not used.
    """
    i = select + 1
    if i < len(toks) and _keyword_part(toks[i]) in ("distinct", "reduced"):
        i += 1
    if i >= len(toks) or toks[i].text != "*":
        return ()
    return tuple(dict.fromkeys(t.text[1:] for t in toks[i + 1:] if t.kind == "var"))


class QueryGuard:
    """Decides whether an untrusted query may run, remembering recent analyses.

    One guard per app (not module-global), so tests and apps with different
    allow-lists do not share state.
    """

    def __init__(self, service_allowlist: Collection[str] = (), cache_size: int = 512,
                 *, base_iri: str | None = None) -> None:
        self.service_allowlist = frozenset(service_allowlist)
        self.base_iri = base_iri
        self._cached = lru_cache(maxsize=cache_size)(self._analyse_or_error)

    def _analyse_or_error(self, text: str) -> QueryInfo | GuardError:
        # Errors are cached too, so a client repeating a bad query costs one pass.
        try:
            return analyse_query(text, self.base_iri)
        except GuardError as error:
            return error

    def analyse(self, text: str) -> QueryInfo:
        """The cached analysis of ``text``; raises the ``GuardError`` it found."""
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
                    "SERVICE with a variable or unreadable endpoint is not allowed on this "
                    "endpoint.")
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


def public_query(text: str, info: QueryInfo, *, media_type: str,
                 default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = (),
                 timeout: float | None = None, max_rows: int | None = None) -> PublicQuery:
    """The query as the store receives it: the guard's reading travels with the text.

    The protocol's dataset wins over the query's ``FROM``/``FROM NAMED`` (SPARQL 1.1
    Protocol, 2.1.4); the store then narrows either to the published graphs.
    """
    if default_graph_uris or named_graph_uris:
        default, named = tuple(default_graph_uris), tuple(named_graph_uris)
    else:
        default, named = info.from_graphs, info.from_named
    return PublicQuery(text, info.kind, media_type, default, named, timeout, max_rows,
                       info.variable_order)
