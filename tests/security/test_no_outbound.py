"""No request makes the server reach the network or the file system on the client's behalf.

Every attack names a URL of the ``canary`` listener (http, and https on the same
port: a TLS handshake would still be a connection) or the ``file:`` IRI of a
file holding a random marker. After each one the canary must have seen no
connection and no answer may contain the marker. Attacks go to a real server
process through ``/sparql`` (all three protocol shapes), ``/validate`` and
``/submissions``.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from tests.security.harness import ROHEALTH

TIMEOUT = 60


def _attack_urls(canary, secret_file) -> list[str]:
    https = canary.url.replace("http://", "https://")
    return [canary.url, https, secret_file.iri]


def _assert_untouched(canary, secret_file, responses: list[requests.Response]) -> None:
    time.sleep(0.3)  # a fetch the server started would reach the canary by now
    assert canary.hits == [], f"the server connected to the canary: {canary.hits[:3]}"
    for response in responses:
        assert secret_file.marker not in response.text, response.text[:500]
        assert canary.marker not in response.text, response.text[:500]
        assert response.status_code < 500, (response.status_code, response.text[:500])


def _sparql_all_ways(url: str, query: str) -> list[requests.Response]:
    endpoint = f"{url}/sparql"
    return [
        requests.get(endpoint, params={"query": query}, timeout=TIMEOUT),
        requests.post(endpoint, data={"query": query}, timeout=TIMEOUT),
        requests.post(endpoint, data=query.encode(), timeout=TIMEOUT,
                      headers={"Content-Type": "application/sparql-query"}),
    ]


QUERIES = [
    "SELECT * WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{u}> {{ ?s ?p ?o }} }}",
    "select * where {{ ?a ?b ?c OPTIONAL {{ service <{u}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{u}> {{ ?s ?p ?o }} }} }} LIMIT 1",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }} }} }}",
    "PREFIX x: <{u}#> SELECT * WHERE {{ SERVICE x:e {{ ?s ?p ?o }} }}",
    "ASK {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{u}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{u}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s FROM <{u}> WHERE {{ ?s ?p ?o }}",
    "LOAD <{u}>",
    "LOAD SILENT <{u}> INTO GRAPH <urn:g>",
    "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ; LOAD <{u}>",
]


@pytest.mark.parametrize("template", QUERIES)
def test_sparql_never_fetches(attack_server, canary, secret_file, template):
    responses = []
    for target in _attack_urls(canary, secret_file):
        responses += _sparql_all_ways(attack_server.url, template.format(u=target))
    _assert_untouched(canary, secret_file, responses)
    for response in responses:
        assert response.status_code in (400, 403), (response.status_code, response.text)
        assert response.text.strip(), "a refusal must say why"


def test_sparql_base_relative_service_is_refused(attack_server, canary, secret_file):
    query = f"BASE <{canary.url}/> SELECT * WHERE {{ SERVICE <sub> {{ ?s ?p ?o }} }}"
    responses = _sparql_all_ways(attack_server.url, query)
    _assert_untouched(canary, secret_file, responses)
    assert all(r.status_code == 400 for r in responses)


def test_sparql_dataset_parameters_never_fetch(attack_server, canary, secret_file):
    responses = []
    for target in _attack_urls(canary, secret_file):
        for param in ("default-graph-uri", "named-graph-uri"):
            params = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", param: target}
            responses.append(requests.get(f"{attack_server.url}/sparql", params=params,
                                          timeout=TIMEOUT))
            responses.append(requests.post(f"{attack_server.url}/sparql", data=params,
                                           timeout=TIMEOUT))
    _assert_untouched(canary, secret_file, responses)
    assert all(r.status_code == 400 for r in responses), [r.status_code for r in responses]


def test_sparql_update_parameter_never_runs(attack_server, canary, secret_file):
    responses = [requests.post(f"{attack_server.url}/sparql", data={"update": f"LOAD <{u}>"},
                               timeout=TIMEOUT)
                 for u in _attack_urls(canary, secret_file)]
    responses += [requests.post(f"{attack_server.url}/sparql", data=f"LOAD <{u}>",
                                headers={"Content-Type": "application/sparql-update"},
                                timeout=TIMEOUT)
                  for u in _attack_urls(canary, secret_file)]
    _assert_untouched(canary, secret_file, responses)
    assert all(r.status_code == 403 for r in responses)


# --- uploads -------------------------------------------------------------------------------

def _jsonld_bodies(target: str) -> list[dict | list]:
    node = {"@id": "https://w3id.org/clusterkb/id/cluster/rohealth",
            "http://www.w3.org/2000/01/rdf-schema#label": "x"}
    return [
        {"@context": target, **node},
        {"@context": [target], **node},
        {"@context": [{"ex": "http://example.org/"}, target], **node},
        {"@context": {"@import": target}, **node},
        {"@context": {"ex": {"@id": "http://example.org/p", "@context": target}}, **node},
        {"@graph": [{"@context": target, **node}]},
        [{"@context": target, **node}],
    ]


def _rdfxml_bodies(target: str) -> list[str]:
    rdf = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
           '<rdf:Description rdf:about="https://w3id.org/clusterkb/id/cluster/rohealth">'
           '<rdfs:label>&ext;</rdfs:label></rdf:Description></rdf:RDF>')
    return [
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{target}">]>\n{rdf}',
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{target}"> %p;]>\n'
        + rdf.replace("&ext;", "x"),
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{target}">\n'
        + rdf.replace("&ext;", "x"),
        f'<?xml version="1.0"?>\n<?xml-stylesheet href="{target}"?>\n'
        + rdf.replace("&ext;", "x"),
    ]


def _imports_bodies(target: str) -> list[tuple[str, str]]:
    turtle = (f"@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
              f"<https://w3id.org/clusterkb/id/cluster/rohealth> owl:imports <{target}> .\n"
              f"<urn:ontology> a owl:Ontology ; owl:imports <{target}> .\n")
    jsonld = json.dumps({"@id": "urn:ontology",
                         "@type": "http://www.w3.org/2002/07/owl#Ontology",
                         "http://www.w3.org/2002/07/owl#imports": {"@id": target}})
    return [("text/turtle", turtle), ("application/ld+json", jsonld)]


def _uploads(canary, secret_file) -> list[tuple[str, bytes]]:
    bodies: list[tuple[str, bytes]] = []
    for target in _attack_urls(canary, secret_file):
        bodies += [("application/ld+json", json.dumps(b).encode())
                   for b in _jsonld_bodies(target)]
        bodies += [("application/rdf+xml", b.encode()) for b in _rdfxml_bodies(target)]
        bodies += [(t, b.encode()) for t, b in _imports_bodies(target)]
    return bodies


def test_validate_never_fetches(attack_server, canary, secret_file):
    responses = []
    for content_type, body in _uploads(canary, secret_file):
        response = requests.post(f"{attack_server.url}/validate", data=body, timeout=TIMEOUT,
                                 headers={"Content-Type": content_type})
        responses.append(response)
        assert response.status_code in (200, 400), (content_type, body[:200], response.text)
    _assert_untouched(canary, secret_file, responses)


def test_validate_form_upload_never_fetches(attack_server, canary, secret_file):
    responses = []
    for content_type, body in _uploads(canary, secret_file):
        responses.append(requests.post(
            f"{attack_server.url}/validate", timeout=TIMEOUT,
            files={"file": ("upload", body, content_type)}, data={"format": content_type}))
        responses.append(requests.post(
            f"{attack_server.url}/validate", timeout=TIMEOUT,
            data={"data": body.decode(), "format": content_type}))
    _assert_untouched(canary, secret_file, responses)


def test_submissions_never_fetch(attack_server, canary, secret_file):
    responses = []
    for content_type, body in _uploads(canary, secret_file):
        response = requests.post(f"{attack_server.url}/submissions", data=body, timeout=TIMEOUT,
                                 headers={"Content-Type": content_type,
                                          **attack_server.auth(attack_server.submitter)})
        responses.append(response)
        assert response.status_code in (201, 400, 403, 422), (content_type, response.text[:300])
    _assert_untouched(canary, secret_file, responses)


def test_imports_in_a_valid_submission_are_not_followed(attack_server, canary, secret_file,
                                                         submission_doc):
    """A conforming submission carrying owl:imports is stored, validated and shown: no fetch."""
    responses = []
    for target in _attack_urls(canary, secret_file):
        doc = json.loads(json.dumps(submission_doc))
        doc["@graph"][0]["http://www.w3.org/2002/07/owl#imports"] = {"@id": target}
        response = requests.post(f"{attack_server.url}/submissions", data=json.dumps(doc),
                                 timeout=TIMEOUT,
                                 headers={"Content-Type": "application/ld+json",
                                          **attack_server.auth(attack_server.submitter)})
        responses.append(response)
        assert response.status_code in (201, 422), response.text[:500]
        if response.status_code == 201:
            location = response.headers["Location"]
            for suffix in ("", "/diff"):
                responses.append(requests.get(
                    f"{attack_server.url}{location}{suffix}", timeout=TIMEOUT,
                    headers=attack_server.auth(attack_server.curator)))
    _assert_untouched(canary, secret_file, responses)
    assert any(r.status_code == 201 for r in responses[:1]), \
        "the import must not make a valid submission invalid (nothing to fetch)"


@pytest.fixture()
def submission_doc() -> dict:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "submission.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["@graph"][0]["id"] == "cluster:rohealth" and ROHEALTH.endswith("rohealth")
    return doc


def test_the_canary_notices_a_connection(canary):
    """The listener the other tests rely on does record a fetch (else they prove nothing)."""
    import urllib.request

    with urllib.request.urlopen(canary.url, timeout=10) as response:
        assert canary.marker in response.read().decode()
    assert canary.hits and canary.hits[0].startswith(b"GET /canary")
