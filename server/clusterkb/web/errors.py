"""Every error body of the app, built in one place.

Blueprints raise (``clusterkb.errors.ClientError`` or Flask's ``abort``); the handlers
registered here answer, whatever the route:

* a browser (HTML preferred to JSON) gets an HTML page saying what went wrong;
* a client that prefers ``text/plain`` (SPARQL tools that ask for text) gets one line;
* everyone else, including ``Accept: */*`` and no ``Accept`` at all, gets JSON:
  ``{"error": message, "status": code, ...}`` with fields such as ``line``, ``column``
  or ``allowed`` where the error has them.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from clusterkb.errors import ClientError

_CHOICES = ("application/json", "text/html", "text/plain")


def _body_type() -> str:
    accept = request.accept_mimetypes
    if not request.headers.get("Accept"):
        return "application/json"
    best = accept.best_match(_CHOICES, default="application/json")
    # A wildcard alone ("*/*") matches the first choice: JSON, as for no Accept.
    return best


def error_response(error: ClientError) -> Response:
    """The response for ``error`` in the representation the client prefers."""
    kind = _body_type()
    if kind == "text/html":
        response = Response(render_template("error.html", error=error), mimetype="text/html")
    elif kind == "text/plain":
        response = Response(error.message + "\n", mimetype="text/plain")
    else:
        response = jsonify(error.to_json())
    response.status_code = error.status
    response.headers.update(error.headers)
    response.vary.add("Accept")
    return response


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description or error.name
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    return error_response(ClientError(message, status=status, headers=headers))


def init_app(app: Flask) -> None:
    """Register the handlers for the whole app (blueprints add none of their own)."""
    app.register_error_handler(ClientError, error_response)
    app.register_error_handler(HTTPException, _from_http)


def json_http_error(error: HTTPException) -> Response:
    """``{"error": message, "status": code}``: the JSON APIs' handler until they raise too."""
    response = jsonify(error=error.description or error.name, status=error.code)
    response.status_code = error.code or 500
    return response
