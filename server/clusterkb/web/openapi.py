"""``/openapi.json``, the OpenAPI 3.1 document of every route, and ``/api``, its page.

The document is generated from the app (``web.openapi_spec``: the ``url_map`` and
the views' docstrings), once per process, and served with the request's public
root as its server (``web.urls``: behind a proxy or on localhost alike).

The page is Swagger UI as the ``flask-swagger-ui`` package ships it (its ``dist``
folder, served under ``/api/ui/``): no CDN, so it works offline, and nothing
inline, so it runs under the site's Content-Security-Policy; ``static/api-docs.js``
starts it with the document's URL. Without JavaScript the page still links the
document itself.
"""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, current_app, jsonify, render_template

from clusterkb.web.openapi_spec import build
from clusterkb.web.urls import public_root

SWAGGER_UI = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
_DOCUMENT_KEY = "clusterkb.openapi"

bp = Blueprint("openapi", __name__, static_folder=str(SWAGGER_UI), static_url_path="/api/ui")


def document() -> dict:
    """The app's document without ``servers`` (built on first use: every route is known)."""
    cached = current_app.extensions.get(_DOCUMENT_KEY)
    if cached is None:
        cached = build(current_app, "")
        cached.pop("servers", None)
        current_app.extensions[_DOCUMENT_KEY] = cached
    return cached


@bp.get("/openapi.json")
def openapi_json():
    """The document, with this server's public root as its server.
    ---
    get:
      summary: This OpenAPI document
      responses:
        "200":
          description: The OpenAPI 3.1 document of every route of this server.
          content:
            JSON: {schema: {type: object, required: [openapi, info, paths]}}
    """
    # CORS: web.cors
    return jsonify({**document(), "servers": [{"url": public_root().rstrip("/")}]})


@bp.get("/api")
def api_page():
    """The API's documentation page (Swagger UI, shipped with the package).
    ---
    get:
      summary: The API documentation page
      responses:
        "200":
          description: Swagger UI over `/openapi.json`; without JavaScript, a link to it.
          content:
            HTML: {schema: {type: string}}
    """
    return render_template("api.html", operations=_count_operations(document()))


def _count_operations(doc: dict) -> int:
    return sum(1 for item in doc.get("paths", {}).values() for key in item
               if key in ("get", "post", "put", "patch", "delete", "options"))
