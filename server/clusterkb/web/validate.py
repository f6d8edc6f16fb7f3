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

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import HTTPException

from clusterkb import formats
from clusterkb.jsonld_context import context_url
from clusterkb.rdfio import media_type_of
from clusterkb.uploads import UploadRefused
from clusterkb.web.context import config
from clusterkb.web.errors import json_http_error
from clusterkb.web.reports import error_response, report_response
from clusterkb.web.uploads import FORM_TYPES, RDF_MEDIA_TYPES, check_request

bp = Blueprint("validate", __name__)

bp.register_error_handler(HTTPException, json_http_error)


@bp.get("/validate")
def validate_form():
    """The upload form.
    ---
    get:
      summary: The validation form (a page for people)
      responses: {"200": Html}
    """
    return render_template("validate.html", formats=[(m, m) for m in RDF_MEDIA_TYPES],
                           context_iri=context_url(config()))


@bp.get("/validate/template.json")
def profile_template():
    """A cluster profile in plain JSON to fill in (``REPLACE`` marks each placeholder).
    ---
    get:
      summary: A cluster profile in plain JSON to start from
      responses:
        "200":
          description: The template (`REPLACE` marks each placeholder), as an attachment.
          headers:
            Content-Disposition: {schema: {type: string}}
          content:
            JSON: {schema: {type: object, required: ["@context"]}}
    """
    body = render_template("profile-template.json", context_iri=context_url(config()))
    response = Response(body, mimetype=formats.JSON.media_type)
    response.headers["Content-Disposition"] = 'attachment; filename="cluster-profile.json"'
    return response


@bp.post("/validate")
def validate():
    """Validate the upload against the shapes; the report is negotiated.
    ---
    post:
      summary: Validate RDF against the shapes (nothing is stored)
      description: >-
        The report is negotiated by `Accept` or `?format=json|html|ttl|jsonld`: JSON (default),
        HTML, or the SHACL report graph as Turtle or JSON-LD.
      parameters:
        - {in: query, name: format, schema: {enum: [json, html, ttl, jsonld]}}

      requestBody: Upload

      responses:
        "200":
          description: The validation report.
          content:
            JSON: {schema: ValidationReport}
            HTML: {schema: {type: string}}
            TURTLE: {schema: {type: string}}
            JSON_LD: {schema: {type: object}}
        <<: {"400": BadRequest, "406": NotAcceptable, "413": PayloadTooLarge,
             "415": UnsupportedMediaType, "429": TooManyRequests, "503": Unavailable}
    """
    try:
        checked = check_request()
    except UploadRefused as error:
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
