"""Issue 13.1 (defence in depth): a query worker cannot open a network socket.

The guard is bypassed on purpose here: the real worker process (started by the
real ``QueryPool``) is handed a ``SERVICE`` query to the canary directly. With
the sandbox the engine's HTTP request fails inside the worker and the canary
sees nothing; a pool made with ``network=True`` (what an allow-listed
``SERVICE`` configuration starts) does reach the canary, which shows that the
test can tell the two apart.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from clusterkb.store.pool import QueryEvaluationError, QueryPool

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox is seccomp (Linux)")


def _service_request(url: str) -> dict:
    return {"gen_dir": None, "query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            "media_type": "application/sparql-results+json", "default": [], "named": [],
            "max_rows": 10, "union": True}


def test_sandboxed_worker_cannot_reach_a_listener(canary):
    pool = QueryPool(1)
    try:
        with pytest.raises(QueryEvaluationError) as caught:
            pool.run(_service_request(canary.url), timeout=30)
        assert "not permitted" in str(caught.value).lower()
        # the client-facing message does not repeat the engine's
        assert "permitted" not in caught.value.public
    finally:
        pool.close()
    time.sleep(0.3)
    assert canary.hits == []


def test_worker_with_network_allowed_does_reach_it(canary):
    pool = QueryPool(1, network=True)
    try:
        with pytest.raises(QueryEvaluationError):  # the canary answers no SPARQL results
            pool.run(_service_request(canary.url), timeout=30)
    finally:
        pool.close()
    deadline = time.monotonic() + 5
    while not canary.hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert canary.hits and canary.hits[0].startswith((b"POST", b"GET"))


def test_plain_python_in_the_sandbox_cannot_connect_but_keeps_unix_sockets(canary):
    host, port = "127.0.0.1", canary.port
    code = (
        "import socket\n"
        "from clusterkb.store.sandbox import deny_network\n"
        "print(deny_network())\n"
        "a, b = socket.socketpair(); a.sendall(b'x'); print(b.recv(1).decode())\n"
        "for family in (socket.AF_INET, socket.AF_INET6):\n"
        "    try:\n"
        "        socket.socket(family); print('opened')\n"
        "    except OSError as error: print(error.errno)\n"
        f"try:\n    socket.create_connection(({host!r}, {port}), timeout=5); print('connected')\n"
        "except OSError as error: print(error.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["seccomp", "x", "1", "1", "1"]  # errno 1: EPERM
    time.sleep(0.2)
    assert canary.hits == []


def test_without_seccomp_the_worker_warns_and_runs(monkeypatch, caplog):
    """Where no filter can be installed (another architecture here), a warning, not a crash."""
    from clusterkb.store import sandbox

    monkeypatch.setattr(sandbox.platform, "machine", lambda: "riscv128")
    with caplog.at_level("WARNING", logger="clusterkb.sandbox"):
        reason = sandbox.deny_network()
    assert "riscv128" in reason
    assert any("WITH network access" in r.getMessage() for r in caplog.records)
