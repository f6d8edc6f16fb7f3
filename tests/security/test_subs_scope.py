"""The ownership rule over HTTP: what a ROHEALTH submitter token may not write.

The red team's edits (Evil Corp as a member of Health Romania, its award
defaced, the ontology's heading changed) and the other protected parties each
get a 403 that lists the refused subject and why; nothing is stored. ROHEALTH's
own published graph, sent back unchanged, is not refused.
"""

from __future__ import annotations

import pytest
import requests

TIMEOUT = 60
BASE = "https://w3id.org/clusterkb/"
CKB = "https://w3id.org/clusterkb/ontology#"
ROHEALTH = f"{BASE}id/cluster/rohealth"
HR = f"{BASE}id/cluster/health-romania"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROFILE = f"""<{ROHEALTH}> a <{CKB}ClusterOrganisation> ; <{LABEL}> "ROHEALTH"@en .\n"""

CASES = {
    "membership of another cluster": (
        f"<{BASE}id/organisation/evil-corp> <{LABEL}> \"Evil Corp\"@en ; "
        f"<http://www.w3.org/ns/org#memberOf> <{HR}> .",
        f"{BASE}id/organisation/evil-corp", "part of another cluster"),
    "a membership node of another cluster": (
        f"_:m <http://www.w3.org/ns/org#organization> <{HR}> ; "
        f"<http://www.w3.org/ns/org#member> <{BASE}id/organisation/evil-corp> .",
        None, "part of another cluster"),
    "another cluster's award": (
        f"<{BASE}id/award/health-romania-bronze-label> <{LABEL}> \"Defaced\"@en .",
        f"{BASE}id/award/health-romania-bronze-label", "another cluster's graph"),
    "another cluster": (f"<{HR}> <{LABEL}> \"Renamed\"@en .", HR, "another cluster"),
    "a shared organisation": (
        f"<{BASE}id/organisation/mediklaszter-menedzsment-kft> <{LABEL}> \"Evil Kft\"@en .",
        f"{BASE}id/organisation/mediklaszter-menedzsment-kft", "shared resource"),
    "an ontology term": (f"<{CKB}ClusterOrganisation> <{LABEL}> \"Evil heading\"@en .",
                         f"{CKB}ClusterOrganisation", "ontology"),
    "a vocabulary concept": (
        f"<{BASE}vocab/label-levels/gold> <{LABEL}> \"Tin\"@en .",
        f"{BASE}vocab/label-levels/gold", "vocabulary"),
    "a graph": (f"<{BASE}graph/clusters/health-romania> <{LABEL}> \"x\"@en .",
                f"{BASE}graph/clusters/health-romania", "named graph"),
    "the catalogue": (f"<{BASE}catalog> <{LABEL}> \"x\"@en .", f"{BASE}catalog", "catalogue"),
}


def _post(server, body: str, content_type: str = "text/turtle") -> requests.Response:
    return requests.post(f"{server.url}/submissions", data=body.encode(), timeout=TIMEOUT,
                         headers={"Content-Type": content_type,
                                  **server.auth(server.submitter)})


def _pending(server) -> list[str]:
    listing = requests.get(f"{server.url}/submissions?status=pending", timeout=TIMEOUT,
                           headers=server.auth(server.curator))
    return [s["id"] for s in listing.json()["submissions"]]


@pytest.mark.parametrize("case", sorted(CASES))
def test_statements_about_what_others_own_are_refused(attack_server, case):
    extra, subject, why = CASES[case]
    before = _pending(attack_server)
    response = _post(attack_server, PROFILE + extra)
    assert response.status_code == 403, (case, response.status_code, response.text[:500])
    refused = response.json()["refused"]
    assert len(refused) == 1, refused
    if subject is not None:
        assert refused[0]["subject"] == subject
    assert why in refused[0]["reason"], refused
    assert refused[0]["subject"] in response.json()["error"] or subject is None
    assert _pending(attack_server) == before  # nothing stored


def test_trig_naming_other_graphs_is_refused(attack_server):
    trig = (f"<{BASE}graph/clusters/rohealth> {{ {PROFILE} }}\n"
            f"<{BASE}graph/clusters/health-romania> {{ <{ROHEALTH}> <{LABEL}> \"x\"@en . }}\n"
            f"<{BASE}graph/catalog> {{ <{ROHEALTH}> <{LABEL}> \"y\"@en . }}\n")
    response = _post(attack_server, trig, "application/trig")
    assert response.status_code == 403, response.text[:500]
    subjects = {r["subject"] for r in response.json()["refused"]}
    assert subjects == {f"{BASE}graph/clusters/health-romania", f"{BASE}graph/catalog"}


def test_own_graph_named_in_trig_is_not_refused_for_scope(attack_server):
    body = f"<{BASE}graph/clusters/rohealth> {{ {PROFILE} }}"
    response = _post(attack_server, body, "application/trig")
    assert response.status_code != 403, response.text[:500]
    # Past the scope rule the shapes decide, exactly as /validate decides on the same upload.
    checked = requests.post(f"{attack_server.url}/validate", data=body.encode(),
                            headers={"Content-Type": "application/trig"}, timeout=TIMEOUT)
    assert response.status_code == (201 if checked.json()["conforms"] else 422)


def test_own_published_graph_sent_back_is_not_refused(attack_server):
    """ROHEALTH's graph names partner clusters and another cluster's label, as it stands."""
    for path in ("/graph/clusters/rohealth.ttl", "/id/cluster/rohealth.ttl"):
        text = requests.get(f"{attack_server.url}{path}", timeout=TIMEOUT).text
        response = _post(attack_server, text)
        # 201, or 422 while literals do not yet keep their datatype through the store
        # (another issue); never the 403 of the scope rule.
        assert response.status_code in (201, 422), (path, response.text[:800])
        assert "refused" not in response.json()
