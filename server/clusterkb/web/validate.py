"""``GET,POST /validate``: check RDF against the shapes, for anyone, without storing it.

Reading an upload from a request is ``web.uploads``, shared with ``/submissions``,
which takes the same bodies (the rest of the path, parse → validate → explain,
is ``clusterkb.uploads``):

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

from flask import Blueprint, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from clusterkb.jsonld_context import context_url
from clusterkb.rdfio import media_type_of
from clusterkb.uploads import Upload
from clusterkb.validation import ValidationReport, compact
from clusterkb.validation import merged_graph as merged
from clusterkb.web.context import config
from clusterkb.web.errors import json_http_error

# Upload reading moved to web.uploads (blueprints do not import each other); these names
# stay importable from here until web.submissions imports them from there.
from clusterkb.web.uploads import (
    FORM_OVERHEAD,
    FORM_TYPES,
    RDF_MEDIA_TYPES,
    UploadError,
    check_request,
    parse_upload,
    read_upload,
    validate_upload,
    validation_pool,
)

__all__ = ["FORM_OVERHEAD", "FORM_TYPES", "RDF_MEDIA_TYPES", "Upload", "UploadError",
           "check_request", "error_response", "merged", "parse_upload", "read_upload",
           "report_response", "validate_upload", "validation_pool"]

bp = Blueprint("validate", __name__)

REPORT_TYPES = ("application/json", "text/html", "text/turtle", "application/ld+json")
_REPORT_FORMATS = {"json": "application/json", "html": "text/html", "ttl": "text/turtle",
                   "turtle": "text/turtle", "jsonld": "application/ld+json",
                   "json-ld": "application/ld+json"}


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
