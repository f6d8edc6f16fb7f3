"""Structured request logs: one JSON object per request on stderr.

Operators feed these lines to whatever collects their logs; JSON keeps every
field machine-readable (no parsing of Apache-style lines), and the request id
(also sent back as ``X-Request-Id``) ties a user's report to its log line.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, Response, g, request

logger = logging.getLogger("clusterkb.requests")


class _JSONLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record.msg, ensure_ascii=False, separators=(",", ":"))


def init_app(app: Flask) -> None:
    """Log every request the app answers, with its duration and outcome."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_JSONLines())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    @app.after_request
    def _log(response: Response) -> Response:
        started = g.get("request_started")
        response.headers["X-Request-Id"] = g.get("request_id", "")
        logger.info({
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1")[:512],
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "bytes": response.content_length,
            "remote": request.remote_addr,
            "agent": request.user_agent.string[:200],
        })
        return response
