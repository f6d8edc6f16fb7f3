"""Virtuoso 7 (Debian's ``virtuoso-opensource``) as a peer of the benchmark, on 127.0.0.1.

Why its own module: Virtuoso wants an ini file, a database folder, a bulk load
through its SQL console (``isql-vt``) and a checkpoint before it answers as a
loaded store; ``run.py`` only needs "start it on these quads" and "its
``/sparql`` URL". Nothing here is used by clusterkb itself.

The ini below listens on the loopback interface only and may read one folder;
its buffers are sized by ``BENCH`` (a few million quads) or ``SMALL`` (the
backend tests of ``tests/backends``, which start Virtuoso with this module too).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from pathlib import Path

import requests

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")

_INI = """[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = {connections}
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {data_dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = {max_query_mem}
MaxSortedTopRows = 100000
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = {threads_per_query}
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = {connections}
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = {connections}
MaxKeepAlives = {connections}
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0
[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = {max_seconds}
DeferInferenceRulesInit = 0
"""


def available() -> bool:
    return VIRTUOSO is not None and ISQL is not None


#: Sizing for the benchmark (a few million quads: about 1.3 GiB of 8 KB buffers at most).
BENCH = {"connections": 16, "threads_per_query": 2, "buffers": 170_000,
         "dirty_buffers": 130_000, "max_query_mem": "1G", "max_seconds": 120}
#: Sizing for the backend tests (the seed KB, a few thousand triples; about 80 MiB).
SMALL = {"connections": 8, "threads_per_query": 1, "buffers": 10_000,
         "dirty_buffers": 6_000, "max_query_mem": "200M", "max_seconds": 60}


def write_ini(folder: Path, data_dir: Path, sql_port: int, http_port: int,
              sizing: dict = BENCH) -> Path:
    """``folder/virtuoso.ini`` (database in ``folder/db``), reading files only from
    ``data_dir``; ``sizing`` is ``BENCH`` or ``SMALL`` (the backend tests use this too)."""
    db = folder / "db"
    db.mkdir(parents=True, exist_ok=True)
    ini = folder / "virtuoso.ini"
    ini.write_text(_INI.format(db=db, data_dir=data_dir, sql_port=sql_port,
                               http_port=http_port, **sizing), encoding="utf-8")
    return ini


def command(ini: Path) -> list[str]:
    """Foreground server (``-f``), so the benchmark's process group owns and stops it."""
    return [str(VIRTUOSO), "-f", "-c", str(ini)]


def wait_sql(sql_port: int, timeout: float = 300) -> str:
    """Wait for the SQL port, then replace dba's well-known default password (the server
    listens on the loopback only, but other local users could log in with "dba")."""
    deadline = time.monotonic() + timeout
    password = "k" + secrets.token_hex(12)  # an SQL identifier: must not start with a digit
    while time.monotonic() < deadline:
        done = subprocess.run([str(ISQL), f"127.0.0.1:{sql_port}", "dba", "dba",
                               f"exec=set password dba {password};"], capture_output=True,
                              text=True, check=False)
        if done.returncode == 0 and "*** Error" not in done.stdout + done.stderr:
            return password
        time.sleep(0.5)
    raise RuntimeError("Virtuoso's SQL port did not answer")


def bulk_load(sql_port: int, nquads: Path, password: str) -> str:
    """Load one N-Quads file (graphs from the quads) with the bulk loader, then checkpoint."""
    script = (f"ld_dir('{nquads.parent}', '{nquads.name}', 'urn:clusterkb:bench:default'); "
              "rdf_loader_run(); checkpoint; "
              "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
    done = subprocess.run([str(ISQL), f"127.0.0.1:{sql_port}", "dba", password, f"exec={script}"],
                          capture_output=True, text=True, check=False, timeout=7200)
    if done.returncode != 0:
        raise RuntimeError(f"Virtuoso bulk load failed: {done.stdout[-800:]}{done.stderr[-800:]}")
    return done.stdout


def count(http_url: str) -> int:
    """Quads in the data graphs (Virtuoso's own system graphs left out)."""
    response = requests.get(http_url, params={"query": (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/clusterkb/')) }")},
        headers={"Accept": "application/sparql-results+json"}, timeout=600)
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])
