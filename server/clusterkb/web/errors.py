"""JSON error bodies for the JSON APIs (``/validate``, ``/submissions``).

Clients of those APIs parse every answer as JSON, errors included, so their
blueprints register ``json_http_error`` instead of Flask's HTML error pages.
"""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException


def json_http_error(error: HTTPException) -> Response:
    """``{"error": message, "status": code}`` with the error's status code."""
    response = jsonify(error=error.description or error.name, status=error.code)
    response.status_code = error.code or 500
    return response
