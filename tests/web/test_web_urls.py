"""Links the pages make from IRIs never leave the site by accident (#13.6), and the
public-root rule of ``web.urls``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from tests.web.conftest import BASE, fill

from clusterkb.web import create_app
from clusterkb.web.urls import host_allowed, local_url

EVIL = f"{BASE}/evil.example/login"  # the base, then "/evil.example/login"
TRICKS = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}id/cluster/medical> rdfs:seeAlso <{EVIL}>, <{BASE}//evil.example/x> .
<{BASE}id/thing/x> rdfs:seeAlso <{EVIL}> ; rdfs:label "x" ."""


def _hrefs(html: str) -> list[str]:
    return re.findall(r"""href\s*=\s*["']([^"']*)["']""", html)


@pytest.fixture()
def tricky(small_store):
    fill(small_store, {"clusters/tricks": TRICKS})
    return small_store


@pytest.mark.parametrize("path", [
    "/id/cluster/medical", "/id/thing/x",
    "/sparql?format=html&query=SELECT%20%3Fo%20WHERE%20%7B%20%3Fs%20%3Chttp%3A%2F%2F"
    "www.w3.org%2F2000%2F01%2Frdf-schema%23seeAlso%3E%20%3Fo%20%7D",
])
def test_iris_under_the_base_never_become_scheme_relative_links(client, tricky, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "evil.example" in html  # the IRI is shown ...
    for href in _hrefs(html):  # ... but no link points at another host
        assert not href.startswith(("//", "/\\", "\\")), href
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or \
            "evil.example" not in href.split("/")[2:3], href


def test_local_url_encodes_leading_slashes(app):
    with app.test_request_context("/"):
        assert local_url(EVIL) == "/%2Fevil.example/login"
        assert local_url(f"{BASE}//x") == "/%2F%2Fx"
        assert local_url(f"{BASE}\\x") == "/%5Cx"
        assert local_url(f"{BASE}id/cluster/a#b") == "/id/cluster/a#b"
        assert local_url("https://elsewhere.example/") is None


def test_allowed_hosts(web_config):
    config = replace(web_config, allowed_hosts=("kb.example.org", ".example.net"))
    for host in ("localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "kb.example.org",
                 "KB.example.org:443", "a.example.net"):
        assert host_allowed(host, config), host
    for host in ("evil.example", "kb.example.org.evil", "example.net.evil", "", "[::1",
                 "localhost.evil", "a@kb.example.org"):
        assert not host_allowed(host, config), host


def test_allowed_host_is_used_and_others_are_not(web_config, small_store):
    config = replace(web_config, allowed_hosts=("kb.example.org",))
    client = create_app(config, small_store).test_client()
    ours = client.get("/catalog", headers={"Accept": "text/turtle", "Host": "kb.example.org"})
    assert b"<http://kb.example.org/sparql>" in ours.data
    other = client.get("/catalog", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert b"evil.example" not in other.data and f"<{BASE}sparql>".encode() in other.data


def test_serve_refuses_a_public_url_that_is_not_absolute(tmp_path):
    env = {**os.environ, "CLUSTERKB_PUBLIC_URL": "kb.example.org",
           "CLUSTERKB_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run([str(Path(sys.executable).parent / "clusterkb"), "serve"], env=env,
                            capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    assert "CLUSTERKB_PUBLIC_URL must be an absolute http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr
