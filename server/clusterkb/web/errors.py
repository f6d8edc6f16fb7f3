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

import logging

from flask import Flask, Response, g, jsonify, render_template
from werkzeug.exceptions import HTTPException

from clusterkb import formats
from clusterkb.errors import ClientError
from clusterkb.store import base as store_errors
from clusterkb.store.base import StoreError
from clusterkb.web import negotiate
from clusterkb.web.context import config

logger = logging.getLogger("clusterkb.query")

#: The error bodies, the default first (``*/*`` and no ``Accept`` get JSON).
BODIES = (formats.JSON, formats.HTML, formats.TEXT)


def error_response(error: ClientError) -> Response:
    """The response for ``error`` in the representation the client prefers."""
    kind = negotiate.preferred(BODIES)
    if kind is formats.HTML:
        response = Response(render_template("error.html", error=error),
                            mimetype=formats.HTML.media_type)
    elif kind is formats.TEXT:
        response = Response(error.message + "\n", mimetype=formats.TEXT.media_type)
    else:
        return json_response(error)
    return _with_status(response, error)


def json_response(error: ClientError) -> Response:
    """The JSON body of ``error`` with its status and headers (for a page that answers
    browsers itself, such as the validation form, and JSON to everyone else)."""
    return _with_status(jsonify(error.to_json()), error)


def _with_status(response: Response, error: ClientError) -> Response:
    response.status_code = error.status
    response.headers.update(error.headers)
    response.vary.add("Accept")
    return response


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description or error.name
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    return error_response(ClientError(message, status=status, headers=headers))


def _request_id() -> str:
    return g.get("request_id", "") or "-"


def _query_text() -> str:
    return g.get("sparql_query", "")


def public_error(error: StoreError) -> ClientError:
    """A store failure as the client may see it: a short safe message and the request id.

    Engine messages can carry what another server answered (``SERVICE``), so only the
    parse error, which depends on the query text alone, is shown; the rest goes to the log.
    """
    rid = _request_id()
    if isinstance(error, store_errors.QuerySyntaxError):
        return ClientError(error.public_message(), status=400, **error.where())
    if isinstance(error, store_errors.QueryEvaluationError):
        logger.warning("query %s failed in the engine (request %s): %s",
                       store_errors.query_hash(_query_text()), rid, error)
        return ClientError(
            f"{error.public} (request id {rid}). The query is well-formed but the engine "
            "cannot evaluate it, e.g. it calls a function this endpoint does not have.")
    if isinstance(error, store_errors.WorkerCrashed):
        hint = ""
        if "order" in _query_text().lower():
            hint = (" A known cause is ORDER BY over a column that mixes numbers and strings, "
                    "which makes the engine (pyoxigraph 0.5) abort; order by STR(?x), or by a "
                    "typed expression such as xsd:decimal(?x), instead.")
        return ClientError(
            f"The query engine process stopped while running this query (request id {rid}, "
            f"query {error.query_hash}); it has been replaced and other queries are not "
            f"affected.{hint}", status=500)
    if isinstance(error, store_errors.QueryTimeout):
        return ClientError(
            f"The query ran longer than this endpoint's limit of {config().query_timeout:g} s "
            "and was stopped. Narrow it (more specific patterns, LIMIT) and try again.",
            status=503)
    if isinstance(error, store_errors.EngineError):
        return ClientError(f"The SPARQL engine behind this service failed: {error}",
                           status=502)
    logger.error("query %s: store error (request %s): %s",
                 store_errors.query_hash(_query_text()), rid, error)
    return ClientError(f"The query engine failed (request id {rid}).", status=500)


def _from_store(error: StoreError) -> Response:
    return error_response(public_error(error))


def init_app(app: Flask) -> None:
    """Register the handlers for the whole app (blueprints add none of their own)."""
    app.register_error_handler(ClientError, error_response)
    app.register_error_handler(StoreError, _from_store)
    app.register_error_handler(HTTPException, _from_http)


def json_http_error(error: HTTPException) -> Response:
    """``{"error": message, "status": code}``: the JSON APIs' handler until they raise too."""
    response = jsonify(error=error.description or error.name, status=error.code)
    response.status_code = error.code or 500
    return response
