"""Structured request logs: one parseable JSON line per request."""

from __future__ import annotations

import json
import logging

from clusterkb.web import create_app
from clusterkb.web.logs import logger


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(self.format(record)))


def test_each_request_is_logged_as_json_with_status_duration_and_id(built_store):
    app = create_app(built_store.config, built_store)
    collect = _Collect()
    collect.setFormatter(logger.handlers[0].formatter)
    logger.addHandler(collect)
    try:
        client = app.test_client()
        ok = client.get("/healthz", headers={"X-Request-Id": "abc123"})
        missing = client.get("/id/cluster/no-such-cluster", headers={"Accept": "text/turtle"})
    finally:
        logger.removeHandler(collect)
    assert ok.headers["X-Request-Id"] == "abc123"
    first, second = collect.records
    assert first["path"] == "/healthz" and first["status"] == 200 and first["id"] == "abc123"
    assert isinstance(first["ms"], float) and first["ms"] >= 0
    assert second["status"] == 404 and second["path"] == "/id/cluster/no-such-cluster"
    assert second["id"] == missing.headers["X-Request-Id"] and len(second["id"]) == 32
