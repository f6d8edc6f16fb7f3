"""An accept killed (SIGKILL) at any moment loses nothing and mixes nothing.

Each round: a pending submission with a mission text of its own; the curator's
accept is sent and the server (with its query workers) is SIGKILLed after a
delay that varies from round to round, from "before the request is read" to
"after the answer". After a restart the published graph of the cluster must
be exactly the old one (and the submission still pending) or exactly the new
one (and the submission recorded as accepted, by reconciliation if the kill
came between the store write and the record).
"""

from __future__ import annotations

import contextlib
import threading
import time

import requests
from SPARQLWrapper import JSON, SPARQLWrapper
from tests.submissions.conftest import submit_mission

BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"
GRAPH = f"{BASE}graph/clusters/rohealth"
MISSION = "https://w3id.org/clusterkb/ontology#mission"
ROUNDS = 20


def _select(url: str, query: str) -> list[dict]:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["results"]["bindings"]


def _state(url: str) -> tuple[frozenset[str], int]:
    """(missions of the cluster in its graph, number of triples in its graph)."""
    missions = _select(url, f"SELECT ?m WHERE {{ GRAPH <{GRAPH}> "
                            f"{{ <{ROHEALTH}> <{MISSION}> ?m }} }}")
    count = _select(url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    return frozenset(m["m"]["value"] for m in missions), int(count[0]["n"]["value"])


def test_accept_killed_at_any_moment_leaves_old_or_new_state(kb_server, submission_json):
    server = kb_server()
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    curator_auth = {"Authorization": f"Bearer {curator}"}

    # A warm-up accept that is not interrupted: it tells how many triples an accepted
    # graph has (submission + provenance) and roughly how long an accept takes, so the
    # kill delays below spread over the whole of it.
    warm = submit_mission(server.url, submitter, submission_json, "Warm-up mission.")
    started = time.monotonic()
    assert requests.post(f"{server.url}/submissions/{warm}/accept", headers=curator_auth,
                         timeout=60).status_code == 200
    span = max(time.monotonic() - started, 0.05) * 1.5
    _, accepted_size = _state(server.url)

    outcomes = {"old": 0, "new": 0}
    pending: tuple[str, str] | None = None
    for round_no in range(ROUNDS):
        if pending is None:
            mission = f"Mission written for crash round {round_no}."
            pending = (submit_mission(server.url, submitter, submission_json, mission), mission)
        sub_id, mission = pending
        before = _state(server.url)
        assert mission not in before[0]

        def send(sub_id: str = sub_id) -> None:
            # The server may be killed under the request: a connection error is expected.
            with contextlib.suppress(requests.RequestException):
                requests.post(f"{server.url}/submissions/{sub_id}/accept",
                              headers=curator_auth, timeout=30)

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(span * round_no / (ROUNDS - 1))
        server.kill()
        sender.join(timeout=60)
        server.start()

        after = _state(server.url)
        status = requests.get(f"{server.url}/submissions/{sub_id}", headers=curator_auth,
                              timeout=30).json()["status"]
        if after == before:
            assert status == "pending", f"round {round_no}: old data but status {status}"
            outcomes["old"] += 1
        else:
            assert after == (frozenset({mission}), accepted_size), \
                f"round {round_no}: neither old nor new state: {after} (before {before})"
            assert status == "accepted", f"round {round_no}: new data but status {status}"
            outcomes["new"] += 1
            pending = None
        history = requests.get(f"{server.url}/id/cluster/rohealth/history?format=json",
                               timeout=30).json()["versions"]
        # One saved version per recorded acceptance (the warm-up's included), never more.
        assert len(history) == 2 + outcomes["new"]
    assert outcomes["old"] + outcomes["new"] == ROUNDS
