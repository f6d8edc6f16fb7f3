"""Fixtures for tests that drive a real browser (Debian's Chromium, through Playwright).

``browser``
    One headless Chromium for the session, started from ``/usr/bin/chromium``: no tool
    downloads a browser. The flags keep it from calling home.

``page``
    A fresh page per test whose requests may only go to 127.0.0.1: anything else
    (a CDN, a tracker) is aborted and recorded in ``page.outside``, as on a machine
    without network. ``shoot(page, tmp_path, name)`` saves a full-page screenshot.

``store_server``
    Factory: a real server over a private, writable copy of the built store, with
    ``cli(...)`` to run ``clusterkb token ...`` against the same var dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CLUSTERKB = Path(sys.executable).parent / "clusterkb"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: make test installs it (scripts/system-deps)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside = []
    page.errors = []

    def only_local(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:")):
            route.continue_()
        else:
            page.outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def shoot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


@dataclass
class StoreServer:
    url: str
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        result = subprocess.run([str(CLUSTERKB), *args], env=self.env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()


@pytest.fixture()
def store_server(start_server, built_store, tmp_path):
    def make() -> StoreServer:
        var = tmp_path / "var"
        shutil.copytree(built_store.config.store_path, var / "store")
        env = {"CLUSTERKB_VAR_DIR": str(var), "CLUSTERKB_STORE_DIR": str(var / "store"),
               "CLUSTERKB_AUTH_FAILURES_PER_MINUTE": "1000", "CLUSTERKB_QUERY_WORKERS": "1"}
        url = start_server(**env)
        return StoreServer(url, {**os.environ, **env})

    return make
