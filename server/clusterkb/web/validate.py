"""``GET,POST /validate``: check RDF against the shapes, for anyone, without storing it.

The HTTP side of uploads lives here because ``/submissions`` takes the same bodies
(the rest of the path, parse → validate → explain, is ``clusterkb.uploads``):

* the body is RDF whose syntax the ``Content-Type`` names (Turtle, JSON-LD,
  RDF/XML, N-Triples, N-Quads, TriG), or an HTML form (a file upload or
  pasted text, with a ``format`` field; without one, a file's extension and
  else the text itself tell the syntax: ``uploads.sniff_format``);
* a body over ``config.max_upload_bytes`` is refused with 413 before it is read
  (``Content-Length``), and read with a cap when no length is given;
* parsing goes through ``clusterkb.rdfio`` (no remote JSON-LD context except
  ``{base}context.jsonld``, resolved locally; no XML entities); a syntax error
  is a 400 that names the line and column;
* validation runs in a worker process of the app's ``ValidationPool`` with
  ``config.validation_timeout`` per upload; past it, or when every worker stays
  busy that long, the answer is 503 with a message, and other uploads go on.

``GET /validate/template.json`` is a profile in plain JSON to start from: it
validates once its ``REPLACE`` placeholders are filled in.

The report is negotiated: JSON (the ``ValidationReport.to_json`` shape), HTML
(grouped by focus node), Turtle or JSON-LD (the SHACL report graph itself).
"""

from __future__ import annotations

import atexit
import threading

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from rdflib import Dataset
from werkzeug.exceptions import HTTPException

from clusterkb import uploads
from clusterkb.jsonld_context import context_url
from clusterkb.rdfio import (
    RDFTooLarge,
    format_for_media_type,
    format_for_path,
    media_type_of,
    read_limited,
)
from clusterkb.uploads import CheckedUpload, Upload, UploadRefused
from clusterkb.validation import ValidationReport, compact
from clusterkb.validation import merged_graph as merged
from clusterkb.validation_pool import ValidationPool
from clusterkb.web.context import config
from clusterkb.web.errors import json_http_error

__all__ = ["FORM_OVERHEAD", "FORM_TYPES", "Upload", "UploadError", "check_request",
           "error_response", "merged", "parse_upload", "read_upload", "report_response",
           "validate_upload"]

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

    @classmethod
    def of(cls, refused: UploadRefused) -> UploadError:
        return cls(refused.status, refused.message, refused.line, refused.column)

    def to_json(self) -> dict:
        body: dict = {"error": self.message, "status": self.code}
        if self.line is not None:
            body["line"] = self.line
        if self.column is not None:
            body["column"] = self.column
        return body


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
        name = fmt_field or format_for_path(upload.filename) or ""
    else:
        text = form.get("data", "")
        data = text.encode("utf-8")
        if len(data) > limit:
            raise UploadError(413, f"The pasted text is larger than the limit of {limit} bytes.")
        name = fmt_field
    if not data.strip():
        raise UploadError(400, "Nothing to validate: choose a file (field 'file') or paste "
                               "RDF (field 'data').")
    if not name:  # the form does not say: the text does
        return Upload(data, uploads.sniff_format(data), sniffed=True)
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


def parse_upload(upload: Upload) -> Dataset:
    """The upload as an rdflib Dataset, or an ``UploadError`` (400 with line and column)."""
    try:
        return uploads.parse_upload(upload, config())
    except UploadRefused as refused:
        raise UploadError.of(refused) from None


def validate_upload(upload: Upload, dataset: Dataset) -> ValidationReport:
    """``uploads.validate_upload`` in this app's validation pool; ``UploadError`` 503 past the
    time limit. ``/validate`` and ``/submissions`` both validate through here."""
    try:
        return uploads.validate_upload(upload, dataset, config(), validation_pool())
    except UploadRefused as refused:
        raise UploadError.of(refused) from None


def check_request() -> CheckedUpload:
    """The current request's upload, read, parsed and validated (``UploadError`` if refused)."""
    upload = read_upload()
    dataset = parse_upload(upload)
    return CheckedUpload(upload, dataset, validate_upload(upload, dataset))


_POOL_KEY = "clusterkb.validation_pool"
_POOL_LOCK = threading.Lock()


def validation_pool() -> ValidationPool:
    """The app's validation workers, created on first use (so an app that never validates
    starts none) and stopped at exit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _POOL_LOCK:
        pool = app.extensions.get(_POOL_KEY)
        if pool is None:
            cfg = config()
            pool = app.extensions[_POOL_KEY] = ValidationPool(cfg, cfg.validation_workers)
            atexit.register(pool.close)
    return pool


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


@bp.get("/validate/template.json")
def profile_template():
    """A cluster profile in plain JSON to fill in (``REPLACE`` marks each placeholder)."""
    body = render_template("profile-template.json", context_iri=context_url(config()))
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="cluster-profile.json"'
    return response


@bp.post("/validate")
def validate():
    try:
        checked = check_request()
    except UploadError as error:
        return error_response(error, formats=[(m, m) for m in RDF_MEDIA_TYPES],
                              context_iri=context_url(config()), **_form_echo())
    return report_response(checked.report, formats=[(m, m) for m in RDF_MEDIA_TYPES],
                           context_iri=context_url(config()),
                           uploaded=media_type_of(checked.upload.fmt),
                           sniffed=checked.upload.sniffed, **_form_echo())


def _form_echo() -> dict[str, str]:
    """The pasted text and chosen format of a form post, so the HTML page keeps them."""
    if request.mimetype not in FORM_TYPES:
        return {}
    try:
        return {"pasted": request.form.get("data", ""),
                "chosen_format": request.form.get("format", "")}
    except HTTPException:
        return {}
