"""Two accepts for one cluster at once, under ``serve --workers 2``, lose no version.

Each round submits two profiles, then sends both accepts at the same moment
(they usually land on different worker processes, as ``X-Worker`` shows). Both
must be accepted and the history must hold every version: one saved version
per accept, each replaced by its own submission.
"""

from __future__ import annotations

import threading

import requests
from tests.submissions.conftest import submit_mission

BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"
ROUNDS = 3


def test_concurrent_accepts_keep_every_version(kb_server, submission_json):
    server = kb_server(CLUSTERKB_WORKERS="2", CLUSTERKB_THREADS="4")
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")

    def submit(mission: str) -> str:
        return submit_mission(server.url, submitter, submission_json, mission)

    accepted: list[str] = []
    for round_no in range(ROUNDS):
        ids = [submit(f"Mission {round_no}-{n}.") for n in range(2)]
        barrier = threading.Barrier(2)
        answers: dict[str, requests.Response] = {}

        def accept(sub_id: str, barrier: threading.Barrier = barrier,
                   answers: dict = answers) -> None:
            barrier.wait()
            answers[sub_id] = requests.post(f"{server.url}/submissions/{sub_id}/accept",
                                            headers={"Authorization": f"Bearer {curator}"},
                                            timeout=120)

        threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        assert sorted(a.status_code for a in answers.values()) == [200, 200], \
            {k: v.text[:300] for k, v in answers.items()}
        accepted += ids

    history = requests.get(f"{server.url}/id/cluster/rohealth/history?format=json",
                           timeout=60).json()["versions"]
    saved = [v for v in history if v["version"] != "current"]
    # The built version plus every accepted one but the last (which is current).
    assert sorted(v["version"] for v in saved) == list(range(1, 2 * ROUNDS + 1))
    assert sorted(v["replaced_by_submission"] for v in saved) == sorted(accepted)
    for version in saved:
        body = requests.get(f"{server.url}{version['turtle']}", timeout=60)
        assert body.status_code == 200 and "ROHEALTH" in body.text
