"""Behind a real reverse proxy, generated URLs name the public scheme, host and prefix (#19.2).

The proxy is a small forwarding HTTP server written here: it passes each request to
a real ``clusterkb serve`` and adds ``X-Forwarded-For/-Proto/-Host/-Prefix`` as nginx
or a TLS terminator would (public site ``https://kb.example.org/kb/``). The server
trusts one proxy; a client that talks to it directly cannot forge those headers on a
server that trusts none.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, VOID
from tests.support import free_port

TIMEOUT = 60
PUBLIC = "https://kb.example.org/kb/"
BASE = "https://w3id.org/clusterkb/"


def _proxy(upstream: str) -> tuple[ThreadingHTTPServer, str]:
    host, port = upstream.removeprefix("http://").split(":")

    class Forward(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            path = self.path.removeprefix("/kb") or "/"
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers.update({"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                            "X-Forwarded-Host": "kb.example.org", "X-Forwarded-Port": "443",
                            "X-Forwarded-Prefix": "/kb"})
            conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
            conn.request(self.command, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_HEAD = do_POST = _forward

        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Forward)
    return server, f"http://127.0.0.1:{server.server_address[1]}/kb"


@pytest.fixture(scope="module")
def proxied(start_server, built_store) -> Iterator[str]:
    upstream = start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                            CLUSTERKB_TRUSTED_PROXIES="1",
                            CLUSTERKB_ALLOWED_HOSTS="kb.example.org")
    server, url = _proxy(upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


def _turtle(url: str) -> Graph:
    response = requests.get(url, headers={"Accept": "text/turtle"}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:300]
    return Graph().parse(data=response.text, format="turtle")


def test_catalogue_void_and_service_description_use_the_public_url(proxied):
    catalogue = _turtle(f"{proxied}/catalog")
    downloads = {str(o) for o in catalogue.objects(None, DCAT.downloadURL)}
    assert f"{PUBLIC}dump.ttl.gz" in downloads
    assert all(u.startswith(PUBLIC) for u in downloads), downloads
    assert {str(o) for o in catalogue.objects(None, DCAT.endpointURL)} == {f"{PUBLIC}sparql"}
    void = _turtle(f"{proxied}/.well-known/void")
    assert void.value(URIRef(f"{BASE}catalog#dataset"), VOID.sparqlEndpoint) == \
        URIRef(f"{PUBLIC}sparql")
    description = requests.get(f"{proxied}/sparql", headers={"Accept": "text/turtle"},
                               timeout=TIMEOUT).text
    assert f"<{PUBLIC}sparql>" in description


def test_links_and_pages_carry_the_public_prefix(proxied):
    page = requests.get(f"{proxied}/id/cluster/rohealth", headers={"Accept": "text/html"},
                        timeout=TIMEOUT)
    assert page.status_code == 200
    assert all(part.strip().startswith("</kb/id/cluster/rohealth.")
               for part in page.headers["Link"].split(","))
    assert 'href="/kb/static/style.css"' in page.text
    assert 'href="/kb/sparql"' in page.text
    # a resource link of the page, followed through the proxy, dereferences
    follow = requests.get(f"{proxied}/id/cluster/rohealth.ttl", timeout=TIMEOUT)
    assert follow.status_code == 200 and follow.headers["Content-Type"].startswith("text/turtle")


def test_a_client_cannot_forge_forwarded_headers_without_a_trusted_proxy(live_server):
    forged = {"Accept": "text/turtle", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Proto": "https", "Host": "evil.example"}
    response = requests.get(f"{live_server}/catalog", headers=forged, timeout=TIMEOUT)
    assert response.status_code == 200
    assert "evil.example" not in response.text
    # the same request as the server's own host is answered with that host
    plain = _turtle(f"{live_server}/catalog")
    assert f"{live_server}/sparql" in {str(o) for o in plain.objects(None, DCAT.endpointURL)}


def test_gunicorn_workers_trust_no_forwarded_scheme_by_themselves(start_server, built_store):
    """Under ``serve --workers 2`` gunicorn would apply X-Forwarded-Proto from 127.0.0.1
    on its own; the app decides (no trusted proxy here), so the scheme stays http."""
    url = start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                       CLUSTERKB_WORKERS="2")
    for _ in range(4):  # whichever worker answers
        g = Graph().parse(data=requests.get(
            f"{url}/catalog", timeout=TIMEOUT,
            headers={"Accept": "text/turtle", "X-Forwarded-Proto": "https"}).text,
            format="turtle")
        assert {str(o) for o in g.objects(None, DCAT.endpointURL)} == {f"{url}/sparql"}
    health = requests.get(f"{url}/healthz", timeout=TIMEOUT).json()
    assert health["slow_slots"] >= 1 and health["slow_requests"] == 0
