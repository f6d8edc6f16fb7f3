"""A page on another origin reads the KB through the browser's own CORS checks (#19.1)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROHEALTH = "https://w3id.org/clusterkb/id/cluster/rohealth"


@pytest.fixture()
def other_origin():
    """A second site on another port (so another origin): one empty HTML page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>another site</title><p>app</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


FETCH = """async ([url, accept]) => {
  try {
    const response = await fetch(url, {headers: {Accept: accept}});
    return {status: response.status, body: await response.text(),
            etag: response.headers.get("ETag")};
  } catch (error) { return {error: String(error)}; }
}"""


def test_another_origin_reads_a_cluster_as_json_ld_and_the_catalogue(page, live_server,
                                                                     other_origin):
    page.goto(other_origin)
    cluster = page.evaluate(FETCH, [f"{live_server}/id/cluster/rohealth", "application/ld+json"])
    assert cluster.get("status") == 200, cluster
    assert ROHEALTH in cluster["body"] and cluster["etag"]  # ETag is exposed to scripts
    catalogue = page.evaluate(FETCH, [f"{live_server}/catalog", "text/turtle"])
    assert catalogue.get("status") == 200 and "dcat:Dataset" in catalogue["body"]
    # a header outside the safelist forces a preflight, which the server answers
    query = page.evaluate(FETCH, [f"{live_server}/sparql?query=ASK%7B%7D",
                                  "application/sparql-results+json"])
    assert query.get("status") == 200 and '"boolean"' in query["body"]


def test_another_origin_cannot_read_the_submissions_workflow(page, live_server, other_origin):
    page.goto(other_origin)
    answer = page.evaluate(FETCH, [f"{live_server}/submissions", "application/json"])
    assert "error" in answer and "Failed to fetch" in answer["error"], answer
