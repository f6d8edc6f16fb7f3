"""``GET /context.jsonld``: the JSON-LD context submitters reference from plain JSON.

Served with ``Access-Control-Allow-Origin: *`` by ``web.cors`` (browser JSON-LD
processors fetch it cross-origin) and an ``ETag`` so clients can cache it.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request

from clusterkb import formats
from clusterkb.jsonld_context import context_bytes
from clusterkb.web.context import config

bp = Blueprint("context_doc", __name__)


@bp.get("/context.jsonld")
def context_document():
    """The context, with an ETag clients cache by.
    ---
    get:
      summary: The JSON-LD context for writing submissions as plain JSON
      responses:
        "200":
          description: The context document.
          headers: {ETag: ETag}
          content:
            JSON_LD: {schema: {type: object, required: ["@context"]}}
        "304": NotModified
    """
    body = context_bytes(config())
    etag = hashlib.sha256(body).hexdigest()[:32]
    response = Response(body, mimetype=formats.JSON_LD.media_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response.make_conditional(request)
