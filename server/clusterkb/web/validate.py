"""``GET,POST /validate``: check RDF against the shapes, for anyone, without storing it.

The upload rules live here because ``/submissions`` takes the same bodies:

* the body is RDF whose syntax the ``Content-Type`` names (Turtle, JSON-LD,
  RDF/XML, N-Triples, N-Quads, TriG), or an HTML form (a file upload or
  pasted text, with a ``format`` field);
* a body over ``config.max_upload_bytes`` is refused with 413 before it is read
  (``Content-Length``), and read with a cap when no length is given;
* parsing goes through ``clusterkb.rdfio`` (no remote JSON-LD context except
  ``{base}context.jsonld``, resolved locally; no XML entities); a syntax error
  is a 400 that names the line and column.

The report is negotiated: JSON (the ``ValidationReport.to_json`` shape), HTML
(grouped by focus node), Turtle or JSON-LD (the SHACL report graph itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, jsonify, render_template, request
from rdflib import Graph
from werkzeug.exceptions import HTTPException

from clusterkb.jsonld_context import context_url, load_context
from clusterkb.rdfio import (
    RDFParseError,
    RDFTooLarge,
    format_for_media_type,
    format_for_path,
    media_type_of,
    parse_dataset,
    read_limited,
)
from clusterkb.validation import ValidationReport, compact, validate_dataset, validate_graph
from clusterkb.web.context import config
from clusterkb.web.errors import json_http_error

bp = Blueprint("validate", __name__)

#: Room for multipart boundaries and the other form fields around an upload.
FORM_OVERHEAD = 64 * 1024
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
RDF_MEDIA_TYPES = ("text/turtle", "application/ld+json", "application/rdf+xml",
                   "application/n-triples", "application/n-quads", "application/trig")
REPORT_TYPES = ("application/json", "text/html", "text/turtle", "application/ld+json")
_REPORT_FORMATS = {"json": "application/json", "html": "text/html", "ttl": "text/turtle",
                   "turtle": "text/turtle", "jsonld": "application/ld+json",
                   "json-ld": "application/ld+json"}


class UploadError(HTTPException):
    """A refused upload: its status, a message, and where in the input (line, column)."""

    def __init__(self, status: int, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.code = status
        self.message = message
        self.line = line
        self.column = column

    def to_json(self) -> dict:
        body: dict = {"error": self.message, "status": self.code}
        if self.line is not None:
            body["line"] = self.line
        if self.column is not None:
            body["column"] = self.column
        return body


@dataclass(frozen=True)
class Upload:
    data: bytes
    fmt: str  # canonical rdfio format name


def read_upload() -> Upload:
    """The RDF in the current request, or an ``UploadError`` (400, 413, 415)."""
    limit = config().max_upload_bytes
    mimetype = request.mimetype
    is_form = mimetype in FORM_TYPES
    length = request.content_length
    if length is not None and length > limit + (FORM_OVERHEAD if is_form else 0):
        raise UploadError(413, f"The upload is {length} bytes; the limit is {limit} bytes.")
    if is_form:
        return _read_form(limit)
    if not mimetype:
        raise UploadError(415, "No Content-Type: send the RDF with one of "
                               + ", ".join(RDF_MEDIA_TYPES) + " (or an HTML form).")
    fmt = format_for_media_type(mimetype)
    if fmt is None:
        raise UploadError(415, f"Unsupported Content-Type {mimetype!r}: use one of "
                               + ", ".join(RDF_MEDIA_TYPES) + ", or an HTML form.")
    try:
        data = read_limited(request.stream, limit)
    except RDFTooLarge:
        raise UploadError(413, f"The upload is larger than the limit of {limit} bytes.") \
            from None
    return Upload(data, fmt)


def _read_form(limit: int) -> Upload:
    # Bounds a chunked form (no Content-Length) too: werkzeug stops reading past these.
    request.max_content_length = limit + FORM_OVERHEAD
    request.max_form_memory_size = limit + FORM_OVERHEAD
    try:
        form, files = request.form, request.files
    except HTTPException as error:
        raise UploadError(error.code or 400, error.description or "Unreadable form") from None
    fmt_field = (form.get("format") or "").strip()
    upload = files.get("file")
    if upload is not None and upload.filename:
        data = read_limited_or_413(upload.stream, limit)
        name = fmt_field or format_for_path(upload.filename) or upload.mimetype or ""
    else:
        text = form.get("data", "")
        data = text.encode("utf-8")
        if len(data) > limit:
            raise UploadError(413, f"The pasted text is larger than the limit of {limit} bytes.")
        name = fmt_field or "turtle"
    if not data.strip():
        raise UploadError(400, "Nothing to validate: choose a file (field 'file') or paste "
                               "RDF (field 'data').")
    fmt = format_for_media_type(name)
    if fmt is None:
        raise UploadError(415, f"Unsupported format {name!r} in field 'format': use one of "
                               + ", ".join(RDF_MEDIA_TYPES) + ".")
    return Upload(data, fmt)


def read_limited_or_413(stream, limit: int) -> bytes:
    try:
        return read_limited(stream, limit)
    except RDFTooLarge:
        raise UploadError(413, f"The file is larger than the limit of {limit} bytes.") from None


def parse_upload(upload: Upload):
    """The upload as an rdflib Dataset, or an ``UploadError`` (400 with line and column)."""
    cfg = config()
    try:
        return parse_dataset(upload.data, upload.fmt, base_iri=cfg.base_iri,
                             max_bytes=cfg.max_upload_bytes,
                             max_triples=cfg.max_upload_triples,
                             contexts={context_url(cfg): load_context(cfg)})
    except RDFTooLarge as error:
        raise UploadError(413, error.message) from None
    except RDFParseError as error:
        raise UploadError(400, f"The {upload.fmt} upload could not be parsed: {error.message}",
                          error.line, error.column) from None


def merged(dataset) -> Graph:
    """All the triples of a dataset in one graph (named graphs of quad formats merged)."""
    graph = Graph()
    for part in dataset.graphs():
        graph += part
    return graph


def validate_upload(dataset) -> ValidationReport:
    """Validate like ``validate_bytes``: as a dataset when it has non-empty named graphs."""
    default = dataset.default_graph.identifier
    if any(g.identifier != default and len(g) for g in dataset.graphs()):
        return validate_dataset(dataset, config())
    return validate_graph(dataset.default_graph, config())


def report_type() -> str:
    """The report media type the client wants (``?format=`` wins over ``Accept``)."""
    asked = request.args.get("format")
    if asked is not None:
        media = _REPORT_FORMATS.get(asked.strip().lower())
        if media is None:
            abort(400, description=f"Unknown format {asked!r} in query parameter 'format'; "
                                   f"use one of: json, html, ttl, jsonld")
        return media
    if not request.headers.get("Accept"):
        return "application/json"
    best = request.accept_mimetypes.best_match(REPORT_TYPES)
    if best is None:
        abort(406, description="None of the accepted media types is available; offered: "
                               + ", ".join(REPORT_TYPES))
    return best


def report_response(report: ValidationReport, status: int = 200, media: str | None = None,
                    extra: dict | None = None, template: str = "validate.html",
                    **context) -> Response:
    """The report in the negotiated representation."""
    media = media or report_type()
    if media == "text/turtle":
        response = Response(report.to_turtle(), status, mimetype="text/turtle")
        response.charset = "utf-8"
    elif media == "application/ld+json":
        response = Response(report.to_jsonld(), status, mimetype="application/ld+json")
    elif media == "text/html":
        response = Response(render_template(template, report=report, groups=report.by_focus(),
                                            compact=compact, **context), status,
                            mimetype="text/html")
    else:
        body = report.to_json()
        if extra:
            body = {**extra, "report": body}
        response = jsonify(body)
        response.status_code = status
    response.vary.add("Accept")
    return response


def error_response(error: UploadError, template: str = "validate.html", **context) -> Response:
    """A refused upload, as HTML for browsers and JSON otherwise."""
    asked = request.args.get("format")
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if asked == "html" or (asked is None and best == "text/html"
                           and request.headers.get("Accept")):
        response = Response(render_template(template, error=error, **context), error.code,
                            mimetype="text/html")
    else:
        response = jsonify(error.to_json())
        response.status_code = error.code
    response.vary.add("Accept")
    return response


bp.register_error_handler(HTTPException, json_http_error)


@bp.get("/validate")
def validate_form():
    return render_template("validate.html", formats=[(m, m) for m in RDF_MEDIA_TYPES],
                           context_iri=context_url(config()))


@bp.post("/validate")
def validate():
    try:
        upload = read_upload()
        dataset = parse_upload(upload)
    except UploadError as error:
        return error_response(error, formats=[(m, m) for m in RDF_MEDIA_TYPES],
                              context_iri=context_url(config()), **_form_echo())
    report = validate_upload(dataset)
    return report_response(report, formats=[(m, m) for m in RDF_MEDIA_TYPES],
                           context_iri=context_url(config()),
                           uploaded=media_type_of(upload.fmt), **_form_echo())


def _form_echo() -> dict[str, str]:
    """The pasted text and chosen format of a form post, so the HTML page keeps them."""
    if request.mimetype not in FORM_TYPES:
        return {}
    try:
        return {"pasted": request.form.get("data", ""),
                "chosen_format": request.form.get("format", "")}
    except HTTPException:
        return {}
