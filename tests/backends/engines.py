"""Start and stop real SPARQL engines for the backend tests: Oxigraph server and Virtuoso 7.

Each engine runs as a child process on free 127.0.0.1 ports with its data in a
temporary directory, and is stopped (its whole process group) by ``Engine.stop``.

Virtuoso write access: the public ``/sparql`` endpoint stays read-only, as in a
real deployment; clusterkb writes through the authenticated endpoints
``/sparql-auth`` (SPARQL Update) and ``/sparql-graph-crud-auth`` (Graph Store
Protocol) with HTTP digest auth as ``dba``, whose password the fixture sets
with ``isql`` and hands to clusterkb in a password file. No grant to the
anonymous ``SPARQL`` user is needed.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import free_port, stop_group, wait_until_up

START_TIMEOUT = 120.0


@dataclass
class Engine:
    """A running engine and how clusterkb reaches it (``env`` for ``clusterkb serve``)."""

    name: str
    process: subprocess.Popen
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    def stop(self) -> None:
        stop_group(self.process, timeout=30)


def _wait(url: str, process: subprocess.Popen, log: Path) -> None:
    wait_until_up(url, process, log, timeout=START_TIMEOUT, what="engine")


def oxigraph_binary() -> str | None:
    import sys

    candidate = Path(sys.executable).parent / "oxigraph"
    return str(candidate) if candidate.exists() else shutil.which("oxigraph")


def start_oxigraph(workdir: Path, timeout_s: int = 30) -> Engine:
    """``oxigraph serve`` on a fresh directory; its endpoints are /query, /update, /store."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the 'oxigraph' command is missing: pip install oxigraph")
    port = free_port()
    log = workdir / "oxigraph.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(workdir / "oxigraph"),
             "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    engine = Engine("oxigraph", process, log=log, env={
        "CLUSTERKB_ENDPOINT": f"{base}/query",
        "CLUSTERKB_UPDATE_ENDPOINT": f"{base}/update",
        "CLUSTERKB_GSP_ENDPOINT": f"{base}/store",
    })
    try:
        _wait(f"{base}/query?query=ASK%7B%7D", process, log)
    except RuntimeError:
        engine.stop()
        raise
    return engine


def _bench_virtuoso():
    """``bench/virtuoso.py``, the one place that writes a Virtuoso ini (bench is no package)."""
    spec = importlib.util.spec_from_file_location(
        "clusterkb_bench_virtuoso", Path(__file__).resolve().parents[2] / "bench" / "virtuoso.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None and _isql() is not None


def _isql() -> str | None:
    return shutil.which("isql-vt") or shutil.which("isql")


def start_virtuoso(workdir: Path) -> Engine:
    """Virtuoso Open Source 7 with its own database in ``workdir``; dba gets a fresh password."""
    if not virtuoso_available():
        raise RuntimeError("Virtuoso is not installed: make test installs it (scripts/system-deps)")
    data = workdir / "virtuoso"
    data.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    bench_virtuoso = _bench_virtuoso()
    ini = bench_virtuoso.write_ini(data, data, sql_port, http_port, bench_virtuoso.SMALL)
    log = data / "stdout.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["virtuoso-t", "-f", "+configfile", str(ini)], cwd=data,
                                   stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    password = "k" + secrets.token_hex(12)  # an SQL identifier: must not start with a digit
    password_file = data / "dba.password"
    password_file.write_text(password + "\n", encoding="utf-8")
    engine = Engine("virtuoso", process, log=log, env={
        "CLUSTERKB_ENDPOINT": f"{base}/sparql",
        "CLUSTERKB_UPDATE_ENDPOINT": f"{base}/sparql-auth",
        "CLUSTERKB_GSP_ENDPOINT": f"{base}/sparql-graph-crud-auth",
        "CLUSTERKB_ENDPOINT_USER": "dba",
        "CLUSTERKB_ENDPOINT_PASSWORD_FILE": str(password_file),
    })
    try:
        _wait(f"{base}/sparql?query=ASK%7B%7D", process, log)
        # The HTTP listener comes up before the SQL one: retry until isql gets in,
        # then prove the new password works.
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                isql(sql_port, "dba", "set password dba " + password + ";")
                break
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
        isql(sql_port, password, "select 1;")
    except (RuntimeError, subprocess.CalledProcessError):
        engine.stop()
        raise
    engine.env["VIRTUOSO_SQL_PORT"] = str(sql_port)
    return engine


def isql(port: int, password: str, commands: str) -> str:
    """Run SQL commands through Virtuoso's isql client; raises on failure."""
    result = subprocess.run([_isql(), f"127.0.0.1:{port}", "dba", password],
                            input=commands + "\nexit;\n", capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
        raise subprocess.CalledProcessError(1, "isql", result.stdout, result.stderr)
    return result.stdout
