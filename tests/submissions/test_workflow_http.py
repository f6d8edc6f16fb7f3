"""The submission workflow end to end, against a real server process.

Submitter and curator tokens come from the ``clusterkb token`` CLI; requests go
over HTTP with ``requests``; published data is checked through ``/sparql``
(SPARQLWrapper), ``/dump.nq``, the cluster's page and its history.
"""

from __future__ import annotations

import copy
import json

import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS
from SPARQLWrapper import JSON, SPARQLWrapper

BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"
CKB = "https://w3id.org/clusterkb/ontology#"
JSONLD = {"Content-Type": "application/ld+json"}
TURTLE = {"Content-Type": "text/turtle"}
# The mission as the example submission words it (tests/fixtures/valid/submission.json).
NEW_MISSION = ("Supporting the clustering process of different types of health related entities "
               "in order to increase the competitiveness in the health sector.")

# Invalid: no name at all, and an organisation type that is a literal, not a concept.
INVALID_TURTLE = f"""
@prefix ckb: <{CKB}> .
<{ROHEALTH}> a ckb:ClusterOrganisation ;
    ckb:organisationType "an NGO" .
"""


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def select(url: str, query: str) -> list[dict]:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["results"]["bindings"]


def ask(url: str, query: str) -> bool:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["boolean"]


def missions(url: str) -> set[str]:
    rows = select(url, f"SELECT ?m WHERE {{ <{ROHEALTH}> <{CKB}mission> ?m }}")
    return {row["m"]["value"] for row in rows}


def harvest_view(url: str) -> dict:
    """What a harvester reads: the dump's ETag, dct:modified per catalogue dataset,
    and the VoID triple count per graph."""
    from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

    catalogue = Graph().parse(data=requests.get(f"{url}/catalog", timeout=60,
                                                headers={"Accept": "text/turtle"}).text,
                              format="turtle")
    void = Graph().parse(data=requests.get(f"{url}/.well-known/void", timeout=60,
                                           headers={"Accept": "text/turtle"}).text,
                         format="turtle")
    return {
        "etag": requests.head(f"{url}/dump.nq", timeout=60).headers["ETag"],
        "modified": {str(d): catalogue.value(d, DCTERMS.modified).toPython()
                     for d in catalogue.subjects(RDF.type, DCAT.Dataset)},
        "void": {str(s): int(n) for s, n in void.subject_objects(VOID.triples)},
    }


def test_invalid_submission_is_422_with_a_report_and_nothing_is_stored(kb_server):
    server = kb_server()
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    response = requests.post(f"{server.url}/submissions", data=INVALID_TURTLE.encode(),
                             headers={**TURTLE, **auth(submitter)}, timeout=60)
    assert response.status_code == 422
    body = response.json()
    assert body["report"]["conforms"] is False
    violations = [r for r in body["report"]["results"] if r["severity"] == "Violation"]
    # The report says what to fix: which node, which property and the offending value.
    type_problem = [r for r in violations if r["path"] == f"{CKB}organisationType"]
    assert type_problem and type_problem[0]["focus"] == ROHEALTH
    assert type_problem[0]["value"] == '"an NGO"'
    assert any("no name" in r["message"] for r in violations if r["focus"] == ROHEALTH)
    listing = requests.get(f"{server.url}/submissions", headers=auth(curator), timeout=30)
    assert listing.status_code == 200 and listing.json()["submissions"] == []


def test_valid_submission_reviewed_accepted_and_published(kb_server, submission_json):
    server = kb_server()
    url = server.url
    submitter, submitter_id = server.token("submitter", ROHEALTH)
    curator, curator_id = server.token("curator")
    old_missions = missions(url)
    assert old_missions and NEW_MISSION not in old_missions
    before = harvest_view(url)
    assert ask(url, f'ASK {{ <{ROHEALTH}> <{SKOS.altLabel}> "RoHealth"@en }}')

    response = requests.post(f"{url}/submissions", data=json.dumps(submission_json),
                             headers={**JSONLD, **auth(submitter)}, timeout=60)
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    assert response.headers["Location"] == f"/submissions/{sub_id}"

    status = requests.get(f"{url}{response.headers['Location']}", headers=auth(submitter),
                          timeout=30).json()
    assert status["status"] == "pending"
    assert status["submitter"] == submitter_id and status["cluster"] == ROHEALTH
    assert status["report"]["conforms"] is True
    page = requests.get(f"{url}/submissions/{sub_id}", timeout=30,
                        headers={**auth(curator), "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "pending" in page.text and submitter_id in page.text
    # Pending data is not published: neither SPARQL nor the dump sees it.
    assert NEW_MISSION not in missions(url)
    assert NEW_MISSION not in requests.get(f"{url}/dump.nq", timeout=60).text

    listing = requests.get(f"{url}/submissions?status=pending", headers=auth(curator),
                           timeout=30).json()["submissions"]
    assert [s["id"] for s in listing] == [sub_id]

    diff = requests.get(f"{url}/submissions/{sub_id}/diff", headers=auth(curator), timeout=60)
    assert diff.status_code == 200 and diff.headers["Content-Type"].startswith("text/turtle")
    added = Graph().parse(data=diff.text, format="turtle")
    assert (URIRef(ROHEALTH), URIRef(f"{CKB}mission"), Literal(NEW_MISSION, lang="en")) in added
    removed = Graph().parse(data=requests.get(f"{url}/submissions/{sub_id}/diff?part=removed",
                                              headers=auth(curator), timeout=60).text,
                            format="turtle")
    assert (URIRef(ROHEALTH), SKOS.altLabel, Literal("RoHealth", lang="en")) in removed
    html = requests.get(f"{url}/submissions/{sub_id}/diff", timeout=60,
                        headers={**auth(curator), "Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html") and NEW_MISSION in html.text

    accepted = requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(curator),
                             timeout=60)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["curator"] == curator_id
    again = requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(curator),
                          timeout=60)
    assert again.status_code == 409

    # SPARQL: the new profile replaced the old one, with provenance in its graph.
    assert missions(url) == {NEW_MISSION}
    assert not ask(url, f'ASK {{ <{ROHEALTH}> <{SKOS.altLabel}> "RoHealth"@en }}')
    graph = f"{BASE}graph/clusters/rohealth"
    assert ask(url, f"""ASK {{ GRAPH <{graph}> {{
        <{graph}> <{PROV.wasGeneratedBy}> ?activity ; <{PROV.generatedAtTime}> ?t ;
                  <{PROV.wasDerivedFrom}> <{BASE}graph/submission/{sub_id}> .
        ?activity a <{PROV.Activity}> ; <{PROV.wasAssociatedWith}> <{BASE}id/token/{curator_id}> .
        <{BASE}graph/submission/{sub_id}> <{PROV.wasAttributedTo}> <{BASE}id/token/{submitter_id}> .
    }} }}""")
    dump = requests.get(f"{url}/dump.nq", timeout=60).text
    assert NEW_MISSION in dump and f"<{graph}>" in dump
    # What harvesters see changes too: the dump's ETag, the accepted cluster's
    # dct:modified in the catalogue (and no other cluster's), the VoID counts.
    after = harvest_view(url)
    assert after["etag"] != before["etag"]
    assert after["modified"][graph] > before["modified"][graph]
    other = f"{BASE}graph/clusters/health-romania"
    assert after["modified"][other] == before["modified"][other]
    assert after["void"][graph] != before["void"][graph]
    page = requests.get(f"{url}/id/cluster/rohealth", headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and NEW_MISSION in page.text

    history = requests.get(f"{url}/id/cluster/rohealth/history",
                           headers={"Accept": "application/json"}, timeout=60).json()
    versions = history["versions"]
    assert [v["version"] for v in versions] == ["current", 1]
    assert versions[1]["replaced_by_submission"] == sub_id
    previous = Graph().parse(data=requests.get(f"{url}{versions[1]['turtle']}", timeout=60).text,
                             format="turtle")
    assert (URIRef(ROHEALTH), SKOS.altLabel, Literal("RoHealth", lang="en")) in previous
    assert {str(o) for o in previous.objects(URIRef(ROHEALTH), URIRef(f"{CKB}mission"))} \
        == old_missions
    history_page = requests.get(f"{url}/id/cluster/rohealth/history",
                                headers={"Accept": "text/html"}, timeout=60)
    assert history_page.status_code == 200 and versions[1]["turtle"] in history_page.text


def test_submission_for_a_new_cluster_adds_it_on_accept(kb_server, submission_json):
    server = kb_server()
    new = f"{BASE}id/cluster/example-new-cluster"
    submitter, _ = server.token("submitter", new)
    curator, _ = server.token("curator")
    # Its own award too: ROHEALTH's award (described by ROHEALTH's graph) is not its to claim.
    doc = json.loads(json.dumps(submission_json).replace("cluster:rohealth",
                                                         "cluster:example-new-cluster")
                     .replace("award:rohealth-", "award:example-new-cluster-"))
    assert not ask(server.url, f"ASK {{ <{new}> ?p ?o }}")
    response = requests.post(f"{server.url}/submissions", data=json.dumps(doc),
                             headers={**JSONLD, **auth(submitter)}, timeout=60)
    assert response.status_code == 201, response.text
    sub_id = response.json()["id"]
    assert requests.post(f"{server.url}/submissions/{sub_id}/accept", headers=auth(curator),
                         timeout=60).status_code == 200
    assert ask(server.url, f"ASK {{ GRAPH <{BASE}graph/clusters/example-new-cluster> "
                           f"{{ <{new}> a <{CKB}ClusterOrganisation> }} }}")
    history = requests.get(f"{server.url}/id/cluster/example-new-cluster/history?format=json",
                           timeout=30).json()
    assert [v["version"] for v in history["versions"]] == ["current"]


def test_reject_needs_a_reason_and_records_it(kb_server, submission_json):
    server = kb_server()
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    sub_id = requests.post(f"{server.url}/submissions", data=json.dumps(submission_json),
                           headers={**JSONLD, **auth(submitter)}, timeout=60).json()["id"]
    no_reason = requests.post(f"{server.url}/submissions/{sub_id}/reject", json={},
                              headers=auth(curator), timeout=30)
    assert no_reason.status_code == 400
    rejected = requests.post(f"{server.url}/submissions/{sub_id}/reject",
                             json={"reason": "Mission text shortened too much"},
                             headers=auth(curator), timeout=30)
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Mission text shortened too much"
    assert requests.post(f"{server.url}/submissions/{sub_id}/accept", headers=auth(curator),
                         timeout=30).status_code == 409
    assert NEW_MISSION not in missions(server.url)


def test_authentication_and_scope(kb_server, submission_json):
    server = kb_server()
    url = server.url
    submitter, submitter_id = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    body = json.dumps(submission_json)

    missing = requests.post(f"{url}/submissions", data=body, headers=JSONLD, timeout=30)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.post(f"{url}/submissions", data=body, timeout=30,
                          headers={**JSONLD, **auth(submitter[:-2] + "xx")})
    assert wrong.status_code == 401 and "invalid_token" in wrong.headers["WWW-Authenticate"]

    # A submitter cannot review; a curator cannot submit.
    assert requests.get(f"{url}/submissions?status=pending", headers=auth(curator),
                        timeout=30).status_code == 200
    sub_id = requests.post(f"{url}/submissions", data=body,
                           headers={**JSONLD, **auth(submitter)}, timeout=60).json()["id"]
    for path in (f"/submissions/{sub_id}/diff",):
        assert requests.get(f"{url}{path}", headers=auth(submitter), timeout=30).status_code == 403
    assert requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(submitter),
                         timeout=30).status_code == 403
    assert requests.post(f"{url}/submissions", data=body, headers={**JSONLD, **auth(curator)},
                         timeout=30).status_code == 403

    # Data about another cluster of the KB is refused, naming it; nothing is stored.
    other = copy.deepcopy(submission_json)
    other["@graph"].append({"id": "cluster:health-romania", "type": "ClusterOrganisation",
                            "label": "Health Romania, renamed by someone else"})
    refused = requests.post(f"{url}/submissions", data=json.dumps(other),
                            headers={**JSONLD, **auth(submitter)}, timeout=60)
    assert refused.status_code == 403
    assert refused.json()["other_clusters"] == [f"{BASE}id/cluster/health-romania"]
    assert "health-romania" in refused.json()["error"]
    mine = requests.get(f"{url}/submissions", headers=auth(submitter), timeout=30).json()
    assert [s["id"] for s in mine["submissions"]] == [sub_id]

    # A revoked token stops working at once.
    assert server.cli("token", "revoke", submitter_id).returncode == 0
    assert requests.get(f"{url}/submissions", headers=auth(submitter),
                        timeout=30).status_code == 401


def test_repeated_failures_are_rate_limited(kb_server):
    server = kb_server(CLUSTERKB_AUTH_FAILURES_PER_MINUTE="3")
    curator, curator_id = server.token("curator")
    codes = [requests.get(f"{server.url}/submissions", headers=auth(f"{curator_id}.{n}"),
                          timeout=30).status_code for n in range(3)]
    assert codes == [401, 401, 401]
    limited = requests.get(f"{server.url}/submissions", headers=auth(f"{curator_id}.x"),
                           timeout=30)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    # Locked out: even the right secret of that token waits until the window moves on ...
    assert requests.get(f"{server.url}/submissions", headers=auth(curator),
                        timeout=30).status_code == 429
    # ... while made-up tokens lock out only themselves, never another user's token.
    other, _ = server.token("curator")
    for n in range(4):
        requests.get(f"{server.url}/submissions", headers=auth(f"abc.{n}"), timeout=30)
    assert requests.get(f"{server.url}/submissions", headers=auth(other),
                        timeout=30).status_code == 200


def test_tokens_and_submissions_survive_a_restart(kb_server, submission_json):
    server = kb_server()
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    sub_id = requests.post(f"{server.url}/submissions", data=json.dumps(submission_json),
                           headers={**JSONLD, **auth(submitter)}, timeout=60).json()["id"]
    server.restart()
    status = requests.get(f"{server.url}/submissions/{sub_id}", headers=auth(curator),
                          timeout=30)
    assert status.status_code == 200 and status.json()["status"] == "pending"
    assert requests.post(f"{server.url}/submissions/{sub_id}/accept", headers=auth(curator),
                         timeout=60).status_code == 200
    assert missions(server.url) == {NEW_MISSION}


def test_token_cli_lists_and_never_prints_secrets(kb_server):
    server = kb_server()
    secret, token_id = server.token("submitter", ROHEALTH)
    listed = json.loads(server.cli("token", "list", "--json").stdout)
    assert [(t["id"], t["role"], t["cluster"], t["revoked"]) for t in listed] == \
        [(token_id, "submitter", ROHEALTH, False)]
    assert secret.split(".", 1)[1] not in server.cli("token", "list").stdout
    bad = server.cli("token", "create", "--role", "submitter")
    assert bad.returncode == 2 and "--cluster" in bad.stderr
    assert server.cli("token", "revoke", "nope").returncode == 2
