"""Fixtures for the submission workflow: real ``clusterkb serve`` processes we can kill.

``kb_server(**env)``
    Factory. Copies the session's built store into a fresh var dir, starts a
    real server over it (its own process group) and returns a ``Server``: its
    URL, its environment (so ``Server.cli`` runs ``clusterkb token ...`` against
    the same tokens), ``kill()`` (SIGKILL, the whole group) and ``restart()``.
    Every server is stopped at the end of the test.

The shared ``start_server`` fixture returns only a URL; these tests need the
process itself (to SIGKILL it mid-accept), hence a small launcher of their own.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from tests.support import free_port, stop_group, wait_until_up

BIN = Path(sys.executable).parent
CLUSTERKB = BIN / "clusterkb"
START_TIMEOUT = 120.0
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"


@dataclass
class Server:
    workdir: Path
    env: dict[str, str]
    url: str = ""
    process: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / "server.log"

    def start(self) -> Server:
        port = free_port()
        self.env["CLUSTERKB_PORT"] = str(port)
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log, "ab") as log_file:
            self.process = subprocess.Popen(
                [str(CLUSTERKB), "serve"], env=self.env, stdout=log_file,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_until_up(f"{self.url}/healthz", self.process, self.log, timeout=START_TIMEOUT,
                          what="clusterkb serve")
        except RuntimeError:
            self.stop()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL the server and its query workers: no cleanup of any kind runs."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)

    def restart(self) -> Server:
        self.stop()
        return self.start()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CLUSTERKB), *args], env=self.env, capture_output=True,
                              text=True, timeout=120)

    def token(self, role: str, cluster: str | None = None) -> tuple[str, str]:
        """Create a token with the CLI; returns (secret, token id)."""
        args = ["token", "create", "--role", role]
        if cluster:
            args += ["--cluster", cluster]
        result = self.cli(*args)
        assert result.returncode == 0, result.stderr
        secret = result.stdout.strip()
        return secret, secret.split(".", 1)[0]


@pytest.fixture()
def kb_server(tmp_path_factory: pytest.TempPathFactory,
              built_store) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(**env: str) -> Server:
        workdir = tmp_path_factory.mktemp("subserver")
        var = workdir / "var"
        shutil.copytree(built_store.config.store_path, var / "store")
        environment = {**os.environ, "CLUSTERKB_HOST": "127.0.0.1",
                       "CLUSTERKB_VAR_DIR": str(var), "CLUSTERKB_STORE_DIR": str(var / "store"),
                       "CLUSTERKB_THREADS": "4", "CLUSTERKB_QUERY_WORKERS": "1",
                       "CLUSTERKB_AUTH_FAILURES_PER_MINUTE": "1000"}
        environment.update(env)
        server = Server(workdir, environment)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def submission_json() -> dict:
    """The README's example submission (plain JSON with the clusterkb context)."""
    return json.loads((FIXTURES / "valid" / "submission.json").read_text(encoding="utf-8"))


def submit_mission(url: str, secret: str, doc: dict, mission: str) -> str:
    """Submit the JSON profile ``doc`` with its mission set to ``mission``; its id (201)."""
    doc = copy.deepcopy(doc)
    doc["@graph"][0]["mission"] = mission
    response = requests.post(f"{url}/submissions", data=json.dumps(doc), timeout=60,
                             headers={"Content-Type": "application/ld+json",
                                      "Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.text
    return response.json()["id"]
