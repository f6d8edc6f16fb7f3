"""One error body for the whole app (clusterkb.web.errors), on routes that had none."""

from __future__ import annotations

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/id/cluster/no-such-cluster", "/dump.xyz",
                                  "/vocab/no-such-scheme"])
@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_json_clients_get_the_one_json_shape_for_a_missing_resource(client, path, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == 404 and isinstance(body["error"], str) and body["error"]


def test_a_browser_gets_an_html_page_naming_the_status(client):
    response = client.get("/id/cluster/no-such-cluster", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)
    assert "Accept" in response.headers["Vary"]


def test_a_text_client_gets_one_line(client):
    response = client.get("/catalog?modified_since=not-a-date", headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).count("\n") == 1


def test_a_wrong_method_keeps_its_allow_header(client):
    response = client.delete("/catalog")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["status"] == 405
