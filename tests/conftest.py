"""Shared fixtures for the whole suite.

``config``
    A ``Config`` whose var dir (hence store) is a fresh temporary directory,
    with a short query time limit (2 s), one query worker and a small row cap
    (1000). Its data dirs are the repository's ``ontology/``, ``kb/`` and
    ``shapes/``. Function-scoped.

``data_config(files, **overrides)``
    Factory: writes ``{relative path: Turtle text}`` into a temporary data
    root (``ontology/...``, ``kb/...``, ``shapes/...``) and returns a Config
    whose data dirs and var dir point there. For tests that need data of their
    own instead of the KB others are still writing.

``built_store``
    An ``EmbeddedStore`` built (``clusterkb build``'s code path) from the
    repository's ontology/, vocabularies, shapes/ and kb/ into a temporary
    directory. Session-scoped, so treat it as read-only; its directory is
    ``built_store.config.store_path``.

``start_server(**env)``
    Factory (session-scoped) that starts a REAL ``clusterkb serve`` subprocess
    on a free 127.0.0.1 port and returns its base URL (``http://127.0.0.1:PORT``,
    no trailing slash) once ``/healthz`` answers. Keyword arguments are extra
    environment variables, e.g. ``start_server(CLUSTERKB_QUERY_TIMEOUT="1")``.
    Without ``CLUSTERKB_STORE_DIR`` the server gets an empty store of its own,
    which ``serve`` builds from the repository data before it listens.
    Every server started is stopped at the end of the session.

``live_server``
    The base URL of one server over ``built_store`` with default settings.
    Session-scoped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support import free_port, stop_group, wait_until_up

from clusterkb.config import Config

CLUSTERKB = Path(sys.executable).parent / "clusterkb"
SERVER_START_TIMEOUT = 120.0  # generous: CI machines are shared; the server may build first


@pytest.fixture()
def config(tmp_path: Path) -> Config:
    return Config(var_dir=tmp_path / "var", query_timeout=2.0, query_workers=1,
                  max_result_rows=1000)


@pytest.fixture()
def data_config(tmp_path: Path) -> Callable[..., Config]:
    def make(files: dict[str, str], **overrides: object) -> Config:
        root = tmp_path / "data"
        for name in ("ontology", "kb", "shapes"):
            (root / name).mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        settings: dict[str, object] = {
            "ontology_dir": root / "ontology", "kb_dir": root / "kb",
            "shapes_dir": root / "shapes", "var_dir": tmp_path / "var",
            "query_timeout": 2.0, "query_workers": 1, "max_result_rows": 1000,
        }
        settings.update(overrides)
        return Config(**settings)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory):
    from clusterkb.build import build
    from clusterkb.store.embedded import EmbeddedStore

    config = Config(var_dir=tmp_path_factory.mktemp("built") / "var", query_timeout=5.0,
                    query_workers=1)
    store = EmbeddedStore(config)
    build(config, store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    processes: list[subprocess.Popen] = []

    def start(**env: str) -> str:
        workdir = tmp_path_factory.mktemp("server")
        port = free_port()
        environment = {**os.environ, "CLUSTERKB_HOST": "127.0.0.1",
                       "CLUSTERKB_PORT": str(port), "CLUSTERKB_VAR_DIR": str(workdir / "var"),
                       "CLUSTERKB_THREADS": "4"}
        environment.update(env)
        log = workdir / "server.log"
        with open(log, "wb") as log_file:
            process = subprocess.Popen([str(CLUSTERKB), "serve"], env=environment,
                                       stdout=log_file, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/healthz", process, log, timeout=SERVER_START_TIMEOUT,
                          what="clusterkb serve")
        except RuntimeError:
            stop_group(process)
            raise
        return url

    yield start
    for process in processes:
        stop_group(process)


@pytest.fixture(scope="session")
def live_server(start_server: Callable[..., str], built_store) -> str:
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path))
