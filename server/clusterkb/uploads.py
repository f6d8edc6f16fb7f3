"""One path for every upload: parse with limits, validate in a killable worker, explain.

``/validate`` and ``/submissions`` both call ``check_upload`` (or its two
halves, ``parse_upload`` then ``validate_upload``, when a caller must refuse
something cheaply in between), so the same bytes always get the same verdict:
a TriG upload is validated as a dataset (with the provenance check of each
named graph) by both, never flattened by one of them (issue #14.7).

* Parsing (``rdfio``) runs here, in the web process: it is the engine's own
  parser, linear and bounded by ``max_upload_bytes`` and
  ``max_upload_triples``; a syntax error is refused (400) with line and column.
* Validation runs in ``validation_pool`` workers with ``validation_timeout``
  per upload (issue #13.2); the parsed quads travel as N-Quads, blank-node
  labels kept, so the report's ``_:x`` names are the caller's.
* The worker also runs the second check (``validation.check_criteria``: the
  ECCP's profile criteria, warnings in a section of their own) and rewrites the
  report for people (``explain``), since it holds the shapes and vocabularies
  already: JSON keys, positions, allowed values.

Nothing here knows HTTP: refusals are ``UploadRefused`` (a ``ClientError``) with the
status the web layer answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Dataset, Graph

from clusterkb import explain, validation
from clusterkb.config import Config
from clusterkb.errors import ClientError
from clusterkb.jsonld_context import upload_contexts
from clusterkb.rdfio import RDFParseError, RDFTooLarge, parse_dataset, parse_quads, to_dataset
from clusterkb.store.terms import to_ox
from clusterkb.validation import ValidationReport, merged_graph
from clusterkb.validation_pool import ValidationBusy, ValidationPool, ValidationUnavailable


class UploadRefused(ClientError):
    """An upload that is not validated: HTTP ``status``, a message, and where in the input.

    A ``ClientError``, so ``web.errors`` (or the report pages) answer it like any other
    refusal; ``line`` and ``column`` also go into the JSON body when they are known.
    """

    def __init__(self, status: int, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        where = {k: v for k, v in (("line", line), ("column", column)) if v is not None}
        super().__init__(message, status=status, **where)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Upload:
    data: bytes
    fmt: str  # canonical rdfio format name
    sniffed: bool = False  # the format was guessed from the text (the form did not say)


@dataclass
class CheckedUpload:
    """A parsed and validated upload."""

    upload: Upload
    dataset: Dataset
    report: ValidationReport

    @property
    def graph(self) -> Graph:
        return merged_graph(self.dataset)


# --- what was pasted ---------------------------------------------------------------------------

_XML_START = re.compile(rb"<(\?xml|!--|!DOCTYPE|[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?[\s>/])")
_TRIG_BLOCK = re.compile(r"^\s*(GRAPH\s+)?(<[^>\s]*>|[\w-]*:[\w.-]*)\s*\{", re.M | re.I)


def sniff_format(data: bytes) -> str:
    """The syntax of pasted text: JSON(-LD), RDF/XML, TriG (named graphs) or else Turtle.

    JSON starts with ``{`` or ``[``; XML with a declaration, comment, DTD or an
    element tag (a Turtle IRI such as ``<https://...>`` has ``:/`` and never
    matches); a Turtle-like text with ``name {`` blocks is TriG.
    """
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json-ld"
    if _XML_START.match(head[:512]) and (head.startswith((b"<?xml", b"<!"))
                                         or b"xmlns" in head.split(b">", 1)[0]):
        return "rdf/xml"
    if _TRIG_BLOCK.search(data.decode("utf-8", "replace")):
        return "trig"
    return "turtle"


# --- the path ----------------------------------------------------------------------------------

def parse_upload(upload: Upload, config: Config) -> Dataset:
    """The upload as an rdflib Dataset, or ``UploadRefused`` (400 with line and column, 413)."""
    try:
        return parse_dataset(upload.data, upload.fmt, base_iri=config.base_iri,
                             max_bytes=config.max_upload_bytes,
                             max_triples=config.max_upload_triples,
                             contexts=upload_contexts(config))
    except RDFTooLarge as error:
        raise UploadRefused(413, error.message) from None
    except RDFParseError as error:
        guessed = " (the format was guessed from the text; choose it to be sure)" \
            if upload.sniffed else ""
        raise UploadRefused(400, f"The {upload.fmt} upload could not be parsed{guessed}: "
                                 f"{error.message}", error.line, error.column) from None


def validate_upload(upload: Upload, dataset: Dataset, config: Config,
                    pool: ValidationPool) -> ValidationReport:
    """Validate a parsed upload in a worker within ``config.validation_timeout`` (else 503)."""
    quads = _quads(dataset)
    job = {"nquads": ox.serialize(quads, format=ox.RdfFormat.N_QUADS) if quads else b"",
           "fmt": upload.fmt,
           "source": upload.data if upload.fmt == "json-ld" else None}
    try:
        return pool.validate(job, config.validation_timeout)
    except ValidationBusy as error:
        raise UploadRefused(503, f"The validation service is busy: {error}") from None
    except ValidationUnavailable as error:
        raise UploadRefused(503, str(error)) from None


def check_upload(upload: Upload, config: Config, pool: ValidationPool) -> CheckedUpload:
    """Parse, validate and explain ``upload``: the one function behind every upload route."""
    dataset = parse_upload(upload, config)
    return CheckedUpload(upload, dataset, validate_upload(upload, dataset, config, pool))


def _quads(dataset: Dataset) -> list[ox.Quad]:
    default = dataset.default_graph.identifier
    quads = []
    for graph in dataset.graphs():
        name = ox.DefaultGraph() if graph.identifier == default else to_ox(graph.identifier)
        quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in graph)
    return quads


# --- inside a validation worker ----------------------------------------------------------------

def warm(config: Config) -> None:
    """Load the shapes, ontology, vocabularies and context once, before the first upload."""
    validation.get_context(config)
    explain.warm(config)


def run_job(job: dict, config: Config) -> ValidationReport:
    """Validate one job of ``validate_upload`` (in a worker) and explain the report."""
    dataset = (to_dataset(parse_quads(job["nquads"], "nq", rename_blank_nodes=False))
               if job["nquads"] else Dataset())
    report = validation.validate_parsed(dataset, config)
    report.criteria = validation.check_criteria(dataset, config)
    return explain.explain(report, job["fmt"], job.get("source"), config)
