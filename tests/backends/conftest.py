"""``backend_server``: one real ``clusterkb serve`` per store backend.

Parametrised over ``embedded`` (the local Oxigraph store, built by ``serve``),
``oxigraph`` (an ``oxigraph serve`` process) and ``virtuoso`` (Virtuoso Open
Source 7, from Debian, installed by ``scripts/system-deps``). For the two engines the KB is
first pushed with ``clusterkb publish`` (the command users run), then the server
is started with the ``CLUSTERKB_ENDPOINT*`` variables. Every server has a 3 s
query limit so the timeout checks stay short. Engines and servers are stopped at
the end of the session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.backends.engines import Engine, start_oxigraph, start_virtuoso, virtuoso_available

CLUSTERKB = Path(sys.executable).parent / "clusterkb"
BACKENDS = ["embedded", "oxigraph", "virtuoso"]
QUERY_TIMEOUT = "3"


@dataclass
class Backend:
    name: str
    url: str
    env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``clusterkb ARGS`` with this server's settings (same var dir, same engine)."""
        return subprocess.run([str(CLUSTERKB), *args], env={**os.environ, **self.env},
                              capture_output=True, text=True, timeout=300)

    def token(self, role: str, cluster: str | None = None) -> str:
        args = ["token", "create", "--role", role] + (["--cluster", cluster] if cluster else [])
        result = self.cli(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


def start_engine(name: str, workdir: Path) -> Engine | None:
    if name == "oxigraph":
        return start_oxigraph(workdir, timeout_s=10)
    if name == "virtuoso":
        if not virtuoso_available():
            pytest.fail("Virtuoso is not installed: make test installs it "
                        "(scripts/system-deps)")
        return start_virtuoso(workdir)
    return None


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Engine]]:
    """Factory: a fresh running engine by name; all stopped at the end of the session."""
    started: list[Engine] = []

    def start(name: str) -> Engine:
        engine = start_engine(name, tmp_path_factory.mktemp(f"engine-{name}"))
        assert engine is not None
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


def backend_env(name: str, engines: Callable[[str], Engine], var_dir: Path) -> dict[str, str]:
    """Settings of a server over backend ``name``; remote engines get the KB published."""
    env = {"CLUSTERKB_VAR_DIR": str(var_dir), "CLUSTERKB_QUERY_TIMEOUT": QUERY_TIMEOUT}
    if name == "embedded":
        return env
    engine = engines(name)
    env.update({k: v for k, v in engine.env.items() if k.startswith("CLUSTERKB_")})
    result = subprocess.run([str(CLUSTERKB), "publish", "--endpoint", env["CLUSTERKB_ENDPOINT"]],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return env


@pytest.fixture(scope="session", params=BACKENDS)
def backend_server(request: pytest.FixtureRequest, start_server: Callable[..., str],
                   engines: Callable[[str], Engine],
                   tmp_path_factory: pytest.TempPathFactory) -> Backend:
    name = request.param
    env = backend_env(name, engines, tmp_path_factory.mktemp(f"backend-{name}") / "var")
    return Backend(name, start_server(**env), env)
