"""The validation report over HTTP: one rendering shared by ``/validate`` and ``/submissions``.

Why a helper: both surfaces answer an upload with the same report in the same
negotiated representations, and blueprints do not import each other. The
report is negotiated (``?format=`` wins over ``Accept``): JSON (the
``ValidationReport.to_json`` shape), HTML (grouped by focus node; the caller
names the template), Turtle or JSON-LD (the SHACL report graph itself). A
refused upload (``UploadError``) is HTML for browsers and JSON otherwise.
"""

from __future__ import annotations

from flask import Response, abort, jsonify, render_template, request

from clusterkb.validation import ValidationReport, compact
from clusterkb.web.uploads import UploadError

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
