"""Validate RDF against the clusterkb SHACL shapes: one validator for the CLI, HTTP and build.

Why this module exists rather than calls to ``pyshacl.validate`` everywhere:

* **Speed.** The shapes, the ontology and the concept schemes are parsed once
  per process (cached by the configured directories) and the shapes graph is
  harvested once, so validating a profile of a few hundred triples in a warm
  process takes milliseconds.
* **Safety.** pyshacl treats a string argument as a file name or URL, and can
  follow ``owl:imports``. Here it only ever receives rdflib Graphs that our own
  code parsed (``clusterkb.rdfio``: size limits, no remote JSON-LD contexts, no
  DTDs or entities in RDF/XML), and imports are never followed.
* **Context.** Data is validated together with the ontology and the concept
  schemes, so ``sh:class`` sees the class hierarchy and scheme-membership
  checks (``skos:inScheme``) see the concepts.
* **Graph provenance.** A dataset's named graphs are validated as one union;
  each graph name is typed ``ckbsh:PublishedGraph`` for the duration of the
  validation so that ``ckbsh:PublishedGraphShape`` can require its
  ``prov:wasDerivedFrom`` (see ``validate_dataset``). In the same way,
  resources that use a ``ckb:`` term the ontology does not define are typed
  ``ckbsh:UsesUndefinedTerm``: finding them is one pass in Python, while the
  same scan in rdflib's SPARQL would double the time of a validation.

* **Isolation.** This module validates in the calling process and cannot be
  interrupted; uploads from the web run it inside ``clusterkb.validation_pool``
  (killable worker processes with a time limit), which call the same functions.

``ValidationReport.to_json()`` returns a stable, documented dict::

    {"conforms": bool,                      # True when there is no sh:Violation
     "counts": {"Violation": int, "Warning": int, "Info": int},
     "results": [{"focus": str,             # IRI or "_:id" of the focus node
                  "focus_label": str|None,  # its name, when the data gives one
                  "path": str|None,         # property IRI, or a SPARQL path for complex paths
                  "value": str|None,        # an IRI, or a literal in N-Triples syntax
                  "constraint": str,        # constraint component IRI (sh:...ConstraintComponent)
                  "severity": "Violation"|"Warning"|"Info",
                  "message": str,
                  "shape": str|None,        # IRI of the property/node shape that failed, or
                                            # of the named SPARQL constraint (sh:sparql) that failed
                  # for people (``clusterkb.explain``; None when not known):
                  "field": str|None,        # the property as the upload names it (JSON key)
                  "written": str|None,      # the value as written in the upload
                  "line": int|None, "column": int|None,  # where, 1-based
                  "allowed": [{"value": str, "iri": str, "label": str}]|None,  # a list's values
                  "scheme": str|None}],     # IRI (and page) of that concept scheme
     "criteria": [...],                     # the second check (``check_criteria``), results
                                            # as above, all warnings, not in counts/conforms
     "proposed": [{"iri": str,              # a well-formed concept the upload proposes
                   "label": str,            # its English (else any) skos:prefLabel
                   "scheme": str,           # the scheme it is proposed for (ckb:proposedFor)
                   "scheme_label": str}]}   # that scheme's title
    A proposed concept is no result: it is listed apart, so that a curator sees
    it before accepting; it joins its scheme only when the submission is accepted.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path

from pyshacl import Validator as _PyshaclValidator
from pyshacl.graph_abstraction import RdfLibDataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SDO, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from clusterkb.config import DEFAULT_BASE_IRI, Config
from clusterkb.jsonld_context import upload_contexts
from clusterkb.labels import pick_label
from clusterkb.namespaces import LEGAL, SH, graph_iri
from clusterkb.rdfio import (
    RDFParseError,
    format_for_path,
    parse_dataset,
    parse_graph,
)

CKBSH = Namespace("https://w3id.org/clusterkb/shapes#")
PUBLISHED_GRAPH = CKBSH.PublishedGraph
USES_UNDEFINED_TERM = CKBSH.UsesUndefinedTerm
CKB_NAMESPACE = "https://w3id.org/clusterkb/ontology#"
PROPOSED_FOR = URIRef(CKB_NAMESPACE + "proposedFor")

SEVERITIES = ("Violation", "Warning", "Info")
#: Shapes of the second check (``check_criteria``), in this folder of the shapes folder.
CRITERIA_DIR = "criteria"
#: Parts of the default base IRI that move with a configured base IRI, as in the
#: JSON-LD context (``jsonld_context``): instances, concepts and graphs. The
#: ontology and shapes namespaces are permanent and never move.
_REBASED_PARTS = ("id/", "vocab/", "graph/")
# What validation needs from the ontology and concept schemes: types (sh:class,
# targets), the class hierarchy, and scheme membership and hierarchy of concepts.
_CONTEXT_PREDICATES = (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.isDefinedBy,
                       SKOS.inScheme, SKOS.topConceptOf, SKOS.broader)
PREFIXES = {
    "sh": str(SH), "ckbsh": str(CKBSH), "ckb": "https://w3id.org/clusterkb/ontology#",
    "org": "http://www.w3.org/ns/org#", "schema": str(SDO), "skos": str(SKOS),
    "rdfs": str(RDFS), "dct": str(DCTERMS), "foaf": str(FOAF), "prov": "http://www.w3.org/ns/prov#",
    "eurio": "http://data.europa.eu/s66#", "legal": str(LEGAL),
    "adms": "http://www.w3.org/ns/adms#", "xsd": "http://www.w3.org/2001/XMLSchema#",
}

__all__ = ["RDFParseError", "ValidationReport", "ValidationResult", "compact", "validate_bytes",
           "validate_dataset", "validate_graph", "validate_kb", "validate_parsed"]


# --- report --------------------------------------------------------------------------------

def compact(iri: str) -> str:
    """``ckb:awardLevel`` for a known namespace, else the IRI in angle brackets (for humans)."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, flattened for people and JSON clients."""

    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    constraint: str
    severity: str
    message: str
    shape: str | None
    # What a person needs to find and fix it (``clusterkb.explain`` fills these in).
    field: str | None = None
    written: str | None = None
    line: int | None = None
    column: int | None = None
    allowed: tuple[dict[str, str], ...] | None = None
    scheme: str | None = None

    def to_dict(self) -> dict:
        body = asdict(self)
        body["allowed"] = list(self.allowed) if self.allowed is not None else None
        return body

    @classmethod
    def from_dict(cls, body: dict) -> ValidationResult:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in body.items() if k in known}
        if values.get("allowed") is not None:
            values["allowed"] = tuple(values["allowed"])
        return cls(**values)

    def explained(self, **details) -> ValidationResult:
        return replace(self, **details)


@dataclass
class ValidationReport:
    """The outcome of a validation: flattened results plus the SHACL report graph."""

    results: list[ValidationResult]
    graph: Graph = field(repr=False)
    #: The second check (``check_criteria``): warnings apart from the results, never
    #: counted in ``counts`` or ``conforms``.
    criteria: list[ValidationResult] = field(default_factory=list)
    #: Well-formed concepts the data proposes for a scheme (see ``proposals``), for the
    #: curator: {"iri", "label", "scheme", "scheme_label"}.
    proposed: list[dict[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        tally = Counter(r.severity for r in self.results)
        return {s: tally.get(s, 0) for s in SEVERITIES}

    @property
    def conforms(self) -> bool:
        """True when nothing breaks consumers: warnings and infos do not count."""
        return self.counts["Violation"] == 0

    def by_focus(self) -> dict[str, list[ValidationResult]]:
        """Results grouped by focus node, the worst first within each node."""
        groups: dict[str, list[ValidationResult]] = {}
        for result in self.results:
            groups.setdefault(result.focus, []).append(result)
        return groups

    def to_json(self) -> dict:
        return {"conforms": self.conforms, "counts": self.counts,
                "results": [r.to_dict() for r in self.results],
                "criteria": [r.to_dict() for r in self.criteria],
                "proposed": [dict(p) for p in self.proposed]}

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_jsonld(self) -> str:
        return self.graph.serialize(format="json-ld", auto_compact=True)

    def to_wire(self) -> dict:
        """A picklable form (results and the report graph as N-Triples) for worker processes."""
        return {"results": [r.to_dict() for r in self.results],
                "criteria": [r.to_dict() for r in self.criteria],
                "proposed": [dict(p) for p in self.proposed],
                "graph": self.graph.serialize(format="nt", encoding="utf-8")}

    @classmethod
    def from_wire(cls, wire: dict) -> ValidationReport:
        graph = parse_graph(wire["graph"], "nt") if wire["graph"].strip() else Graph()
        return cls([ValidationResult.from_dict(r) for r in wire["results"]], graph,
                   [ValidationResult.from_dict(r) for r in wire.get("criteria", [])],
                   [dict(p) for p in wire.get("proposed", [])])

    def text(self) -> str:
        counts = self.counts
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines = [f"Validation: {verdict} ({counts['Violation']} violation(s), "
                 f"{counts['Warning']} warning(s), {counts['Info']} info(s))"]
        lines += _text_groups(self.by_focus())
        if self.criteria:
            lines += ["", f"ECCP profile criteria ({len(self.criteria)} not met; advice, "
                          "not a reason to refuse):"]
            groups: dict[str, list[ValidationResult]] = {}
            for result in self.criteria:
                groups.setdefault(result.focus, []).append(result)
            lines += _text_groups(groups)
        if self.proposed:
            lines += ["", f"Proposed concepts ({len(self.proposed)}; a curator reviews them, and "
                          "each joins its scheme only if the submission is accepted):"]
            lines += [f"  [proposed] {compact(p['iri'])}  \"{p['label']}\"  for "
                      f"{p['scheme_label'] or compact(p['scheme'])}" for p in self.proposed]
        return "\n".join(lines) + "\n"


def _text_groups(groups: dict[str, list[ValidationResult]]) -> list[str]:
    lines: list[str] = []
    for focus, results in groups.items():
        shown = compact(focus) if not focus.startswith("_:") else focus
        label = results[0].focus_label
        lines.append("")
        lines.append(f"{shown}" + (f"  \"{label}\"" if label else ""))
        for r in results:
            where = f"path {_short_path(r.path)}" if r.path else "the node itself"
            if r.field:
                where = f"field \"{r.field}\""
            value = f", value {_short_value(r.value)}" if r.value is not None else ""
            if r.written is not None:
                value = f", written {r.written}"
            if r.line is not None:
                value += f" (line {r.line}, column {r.column})"
            lines.append(f"  [{r.severity}] {where}{value}")
            lines.append(f"      {r.message}")
            if r.allowed:
                lines.append("      allowed: " + ", ".join(
                    f"{a['value']} ({a['label']})" if a.get("label") else a["value"]
                    for a in r.allowed))
    return lines


def _short_path(path: str) -> str:
    return path if path.startswith(("^", "(")) else compact(path)


def _short_value(value: str) -> str:
    if value.startswith(("http://", "https://", "urn:")):
        return compact(value)
    return value


# --- the cached context: shapes, ontology, vocabularies ------------------------------------

@dataclass
class _Context:
    """What every validation of one configuration shares; built once per process."""

    shapes: Graph
    shapes_graph: ShapesGraph
    extra: Graph  # ontology + concept schemes, mixed into every data graph
    defined_terms: frozenset[URIRef]  # ckb: terms the ontology defines (rdfs:isDefinedBy)
    # pyshacl's ShapesGraph keeps per-run caches, and rdflib's SPARQL parser is not
    # thread-safe: one run at a time per context. In a validation worker process
    # (one request at a time) it is never contended.
    lock: threading.Lock
    concepts: dict[str, list[tuple[str, str]]]  # scheme IRI -> [(concept IRI, English label)]
    prepared: dict[str, Query] = field(default_factory=dict)  # SPARQL text -> parsed query
    scheme_titles: dict[str, str] = field(default_factory=dict)  # scheme IRI -> English title


class _PreparedQueryGraph(RdfLibDataGraph):
    """The data graph as pyshacl sees it, parsing each SPARQL constraint's text only once.

    pyshacl hands rdflib the same query text for every focus node, and rdflib
    parses it again each time; parsing, not evaluation, was most of the time.
    """

    def __init__(self, graph: Graph, prepared: dict[str, Query]) -> None:
        super().__init__(graph.store, graph)
        self._prepared = prepared

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:  # parsed under the context's lock (see _Context.lock)
                prepared = self._prepared[query_object] = prepareQuery(query_object)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def _read_turtle_files(paths: Iterable[Path], base_iri: str) -> Graph:
    graph = Graph()
    for path in sorted(paths):
        try:
            graph += parse_graph(path.read_bytes(), "turtle", base_iri=path.as_uri())
        except RDFParseError as error:
            raise RDFParseError(f"{path}: {error.message}", error.line, error.column) from None
    return rebased(graph, base_iri)


def rebased(graph: Graph, base_iri: str) -> Graph:
    """``graph`` with the default base's instances, concepts and graphs moved under ``base_iri``.

    The files are written for the default base; a deployment with another base
    publishes them moved (``build``) and its JSON-LD context expands to the moved
    IRIs (``jsonld_context``), so the shapes and concepts validated against must
    move the same way, or every concept of a submission would be "not in scheme".
    """
    if base_iri == DEFAULT_BASE_IRI:
        return graph
    moved = tuple(DEFAULT_BASE_IRI + part for part in _REBASED_PARTS)

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(moved):  # URIRef: no tuples
            return URIRef(base_iri + term[len(DEFAULT_BASE_IRI):])
        if isinstance(term, Literal) and term.datatype is not None:
            return Literal(term, datatype=move(term.datatype))
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((move(s), move(p), move(o)))
    return out


def _concept_lists(ontology: Graph) -> dict[str, list[tuple[str, str]]]:
    """Each scheme's concepts with their English (else any) label, sorted by label."""
    lists: dict[str, list[tuple[str, str]]] = {}
    for concept, scheme in ontology.subject_objects(SKOS.inScheme):
        label = _label(ontology, concept) or str(concept).rsplit("/", 1)[-1]
        lists.setdefault(str(scheme), []).append((str(concept), label))
    return {scheme: sorted(items, key=lambda item: (item[1].casefold(), item[0]))
            for scheme, items in lists.items()}


@lru_cache(maxsize=8)
def _context(shapes_dir: Path, ontology_dir: Path, base_iri: str = DEFAULT_BASE_IRI) -> _Context:
    shapes = _read_turtle_files(shapes_dir.glob("*.ttl"), base_iri)
    ontology = _read_turtle_files(list(ontology_dir.glob("*.ttl"))
                                  + list(ontology_dir.glob("vocabularies/*.ttl")), base_iri)
    extra = Graph()  # only what the shapes look at: copied into every data graph, so keep it small
    for predicate in _CONTEXT_PREDICATES:
        for s, o in ontology.subject_objects(predicate):
            extra.add((s, predicate, o))
    shapes_graph = ShapesGraph(shapes)
    shapes_graph.shapes  # noqa: B018  (harvests and parses the shapes once, now)
    defined = frozenset(s for s in ontology.subjects(RDFS.isDefinedBy, None)
                        if isinstance(s, URIRef) and str(s).startswith(CKB_NAMESPACE))
    titles = {str(s): _label(ontology, s) or str(s)
              for s in ontology.subjects(RDF.type, SKOS.ConceptScheme)}
    return _Context(shapes, shapes_graph, extra, defined, threading.Lock(),
                    _concept_lists(ontology), scheme_titles=titles)


def get_context(config: Config) -> _Context:
    """The shared context of ``config`` (shapes, ontology, vocabularies), built once per process."""
    return _context(Path(config.shapes_dir).resolve(), Path(config.ontology_dir).resolve(),
                    config.base_iri)


# --- validation ----------------------------------------------------------------------------

def validate_graph(data: Graph, config: Config) -> ValidationReport:
    """Validate one graph (with the ontology and concept schemes beside it)."""
    return _validate(data, config)


def validate_dataset(dataset: Dataset, config: Config) -> ValidationReport:
    """Validate the union of a dataset's graphs, and require provenance of each named graph.

    Every non-empty named graph of data is typed ``ckbsh:PublishedGraph`` in the
    data graph handed to pyshacl (never in the caller's dataset), so the shape on
    that class requires ``<graph> prov:wasDerivedFrom <source>``. The project's
    own documents (``graph/ontology``, ``graph/vocab/...``, ``graph/shapes``,
    ``graph/catalog``) are exempt: they describe themselves in their headers. So
    the build can hand over everything it publishes.
    """
    union = Graph()
    markers = Graph()
    default = dataset.default_graph.identifier
    for graph in dataset.graphs():
        union += graph
        if (isinstance(graph.identifier, URIRef) and graph.identifier != default and len(graph)
                and not _is_project_document(str(graph.identifier), config)):
            markers.add((graph.identifier, RDF.type, PUBLISHED_GRAPH))
    return _validate(union, config, markers)


def validate_graphs(ntriples: bytes, graphs: list[str], config: Config) -> ValidationReport:
    """Validate N-Triples holding the named graphs ``graphs`` (and their context), as one union.

    The build's units (``build_validation``) arrive this way from the parent: each
    graph name is typed ``ckbsh:PublishedGraph`` as in ``validate_dataset``.
    """
    data = parse_graph(ntriples, "nt") if ntriples.strip() else Graph()
    markers = Graph()
    for iri in graphs:
        if not _is_project_document(iri, config):
            markers.add((URIRef(iri), RDF.type, PUBLISHED_GRAPH))
    return _validate(data, config, markers)


def _is_project_document(graph: str, config: Config) -> bool:
    own = [graph_iri(config.base_iri, name) for name in ("ontology", "shapes", "catalog")]
    return graph in own or graph.startswith(graph_iri(config.base_iri, "vocab/"))


def validate_bytes(data: bytes, fmt: str, config: Config, *,
                   base_iri: str | None = None) -> ValidationReport:
    """Parse untrusted bytes safely (``clusterkb.rdfio``) and validate them.

    Quad formats with named graphs are validated as a dataset (with the
    provenance check); anything else as one graph. Raises ``RDFParseError`` (with
    line and column) for unreadable input.
    """
    dataset = parse_dataset(data, fmt, base_iri=base_iri or config.base_iri,
                            max_bytes=config.max_upload_bytes, contexts=upload_contexts(config))
    return validate_parsed(dataset, config)


def validate_parsed(dataset: Dataset, config: Config) -> ValidationReport:
    """Validate parsed input: as a dataset when it has named graphs, else as one graph."""
    default = dataset.default_graph.identifier
    if any(g.identifier != default and len(g) for g in dataset.graphs()):
        return validate_dataset(dataset, config)
    return validate_graph(dataset.default_graph, config)


def kb_dataset(config: Config) -> Dataset:
    """Every file of ``kb/`` in its named graph (``kb/clusters/x.ttl`` -> ``graph/clusters/x``)."""
    dataset = Dataset()
    kb_dir = Path(config.kb_dir)
    for path in sorted(kb_dir.rglob("*")):
        fmt = format_for_path(path)
        if not path.is_file() or fmt is None:
            continue
        name = path.relative_to(kb_dir).with_suffix("").as_posix()
        try:
            parsed = parse_dataset(path.read_bytes(), fmt, base_iri=config.base_iri,
                                   contexts=upload_contexts(config))
        except RDFParseError as error:
            raise RDFParseError(f"{path}: {error.message}", error.line, error.column) from None
        target = dataset.graph(URIRef(graph_iri(config.base_iri, name)))
        for graph in parsed.graphs():
            target += rebased(graph, config.base_iri)
    return dataset


def validate_kb(config: Config) -> ValidationReport:
    """Validate the whole KB, one named graph per file, with the provenance checks."""
    return validate_dataset(kb_dataset(config), config)


def _validate(data: Graph, config: Config, markers: Graph | None = None) -> ValidationReport:
    return _run(get_context(config), data, markers)


def check_criteria(dataset: Dataset, config: Config) -> list[ValidationResult]:
    """The second check: the shapes of ``shapes/criteria/`` (the ECCP's profile criteria).

    Their results are advice for a profile, never a reason to refuse it: they are
    reported apart (``ValidationReport.criteria``), as warnings whatever their
    shapes say, and do not count in ``conforms``. Empty without that folder.
    """
    folder = Path(config.shapes_dir) / CRITERIA_DIR
    if not any(folder.glob("*.ttl")):
        return []
    context = _context(folder.resolve(), Path(config.ontology_dir).resolve(), config.base_iri)
    results = _run(context, merged_graph(dataset)).results
    return [replace(r, severity="Warning") if r.severity == "Violation" else r for r in results]


def merged_graph(dataset: Dataset) -> Graph:
    """All the triples of a dataset in one graph."""
    graph = Graph()
    for part in dataset.graphs():
        graph += part
    return graph


def _run(context: _Context, data: Graph, markers: Graph | None = None) -> ValidationReport:
    combined = Graph()
    combined += context.extra
    combined += data
    if markers is not None:
        combined += markers
    for subject, predicate, obj in data:
        term = obj if predicate == RDF.type else predicate
        if (isinstance(term, URIRef) and term.startswith(CKB_NAMESPACE)
                and term not in context.defined_terms):
            combined.add((subject, RDF.type, USES_UNDEFINED_TERM))
    validator = _PyshaclValidator(
        _PreparedQueryGraph(combined, context.prepared), shacl_graph=context.shapes,
        options={"inference": "none", "advanced": True, "inplace": True,
                 "allow_warnings": True, "allow_infos": True})
    with context.lock:
        validator.shacl_graph = context.shapes_graph  # reuse the harvested shapes
        _conforms, report_graph, _text = validator.run()
    results = _flatten(report_graph, data)
    return ValidationReport(results, report_graph,
                            proposed=proposals(data, results, context.scheme_titles))


def proposals(data: Graph, results: list[ValidationResult],
              scheme_titles: dict[str, str]) -> list[dict[str, str]]:
    """The concepts ``data`` proposes for a scheme (``ckb:proposedFor``) that are well formed.

    Well formed: no violation has the concept as its focus, so ``ckbsh:ProposedConceptShape``
    found its type, label, scheme and IRI right. A malformed proposal is reported as
    violations and is not listed here.
    """
    broken = {r.focus for r in results if r.severity == "Violation"}
    found = []
    for concept, scheme in sorted(set(data.subject_objects(PROPOSED_FOR))):
        if not isinstance(concept, URIRef) or str(concept) in broken:
            continue
        found.append({"iri": str(concept), "label": _label(data, concept) or str(concept),
                      "scheme": str(scheme), "scheme_label": scheme_titles.get(str(scheme), "")})
    return found


def _flatten(report: Graph, data: Graph) -> list[ValidationResult]:
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, node) in report:
            continue  # why a nested sh:node failed: its parent result already reports it
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        message = report.value(node, SH.resultMessage)
        value = report.value(node, SH.value)
        path_node = report.value(node, SH.resultPath)
        shape = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        if isinstance(constraint, URIRef):  # a named SPARQL constraint: more precise than its shape
            shape = constraint
        results.append(ValidationResult(
            focus=_node_id(focus),
            focus_label=_label(data, focus),
            path=_path(report, path_node) if path_node is not None else None,
            value=_term(value) if value is not None else None,
            constraint=str(report.value(node, SH.sourceConstraintComponent)),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            message=str(message) if message is not None else "",
            shape=str(shape) if isinstance(shape, URIRef) else None,
        ))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    results.sort(key=lambda r: (r.focus, order.get(r.severity, 9), r.path or "", r.value or "",
                                r.constraint))
    return results


def _node_id(node: Node | None) -> str:
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _term(node: Node) -> str:
    if isinstance(node, Literal):
        return node.n3()
    return _node_id(node)


def _label(data: Graph, node: Node | None) -> str | None:
    """The node's name by ``labels``' one rule (stable whatever the graph's order)."""
    return None if node is None else pick_label(data, node)


def _path(graph: Graph, path: Node) -> str:
    """A result path: the IRI for a predicate path, SPARQL syntax (full IRIs) otherwise."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        inner = _path(graph, inverse)
        return f"^<{inner}>" if isinstance(inverse, URIRef) else f"^({inner})"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [_wrap(graph, p) for p in Collection(graph, alternatives)]
        return "(" + "|".join(parts) + ")"
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(_wrap(graph, p) for p in Collection(graph, path)) + ")"
    for modifier, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                             (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, modifier)
        if inner is not None:
            return f"{_wrap(graph, inner)}{suffix}"
    return str(path)


def _wrap(graph: Graph, path: Node) -> str:
    return f"<{path}>" if isinstance(path, URIRef) else _path(graph, path)


def report_json(report: ValidationReport) -> str:
    """``to_json()`` as a JSON text (used by the CLI and HTTP)."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
