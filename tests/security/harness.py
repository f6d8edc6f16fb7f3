"""Helpers shared by the security and reliability tests (not fixtures).

``server_processes``/``rss_bytes`` find a running server by its port (the
shared ``start_server`` fixture hands out only a URL) so tests can watch its
memory; ``private_store``/``make_tokens`` give a server a writable copy of the
built store with tokens of every kind.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from clusterkb.config import Config
from clusterkb.tokens import CURATOR, SUBMITTER, TokenStore

BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"
HEALTH_ROMANIA = f"{BASE}id/cluster/health-romania"


@dataclass
class AttackServer:
    url: str
    submitter: str  # ROHEALTH
    other_submitter: str  # Health Romania
    curator: str
    store_dir: Path

    def auth(self, secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}


def private_store(tmp_path_factory: pytest.TempPathFactory, built_store) -> Path:
    var = tmp_path_factory.mktemp("attack") / "var"
    shutil.copytree(built_store.config.store_path, var / "store")
    return var / "store"


def make_tokens(store_dir: Path) -> tuple[str, str, str]:
    tokens = TokenStore.for_config(Config(store_dir=store_dir))
    _, submitter = tokens.create(SUBMITTER, ROHEALTH, BASE)
    _, other = tokens.create(SUBMITTER, HEALTH_ROMANIA, BASE)
    _, curator = tokens.create(CURATOR, None, BASE)
    return submitter, other, curator


def server_processes(url: str) -> list[psutil.Process]:
    """The server listening at ``url`` and its children (the query workers)."""
    port = int(url.rsplit(":", 1)[1])
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            server = psutil.Process(conn.pid)
            return [server, *server.children(recursive=True)]
    raise LookupError(f"no process listens on port {port}")


def rss_bytes(url: str) -> int:
    """Resident memory of the server and its workers, summed."""
    total = 0
    for process in server_processes(url):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total
