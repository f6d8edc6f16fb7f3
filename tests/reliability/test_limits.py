"""Resource limits hold against a real server: time, size, nesting, memory, recovery.

Each attack must be answered (refused with a 4xx, or evaluated) and never with
a 500; the server's resident memory (server plus query workers) must stay
under ``MEMORY_LIMIT``; and the server must go on answering other requests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tests.security.harness import rss_bytes

MEMORY_LIMIT = 1024 ** 3
TIMEOUT = 120
# Four-way cross product of every triple of the KB: would run for hours.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LIGHT = "ASK { ?s ?p ?o }"


def _sparql(url: str, query: str, **kwargs) -> requests.Response:
    return requests.post(f"{url}/sparql", data={"query": query}, timeout=TIMEOUT,
                         headers={"Accept": "application/sparql-results+json"}, **kwargs)


def _assert_bounded(url: str) -> None:
    used = rss_bytes(url)
    assert used < MEMORY_LIMIT, f"server uses {used / 2**20:.0f} MiB"


def test_runaway_query_is_stopped_while_others_are_answered(limited_server):
    url = limited_server.url
    heavy: dict = {}

    def run_heavy() -> None:
        heavy["response"] = _sparql(url, HEAVY)
        heavy["done"] = time.monotonic()

    thread = threading.Thread(target=run_heavy)
    thread.start()
    time.sleep(0.5)  # let it reach a worker
    answered = []
    others = [
        lambda: requests.get(f"{url}/healthz", timeout=TIMEOUT),
        lambda: _sparql(url, LIGHT),
        lambda: requests.get(f"{url}/search", params={"q": "health"}, timeout=TIMEOUT,
                             headers={"Accept": "application/json"}),
        lambda: requests.get(f"{url}/id/cluster/rohealth", timeout=TIMEOUT,
                             headers={"Accept": "text/turtle"}),
    ]
    for call in others:
        response = call()
        answered.append((response.status_code, time.monotonic()))
    thread.join(timeout=TIMEOUT)
    assert heavy["response"].status_code == 503, heavy["response"].text
    assert "limit" in heavy["response"].text
    assert [status for status, _ in answered] == [200] * len(others)
    assert all(at < heavy["done"] for _, at in answered), \
        "other requests waited for the runaway query"
    _assert_bounded(url)


def test_worker_pool_recovers_after_killed_queries(limited_server):
    url = limited_server.url
    with ThreadPoolExecutor(4) as pool:
        statuses = [r.status_code for r in pool.map(lambda _: _sparql(url, HEAVY), range(4))]
    assert statuses == [503] * 4
    for _ in range(3):
        response = _sparql(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }")
        assert response.status_code == 200, response.text
        assert int(response.json()["results"]["bindings"][0]["n"]["value"]) > 100


# --- oversized requests are refused before they are read ------------------------------

def _send_endless(url: str, path: str, headers: dict[str, str], declared: int) -> bytes:
    """Declare ``declared`` bytes, send a little, and keep the body open; return the answer."""
    host, port = url.removeprefix("http://").split(":")
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {declared}",
            *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall("\r\n".join(head).encode() + b"@prefix x: <urn:x#> .\n")
        sock.settimeout(30)
        answer = b""
        deadline = time.monotonic() + 60
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break  # the server is still waiting for the body: that is the failure
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("path,content_type,auth", [
    ("/validate", "text/turtle", False),
    ("/submissions", "text/turtle", True),
    ("/validate", "multipart/form-data; boundary=xyz", False),
    ("/sparql", "application/sparql-query", False),
    ("/sparql", "application/x-www-form-urlencoded", False),
])
def test_oversized_body_is_refused_without_reading_it(limited_server, path, content_type, auth):
    headers = {"Content-Type": content_type}
    if auth:
        headers["Authorization"] = f"Bearer {limited_server.submitter}"
    answer = _send_endless(limited_server.url, path, headers, declared=50 * 1024 ** 2)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]


def test_oversized_chunked_body_is_refused(limited_server):
    def endless():
        yield b"@prefix x: <urn:x#> .\n"
        for _ in range(200):  # 200 MiB at most: bounded, but far over the limit
            yield b"# " + b"x" * (1024 ** 2) + b"\n"

    response = requests.post(f"{limited_server.url}/validate", data=endless(), timeout=TIMEOUT,
                             headers={"Content-Type": "text/turtle"})
    assert response.status_code == 413, response.text[:300]
    assert response.text.strip()


# --- expensive inputs are answered within the limits -------------------------------------

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY a "aaaaaaaaaa">\n'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'
                    for i in range(9))
          + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description '
            'rdf:about="urn:x"><rdfs:label>&j;</rdfs:label></rdf:Description></rdf:RDF>')
BIG = "x" * (4 * 1024 ** 2)
DEEP = 5000


def _uploads() -> list[tuple[str, str, bytes]]:
    nested_jsonld = '{"http://example.org/p": ' * DEEP + '"x"' + "}" * DEEP
    nested_list = '{"@id": "urn:x", "http://example.org/p": {"@list": ' + "[" * DEEP + "]" * DEEP \
        + "}}"
    return [
        ("laughs", "application/rdf+xml", LAUGHS.encode()),
        ("big-literal-turtle", "text/turtle",
         f'<urn:x> <http://www.w3.org/2000/01/rdf-schema#label> "{BIG}" .'.encode()),
        ("big-literal-xml", "application/rdf+xml",
         ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
          'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description '
          f'rdf:about="urn:x"><rdfs:label>{BIG}</rdfs:label></rdf:Description>'
          '</rdf:RDF>').encode()),
        ("big-literal-jsonld", "application/ld+json",
         f'{{"@id": "urn:x", "http://www.w3.org/2000/01/rdf-schema#label": "{BIG}"}}'.encode()),
        ("deep-collection", "text/turtle",
         b"<urn:x> <urn:p> " + b"(" * DEEP + b")" * DEEP + b" ."),
        ("deep-bnodes", "text/turtle",
         b"<urn:x> <urn:p> " + b"[ <urn:p> " * DEEP + b"1" + b" ]" * DEEP + b" ."),
        ("deep-jsonld", "application/ld+json", nested_jsonld.encode()),
        ("deep-jsonld-lists", "application/ld+json", nested_list.encode()),
        ("deep-xml", "application/rdf+xml",
         ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
          'xmlns:e="urn:e#">' + '<rdf:Description><e:p>' * DEEP
          + '</e:p></rdf:Description>' * DEEP + '</rdf:RDF>').encode()),
        ("deep-trig", "application/trig",
         b"<urn:g> { <urn:x> <urn:p> " + b"(" * DEEP + b")" * DEEP + b" . }"),
    ]


@pytest.mark.parametrize("name,content_type,body", _uploads(), ids=lambda v: v
                         if isinstance(v, str) and len(v) < 30 else "")
def test_expensive_upload_is_answered_within_limits(limited_server, name, content_type, body):
    for path, auth in (("/validate", None), ("/submissions", limited_server.submitter)):
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        response = requests.post(f"{limited_server.url}{path}", data=body, timeout=TIMEOUT,
                                 headers=headers)
        assert response.status_code in (200, 400, 403, 413, 422), \
            (name, path, response.status_code, response.text[:300])
        assert response.json().get("error") or "conforms" in response.json()
    _assert_bounded(limited_server.url)
    assert requests.get(f"{limited_server.url}/healthz", timeout=TIMEOUT).status_code == 200


LONG = "a" * 30_000 + "!"
QUERIES = {
    "regex-backtracking": f'SELECT * WHERE {{ VALUES ?x {{ "{LONG}" }} '
                          'FILTER(REGEX(?x, "(a+)+$")) }',
    "regex-nested": f'ASK {{ VALUES ?x {{ "{LONG}" }} FILTER(REGEX(?x, "^(a|aa|a?)+(a*)*b$")) }}',
    "regex-huge": 'ASK { BIND("a" AS ?x) FILTER(REGEX(?x, "(((a{100}){100}){100}){100}")) }',
    "regex-invalid": 'ASK { BIND("a" AS ?x) FILTER(REGEX(?x, "(((")) }',
    "replace-backtracking": f'SELECT (REPLACE(?x, "(a*)*$", "b") AS ?y) '
                            f'WHERE {{ VALUES ?x {{ "{LONG}" }} }}',
    "deep-parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * DEEP + "1" + ")" * DEEP
                        + ") } LIMIT 1",
    "deep-groups": "SELECT * WHERE " + "{ " * DEEP + "?s ?p ?o" + " }" * DEEP,
    "deep-collection": "ASK { ?s ?p " + "(" * DEEP + ")" * DEEP + " }",
    "deep-path": "ASK { ?s " + "(" * DEEP + "<urn:p>" + ")*" * DEEP + " ?o }",
    "big-literal": f'ASK {{ ?s ?p "{"x" * 200_000}" }}',
    "string-blowup": "SELECT (STRLEN(?x) AS ?n) WHERE { BIND(\"xxxxxxxxxxxxxxxx\" AS ?a0) "
                     + " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(40))
                     + " BIND(?a40 AS ?x) }",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_expensive_query_is_answered_within_limits(limited_server, name):
    response = requests.post(f"{limited_server.url}/sparql", data={"query": QUERIES[name]},
                             timeout=TIMEOUT, headers={"Accept": "application/json"})
    assert response.status_code in (200, 400, 413, 503), \
        (name, response.status_code, response.text[:300])
    assert response.text.strip()
    _assert_bounded(limited_server.url)
    check = _sparql(limited_server.url, LIGHT)
    assert check.status_code == 200 and check.json()["boolean"] is True


# --- uploads at the byte limit that would be millions of triples ---------------------------

MAX_BYTES = 5 * 1024 ** 2 - 100  # just under the default upload limit


@pytest.mark.parametrize("name,body", [
    ("nested-collections", b"<urn:x> <urn:p> " + b"(" * (MAX_BYTES // 2 - 20)
     + b")" * (MAX_BYTES // 2 - 20) + b" ."),
    ("nested-blank-nodes", b"<urn:x> <urn:p> " + b"[<urn:p>" * (MAX_BYTES // 10) + b"1"
     + b"]" * (MAX_BYTES // 10) + b" ."),
    ("many-triples", b"".join(b"_:b%d <urn:p> _:b%d .\n" % (i, i + 1)
                              for i in range(MAX_BYTES // 32))),
])
def test_upload_of_too_many_triples_is_refused(limited_server, name, body):
    """Under the byte limit but millions of triples: refused (413) long before validation.

    Unchecked, the nested collections alone took minutes and >10 GiB to validate.
    """
    assert len(body) < 5 * 1024 ** 2
    for path, auth in (("/validate", None), ("/submissions", limited_server.submitter)):
        headers = {"Content-Type": "text/turtle"}
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        response = requests.post(f"{limited_server.url}{path}", data=body, headers=headers,
                                 timeout=TIMEOUT)
        assert response.status_code == 413, (path, response.status_code, response.text[:300])
        assert "triples" in response.json()["error"]
    _assert_bounded(limited_server.url)


# --- slow requests cannot take every thread (#13.2) ---------------------------------------

SLOW_SLOTS, PER_CLIENT = 3, 2


@pytest.fixture(scope="module")
def crowded_server(start_server, built_store) -> str:
    """Six threads, three of them for slow requests, two per client; one trusted proxy, so
    ``X-Forwarded-For`` names the client (as a reverse proxy in front would)."""
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                        CLUSTERKB_THREADS="6", CLUSTERKB_QUERY_WORKERS="3",
                        CLUSTERKB_QUERY_TIMEOUT="8",
                        CLUSTERKB_MAX_SLOW_REQUESTS=str(SLOW_SLOTS),
                        CLUSTERKB_MAX_REQUESTS_PER_CLIENT=str(PER_CLIENT),
                        CLUSTERKB_TRUSTED_PROXIES="1")


def _as(client: str) -> dict[str, str]:
    return {"X-Forwarded-For": client, "Accept": "application/sparql-results+json"}


def _wait_for_slow_requests(url: str, done: Callable[[int], bool], what: str) -> None:
    """Poll ``/healthz`` until its count of running slow requests satisfies ``done``."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if done(requests.get(f"{url}/healthz", timeout=TIMEOUT).json()["slow_requests"]):
            return
        time.sleep(0.05)
    raise AssertionError(what)


def test_slow_requests_are_capped_per_client_and_in_all(crowded_server):
    url = crowded_server
    finished: list[float] = []

    def heavy(client: str) -> requests.Response:
        response = requests.post(f"{url}/sparql", data={"query": HEAVY}, headers=_as(client),
                                 timeout=TIMEOUT)
        finished.append(time.monotonic())
        return response

    with ThreadPoolExecutor(3) as pool:
        running = [pool.submit(heavy, "10.0.0.1"), pool.submit(heavy, "10.0.0.1"),
                   pool.submit(heavy, "10.0.0.2")]
        _wait_for_slow_requests(url, lambda n: n >= SLOW_SLOTS,
                                f"{SLOW_SLOTS} slow requests never ran at once")
        # a third query of client 1: refused at once, its own cap
        third = requests.post(f"{url}/sparql", data={"query": LIGHT}, timeout=TIMEOUT,
                              headers=_as("10.0.0.1"))
        # any slow request of another client: every slot is busy
        other = requests.post(f"{url}/validate", data=b"<urn:a> <urn:b> <urn:c> .",
                              timeout=TIMEOUT, headers={"X-Forwarded-For": "10.0.0.3",
                                                        "Content-Type": "text/turtle"})
        # cheap requests are answered meanwhile: the threads kept in reserve
        health = requests.get(f"{url}/healthz", timeout=TIMEOUT)
        page = requests.get(f"{url}/id/cluster/rohealth", headers={"Accept": "text/turtle"},
                            timeout=TIMEOUT)
        answered = time.monotonic()
        statuses = [f.result().status_code for f in running]
    assert third.status_code == 429, third.text
    assert other.status_code == 503, other.text
    for refused in (third, other):
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert "at most 2" in third.text and "as many queries" in other.text
    assert third.json()["status"] == 429  # a JSON client gets JSON, others plain text
    assert other.headers["Content-Type"].startswith("text/plain")
    assert health.status_code == 200 and page.status_code == 200
    assert answered < min(finished), "cheap requests waited for the slow ones"
    assert statuses == [503, 503, 503]  # the heavy queries ran into the time limit
    # every slot is given back (the server's thread may still be closing the response the
    # client has already read), and the same clients are served again
    _wait_for_slow_requests(url, lambda n: n == 0, "a slow-request slot was never given back")
    for client in ("10.0.0.1", "10.0.0.3"):
        again = requests.post(f"{url}/sparql", data={"query": LIGHT}, headers=_as(client),
                              timeout=TIMEOUT)
        assert again.status_code == 200 and again.json()["boolean"] is True


def test_a_burst_waits_briefly_for_a_slot_and_only_as_many_wait_as_the_reserve():
    """The limiter itself around a WSGI app that holds its slot until released."""
    from clusterkb.web.limits import RequestLimiter

    release = threading.Event()

    def app(environ, start_response):
        release.wait(TIMEOUT)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    limiter = RequestLimiter(app, slots=1, per_client=5, max_waiting=1, wait=TIMEOUT)
    statuses: list[str] = []

    def call(client: str) -> None:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/validate", "REMOTE_ADDR": client}
        seen = []
        body = limiter(environ, lambda status, headers, exc=None: seen.append(status))
        b"".join(body)
        if hasattr(body, "close"):  # a WSGI server closes what it was given
            body.close()
        statuses.append(seen[0])

    first = threading.Thread(target=call, args=("10.0.0.1",))
    first.start()
    while limiter.running < 1:
        time.sleep(0.01)
    waiter = threading.Thread(target=call, args=("10.0.0.2",))
    waiter.start()
    while limiter._waiting < 1:
        time.sleep(0.01)
    call("10.0.0.3")  # the one waiting place is taken: refused at once
    assert statuses == ["503 Service Unavailable"]
    release.set()  # the first finishes; the waiter gets its slot and is served
    first.join(TIMEOUT)
    waiter.join(TIMEOUT)
    assert sorted(statuses) == ["200 OK", "200 OK", "503 Service Unavailable"]
    assert limiter.running == 0
