"""The validation report over HTTP: one rendering shared by ``/validate`` and ``/submissions``.

Why a helper: both surfaces answer an upload with the same report in the same
negotiated representations, and blueprints do not import each other. The
report is negotiated (``?format=`` wins over ``Accept``): JSON (the
``ValidationReport.to_json`` shape), HTML (grouped by focus node; the caller
names the template), Turtle or JSON-LD (the SHACL report graph itself). A
refused upload (``uploads.UploadRefused``) is HTML for browsers and JSON otherwise.
"""

from __future__ import annotations

from flask import Response, jsonify, render_template

from clusterkb import formats
from clusterkb.uploads import UploadRefused
from clusterkb.validation import ValidationReport, compact
from clusterkb.web import errors, negotiate

#: The report's representations, the default first.
REPORT_FORMATS = (formats.JSON, formats.HTML, formats.TURTLE, formats.JSON_LD)


def report_response(report: ValidationReport, status: int = 200, extra: dict | None = None,
                    template: str = "validate.html", **context) -> Response:
    """The report in the representation negotiated by ``web.negotiate``'s one rule."""
    fmt = negotiate.choose(REPORT_FORMATS)
    if fmt is formats.TURTLE:
        response = Response(report.to_turtle(), status, mimetype=fmt.media_type)
        response.charset = "utf-8"
    elif fmt is formats.JSON_LD:
        response = Response(report.to_jsonld(), status, mimetype=fmt.media_type)
    elif fmt is formats.HTML:
        response = Response(render_template(template, report=report, groups=report.by_focus(),
                                            compact=compact, **context), status,
                            mimetype=fmt.media_type)
    else:
        body = report.to_json()
        if extra:
            body = {**extra, "report": body}
        response = jsonify(body)
        response.status_code = status
    return negotiate.finish(response)


def error_response(error: UploadRefused, template: str = "validate.html", **context) -> Response:
    """A refused upload, as HTML for browsers and JSON otherwise."""
    if negotiate.wants_html():
        response = Response(render_template(template, error=error, **context), error.status,
                            mimetype=formats.HTML.media_type)
    else:
        response = errors.json_response(error)
    return negotiate.finish(response)
