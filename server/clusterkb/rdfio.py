"""Safe parsing of RDF the server did not write: uploads, submissions, files given to ``load``.

Why not plain ``rdflib.Graph.parse``: rdflib's JSON-LD parser fetches remote
``@context`` URLs and opens ``file:`` ones, and its RDF/XML parser expands
entities (billion laughs, quadratic blow-ups). Here every input is

* size-limited before it is parsed (``RDFTooLarge``);
* parsed by the engine's own parsers (pyoxigraph), which never touch the network;
* for JSON-LD, rewritten first so that the only context that can be used is
  the server's own ``{base}context.jsonld`` given by the caller as a document;
  any other context URL (or ``@import``) is refused with an error naming it;
* for RDF/XML, checked with defusedxml first: any DTD is refused, so no
  entity (internal or external) is ever expanded.

Every failure is an ``RDFParseError(message, line, column)``, which the CLI
turns into exit code 2 and the web layer into HTTP 400 (413 for ``RDFTooLarge``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin

import pyoxigraph as ox
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, iterparse
from rdflib import Dataset, Graph, URIRef

from clusterkb import formats
from clusterkb.store.terms import to_rdflib


class RDFParseError(ValueError):
    """Input that is not acceptable RDF; ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}" + (f", column {self.column}" if self.column else "") + ": "
        return where + self.message


class RDFTooLarge(RDFParseError):
    """The input is larger than the configured limit (HTTP 413)."""


def format_name(name: str) -> str:
    """Canonical (reader) name for a name, alias or media type; ``RDFParseError`` if unknown.

    Names and media types are the registry's (``clusterkb.formats``).
    """
    fmt = formats.for_reading(name)
    if fmt is None:
        known = ", ".join(f.reader or f.name for f in formats.RDF_FORMATS)
        raise RDFParseError(f"unsupported RDF format {name!r} (supported: {known})")
    assert fmt.reader is not None
    return fmt.reader


def format_for_media_type(media_type: str) -> str | None:
    """Canonical format of a Content-Type header value, or None when it is not RDF."""
    try:
        return format_name(media_type)
    except RDFParseError:
        return None


def format_for_path(path: str | Path) -> str | None:
    """Canonical format from a file name's extension (``.gz`` is not handled here)."""
    suffix = Path(path).suffix
    fmt = formats.by_extension(suffix, formats.RDF_FORMATS) if suffix else None
    return fmt.reader if fmt is not None else None


def media_type_of(name: str) -> str:
    return formats.by_reader(format_name(name)).media_type


def engine_format(name: str) -> ox.RdfFormat:
    engine = formats.by_reader(format_name(name)).rdf
    assert engine is not None
    return engine


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read a stream, refusing (without reading it all) anything over ``max_bytes``."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RDFTooLarge(f"input is larger than the limit of {max_bytes} bytes")
    return data


# --- JSON-LD contexts ----------------------------------------------------------------------

def inline_contexts(document: Any, contexts: Mapping[str, Any],
                    base_iri: str | None = None) -> Any:
    """Replace every context reference in a JSON-LD document by the local document it names.

    ``contexts`` maps an allowed context IRI to its (parsed) context document.
    Any other reference, ``@import`` included, raises ``RDFParseError`` naming it,
    so the parser afterwards has nothing it could fetch.
    """

    def lookup(reference: str) -> Any:
        iri = urljoin(base_iri, reference) if base_iri else reference
        if iri not in contexts:
            raise RDFParseError(
                f"JSON-LD context {reference!r} is not allowed: remote contexts are never "
                "fetched" + (f"; use {', '.join(sorted(contexts))}" if contexts else ""))
        inner = contexts[iri]
        return inner.get("@context", {}) if isinstance(inner, dict) else inner

    def resolve(value: Any) -> Any:
        if isinstance(value, str):
            return lookup(value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict) and "@import" in value:
            imported = value["@import"]
            if not isinstance(imported, str):
                raise RDFParseError("JSON-LD @import must be a string")
            base = lookup(imported)
            rest = {k: v for k, v in value.items() if k != "@import"}
            return [base, rest] if rest else base
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                out[key] = walk(resolve(value)) if key == "@context" else walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(document)


def _prepare_jsonld(data: bytes, contexts: Mapping[str, Any], base_iri: str | None) -> bytes:
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        raise RDFParseError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise RDFParseError(f"invalid JSON: {error}") from None
    try:
        document = inline_contexts(document, contexts, base_iri)
    except RecursionError:
        raise RDFParseError("JSON-LD document is nested too deeply") from None
    return json.dumps(document).encode("utf-8")


def check_xml(source: bytes | BinaryIO) -> None:
    """Refuse XML with a DTD (hence any entity) or that is not well-formed.

    ``source`` is the document or a binary stream of it; it is read in one
    streaming pass that keeps no tree, so a multi-gigabyte file given to
    ``load`` costs no memory. The one DTD check of the package (uploads and
    ``build``/``load`` files alike).
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        for _, element in iterparse(stream, forbid_dtd=True, forbid_entities=True,
                                    forbid_external=True):
            element.clear()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise RDFParseError("RDF/XML with a DTD or entity declarations is not accepted") from None
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        raise RDFParseError(f"XML is not well-formed: {str(error).split(':')[0]}", line,
                            column + 1 if column is not None else None) from None


# --- parsing ---------------------------------------------------------------------------------

def parse_quads(data: bytes, fmt: str, *, base_iri: str | None = None,
                max_bytes: int | None = None,
                contexts: Mapping[str, Any] | None = None,
                max_triples: int | None = None,
                rename_blank_nodes: bool = True) -> Iterator[ox.Quad]:
    """Parse ``data`` safely into engine quads (blank nodes renamed apart).

    ``max_triples`` stops parsing at the first quad over the limit
    (``RDFTooLarge``): a few MB of nested collections is millions of triples,
    and holding and validating those would take minutes and gigabytes.
    ``rename_blank_nodes=False`` keeps the labels of blank nodes: for N-Quads the
    server wrote itself (handing a parsed upload to a validation worker).
    """
    name = format_name(fmt)
    if max_bytes is not None and len(data) > max_bytes:
        raise RDFTooLarge(f"input is larger than the limit of {max_bytes} bytes")
    if name == "json-ld":
        data = _prepare_jsonld(data, contexts or {}, base_iri)
    elif name == "rdf/xml":
        check_xml(data)
    try:
        quads = []
        for quad in ox.parse(data, engine_format(name), base_iri=base_iri,
                             rename_blank_nodes=rename_blank_nodes):
            quads.append(quad)
            if max_triples is not None and len(quads) > max_triples:
                raise RDFTooLarge(f"input has more than the limit of {max_triples} triples")
    except SyntaxError as error:
        raise from_syntax_error(error) from None
    except RDFTooLarge:
        raise
    except (ValueError, OSError) as error:
        raise RDFParseError(str(error)) from None
    return iter(quads)


def from_syntax_error(error: SyntaxError) -> RDFParseError:
    """The engine's ``SyntaxError`` as an ``RDFParseError`` with its line and column."""
    message = error.msg if isinstance(error.msg, str) else str(error)
    if message.startswith("Parser error") and ": " in message:
        message = message.split(": ", 1)[1]
    return RDFParseError(message, error.lineno, error.offset)


def parse_dataset(data: bytes, fmt: str, *, base_iri: str | None = None,
                  max_bytes: int | None = None,
                  contexts: Mapping[str, Any] | None = None,
                  max_triples: int | None = None,
                  rename_blank_nodes: bool = True) -> Dataset:
    """Parse into an rdflib Dataset (triples of graph formats land in its default graph)."""
    return to_dataset(parse_quads(data, fmt, base_iri=base_iri, max_bytes=max_bytes,
                                  contexts=contexts, max_triples=max_triples,
                                  rename_blank_nodes=rename_blank_nodes))


def to_dataset(quads: Iterable[ox.Quad]) -> Dataset:
    """Engine quads as an rdflib Dataset (default-graph quads in its default graph)."""
    dataset = Dataset()
    for quad in quads:
        triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        if isinstance(quad.graph_name, ox.DefaultGraph):
            dataset.default_graph.add(triple)
        else:
            dataset.graph(URIRef(quad.graph_name.value)).add(triple)
    return dataset


def parse_graph(data: bytes, fmt: str, *, base_iri: str | None = None,
                max_bytes: int | None = None,
                contexts: Mapping[str, Any] | None = None,
                max_triples: int | None = None) -> Graph:
    """Parse into one rdflib Graph; the graphs of quad formats are merged."""
    graph = Graph()
    for quad in parse_quads(data, fmt, base_iri=base_iri, max_bytes=max_bytes,
                            contexts=contexts, max_triples=max_triples):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph
