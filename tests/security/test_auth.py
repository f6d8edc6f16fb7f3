"""Writes need the right token and scope; token checks are timing-safe and rate-limited.

Every write route of a real server is tried with no token, a wrong one, one that
differs from a real token only in its last character, the wrong role and
another cluster's submitter token; afterwards the target submission must still
be pending (nothing was written).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
import requests
from tests.security.harness import AttackServer, make_tokens, private_store

from clusterkb import tokens

TIMEOUT = 60
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "submission.json"


def _last_char_changed(secret: str) -> str:
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


def _submit(server: AttackServer, secret: str, mission: str = "x") -> requests.Response:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["@graph"][0]["mission"] = mission
    return requests.post(f"{server.url}/submissions", data=json.dumps(doc), timeout=TIMEOUT,
                         headers={"Content-Type": "application/ld+json",
                                  **server.auth(secret)})


@pytest.fixture()
def pending(attack_server) -> str:
    response = _submit(attack_server, attack_server.submitter, "auth test")
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _status(server: AttackServer, submission_id: str) -> str:
    response = requests.get(f"{server.url}/submissions/{submission_id}", timeout=TIMEOUT,
                            headers=server.auth(server.curator))
    assert response.status_code == 200, response.text
    return response.json()["status"]


def _bad_credentials(server: AttackServer) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "empty bearer": {"Authorization": "Bearer "},
        "basic": {"Authorization": f"Basic {server.curator}"},
        "wrong": {"Authorization": "Bearer 0123456789ab.not-a-real-secret"},
        "malformed": {"Authorization": "Bearer ../../etc/passwd"},
        "last char (curator)": {"Authorization": f"Bearer {_last_char_changed(server.curator)}"},
        "last char (submitter)": {
            "Authorization": f"Bearer {_last_char_changed(server.submitter)}"},
        "id only": {"Authorization": f"Bearer {server.curator.split('.')[0]}."},
    }


def test_writes_refuse_missing_and_wrong_tokens(attack_server, pending):
    routes = [
        ("/submissions", {"data": FIXTURE.read_bytes(),
                          "headers": {"Content-Type": "application/ld+json"}}),
        (f"/submissions/{pending}/accept", {}),
        (f"/submissions/{pending}/reject", {"json": {"reason": "no"}}),
    ]
    for path, kwargs in routes:
        for name, headers in _bad_credentials(attack_server).items():
            response = requests.post(f"{attack_server.url}{path}", timeout=TIMEOUT,
                                     **{**kwargs,
                                        "headers": {**kwargs.get("headers", {}), **headers}})
            assert response.status_code == 401, (path, name, response.status_code)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["error"]
    assert _status(attack_server, pending) == "pending"


def test_token_differing_in_last_character_is_refused(attack_server):
    near = _last_char_changed(attack_server.curator)
    response = requests.get(f"{attack_server.url}/submissions", timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {near}"})
    assert response.status_code == 401
    real = requests.get(f"{attack_server.url}/submissions", timeout=TIMEOUT,
                        headers=attack_server.auth(attack_server.curator))
    assert real.status_code == 200  # the same request with the real token works


def test_roles_and_scopes_are_enforced(attack_server, pending):
    url = attack_server.url
    for secret in (attack_server.submitter, attack_server.other_submitter):
        for action, kwargs in (("accept", {}), ("reject", {"json": {"reason": "no"}})):
            response = requests.post(f"{url}/submissions/{pending}/{action}", timeout=TIMEOUT,
                                     headers=attack_server.auth(secret), **kwargs)
            assert response.status_code == 403, (action, response.text)
            assert "curator" in response.json()["error"]
    # A curator may review but not submit (submissions are made by a cluster's own token).
    response = _submit(attack_server, attack_server.curator)
    assert response.status_code == 403 and "submitter" in response.json()["error"]
    # Health Romania's submitter may not submit ROHEALTH's profile ...
    response = _submit(attack_server, attack_server.other_submitter)
    assert response.status_code in (403, 422), response.text
    assert "health-romania" in response.text or "rohealth" in response.text
    # ... nor read, diff or see another cluster's pending submission.
    for suffix in ("", "/diff"):
        response = requests.get(f"{url}/submissions/{pending}{suffix}", timeout=TIMEOUT,
                                headers=attack_server.auth(attack_server.other_submitter))
        assert response.status_code in (403, 404), (suffix, response.status_code)
    listing = requests.get(f"{url}/submissions", timeout=TIMEOUT,
                           headers=attack_server.auth(attack_server.other_submitter))
    assert listing.status_code == 200 and pending not in listing.text
    assert _status(attack_server, pending) == "pending"


def test_reads_of_submissions_need_a_token(attack_server, pending):
    for path in ("/submissions", f"/submissions/{pending}", f"/submissions/{pending}/diff"):
        response = requests.get(f"{attack_server.url}{path}", timeout=TIMEOUT)
        assert response.status_code == 401, path


def test_cookie_session_cannot_be_used_cross_site(attack_server, pending):
    """A curator's session cookie does not let another site's form accept a submission."""
    signed_in = requests.post(f"{attack_server.url}/submissions/session", timeout=TIMEOUT,
                              data={"token": attack_server.curator}, allow_redirects=False,
                              headers={"Origin": attack_server.url})
    assert signed_in.status_code == 303
    cookies = signed_in.cookies.get_dict()
    assert cookies and attack_server.curator not in str(cookies)
    for origin in ("https://evil.example", "null"):
        response = requests.post(
            f"{attack_server.url}/submissions/{pending}/accept", timeout=TIMEOUT,
            cookies=cookies, headers={"Origin": origin, "Content-Type":
                                      "application/x-www-form-urlencoded"}, data="x=1")
        assert response.status_code == 403, response.status_code
    assert _status(attack_server, pending) == "pending"


def test_token_comparison_is_constant_time_in_the_code():
    source = inspect.getsource(tokens.TokenStore.authenticate)
    assert re.search(r"\b(hmac|secrets)\.compare_digest\(", source), source
    # The stored hash must not also be compared with a plain ``==`` / ``!=``.
    assert not re.search(r"(stored|hash|row\[5\])\s*[!=]=|[!=]=\s*(stored|hash)", source)


def test_failed_authentication_is_rate_limited(start_server, built_store, tmp_path_factory):
    store_dir = private_store(tmp_path_factory, built_store)
    submitter, _, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir),
                       CLUSTERKB_AUTH_FAILURES_PER_MINUTE="5")
    good = {"Authorization": f"Bearer {curator}"}
    # Successful checks do not count against the client.
    for _ in range(8):
        assert requests.get(f"{url}/submissions", headers=good, timeout=TIMEOUT).ok
    statuses = []
    for _ in range(8):
        response = requests.get(f"{url}/submissions", timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {_last_char_changed(curator)}"})
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
    limited = requests.post(f"{url}/submissions/x/accept", headers=good, timeout=TIMEOUT)
    assert limited.status_code == 429  # even the right token waits: no guessing meanwhile
    retry = int(limited.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert limited.json()["error"]
