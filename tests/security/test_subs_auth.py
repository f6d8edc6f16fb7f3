"""The failed-token limiter and browser sessions, against a real server.

* Concurrent wrong attempts never get past the limit (the check and the count
  are one atomic step), and failures with other ids from the same address do not
  lock out a valid token.
* Signing in checks where the form came from (login CSRF); the cookie holds a
  server-side session id (never the token), which signing out ends, with an
  expiry; it is not ``Secure`` on loopback hosts (``[::1]`` included) and is
  ``Secure`` elsewhere.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tests.security.harness import make_tokens, private_store

TIMEOUT = 60
LIMIT = 10
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def server(start_server, built_store, tmp_path_factory):
    store_dir = private_store(tmp_path_factory, built_store)
    submitter, other, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir),
                       CLUSTERKB_AUTH_FAILURES_PER_MINUTE=str(LIMIT), CLUSTERKB_THREADS="8")
    return url, submitter, other, curator


def _wrong(secret: str, n: int) -> str:
    token_id = secret.split(".", 1)[0]
    return f"{token_id}.wrong-secret-{n}"


def test_concurrent_failures_never_pass_the_limit(server):
    url, submitter, _, curator = server

    def attempt(n: int) -> int:
        return requests.get(f"{url}/submissions", timeout=TIMEOUT,
                            headers={"Authorization": f"Bearer {_wrong(submitter, n)}"}
                            ).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(attempt, range(40)))
    assert codes.count(401) == LIMIT and codes.count(429) == 40 - LIMIT, codes
    # The right secret of that token waits too (no guessing meanwhile) ...
    locked = requests.get(f"{url}/submissions", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {submitter}"})
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 60
    # ... but another user's valid token from the same address is not locked out,
    # nor after a spray of made-up tokens.
    for n in range(LIMIT + 5):
        requests.get(f"{url}/submissions", timeout=TIMEOUT,
                     headers={"Authorization": f"Bearer not-a-token-{n}"})
    ok = requests.get(f"{url}/submissions", timeout=TIMEOUT,
                      headers={"Authorization": f"Bearer {curator}"})
    assert ok.status_code == 200, ok.text


def _sign_in(url: str, secret: str, **headers: str) -> requests.Response:
    return requests.post(f"{url}/submissions/session", data={"token": secret}, timeout=TIMEOUT,
                         allow_redirects=False, headers={**HTML, **headers})


def _cookie(response: requests.Response) -> str:
    values = [v for k, v in response.raw.headers.items() if k.lower() == "set-cookie"]
    assert len(values) == 1, values
    return values[0]


def test_sign_in_from_another_site_is_refused(server):
    url, _, _, curator = server
    for origin in ("https://evil.example", "null"):
        response = _sign_in(url, curator, Origin=origin)
        assert response.status_code == 403, (origin, response.status_code)
        assert not [k for k in response.raw.headers if k.lower() == "set-cookie"]
    response = _sign_in(url, curator, Referer="https://evil.example/form")
    assert response.status_code == 403


def test_session_cookie_is_a_server_side_session_that_sign_out_ends(server):
    url, _, _, curator = server
    signed_in = _sign_in(url, curator, Origin=url)
    assert signed_in.status_code == 303
    cookie = _cookie(signed_in)
    name, _, rest = cookie.partition("=")
    value = rest.split(";", 1)[0]
    assert curator not in cookie and curator.split(".", 1)[1] not in cookie
    flags = {f.strip().split("=")[0].lower(): f.strip() for f in cookie.split(";")[1:]}
    assert "httponly" in flags and flags["samesite"].lower() == "samesite=strict"
    assert int(flags["max-age"].split("=")[1]) > 0
    jar = {name: value}
    assert requests.get(f"{url}/submissions", cookies=jar, timeout=TIMEOUT).status_code == 200
    out = requests.post(f"{url}/submissions/session/end", cookies=jar, timeout=TIMEOUT,
                        headers={"Origin": url}, allow_redirects=False)
    assert out.status_code == 303
    # The same cookie, replayed after signing out, no longer works.
    assert requests.get(f"{url}/submissions", cookies=jar, timeout=TIMEOUT).status_code == 401


def test_sessions_expire(start_server, built_store, tmp_path_factory):
    import time

    store_dir = private_store(tmp_path_factory, built_store)
    _, _, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir), CLUSTERKB_SESSION_MAX_AGE="1")
    signed_in = _sign_in(url, curator, Origin=url)
    name, _, rest = _cookie(signed_in).partition("=")
    jar = {name: rest.split(";", 1)[0]}
    time.sleep(2.5)  # past the 1 s lifetime (no timing is asserted, only the expiry)
    assert requests.get(f"{url}/submissions", cookies=jar, timeout=TIMEOUT).status_code == 401


@pytest.mark.parametrize("host,secure", [
    ("[::1]", False), ("127.0.0.2", False), ("localhost", False), ("kb.example.org", True),
    ("[2001:db8::1]", True)])
def test_cookie_is_secure_except_on_loopback(server, host, secure):
    url, _, _, curator = server
    port = url.rsplit(":", 1)[1]
    for value in (host, f"{host}:{port}"):
        response = _sign_in(url, curator, Host=value)
        assert response.status_code == 303, (value, response.status_code)
        flags = {f.strip().lower() for f in _cookie(response).split(";")[1:]}
        assert ("secure" in flags) == secure, (value, flags)
