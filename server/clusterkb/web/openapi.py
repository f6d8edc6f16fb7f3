"""``GET /openapi.json``: an OpenAPI 3.1 description of the JSON (non-SPARQL) API.

It covers validation, submissions and review, cluster history, search, the
JSON-LD context and health. SPARQL has its own standard (the SPARQL 1.1
Protocol and the Service Description at ``/sparql``) and the Linked Data pages
are described by content negotiation, so neither is repeated here.

The document is built in code so that the server URL follows the request (the
same app may run on localhost or behind a proxy); everything else is fixed.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from clusterkb import __version__, formats
from clusterkb.web.urls import public_root

bp = Blueprint("openapi", __name__)

RDF_TYPES = tuple(f.media_type for f in (formats.TURTLE, formats.JSON_LD, formats.RDF_XML,
                                         formats.N_TRIPLES, formats.N_QUADS, formats.TRIG))


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


_AUTH_ERRORS = {
    "401": {**_error("No token, or an unknown or revoked one."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
    "403": _error("The token's role (or cluster) does not allow this."),
    "429": {**_error("Too many failed authentication attempts from this client."),
            "headers": {"Retry-After": {"schema": {"type": "string"},
                                        "description": "Seconds to wait."}}},
}

_UPLOAD_BODY = {
    "required": True,
    "description": "RDF in the syntax the Content-Type names, at most the configured upload "
                   "size (default 5 MiB). Plain JSON can use the context "
                   "`{base}context.jsonld`; no other remote context is fetched. An HTML form "
                   "(file field `file` or text field `data`, with `format`) works too.",
    "content": {
        **{t: {"schema": {"type": "string"}} for t in RDF_TYPES},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"},
            "data": {"type": "string"},
            "format": {"type": "string", "description": "Media type or name of the syntax"}}}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "data": {"type": "string"}, "format": {"type": "string"}}}},
    },
}

_UPLOAD_ERRORS = {
    "400": _error("The upload could not be parsed (`line` and `column` say where), or it "
                  "uses a JSON-LD context other than the server's."),
    "413": _error("The upload is larger than the limit."),
    "415": _error("The Content-Type is not an RDF syntax the server reads."),
}

_ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_SLUG_PARAM = {"name": "slug", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}}

_SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "What went wrong and how to fix it."},
        "status": {"type": "integer"},
        "line": {"type": "integer", "description": "1-based line of a syntax error."},
        "column": {"type": "integer", "description": "1-based column of a syntax error."},
        "cluster": {"type": "string"},
        "other_clusters": {"type": "array", "items": {"type": "string"},
                           "description": "Cluster resources a submitter may not describe."}}},
    "ValidationResult": {"type": "object", "required": [
        "focus", "path", "value", "constraint", "severity", "message"], "properties": {
        "focus": {"type": "string", "description": "IRI or `_:id` of the node in question."},
        "focus_label": {"type": ["string", "null"]},
        "path": {"type": ["string", "null"], "description": "The property (IRI)."},
        "value": {"type": ["string", "null"],
                  "description": "The offending value: an IRI or an N-Triples literal."},
        "constraint": {"type": "string"},
        "severity": {"enum": ["Violation", "Warning", "Info"]},
        "message": {"type": "string", "description": "What to fix."},
        "shape": {"type": ["string", "null"]}}},
    "ValidationReport": {"type": "object", "required": ["conforms", "counts", "results"],
                         "properties": {
        "conforms": {"type": "boolean", "description": "True when there is no Violation."},
        "counts": {"type": "object", "properties": {
            "Violation": {"type": "integer"}, "Warning": {"type": "integer"},
            "Info": {"type": "integer"}}},
        "results": {"type": "array", "items": _ref("ValidationResult")}}},
    "RefusedSubmission": {"type": "object", "required": ["error", "report"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"},
        "report": _ref("ValidationReport")}},
    "SubmissionSummary": {"type": "object", "required": [
        "id", "status", "cluster", "submitter", "created"], "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["pending", "accepted", "rejected"]},
        "cluster": {"type": "string", "description": "IRI of the cluster."},
        "submitter": {"type": "string", "description": "Id of the submitter's token."},
        "created": {"type": "string", "format": "date-time"},
        "decided": {"type": ["string", "null"], "format": "date-time"},
        "curator": {"type": ["string", "null"]},
        "reason": {"type": ["string", "null"]},
        "triples": {"type": "integer"},
        "links": {"type": "object", "additionalProperties": {"type": "string"}},
        "published_graph": {"type": "string"}}},
    "Submission": {"allOf": [_ref("SubmissionSummary"), {
        "type": "object", "required": ["report"],
        "properties": {"report": _ref("ValidationReport")}}]},
    "Diff": {"type": "object", "required": ["submission", "added", "removed"], "properties": {
        "submission": {"type": "string"}, "cluster": {"type": "string"},
        "graph": {"type": "string"},
        "added": {"type": "array", "items": {"type": "string"},
                  "description": "Triples added, in N-Triples."},
        "removed": {"type": "array", "items": {"type": "string"}},
        "changes": {"type": "array", "items": {"type": "object"},
                    "description": "The same, grouped by resource and property, with labels "
                                   "and short names."}}},
    "History": {"type": "object", "required": ["cluster", "versions"], "properties": {
        "cluster": {"type": "string"},
        "versions": {"type": "array", "items": {"type": "object", "properties": {
            "version": {"oneOf": [{"type": "integer"}, {"const": "current"}]},
            "graph": {"type": "string"},
            "generated": {"type": ["string", "null"]},
            "replaced": {"type": ["string", "null"]},
            "replaced_by_submission": {"type": ["string", "null"]},
            "turtle": {"type": "string"}}}},
        "compared": {"type": "object", "description": "With ?from=&to=: what changed "
                                                      "between the two versions."}}},
    "SearchResults": {"type": "object", "required": ["query", "total", "hits"], "properties": {
        "query": {"type": "string"}, "total": {"type": "integer"},
        "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "next": {"type": ["string", "null"]}, "prev": {"type": ["string", "null"]},
        "hits": {"type": "array", "items": {"type": "object", "properties": {
            "iri": {"type": "string"}, "label": {"type": ["string", "null"]},
            "type": {"type": ["string", "null"]},
            "types": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"}}}}}},
}

_HTML = {"text/html": {"schema": {"type": "string"}}}


def document(server_url: str) -> dict:
    """The OpenAPI document, with ``server_url`` as its server."""
    report_content = {"application/json": {"schema": _ref("ValidationReport")},
                      "text/html": {"schema": {"type": "string"}},
                      formats.TURTLE.media_type: {"schema": {"type": "string"}},
                      "application/ld+json": {"schema": {"type": "object"}}}
    auth = [{"bearerAuth": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "clusterkb API", "version": __version__,
                 "description": "Validation, submission and review of cluster profiles, "
                                "cluster history, search and the JSON-LD context. SPARQL: "
                                "see `/sparql` (SPARQL 1.1 Protocol)."},
        "servers": [{"url": server_url}],
        "components": {"schemas": _SCHEMAS, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A token from `clusterkb token create`."}}},
        "paths": {
            "/healthz": {"get": {"operationId": "health", "summary": "Liveness check",
                                 "responses": {"200": _json({"type": "object", "properties": {
                                     "status": {"const": "ok"},
                                     "version": {"type": "string"}}}, "Alive.")}}},
            "/context.jsonld": {"get": {
                "operationId": "jsonldContext",
                "summary": "The JSON-LD context for writing submissions as plain JSON",
                "responses": {"200": {"description": "The context document.",
                                      "content": {"application/ld+json": {
                                          "schema": {"type": "object",
                                                     "required": ["@context"]}}}},
                              "304": {"description": "Not modified."}}}},
            "/search": {"get": {
                "operationId": "search", "summary": "Find resources by name",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                    {"name": "page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
                    {"name": "per_page", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "format", "in": "query", "schema": {"enum": ["json", "html"]}}],
                "responses": {"200": {"description": "Matches.", "content": {
                    "application/json": {"schema": _ref("SearchResults")}, **_HTML}},
                    "400": {"description": "A bad parameter.", "content": {
                        "application/json": {"schema": _ref("Error")}, **_HTML}}}}},
            "/validate": {"post": {
                "operationId": "validate", "summary": "Validate RDF against the shapes",
                "description": "Nothing is stored. The report is negotiated by `Accept` (or "
                               "`?format=json|html|ttl|jsonld`): JSON (default), HTML, or "
                               "the SHACL report graph as Turtle or JSON-LD.",
                "requestBody": _UPLOAD_BODY,
                "responses": {"200": {"description": "The validation report.",
                                      "content": report_content},
                              **_UPLOAD_ERRORS,
                              "406": {"description": "No acceptable report format."}}}},
            "/submissions": {
                "post": {"operationId": "submit", "security": auth,
                         "summary": "Submit your cluster's profile (submitter token)",
                         "requestBody": _UPLOAD_BODY,
                         "responses": {
                             "201": {**_json(_ref("Submission"), "Stored as pending."),
                                     "headers": {"Location": {"schema": {"type": "string"}}}},
                             **_UPLOAD_ERRORS, **_AUTH_ERRORS,
                             "422": _json(_ref("RefusedSubmission"),
                                          "Invalid: nothing stored; the report says what "
                                          "to fix.")}},
                "get": {"operationId": "listSubmissions", "security": auth,
                        "summary": "List submissions (curators: all; submitters: their own)",
                        "parameters": [{"name": "status", "in": "query",
                                        "schema": {"enum": ["pending", "accepted",
                                                            "rejected"]}}],
                        "responses": {"200": _json({"type": "object", "properties": {
                            "submissions": {"type": "array",
                                            "items": _ref("SubmissionSummary")}}},
                            "The submissions."), "400": {"description": "Bad status."},
                            **_AUTH_ERRORS}}},
            "/submissions/{id}": {"get": {
                "operationId": "getSubmission", "security": auth, "parameters": [_ID_PARAM],
                "summary": "Status, report, who and when",
                "responses": {"200": _json(_ref("Submission"), "The submission."),
                              "404": _error("No such submission (or not yours)."),
                              **_AUTH_ERRORS}}},
            "/submissions/{id}/diff": {"get": {
                "operationId": "diffSubmission", "security": auth, "parameters": [
                    _ID_PARAM,
                    {"name": "format", "in": "query",
                     "schema": {"enum": ["ttl", "html", "trig", "json"]}},
                    {"name": "part", "in": "query", "schema": {"enum": ["added", "removed"]},
                     "description": "Turtle only: which half of the diff."}],
                "summary": "Triples added and removed against the published graph (curator)",
                "responses": {"200": {"description": "The diff.", "content": {
                    formats.TURTLE.media_type: {"schema": {"type": "string"}},
                    "application/trig": {"schema": {"type": "string"}},
                    "application/json": {"schema": _ref("Diff")}, **_HTML}},
                    "400": {"description": "Bad parameter."},
                    "404": _error("No such submission."), **_AUTH_ERRORS}}},
            "/submissions/{id}/accept": {"post": {
                "operationId": "acceptSubmission", "security": auth, "parameters": [_ID_PARAM],
                "summary": "Publish the submission as the cluster's graph (curator)",
                "responses": {"200": _json(_ref("Submission"), "Accepted and published."),
                              "404": _error("No such submission."),
                              "409": _error("Already accepted or rejected."),
                              **_AUTH_ERRORS}}},
            "/submissions/{id}/reject": {"post": {
                "operationId": "rejectSubmission", "security": auth, "parameters": [_ID_PARAM],
                "summary": "Reject the submission with a reason (curator)",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "object", "required": ["reason"],
                                                    "properties": {"reason": {
                                                        "type": "string", "minLength": 1}}}},
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["reason"],
                        "properties": {"reason": {"type": "string", "minLength": 1}}}}}},
                "responses": {"200": _json(_ref("Submission"), "Rejected."),
                              "400": {"description": "No reason given."},
                              "404": _error("No such submission."),
                              "409": _error("Already accepted or rejected."),
                              **_AUTH_ERRORS}}},
            "/id/cluster/{slug}/history": {"get": {
                "operationId": "clusterHistory", "parameters": [
                    _SLUG_PARAM, {"name": "format", "in": "query",
                                  "schema": {"enum": ["json", "html"]}},
                    *({"name": name, "in": "query", "schema": {"type": "string"},
                       "description": "A version number or 'current': compare two versions "
                                      "(give both)."} for name in ("from", "to"))],
                "summary": "Versions of a cluster's graph, with links to their Turtle",
                "responses": {"200": {"description": "The versions.", "content": {
                    "application/json": {"schema": _ref("History")}, **_HTML}},
                    "400": {"description": "Bad parameter."},
                    "404": {"description": "No such cluster or version."},
                    "406": {"description": "Neither HTML nor JSON is acceptable."}}}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document(public_root().rstrip("/")))  # CORS: web.cors
