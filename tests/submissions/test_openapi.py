"""``/openapi.json`` describes every route, and the real server keeps to it (schemathesis)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
ROHEALTH = "https://w3id.org/clusterkb/id/cluster/rohealth"
# What the brief asks of the API: no 5xx, and every status, content type, header and
# body as the document says.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")


def test_openapi_lists_the_json_routes(kb_server):
    server = kb_server()
    document = requests.get(f"{server.url}/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": server.url}]
    for path in ("/validate", "/submissions", "/submissions/{submission_id}",
                 "/submissions/{submission_id}/diff", "/submissions/{submission_id}/accept",
                 "/submissions/{submission_id}/reject", "/submissions/session",
                 "/submissions/session/end", "/healthz", "/search", "/context.jsonld",
                 "/id/cluster/{slug}/history", "/sparql", "/catalog", "/dump.{ext}"):
        assert path in document["paths"], path
    assert "bearerAuth" in document["components"]["securitySchemes"]


@pytest.mark.parametrize("role", ["curator", "submitter"])
def test_schemathesis_finds_no_5xx_and_no_schema_violation(kb_server, role):
    server = kb_server(CLUSTERKB_AUTH_FAILURES_PER_MINUTE="100000")
    secret, _ = server.token(role, ROHEALTH if role == "submitter" else None)
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{server.url}/openapi.json", "--checks", CHECKS,
         "--max-examples", "5", "--generation-deterministic", "--request-timeout", "30",
         "--header", f"Authorization: Bearer {secret}"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
