"""Helpers for tests that start real server processes (clusterkb, Oxigraph, Virtuoso)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, *, timeout: float,
                  what: str) -> None:
    """Poll ``url`` until it answers 200; fail with the end of ``log`` if ``process`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n"
                               f"{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url}:\n{log.read_text(errors='replace')[-4000:]}")


def public(text: str, **options):
    """``text`` as the store receives a public query: read by the guard's analysis (not
    checked against the policy, so store tests can send what the guard would refuse)."""
    from clusterkb import sparql

    return sparql.public_query(text, sparql.analyse_query(text), **options)


def stop_group(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started with ``start_new_session=True`` and every process of its group
    (its query and validation workers): SIGTERM, then SIGKILL for what is left."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
    # The workers notice the closed pipe and exit; kill stragglers of the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
