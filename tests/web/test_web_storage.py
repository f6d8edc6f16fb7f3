"""A read-only or full state directory: the server starts, serves the KB, and says 503/507
for what it cannot record (#13.6).

A real ``clusterkb serve`` runs in a mount namespace of its own (``unshare -m``) where
its var directory is bind-mounted read-only, or is a small tmpfs filled to the last
byte; the mounts vanish with the process. Needs root and ``unshare`` (as CI has);
``chmod`` cannot make a directory read-only for root.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tests.security.harness import make_tokens
from tests.support import free_port, stop_group, wait_until_up

TIMEOUT = 120
CLUSTERKB = Path(sys.executable).parent / "clusterkb"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "submission.json"
needs_namespaces = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="mounting a read-only or full var directory needs root and unshare")


def _serve(var: Path, setup: str, log: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CLUSTERKB_VAR_DIR": str(var), "CLUSTERKB_HOST": "127.0.0.1",
           "CLUSTERKB_PORT": str(port), "CLUSTERKB_QUERY_WORKERS": "1",
           "CLUSTERKB_THREADS": "4"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["unshare", "-m", "sh", "-ec", f"{setup}\nexec '{CLUSTERKB}' serve"], env=env,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz", process, log, timeout=TIMEOUT, what="clusterkb serve")
        yield url
    finally:
        stop_group(process, timeout=15)


def _prepared(tmp_path: Path, built_store) -> tuple[Path, str]:
    """A var directory with a copy of the built store and a submitter token."""
    var = tmp_path / "var"
    shutil.copytree(built_store.config.store_path, var / "store")
    submitter, _, _ = make_tokens(var / "store")
    return var, submitter


def _submit(url: str, token: str) -> requests.Response:
    return requests.post(f"{url}/submissions", data=FIXTURE.read_bytes(), timeout=TIMEOUT,
                         headers={"Content-Type": "application/ld+json",
                                  "Accept": "application/json",
                                  "Authorization": f"Bearer {token}"})


def _reads_work(url: str) -> None:
    assert requests.get(f"{url}/id/cluster/rohealth", headers={"Accept": "text/turtle"},
                        timeout=TIMEOUT).status_code == 200
    query = requests.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=TIMEOUT,
                         headers={"Accept": "application/sparql-results+json"})
    assert query.status_code == 200 and query.json()["boolean"] is True
    catalogue = requests.get(f"{url}/catalog", headers={"Accept": "text/turtle"},
                             timeout=TIMEOUT)
    assert catalogue.status_code == 200 and "dcat:Catalog" in catalogue.text
    dump = requests.get(f"{url}/dump.nt.gz", timeout=TIMEOUT)
    assert dump.status_code == 200
    assert b"<https://w3id.org/clusterkb/id/cluster/rohealth>" in gzip.decompress(dump.content)


@needs_namespaces
def test_read_only_var_directory(tmp_path, built_store):
    var, submitter = _prepared(tmp_path, built_store)
    server = _serve(var, f"mount --bind -o ro '{var}' '{var}'", tmp_path / "server.log")
    url = next(server)
    try:
        assert requests.get(f"{url}/healthz", timeout=TIMEOUT).json()["status"] == "ok"
        _reads_work(url)
        answer = _submit(url, submitter)
        assert answer.status_code == 503, answer.text
        assert "read-only" in answer.json()["error"] and answer.headers["Retry-After"]
        listing = requests.get(f"{url}/submissions", timeout=TIMEOUT,
                               headers={"Accept": "application/json"})
        assert listing.status_code == 503
    finally:
        server.close()


@needs_namespaces
def test_full_var_directory(tmp_path, built_store):
    var, submitter = _prepared(tmp_path, built_store)
    staged = tmp_path / "staged"
    var.rename(staged)
    var.mkdir()
    size = sum(p.stat().st_size for p in staged.rglob("*") if p.is_file())
    setup = (f"mount -t tmpfs -o size={size + 4 * 1024 * 1024} tmpfs '{var}'\n"
             f"cp -a '{staged}/.' '{var}/'\n"
             # the server may open its databases; then not one byte more fits
             f"dd if=/dev/zero of='{var}/filler' bs=64k 2>/dev/null || true")
    server = _serve(var, setup, tmp_path / "server.log")
    url = next(server)
    try:
        _reads_work(url)
        answer = _submit(url, submitter)
        assert answer.status_code == 507, answer.text
        assert "full" in answer.json()["error"]
    finally:
        server.close()
