"""Property-based: whatever a client sends, the answer is a documented 2xx/4xx with a message.

Random query strings, parameters, methods, content types and bodies against
``/sparql``, ``/validate`` and ``/submissions``; random ``Accept`` headers on
the content-negotiated routes; random paths under ``/id/`` (``..``,
percent-encoding, overlong and non-UTF-8 bytes) sent over a raw socket so no
client library normalises them. Each property is bounded (``max_examples``)
so the whole module stays well under a minute.
"""

from __future__ import annotations

import socket

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TIMEOUT = 60
BOUNDED = settings(max_examples=100, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])
ALLOWED = {200, 201, 204, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 409, 413, 415,
           422, 429, 503}

SPARQL_WORDS = ["SELECT", "*", "WHERE", "{", "}", "?s", "?p", "?o", "ASK", "CONSTRUCT",
                "DESCRIBE", "FILTER", "(", ")", "REGEX", "\"a\"", "<urn:x>", "LIMIT", "1",
                "OPTIONAL", "UNION", "GRAPH", "SERVICE", "FROM", "PREFIX", "x:", "BIND", "AS",
                "COUNT", "GROUP BY", "ORDER BY", "VALUES", ".", ";", ",", "INSERT", "DATA",
                "LOAD", "'", "\\", "#", "\n", "@en", "^^", "a"]
sparql_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SPARQL_WORDS), max_size=30).map(" ".join),
)
media_types = st.one_of(
    st.sampled_from(["application/sparql-query", "application/x-www-form-urlencoded",
                     "application/sparql-update", "text/turtle", "application/ld+json",
                     "application/rdf+xml", "application/n-triples", "application/n-quads",
                     "application/trig", "application/json", "multipart/form-data",
                     "text/plain", "", "*/*", "text/turtle; charset=latin-9",
                     "application/sparql-query; charset=utf-16"]),
    st.from_regex(r"[a-z]{1,8}/[a-z+.\-]{1,12}(; ?[a-z]{1,6}=[a-z0-9\-]{0,8})?", fullmatch=True),
)
accept_values = st.one_of(
    st.sampled_from(["text/html", "text/turtle", "application/ld+json", "*/*", "",
                     "application/sparql-results+json;q=0", "text/*;q=0.5, */*;q=0.1",
                     "application/rdf+xml;q=abc", ";;;", "*/*;q=-1", "text/html;level=1"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
)


def _check(response: requests.Response) -> None:
    assert response.status_code in ALLOWED, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.text.strip(), f"{response.status_code} without a message"


def _safe_header(value: str) -> str:
    return value.encode("latin-1", "replace").decode("latin-1").replace("\r", " ") \
        .replace("\n", " ").strip()


def test_sparql_get_with_random_parameters(attack_server):
    @BOUNDED
    @given(query=sparql_text, extra=st.dictionaries(
        st.sampled_from(["default-graph-uri", "named-graph-uri", "format", "query", "update",
                         "timeout", "x"]), st.text(max_size=40), max_size=3),
        accept=accept_values)
    def run(query, extra, accept):
        _check(requests.get(f"{attack_server.url}/sparql", params={"query": query, **extra},
                            headers={"Accept": _safe_header(accept)}, timeout=TIMEOUT))

    run()


def test_sparql_any_method_and_body(attack_server):
    @BOUNDED
    @given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD",
                                   "OPTIONS"]),
           content_type=media_types, body=st.one_of(sparql_text.map(str.encode),
                                                    st.binary(max_size=300)))
    def run(method, content_type, body):
        _check(requests.request(method, f"{attack_server.url}/sparql", data=body,
                                headers={"Content-Type": _safe_header(content_type)},
                                timeout=TIMEOUT))

    run()


RDF_SNIPPETS = ["@prefix x: <urn:x#> .", "<urn:a> <urn:b> <urn:c> .", "_:b <urn:p> \"v\"@en .",
                "[ a <urn:T> ]", "(", ")", "{", "}", "\"", "<", ">", "@context", "[", "]",
                '{"@id": "urn:x"}', "<rdf:RDF>", "<?xml version='1.0'?>", "<!DOCTYPE x>",
                "\"\"\"", "^^<urn:dt>", "\n", "."]
rdf_bodies = st.one_of(st.binary(max_size=400),
                       st.lists(st.sampled_from(RDF_SNIPPETS), max_size=25)
                       .map(lambda parts: " ".join(parts).encode()))


def test_validate_random_bodies(attack_server):
    @BOUNDED
    @given(content_type=media_types, body=rdf_bodies, accept=accept_values,
           fmt=st.one_of(st.none(), st.text(max_size=10)))
    def run(content_type, body, accept, fmt):
        params = {} if fmt is None else {"format": fmt}
        _check(requests.post(f"{attack_server.url}/validate", data=body, params=params,
                             headers={"Content-Type": _safe_header(content_type),
                                      "Accept": _safe_header(accept)}, timeout=TIMEOUT))

    run()


def test_submissions_random_bodies_and_ids(attack_server):
    @BOUNDED
    @given(content_type=media_types, body=rdf_bodies,
           token=st.sampled_from(["submitter", "curator", "none", "junk"]),
           sub_id=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                                 exclude_characters="/?#%"), max_size=30),
           action=st.sampled_from(["", "/diff", "/accept", "/reject"]))
    def run(content_type, body, token, sub_id, action):
        secret = {"submitter": attack_server.submitter, "curator": attack_server.curator,
                  "none": "", "junk": "abc.def"}[token]
        headers = {"Content-Type": _safe_header(content_type)}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        _check(requests.post(f"{attack_server.url}/submissions", data=body, headers=headers,
                             timeout=TIMEOUT))
        method = "GET" if action in ("", "/diff") else "POST"
        _check(requests.request(method, f"{attack_server.url}/submissions/{sub_id}{action}",
                                headers=headers, data=body, timeout=TIMEOUT))

    run()


def test_content_negotiation_with_random_accept(attack_server):
    paths = ["/", "/id/cluster/rohealth", "/ontology", "/catalog", "/.well-known/void",
             "/search?q=health", "/sparql", "/sparql?query=ASK%7B%7D",
             "/sparql?query=CONSTRUCT%7B%3Fs%20%3Fp%20%3Fo%7DWHERE%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%201",
             "/dump.ttl", "/vocab/label-levels/silver", "/validate", "/context.jsonld"]

    @BOUNDED
    @given(path=st.sampled_from(paths), accept=accept_values,
           language=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                            max_size=30))
    def run(path, accept, language):
        _check(requests.get(f"{attack_server.url}{path}", timeout=TIMEOUT,
                            headers={"Accept": _safe_header(accept),
                                     "Accept-Language": _safe_header(language),
                                     "If-None-Match": _safe_header(language)}))

    run()


def _raw_get(url: str, target: bytes) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode()
                     + b"\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


path_parts = st.one_of(
    st.sampled_from([b"..", b".", b"%2e%2e", b"%2F", b"%00", b"%ff%fe", b"\xff\xfe", b"\xc3",
                     b"cluster", b"rohealth", b"%C3%A9", b"~", b"%", b"%zz", b";x=1", b"//",
                     b"history", b"1", b"%2e%2e%2fetc%2fpasswd", b"a" * 3000]),
    st.binary(min_size=1, max_size=20).map(
        lambda b: bytes(c for c in b if c > 32 and c not in (0x7F, ord("?"), ord("#"))) or b"x"),
)


def test_paths_of_resources(attack_server):
    @BOUNDED
    @given(prefix=st.sampled_from([b"/id/", b"/id/cluster/", b"/vocab/", b"/graph/",
                                   b"/ontology/"]),
           parts=st.lists(path_parts, min_size=1, max_size=6),
           suffix=st.sampled_from([b"", b".ttl", b".jsonld", b"/", b"?format=ttl", b"#x",
                                   b"/history", b"/history/1.ttl"]))
    def run(prefix, parts, suffix):
        target = prefix + b"/".join(parts) + suffix
        status, body = _raw_get(attack_server.url, target)
        assert status in ALLOWED | {414}, (target[:200], status, body[:300])
        if status >= 400:
            assert body.strip(), target[:200]
        assert b"root:" not in body  # /etc/passwd never leaks through a traversal

    run()
