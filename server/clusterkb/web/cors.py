"""Cross-origin reads for browser apps: every public route, never the authenticated ones.

Why: the KB is open data, and a web page on another origin should be able to
do what curl does — dereference a result IRI as JSON-LD, read the catalogue,
VoID, search JSON, dumps, the context and OpenAPI — without a proxy of its
own. ``flask-cors`` answers the preflight (``OPTIONS`` with
``Access-Control-Request-Method``) and adds ``Access-Control-Allow-Origin: *``.

Never on ``/submissions...``: those routes take a bearer token or a session
cookie, and ``Access-Control-Allow-Credentials`` is never sent anywhere, so a
foreign page can neither read a curator's pages nor act with the cookie.
Public answers carry no cookie, so ``*`` is safe for them.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

#: Every path except the submissions workflow (which authenticates).
PUBLIC_PATHS = r"^/(?!submissions(/|$)).*"
#: Response headers a script may read beyond the CORS-safelisted ones.
EXPOSED = ("ETag", "Link", "X-Request-Id", "X-SPARQL-Truncated", "X-SPARQL-Max-Rows",
           "X-Cache", "Retry-After")
PREFLIGHT_MAX_AGE = 86400


def init_app(app: Flask) -> None:
    CORS(app, resources={PUBLIC_PATHS: {}}, origins="*", send_wildcard=True,
         supports_credentials=False, methods=["GET", "HEAD", "POST", "OPTIONS"],
         allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
         expose_headers=list(EXPOSED), max_age=PREFLIGHT_MAX_AGE, vary_header=False)
