"""Browser apps on other origins may read every public route, never the authenticated ones
(#19.1), over the small real store (Flask test client); a real browser does the same in
``tests/browser/test_web_cors.py``."""

from __future__ import annotations

import pytest

ORIGIN = "https://app.example"
PUBLIC = ["/", "/id/cluster/medical.jsonld", "/id/cluster/medical", "/graph/clusters/medical",
          "/ontology", "/catalog", "/catalog.jsonld", "/.well-known/void", "/search?q=pecs",
          "/dump.ttl", "/dump.nq.gz", "/context.jsonld", "/openapi.json", "/healthz",
          "/sparql?query=ASK%7B%7D", "/sparql"]
PRIVATE = ["/submissions", "/submissions/x", "/submissions/x/diff"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_gets_allow_any_origin_without_credentials(client, path):
    response = client.get(path, headers={"Origin": ORIGIN})
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers.get("Access-Control-Allow-Origin") == "*", path
    assert "Access-Control-Allow-Credentials" not in response.headers, path
    exposed = {h.strip().lower() for h in
               response.headers.get("Access-Control-Expose-Headers", "").split(",")}
    assert {"etag", "link"} <= exposed or path.startswith("/sparql"), (path, exposed)


@pytest.mark.parametrize("path", ["/id/cluster/medical", "/catalog", "/search", "/dump.ttl"])
def test_preflight_is_answered(client, path):
    response = client.options(path, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Accept, If-None-Match"})
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "accept" in allowed and "if-none-match" in allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize("path", PRIVATE)
def test_authenticated_routes_get_no_cors_headers(client, path):
    for method in ("GET", "OPTIONS"):
        response = client.open(path, method=method, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Authorization": "Bearer nothing"})
        assert "Access-Control-Allow-Origin" not in response.headers, (method, path)
        assert "Access-Control-Allow-Credentials" not in response.headers, (method, path)
    preflight = client.options("/submissions", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
