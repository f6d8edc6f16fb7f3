"""Validation reports in the submitter's own terms (issue #15.4).

The shapes speak RDF: ``ckb:foundingDate``, ``"YYYY"^^xsd:gYear``, full IRIs.
A cluster manager who wrote plain JSON with our JSON-LD context wrote
``"foundingDate": "2015"``, and needs to be told that, where it is, and how to
fix it in JSON. So, after validation, each result gets:

* for a JSON upload: ``field`` (the JSON key that produced the triple),
  ``written`` (the value as written) and ``line``/``column`` of it (or of the
  object that lacks the field), found through a source map of the upload
  (``json-source-map``); its message is rewritten in JSON terms: property and
  class names as context terms, IRIs as the compact IRIs the context allows,
  literals as JSON values (a plain string where the context coerces the type);
* for a value that must come from a concept scheme (the shape's ``sh:node``
  requires ``skos:inScheme`` a scheme, or its ``sh:in`` lists the values):
  ``allowed`` (short name, IRI and label of each value) and ``scheme`` (whose
  IRI is also its page).

Everything is read from data: the context document (``jsonld_context``), the
shapes graph and the concept schemes (``validation.get_context``), so a new
shape or term needs no code here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from json_source_map import calculate as source_map
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS
from rdflib.util import from_n3

from clusterkb.config import Config
from clusterkb.jsonld_context import load_context
from clusterkb.namespaces import SH
from clusterkb.validation import PREFIXES, ValidationReport, ValidationResult, get_context

#: A scheme with more concepts than this is linked, not listed.
MAX_LISTED = 60
_RDF_TYPE = str(RDF.type)


@dataclass(frozen=True)
class Term:
    name: str
    iri: str
    type: str | None  # "@id", a datatype IRI, or None
    language: str | None


class ContextTerms:
    """The terms and prefixes of a JSON-LD context, both ways (JSON key <-> IRI)."""

    def __init__(self, context: dict, base_iri: str) -> None:
        body = context.get("@context", context)
        self.base_iri = base_iri
        self.aliases = {"@id": "@id", "@type": "@type"}
        self.prefixes: dict[str, str] = {}
        raw: dict[str, dict] = {}
        for key, value in body.items():
            if key.startswith("@"):
                continue
            if value in ("@id", "@type"):
                self.aliases[key] = value
            elif isinstance(value, str) and value.endswith(("/", "#")) and "://" in value:
                self.prefixes[key] = value
            elif isinstance(value, str):
                raw[key] = {"@id": value}
            elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                raw[key] = value
        self.terms: dict[str, Term] = {}
        for name, definition in raw.items():
            kind = definition.get("@type")
            self.terms[name] = Term(
                name, self.expand(definition["@id"]),
                kind if kind in (None, "@id", "@vocab") else self.expand(kind),
                definition.get("@language"))
        by_iri: dict[str, str] = {}
        for name, term in sorted(self.terms.items(), key=lambda item: (len(item[0]), item[0])):
            by_iri.setdefault(term.iri, name)
        self.by_iri = by_iri

    def expand(self, value: str, *, vocab: bool = False) -> str:
        """A JSON string as an IRI: a term (``vocab``: keys, types), a compact or relative IRI."""
        if vocab and value in self.terms:
            return self.terms[value].iri
        prefix, colon, local = value.partition(":")
        if colon and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        if colon and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", prefix):
            return value
        return urljoin(self.base_iri, value)

    def short(self, iri: str) -> str:
        """An IRI as a JSON value may write it: the compact IRI with the longest prefix."""
        best = ""
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(namespace) > len(self.prefixes.get(best, "")):
                best = prefix
        return f"{best}:{iri[len(self.prefixes[best]):]}" if best else iri

    def term_of(self, iri: str) -> str | None:
        """The JSON key (or type name) for a property or class IRI."""
        return self.by_iri.get(iri)


@lru_cache(maxsize=8)
def _terms(config: Config) -> ContextTerms:
    return ContextTerms(load_context(config), config.base_iri)


def warm(config: Config) -> None:
    """Load what explaining needs (the context), so the first report costs nothing more."""
    if (config.ontology_dir / "context.jsonld").is_file():
        _terms(config)


def explain(report: ValidationReport, fmt: str, source: bytes | None,
            config: Config) -> ValidationReport:
    """``report`` with fields, positions, allowed values and messages for the upload's syntax."""
    if not report.results and not report.criteria:
        return report
    context = get_context(config)
    has_context = (config.ontology_dir / "context.jsonld").is_file()
    terms = _terms(config) if has_context else None
    located = None
    if fmt == "json-ld" and source is not None and terms is not None:
        located = _JsonLocator.of(source, terms)
    labels = {iri: label for concepts in context.concepts.values() for iri, label in concepts}
    schemes: dict[str, tuple[str | None, list[str] | None]] = {}

    def explained(result: ValidationResult) -> ValidationResult:
        details: dict = {}
        if result.shape is not None:
            if result.shape not in schemes:
                schemes[result.shape] = _allowed_by(context.shapes, URIRef(result.shape))
            scheme, listed = schemes[result.shape]
            if scheme is not None:
                details["scheme"] = scheme
                concepts = context.concepts.get(scheme, [])
                listed = [iri for iri, _ in concepts] if len(concepts) <= MAX_LISTED else None
            if listed is not None:
                details["allowed"] = tuple(
                    {"value": terms.short(v) if terms else v, "iri": v,
                     "label": labels.get(v, "")} for v in listed)
        if located is not None and terms is not None:
            details.update(located.find(result))
            details["message"] = json_message(result.message, result.path, terms)
        return result.explained(**details) if details else result

    return ValidationReport([explained(r) for r in report.results], report.graph,
                            [explained(r) for r in report.criteria], report.proposed)


def _allowed_by(shapes: Graph, shape: URIRef) -> tuple[str | None, list[str] | None]:
    """The concept scheme a shape's values must be in, or the values its ``sh:in`` lists."""
    listed = shapes.value(shape, SH["in"])
    if listed is not None:
        return None, [str(v) for v in Collection(shapes, listed)]
    for node in shapes.objects(shape, SH.node):
        # membership as a property of the node shape, or as one branch of its sh:or (the
        # schemes that also accept a proposed concept)
        members = list(shapes.objects(node, SH.property))
        for alternatives in shapes.objects(node, SH["or"]):
            members += list(Collection(shapes, alternatives))
        for prop in members:
            if shapes.value(prop, SH.path) == SKOS.inScheme:
                scheme = shapes.value(prop, SH.hasValue)
                if scheme is not None:
                    return str(scheme), None
    return None, None


# --- JSON positions ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Occurrence:
    key: str
    pointer: str
    element: object


class _JsonLocator:
    """Where each (node, property) of a JSON-LD upload was written."""

    def __init__(self, document: object, positions: dict, terms: ContextTerms) -> None:
        self.terms = terms
        self.positions = positions
        self.nodes: dict[str | None, str] = {}  # node IRI -> pointer of its object
        self.occurrences: dict[tuple[str | None, str], list[_Occurrence]] = {}
        self._walk(document, "")

    @classmethod
    def of(cls, source: bytes, terms: ContextTerms) -> _JsonLocator | None:
        try:
            text = source.decode("utf-8-sig")
            return cls(json.loads(text), source_map(text), terms)
        except (ValueError, RecursionError):
            return None

    def _walk(self, node: object, pointer: str) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._walk(item, f"{pointer}/{index}")
            return
        if not isinstance(node, dict) or "@value" in node:
            return
        subject = None
        for key, value in node.items():
            if self.terms.aliases.get(key) == "@id" and isinstance(value, str):
                subject = self.terms.expand(value)
        self.nodes.setdefault(subject, pointer)
        for key, value in node.items():
            if key == "@context" or self.terms.aliases.get(key) == "@id":
                continue
            if key == "@graph":
                self._walk(value, f"{pointer}/{key}")
                continue
            prop = (_RDF_TYPE if self.terms.aliases.get(key) == "@type"
                    else self.terms.expand(key, vocab=True))
            for item_pointer, item in _items(value, f"{pointer}/{key}"):
                self.occurrences.setdefault((subject, prop), []).append(
                    _Occurrence(key, item_pointer, item))
                self._walk(item, item_pointer)

    def find(self, result: ValidationResult) -> dict:
        """``field``, ``written``, ``line`` and ``column`` of a result, as far as known."""
        path = result.path
        if path is None or path.startswith(("^", "(")):
            return self._where(self.nodes.get(self._subject(result)), key=False)
        subject = self._subject(result)
        candidates = self.occurrences.get((subject, path), [])
        if subject is None and not candidates:  # a blank node: any id-less object
            candidates = self.occurrences.get((None, path), [])
        found = next((o for o in candidates if self._matches(o.element, result.value, path)),
                     candidates[0] if candidates and result.value is None else None)
        field = self.terms.term_of(path) or self.terms.short(path)
        if found is None:
            return {"field": field, **self._where(self.nodes.get(subject), key=False)}
        return {"field": found.key, "written": json.dumps(found.element, ensure_ascii=False),
                **self._where(found.pointer, key=False)}

    def _subject(self, result: ValidationResult) -> str | None:
        return None if result.focus.startswith("_:") else result.focus

    def _matches(self, element: object, value: str | None, path: str) -> bool:
        if value is None:
            return True
        if value.startswith("_:"):
            return isinstance(element, dict) and not any(
                self.terms.aliases.get(k) == "@id" for k in element)
        if isinstance(element, dict):
            ids = [v for k, v in element.items() if self.terms.aliases.get(k) == "@id"]
            if ids:
                return self.terms.expand(str(ids[0])) == value
            element = element.get("@value")
        if isinstance(element, dict | list) or element is None:
            return False
        if not value.startswith('"'):  # an IRI
            return (isinstance(element, str)
                    and self.terms.expand(element, vocab=path == _RDF_TYPE) == value)
        written = json.dumps(element) if isinstance(element, bool) else str(element)
        try:
            lexical = str(from_n3(value))
        except Exception:  # noqa: BLE001 - an odd literal is simply not matched
            return False
        return written == lexical

    def _where(self, pointer: str | None, *, key: bool) -> dict:
        entry = self.positions.get(pointer) if pointer is not None else None
        if entry is None:
            return {}
        start = entry.key_start if key and entry.key_start is not None else entry.value_start
        return {"line": start.line + 1, "column": start.column + 1}


def _items(value: object, pointer: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{pointer}/{index}", item
    else:
        yield pointer, value


# --- messages in JSON terms --------------------------------------------------------------

_MESSAGE_TOKEN = re.compile(
    r'"(?P<lex>[^"\\]*)"(?:\^\^(?P<dt><[^>]+>|[A-Za-z][\w-]*:[\w-]+)|@(?P<lang>[A-Za-z-]+))'
    r"|<(?P<iri>[^>\s]+)>"
    r"|(?P<bare>https?://[^\s<>\"{}]+[^\s<>\"{}.,:;)])"
    r"|(?<![\w/:-])(?P<prefix>[a-z][\w-]*):(?P<local>[A-Za-z][\w-]*)")


def json_message(message: str, path: str | None, terms: ContextTerms) -> str:
    """A shape message with RDF syntax replaced by what the JSON upload would write."""
    term = terms.terms.get(terms.term_of(path) or "") if path else None

    def expand_prefixed(prefix: str, local: str) -> str | None:
        namespace = PREFIXES.get(prefix) or terms.prefixes.get(prefix)
        return namespace + local if namespace else None

    def replace_token(match: re.Match) -> str:
        if match.group("lex") is not None:
            lex = match.group("lex")
            if match.group("lang"):
                language = match.group("lang")
                if term is not None and term.language == language:
                    return json.dumps(lex)
                return json.dumps({"@value": lex, "@language": language})
            raw = match.group("dt")
            datatype = raw[1:-1] if raw.startswith("<") else expand_prefixed(*raw.split(":", 1))
            if term is not None and datatype is not None and term.type == datatype:
                return json.dumps(lex)
            return json.dumps({"@value": lex, "@type": terms.short(datatype or raw)})
        iri = match.group("iri") or match.group("bare")
        if iri is not None:
            name = terms.term_of(iri)
            return json.dumps(name if name else terms.short(iri))
        expanded = expand_prefixed(match.group("prefix"), match.group("local"))
        name = terms.term_of(expanded) if expanded else None
        return json.dumps(name) if name else match.group(0)

    return _MESSAGE_TOKEN.sub(replace_token, message)
