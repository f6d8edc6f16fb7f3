"""The remote backend: any SPARQL 1.1 Query/Update (+ optional Graph Store Protocol) engine.

Why: one embedded store ties the service to one machine. With this backend the
web workers are stateless and share one engine (Oxigraph server, Virtuoso,
Fuseki, GraphDB), reached through SPARQLWrapper.

Which graphs are published is kept in a small *registry* inside the engine, the
graph ``{base}graph/meta``: one ``<graph> <urn:clusterkb:status> "published"``
(or ``"pending"``) triple per graph clusterkb wrote, plus a generation marker
(``<urn:clusterkb:generation>``, ``<urn:clusterkb:modified>``) replaced in the
same SPARQL Update request as every write. A registry rather than "every graph
in the engine" because engines hold graphs of their own (Virtuoso's system
graphs) that must never be published. Graphs under ``graph/submission/`` are
pending whatever the registry says. Writers that bypass clusterkb (a bulk
loader, a SPARQL client with write access) neither register their graphs nor
bump the generation: ETags and the dump cache then stay stale until the next
clusterkb write.

Every query, public or internal, is sent with ``default-graph-uri`` and
``named-graph-uri`` protocol parameters built from the published list (never
empty: an empty list is sent as one graph that does not exist), so pending
submissions, history graphs, the registry and engine graphs stay invisible.

Results are read as SPARQL XML (solutions, booleans) or N-Triples (graphs),
streamed, cut at the row cap and serialised into the requested format by
pyoxigraph: every engine answers in the same, standard syntax (Virtuoso's own
TSV and JSON-LD are not), and the row cap holds whatever the engine allows.

Time limits: the engine gets ``timeout`` (milliseconds, Virtuoso's "anytime
query" parameter; Oxigraph ignores it, use ``oxigraph serve --timeout-s``),
and the HTTP client stops reading at the same limit plus a little slack.
Virtuoso answers a timed-out query with partial results flagged by
``X-SQL-State: S1TAT`` (or HTTP 206): that is reported as ``QueryTimeout``,
never as a complete answer.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from defusedxml.ElementTree import iterparse
from rdflib import BNode, Graph, Literal, URIRef
from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from clusterkb import formats
from clusterkb.config import Config
from clusterkb.namespaces import PREFIXES, graph_iri
from clusterkb.store import results
from clusterkb.store.base import (
    EngineError,
    PublicQuery,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from clusterkb.store.results import dump_format, graph_format, solutions_format
from clusterkb.store.terms import to_rdflib

STATUS = "urn:clusterkb:status"
ORIGIN = "urn:clusterkb:origin"
GENERATION = "urn:clusterkb:generation"
MODIFIED = "urn:clusterkb:modified"
#: Sent as the only default/named graph when a dataset must be empty.
EMPTY_GRAPH = "urn:clusterkb:no-graph"
#: How long a worker reuses the registry it read (other workers' writes show up after this).
REGISTRY_TTL = 0.5
#: Time limit of the server's own queries (pages, catalogue, dumps) and of writes.
TRUSTED_TIMEOUT = 300.0
#: Slack the HTTP client gives the engine to report its own timeout first.
CLIENT_SLACK = 2.0
_CHUNK = 20_000
_SRX = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PREFIX_STRINGS = {name: str(ns) for name, ns in PREFIXES.items()}


@dataclass(frozen=True)
class _Registry:
    published: tuple[str, ...]
    pending: frozenset[str]
    origins: dict[str, str]
    generation: str
    modified: datetime
    read_at: float


class RemoteStore(Store):
    """A ``Store`` over a SPARQL engine's endpoints (see the module docstring)."""

    def __init__(self, config: Config) -> None:
        if not config.endpoint:
            raise StoreError("the remote store needs an endpoint (CLUSTERKB_ENDPOINT)")
        self.config = config
        self.endpoint = config.endpoint
        self.update_endpoint = config.update_endpoint or config.endpoint
        self.gsp_endpoint = config.gsp_endpoint or None
        self.meta_graph = graph_iri(config.base_iri, "meta")
        self._submission_prefix = graph_iri(config.base_iri, "submission/")
        self._user = config.endpoint_user or None
        self._password = _read_password(config.endpoint_password_file)
        self._lock = threading.Lock()
        self._registry: _Registry | None = None

    # --- talking to the engine ------------------------------------------------------------
    def _wrapper(self, url: str, timeout: float) -> SPARQLWrapper:
        client = SPARQLWrapper(url, agent="clusterkb")
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)
        client.setTimeout(int(timeout + CLIENT_SLACK))
        if self._user:
            client.setHTTPAuth(BASIC if self.config.endpoint_auth == "basic" else DIGEST)
            client.setCredentials(self._user, self._password)
        return client

    def _send(self, query: str, accept: str, default: Sequence[str], named: Sequence[str],
              timeout: float):
        """POST one query; returns the open HTTP response (a file to stream from)."""
        client = self._wrapper(self.endpoint, timeout)
        client.setQuery(query)
        client.addCustomHttpHeader("Accept", accept)
        for iri in default or (EMPTY_GRAPH,):
            client.addParameter("default-graph-uri", iri)
        for iri in named or (EMPTY_GRAPH,):
            client.addParameter("named-graph-uri", iri)
        client.addParameter("timeout", str(int(timeout * 1000)))
        try:
            response = client.query().response
        except Exception as error:  # noqa: BLE001 - mapped to the store's errors below
            raise _engine_error(error, self.endpoint) from None
        state = response.headers.get("X-SQL-State", "")
        if response.status == 206 or state.startswith("S1T"):
            response.close()
            raise QueryTimeout(response.headers.get("X-SQL-Message", "engine timeout"))
        return response

    def _update(self, update: str) -> None:
        client = self._wrapper(self.update_endpoint, TRUSTED_TIMEOUT)
        client.setQuery(update)  # starts with DROP/DELETE/INSERT: sent as ``update=``
        try:
            client.query().response.close()
        except Exception as error:  # noqa: BLE001
            raise _engine_error(error, self.update_endpoint) from None

    # --- the registry -----------------------------------------------------------------------
    def _read_registry(self, *, fresh: bool = False) -> _Registry:
        with self._lock:
            cached = self._registry
            if cached and not fresh and time.monotonic() - cached.read_at < REGISTRY_TTL:
                return cached
        query = (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{self.meta_graph}> {{ ?s ?p ?o }} }}")
        rows = self._solutions(query, (), (self.meta_graph,), TRUSTED_TIMEOUT)[1]
        status: dict[str, str] = {}
        origins: dict[str, str] = {}
        generation, modified = "remote-empty", datetime.fromtimestamp(0, UTC)
        for row in rows:
            s, p, o = row.get("s"), row.get("p"), row.get("o")
            if not isinstance(s, ox.NamedNode) or not isinstance(p, ox.NamedNode) or o is None:
                continue
            if p.value == STATUS:
                status[s.value] = o.value
            elif p.value == ORIGIN:
                origins[s.value] = o.value
            elif p.value == GENERATION:
                generation = o.value
            elif p.value == MODIFIED:
                with contextlib.suppress(ValueError):
                    modified = datetime.fromisoformat(o.value).astimezone(UTC)
        pending = frozenset(g for g, s in status.items()
                            if s != "published" or g.startswith(self._submission_prefix))
        published = tuple(sorted(g for g in status if g not in pending))
        registry = _Registry(published, pending, origins, generation, modified,
                             time.monotonic())
        with self._lock:
            self._registry = registry
        return registry

    # --- reading results ----------------------------------------------------------------------
    def _solutions(self, query: str, default: Sequence[str], named: Sequence[str],
                   timeout: float, max_rows: int | None = None):
        """``(variables, rows, truncated, boolean)`` read from SPARQL XML, streamed."""
        deadline = time.monotonic() + timeout + CLIENT_SLACK
        response = self._send(query, formats.SPARQL_XML.media_type, default, named, timeout)
        try:
            return _read_xml_results(response, max_rows, deadline)
        except TimeoutError:
            raise QueryTimeout("the engine did not answer in time") from None
        except Exception as error:  # noqa: BLE001 - a malformed answer is the engine's fault
            if isinstance(error, StoreError):
                raise
            raise EngineError(f"unreadable answer from the SPARQL engine: {error}") from None
        finally:
            response.close()

    def _triples(self, query: str, default: Sequence[str], named: Sequence[str],
                 timeout: float) -> Iterator[ox.Triple]:
        """Stream the triples of a CONSTRUCT/DESCRIBE answer (N-Triples)."""
        deadline = time.monotonic() + timeout + CLIENT_SLACK
        response = self._send(query, formats.N_TRIPLES.media_type, default, named, timeout)
        try:
            for quad in ox.parse(input=response, format=ox.RdfFormat.N_TRIPLES):
                if time.monotonic() > deadline:
                    raise QueryTimeout("the engine did not answer in time")
                yield quad.triple
        except TimeoutError:
            raise QueryTimeout("the engine did not answer in time") from None
        except SyntaxError as error:
            raise EngineError(f"unreadable answer from the SPARQL engine: {error}") from None
        finally:
            response.close()

    @staticmethod
    def _dataset(registry: _Registry, query: PublicQuery) -> tuple[list[str], list[str]]:
        published = list(registry.published)
        if not query.names_a_dataset:
            return published, published
        allowed = set(published)
        return ([g for g in query.default_graph_uris if g in allowed],
                [g for g in query.named_graph_uris if g in allowed])

    # --- untrusted queries -------------------------------------------------------------------
    def query(self, query: PublicQuery) -> QueryResult:
        limit = self.config.query_timeout if query.timeout is None else query.timeout
        cap = self.config.max_result_rows if query.max_rows is None else query.max_rows
        media_type = query.media_type
        default, named = self._dataset(self._read_registry(), query)
        text = query.text
        if query.kind == "graph":
            deadline = time.monotonic() + limit + CLIENT_SLACK
            fmt = graph_format(media_type)
            body, cut = results.graph(self._triples(text, default, named, limit), fmt, cap,
                                      self.config.max_result_bytes, _PREFIX_STRINGS)
            if time.monotonic() > deadline:
                raise QueryTimeout("the engine did not answer in time")
            return QueryResult(body, fmt.media_type, "graph", cut)
        variables, rows, truncated, boolean = self._solutions(text, default, named, limit, cap)
        fmt = solutions_format(media_type)
        if boolean is not None:
            return QueryResult(results.boolean(boolean, fmt), fmt.media_type, "boolean")
        body, cut = results.solutions(results.in_query_order(variables, query.variable_order),
                                      rows, fmt, cap, self.config.max_result_bytes)
        return QueryResult(body, fmt.media_type, "solutions", "rows" if truncated else cut)

    # --- trusted queries --------------------------------------------------------------------
    def select(self, query: str) -> list[dict]:
        published = list(self._read_registry().published)
        variables, rows, _, boolean = self._solutions(query, published, published,
                                                      TRUSTED_TIMEOUT)
        if boolean is not None:
            raise StoreError("select() needs a SELECT query")
        return [{name: to_rdflib(term) for name, term in row.items()} for row in rows]

    def ask(self, query: str) -> bool:
        published = list(self._read_registry().published)
        _, _, _, boolean = self._solutions(query, published, published, TRUSTED_TIMEOUT)
        if boolean is None:
            raise StoreError("ask() needs an ASK query")
        return boolean

    def construct(self, query: str) -> Graph:
        published = list(self._read_registry().published)
        return _to_graph(self._triples(query, published, published, TRUSTED_TIMEOUT))

    # --- graphs ------------------------------------------------------------------------------
    def graphs(self) -> list[str]:
        return list(self._read_registry().published)

    def pending_graphs(self) -> list[str]:
        """Registered graphs that are not published (submissions, history)."""
        return sorted(self._read_registry().pending)

    def graphs_from(self, origin: str) -> set[str]:
        """Graphs last written with ``origin`` (``publish`` uses ``"build"``)."""
        return {g for g, o in self._read_registry(fresh=True).origins.items() if o == origin}

    def graph(self, iri: str) -> Graph:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_iri(iri)}> {{ ?s ?p ?o }} }}"
        return _to_graph(self._triples(query, (), (iri,), TRUSTED_TIMEOUT))

    def is_empty(self) -> bool:
        """The engine holds nothing clusterkb published (``serve`` does not build remotely)."""
        return False

    def replace_graphs(self, graphs: Mapping[str, Graph], *, publish: bool = True) -> None:
        """One SPARQL Update request: each graph dropped and refilled, registry, generation.

        Engines that run an update request as one transaction (Oxigraph,
        Virtuoso) apply it all or nothing.
        """
        self.write_graphs({iri: (graph, "published" if publish else "pending", None)
                    for iri, graph in graphs.items()})

    def write_graphs(self, graphs: Mapping[str, tuple[Graph | None, str, str | None]],
              delete: Iterable[str] = ()) -> None:
        """Replace graphs (``iri -> (data or None to keep, status, origin)``), drop ``delete``.

        ``data`` None only updates the registry (the data was put by GSP before).
        """
        ops: list[str] = []
        meta = f"<{_iri(self.meta_graph)}>"
        for number, (iri, (data, status, origin)) in enumerate(graphs.items()):
            node = f"<{_iri(iri)}>"
            if data is not None:
                ops.append(f"DROP SILENT GRAPH {node}")
                body = _triples_text(data, f"g{number}x")
                if body:
                    ops.append(f"INSERT {{ GRAPH {node} {{\n{body}\n}} }} WHERE {{}}")
            ops.append(_delete_meta(meta, node, STATUS))
            ops.append(_delete_meta(meta, node, ORIGIN))
            facts = f'{node} <{STATUS}> "{status}"'
            if origin:
                facts += f' ; <{ORIGIN}> "{origin}"'
            ops.append(f"INSERT DATA {{ GRAPH {meta} {{ {facts} . }} }}")
        for iri in delete:
            node = f"<{_iri(iri)}>"
            ops.append(f"DROP SILENT GRAPH {node}")
            ops.append(_delete_meta(meta, node, STATUS))
            ops.append(_delete_meta(meta, node, ORIGIN))
        ops.append(_delete_meta(meta, meta, GENERATION))
        ops.append(_delete_meta(meta, meta, MODIFIED))
        stamp = datetime.now(UTC).isoformat()
        ops.append(f'INSERT DATA {{ GRAPH {meta} {{ {meta} <{GENERATION}> '
                   f'"remote-{secrets.token_hex(8)}" ; <{MODIFIED}> "{stamp}" . }} }}')
        self._update(" ;\n".join(ops))
        with self._lock:
            self._registry = None

    @contextmanager
    def write(self) -> Iterator[RemoteWriter]:
        """Collect graph replacements and send them as ONE update when the block ends.

        The same shape as ``EmbeddedStore.write`` (``submissions`` uses it), so
        an accepted submission and its saved previous version land together.
        Nothing is sent if the block raises.
        """
        writer = RemoteWriter()
        yield writer
        if writer.changes or writer.deletes:
            self.write_graphs(writer.changes, delete=writer.deletes)

    def put_graph(self, iri: str, data: Graph) -> None:
        """Replace one graph's data with a Graph Store Protocol PUT (registry untouched)."""
        if not self.gsp_endpoint:
            raise StoreError("no Graph Store Protocol endpoint configured")
        body = data.serialize(format="nt", encoding="utf-8")
        separator = "&" if "?" in self.gsp_endpoint else "?"
        url = f"{self.gsp_endpoint}{separator}{urllib.parse.urlencode({'graph': iri})}"
        request = urllib.request.Request(url, data=body, method="PUT",
                                         headers={"Content-Type": formats.N_TRIPLES.media_type})
        handlers: list[urllib.request.BaseHandler] = []
        if self._user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.gsp_endpoint, self._user, self._password)
            handlers += [urllib.request.HTTPDigestAuthHandler(passwords),
                         urllib.request.HTTPBasicAuthHandler(passwords)]
        try:
            with urllib.request.build_opener(*handlers).open(request,
                                                             timeout=TRUSTED_TIMEOUT) as reply:
                reply.read()
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            raise EngineError(f"the Graph Store endpoint refused <{iri}>: HTTP {error.code} "
                              f"{detail.strip()}") from None
        except (urllib.error.URLError, OSError) as error:
            raise EngineError(f"the Graph Store endpoint {self.gsp_endpoint} cannot be "
                              f"reached: {error}") from None

    def delete_graph(self, iri: str) -> None:
        self.write_graphs({}, delete=[iri])

    def publish_graph(self, iri: str) -> None:
        """Turn a pending graph into a published one (not for ``graph/submission/*``)."""
        self.write_graphs({iri: (None, "published", None)})

    def dump(self, media_type: str) -> Iterator[bytes]:
        return self._dump(dump_format(media_type))

    def _dump(self, fmt: ox.RdfFormat) -> Iterator[bytes]:
        first = True
        for iri in self._read_registry().published:
            node = ox.NamedNode(iri)
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_iri(iri)}> {{ ?s ?p ?o }} }}"
            triples = self._triples(query, (), (iri,), TRUSTED_TIMEOUT)
            while chunk := list(islice(triples, _CHUNK)):
                items = ([ox.Quad(t.subject, t.predicate, t.object, node) for t in chunk]
                         if fmt.supports_datasets else chunk)
                prefixes = (_PREFIX_STRINGS if first and fmt in (ox.RdfFormat.TURTLE,
                                                                 ox.RdfFormat.TRIG) else None)
                yield ox.serialize(items, format=fmt, prefixes=prefixes)
                first = False

    # --- change tracking ------------------------------------------------------------------------
    def generation(self) -> str:
        return self._read_registry().generation

    def modified(self) -> datetime:
        return self._read_registry().modified


class RemoteWriter:
    """The changes of one ``RemoteStore.write`` block (sent when the block ends)."""

    def __init__(self) -> None:
        self.changes: dict[str, tuple[Graph | None, str, str | None]] = {}
        self.deletes: list[str] = []

    def replace_graph(self, iri: str, data: Graph, *, publish: bool = True,
                      origin: str | None = None) -> int:
        self.changes[iri] = (data, "published" if publish else "pending", origin)
        return len(data)

    def delete_graph(self, iri: str) -> None:
        self.changes.pop(iri, None)
        self.deletes.append(iri)


# --- helpers --------------------------------------------------------------------------------------

def _read_password(path: str) -> str | None:
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise StoreError(f"cannot read the endpoint password file {path}: "
                         f"{error.strerror or error}") from None


def _iri(iri: str) -> str:
    """An IRI safe inside ``<...>`` (refuses characters that would end or break it)."""
    if re.search(r'[<>"{}|^`\\\s]', iri):
        raise StoreError(f"not a valid IRI for a graph name: {iri!r}")
    return iri


def _delete_meta(meta: str, subject: str, predicate: str) -> str:
    return (f"DELETE {{ GRAPH {meta} {{ {subject} <{predicate}> ?x }} }} "
            f"WHERE {{ GRAPH {meta} {{ {subject} <{predicate}> ?x }} }}")


def _term(term, bnode_prefix: str) -> str:
    if isinstance(term, BNode):
        return f"_:{bnode_prefix}{re.sub(r'[^A-Za-z0-9]', '', str(term))}"
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise StoreError(f"cannot write {term!r} to a SPARQL engine")


def _triples_text(graph: Graph, bnode_prefix: str) -> str:
    """The graph as SPARQL triples; blank nodes get labels unique to this graph.

    Written as an ``INSERT {...} WHERE {}`` template rather than ``INSERT DATA``
    because Virtuoso 7 refuses blank nodes in ``INSERT DATA``.
    """
    return "\n".join(f"{_term(s, bnode_prefix)} {_term(p, bnode_prefix)} "
                     f"{_term(o, bnode_prefix)} ." for s, p, o in graph)


def _to_graph(triples: Iterable[ox.Triple]) -> Graph:
    graph = Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def _engine_error(error: Exception, url: str) -> StoreError:
    """Turn what SPARQLWrapper/urllib raised into the store's error for that cause."""
    message = str(error)
    if isinstance(error, QueryBadFormed):
        return QuerySyntaxError(_engine_message(message))
    if isinstance(error, TimeoutError) or (
            isinstance(error, urllib.error.URLError)
            and isinstance(error.reason, TimeoutError)):
        return QueryTimeout("the engine did not answer in time")
    if isinstance(error, EndPointInternalError | SPARQLWrapperException | urllib.error.HTTPError):
        if re.search(r"(?i)time ?out|timed out|S1T00", message):
            return QueryTimeout(_engine_message(message))
        if isinstance(error, Unauthorized):
            return EngineError(f"the SPARQL engine at {url} refused clusterkb's credentials")
        if isinstance(error, EndPointNotFound):
            return EngineError(f"no SPARQL endpoint at {url}")
        return EngineError(f"the SPARQL engine failed: {_engine_message(message)}")
    if isinstance(error, urllib.error.URLError | OSError):
        return EngineError(f"the SPARQL engine at {url} cannot be reached: "
                           f"{getattr(error, 'reason', error)}")
    return EngineError(f"the SPARQL engine failed: {_engine_message(message)}")


def _engine_message(message: str) -> str:
    """The engine's own words, without SPARQLWrapper's preamble or an echo of the query."""
    message = re.sub(r"^[A-Za-z]+: ", "", message.strip())
    message = message.split("\n\nResponse:\n", 1)[-1]
    message = message.split("SPARQL query:", 1)[0]
    message = message.removeprefix("b'").removeprefix('b"')
    return " ".join(message.replace("\\n", " ").split())[:500]


def _xml_term(element) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    tag = element.tag.removeprefix(_SRX)
    text = element.text or ""
    if tag == "uri":
        return ox.NamedNode(text)
    if tag == "bnode":
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9]", "", text) or None)
    if tag == "literal":
        language = element.get(_XML_LANG)
        if language:
            return ox.Literal(text, language=language)
        datatype = element.get("datatype")
        return ox.Literal(text, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(text)
    return None  # RDF-star triples and unknown terms are left unbound


def _read_xml_results(stream, max_rows: int | None, deadline: float):
    """Stream SPARQL XML results: ``(variables, rows, truncated, boolean or None)``."""
    variables: list[str] = []
    rows: list[dict] = []
    boolean: bool | None = None
    truncated = False
    for _, element in iterparse(stream, events=("end",), forbid_dtd=True):
        tag = element.tag.removeprefix(_SRX)
        if tag == "variable":
            variables.append(element.get("name", ""))
        elif tag == "boolean":
            boolean = (element.text or "").strip() == "true"
        elif tag == "result":
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            row = {}
            for binding in element:
                if binding.tag.removeprefix(_SRX) == "binding" and len(binding):
                    term = _xml_term(binding[0])
                    if term is not None:
                        row[binding.get("name", "")] = term
            rows.append(row)
            element.clear()
            if time.monotonic() > deadline:
                raise QueryTimeout("the engine did not answer in time")
    return variables, rows, truncated, boolean
