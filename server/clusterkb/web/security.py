"""Security headers on every response, and the request-size cap for the WSGI server.

Why one module: the rules a browser needs to show our pages safely (they
include text from submissions, which is untrusted) are easy to forget route by
route, so one ``after_request`` hook sets them all:

* ``Content-Security-Policy`` on HTML: scripts and styles only from this site
  (the query editor ships in ``static/``: no CDN); no inline script, so an
  escaped-but-missed value still cannot run; no framing
  (``frame-ancestors 'none'``), no ``<base>`` hijack, forms only to this site;
* ``X-Content-Type-Options: nosniff`` on every response, so a Turtle dump or a
  JSON error is never sniffed into HTML;
* ``X-Frame-Options: DENY`` for browsers without CSP level 2, and a
  ``Referrer-Policy`` that sends no path to other sites;
* any cookie is ``HttpOnly``, and ``Secure`` unless the request came to
  localhost (plain-HTTP development).

``max_request_body`` is the largest body any route accepts: the WSGI server
(waitress) buffers a whole request body before the app sees it, so it must
refuse a larger declared ``Content-Length`` itself (413) instead of waiting
for a body that may never end. Those answers, and every other one that does
not come from Flask (the WSGI limiter's 429/503), carry ``BASE_HEADERS``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, Response, request

from clusterkb import formats
from clusterkb.config import Config
from clusterkb.web.uploads import FORM_OVERHEAD

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"
#: What every response carries, whoever builds it (Flask, the limiter, waitress's own errors).
BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("X-Frame-Options", "DENY"),
)


def max_request_body(config: Config) -> int:
    """The largest request body any route reads: an upload form (queries are smaller)."""
    return max(config.max_upload_bytes + FORM_OVERHEAD, config.max_query_bytes) + 1


def is_loopback(host: str) -> bool:
    """Whether a ``Host`` value (``name``, ``name:port``, ``[v6]:port``) is this machine:
    ``localhost`` (and ``*.localhost``) or any loopback address, IPv4 or IPv6."""
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _is_local() -> bool:
    return is_loopback(request.host)


def secure_headers(response: Response) -> Response:
    """Add the security headers to ``response`` (an ``after_request`` hook)."""
    headers = response.headers
    for name, value in BASE_HEADERS:
        headers.setdefault(name, value)
    headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == formats.HTML.media_type:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    cookies = headers.getlist("Set-Cookie")
    if cookies:
        local = _is_local()
        headers.remove("Set-Cookie")
        for cookie in cookies:
            flags = {part.strip().lower() for part in cookie.split(";")[1:]}
            if "httponly" not in flags:
                cookie += "; HttpOnly"
            if not local and "secure" not in flags:
                cookie += "; Secure"
            headers.add("Set-Cookie", cookie)
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
