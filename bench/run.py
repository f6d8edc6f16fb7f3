"""One command that measures clusterkb against its engine and a Python peer, on the same data.

Why one run: the machine is shared and noisy, so absolute numbers move from run
to run; ratios measured side by side in one run (same data, same client, same
minute) are what can be compared. For each size (``--clusters``) it

1. generates the synthetic KB (``bench/gen.py``) and builds the clusterkb store
   (``clusterkb build``: parse, validate, load) -- time and peak RSS;
2. dumps that store to N-Quads and loads the same quads into the peers: the
   Oxigraph server (``oxigraph load`` + ``oxigraph serve --union-default-graph``),
   pyoxigraph in process, and rdflib-endpoint (rdflib's SPARQL engine behind
   FastAPI; only up to ``--rdflib-max`` clusters, it is slow to load);
3. sends each query of ``bench/queries/*.rq`` to every endpoint: median and p95
   latency of ``--reps`` sequential requests, then throughput of ``--clients``
   concurrent clients for ``--duration`` seconds; clusterkb runs with its result
   cache off (the engine comparison), with it on (repeats), and with
   ``--workers 2`` when ``clusterkb serve`` has that option;
4. validation: one cluster submission in a warm process and through
   ``POST /validate``, and the whole KB (``--validate-max`` clusters at most);
5. Linked Data page and dump throughput.

It writes ``bench/results.json``, ``bench/RESULTS.md`` and
``bench/latency-vs-size.png``.

    .venv/bin/python bench/run.py --clusters 1000 [--clusters 10000] [--reps 15 --duration 2]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
QUERIES = HERE / "queries"
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"

sys.path.insert(0, str(HERE))
import gen  # noqa: E402  (bench/ is not a package)

# --- processes ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its children, in bytes."""
    total = 0
    with contextlib.suppress(psutil.Error):
        for p in [process, *process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    return total


@dataclass
class Measured:
    seconds: float
    peak_rss: int
    returncode: int
    output: str = ""


def run_measured(cmd: list[str], env: dict[str, str] | None = None,
                 timeout: float = 3600) -> Measured:
    """Run ``cmd`` to its end, sampling the peak RSS of its process tree every 50 ms."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps))
        if time.perf_counter() - start > timeout:
            proc.kill()
        time.sleep(0.05)
    reader.join(5)
    return Measured(time.perf_counter() - start, peak, proc.returncode, "".join(out)[-3000:])


class Server:
    """A server subprocess in its own process group, stopped (group-killed) at exit."""

    def __init__(self, name: str, cmd: list[str], url: str, ready_path: str, log: Path,
                 env: dict[str, str] | None = None, start_timeout: float = 600) -> None:
        self.name, self.url = name, url
        self.log_path = log
        self.log = open(log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
            self.sample()
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + ready_path, timeout=5).status_code < 500:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not start")

    def sample(self) -> int:
        rss = tree_rss(self.ps)
        self.peak_rss = max(self.peak_rss, rss)
        return rss

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.log.close()


# --- clients -----------------------------------------------------------------------------------

@dataclass
class Query:
    name: str
    text: str

    @property
    def accept(self) -> str:
        first = next(line for line in self.text.splitlines()
                     if line.strip() and not line.startswith(("#", "PREFIX")))
        return TURTLE if first.lstrip().upper().startswith(("DESCRIBE", "CONSTRUCT")) \
            else JSON_RESULTS


def load_queries() -> list[Query]:
    return [Query(p.stem, p.read_text(encoding="utf-8")) for p in sorted(QUERIES.glob("*.rq"))]


#: ``send(query) -> bytes`` for one endpoint; raises on an error answer.
Sender = Callable[[Query], bytes]


def http_sender(url: str, session: requests.Session | None = None,
                timeout: float = 60) -> Sender:
    session = session or requests.Session()

    def send(query: Query) -> bytes:
        response = session.get(url, params={"query": query.text},
                               headers={"Accept": query.accept}, timeout=timeout)
        response.raise_for_status()
        return response.content
    return send


def pyoxigraph_sender(store) -> Sender:
    import pyoxigraph as ox

    def send(query: Query) -> bytes:
        result = store.query(query.text, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=ox.RdfFormat.TURTLE)
        return result.serialize(format=ox.QueryResultsFormat.JSON)
    return send


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def latency(send: Sender, query: Query, reps: int, budget: float) -> dict:
    """Median and p95 (ms) of sequential requests after one warm-up; stops early after
    ``budget`` seconds so that a slow peer cannot stall the run."""
    try:
        size = len(send(query))
    except Exception as error:  # noqa: BLE001 - a peer's failure is a result, not a crash
        return {"error": str(error)[:200]}
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        try:
            send(query)
        except Exception as error:  # noqa: BLE001
            return {"error": str(error)[:200]}
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return {"p50_ms": statistics.median(times) * 1000, "p95_ms": percentile(times, 0.95) * 1000,
            "n": len(times), "bytes": size}


def throughput(make_sender: Callable[[], Sender], queries: list[Query], clients: int,
               duration: float) -> dict:
    """Requests per second of ``clients`` threads sending ``queries`` round-robin for
    ``duration`` seconds (a request under way at the end is waited for and counted)."""
    done = [0] * clients
    errors = [0] * clients
    stop_at = time.perf_counter() + duration

    def client(i: int) -> None:
        send = make_sender()
        k = i
        while time.perf_counter() < stop_at:
            try:
                send(queries[k % len(queries)])
                done[i] += 1
            except Exception:  # noqa: BLE001
                errors[i] += 1
            k += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {"rps": sum(done) / elapsed, "requests": sum(done), "errors": sum(errors)}


# --- one size ------------------------------------------------------------------------------------

@dataclass
class SizeRun:
    clusters: int
    work: Path
    args: argparse.Namespace
    result: dict = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    @property
    def kb_dir(self) -> Path:
        return self.work / "kb"

    @property
    def store_dir(self) -> Path:
        return self.work / "store"

    @property
    def nq(self) -> Path:
        return self.work / "dump.nq"

    def env(self, **extra: str) -> dict[str, str]:
        return {"CLUSTERKB_KB_DIR": str(self.kb_dir), "CLUSTERKB_VAR_DIR": str(self.work / "var"),
                **extra}

    def log(self, message: str) -> None:
        print(f"[{self.clusters}] {message}", flush=True)

    # -- data
    def prepare(self) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        full_build = self.clusters <= self.args.build_max
        source_nq = None if full_build else self.work / "kb.nq"
        t0 = time.perf_counter()
        triples = gen.generate(self.clusters, self.kb_dir, seed=self.args.seed, nquads=source_nq)
        self.result["generated_triples"] = triples
        self.result["generate_s"] = time.perf_counter() - t0
        self.log(f"generated {triples} triples in {self.result['generate_s']:.1f} s")
        if full_build:
            build = run_measured([str(BIN / "clusterkb"), "build", "--store",
                                  str(self.store_dir)], env=self.env())
            mode = "clusterkb build"
        else:
            # Too big for pyshacl in a bounded run: build (and validate) the shared graphs,
            # then bulk-load every graph from N-Quads with `clusterkb load`.
            shared_only = self.work / "kb-shared"
            shutil.copytree(self.kb_dir / "shared", shared_only / "shared")
            build = run_measured([str(BIN / "clusterkb"), "build", "--store",
                                  str(self.store_dir)],
                                 env={**self.env(), "CLUSTERKB_KB_DIR": str(shared_only)})
            if build.returncode == 0:
                load = run_measured([str(BIN / "clusterkb"), "load", "--store",
                                     str(self.store_dir), str(source_nq)], env=self.env())
                build = Measured(build.seconds + load.seconds,
                                 max(build.peak_rss, load.peak_rss), load.returncode,
                                 load.output)
            mode = "clusterkb build (shared graphs) + clusterkb load (N-Quads)"
        if build.returncode != 0:
            raise RuntimeError(f"{mode} failed:\n{build.output}")
        self.result["build"] = {"s": build.seconds, "peak_rss": build.peak_rss, "mode": mode}
        self.log(f"{mode}: {build.seconds:.1f} s, peak {build.peak_rss / 2**20:.0f} MiB")
        dump = run_measured([str(BIN / "clusterkb"), "dump", "--store", str(self.store_dir),
                             "--format", "nq", "--output", str(self.nq)], env=self.env())
        if dump.returncode != 0:
            raise RuntimeError(f"clusterkb dump failed:\n{dump.output}")
        with open(self.nq, "rb") as handle:
            self.result["store_quads"] = sum(1 for _ in handle)
        load = run_measured([str(BIN / "oxigraph"), "load", "--location",
                             str(self.work / "oxigraph"), "--file", str(self.nq)])
        if load.returncode != 0:
            raise RuntimeError(f"oxigraph load failed:\n{load.output}")
        self.result["oxigraph_load"] = {"s": load.seconds, "peak_rss": load.peak_rss}
        self.log(f"oxigraph load {load.seconds:.1f} s; {self.result['store_quads']} quads")

    # -- servers
    def start(self, name: str, cmd: list[str], path: str, ready: str = "",
              env: dict[str, str] | None = None) -> Server:
        port = free_port()
        cmd = [str(port) if c == "PORT" else c.replace("HOSTPORT", f"127.0.0.1:{port}")
               for c in cmd]
        base = f"http://127.0.0.1:{port}"
        server = Server(name, cmd, base, ready or path, self.work / f"{name}.log", env)
        server.endpoint = base + path  # type: ignore[attr-defined]
        self.servers.append(server)
        return server

    def clusterkb(self, name: str, *, cache: bool, workers: int = 1) -> Server:
        cmd = [str(BIN / "clusterkb"), "serve", "--store", str(self.store_dir), "--port", "PORT"]
        if workers > 1:
            cmd += ["--workers", str(workers)]
        env = self.env(CLUSTERKB_RESULT_CACHE_BYTES=str(64 * 2**20 if cache else 0),
                       CLUSTERKB_QUERY_TIMEOUT="60", CLUSTERKB_MAX_RESULT_ROWS="100000")
        return self.start(name, cmd, "/sparql", "/healthz", env)

    def rdflib_endpoint(self) -> Server:
        script = (
            "import sys, uvicorn\n"
            "from rdflib import Dataset\n"
            "from rdflib_endpoint import SparqlEndpoint\n"
            "ds = Dataset(default_union=True)\n"
            "ds.parse(sys.argv[1], format='nquads')\n"
            "uvicorn.run(SparqlEndpoint(graph=ds), host='127.0.0.1', port=int(sys.argv[2]),"
            " log_level='warning')\n")
        return self.start("rdflib-endpoint", [sys.executable, "-c", script, str(self.nq), "PORT"],
                          "/", "/")

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    # -- measurements
    def endpoints(self) -> dict[str, Callable[[], Sender]]:
        """Name -> sender factory (one sender, with its own connection, per client)."""
        found: dict[str, Callable[[], Sender]] = {}
        for server in self.servers:
            url = server.endpoint  # type: ignore[attr-defined]
            found[server.name] = lambda url=url: http_sender(url)
        return found

    def measure_queries(self, queries: list[Query]) -> None:
        import pyoxigraph as ox

        args = self.args
        self.start("oxigraph", [str(BIN / "oxigraph"), "serve", "--location",
                                str(self.work / "oxigraph"), "--bind", "HOSTPORT",
                                "--union-default-graph"], "/query", "/")
        self.clusterkb("clusterkb", cache=False)
        self.clusterkb("clusterkb-cached", cache=True)
        if args.workers2 and "--workers" in subprocess.run(
                [str(BIN / "clusterkb"), "serve", "--help"], capture_output=True,
                text=True).stdout:
            try:
                self.clusterkb("clusterkb-workers2", cache=False, workers=2)
            except RuntimeError as error:
                self.log(f"--workers 2 did not start: {error}")
        if self.clusters <= args.rdflib_max:
            t0 = time.perf_counter()
            server = self.rdflib_endpoint()
            self.result["rdflib_load_s"] = time.perf_counter() - t0
            self.result["rdflib_rss"] = server.sample()
        memory_store = ox.Store()
        t0 = time.perf_counter()
        memory_store.bulk_load(path=str(self.nq), format=ox.RdfFormat.N_QUADS)
        self.result["pyoxigraph_load_s"] = time.perf_counter() - t0
        senders = self.endpoints()
        senders["pyoxigraph"] = lambda: pyoxigraph_sender(memory_store)
        for server in self.servers:
            server.sample()
        per_query: dict[str, dict] = {}
        for query in queries:
            row: dict[str, dict] = {}
            for name, make in senders.items():
                budget = args.budget * (3 if name == "rdflib-endpoint" else 1)
                row[name] = latency(make(), query, args.reps, budget)
                if "error" not in row[name] and args.duration > 0:
                    row[name].update(throughput(make, [query], args.clients, args.duration))
            per_query[query.name] = row
            self.log(f"{query.name}: " + ", ".join(
                f"{n} {r.get('p50_ms', float('nan')):.1f} ms/{r.get('rps', 0):.0f} rps"
                for n, r in row.items()))
        self.result["queries"] = per_query
        for server in self.servers:
            server.sample()
        self.result["server_rss"] = {s.name: s.peak_rss for s in self.servers}

    def measure_validation(self) -> None:
        """One submission (a generated cluster file) warm in process and via POST /validate."""
        from clusterkb.config import Config
        from clusterkb.validation import validate_bytes

        sample = (self.kb_dir / "clusters" / "c000001.ttl").read_bytes()
        config = Config()
        validate_bytes(sample, "turtle", config)  # warm: shapes and ontology loaded once
        times = []
        for _ in range(self.args.reps):
            t0 = time.perf_counter()
            report = validate_bytes(sample, "turtle", config)
            times.append(time.perf_counter() - t0)
        server = next(s for s in self.servers if s.name == "clusterkb")
        session = requests.Session()
        http_times = []
        for i in range(self.args.reps + 1):
            t0 = time.perf_counter()
            response = session.post(f"{server.url}/validate", data=sample, timeout=120,
                                    headers={"Content-Type": "text/turtle",
                                             "Accept": "application/json"})
            if i:
                http_times.append(time.perf_counter() - t0)
        self.result["validate_submission"] = {
            "triples": sample.count(b" .\n"), "conforms": report.conforms,
            "http_status": response.status_code,
            "warm_p50_ms": statistics.median(times) * 1000,
            "warm_p95_ms": percentile(times, 0.95) * 1000,
            "http_p50_ms": statistics.median(http_times) * 1000,
            "http_p95_ms": percentile(http_times, 0.95) * 1000}
        self.log(f"validate one submission: {self.result['validate_submission']}")
        if self.clusters <= self.args.validate_max:
            script = ("import sys\nfrom clusterkb.config import Config\n"
                      "from clusterkb.validation import validate_kb\n"
                      "r = validate_kb(Config.from_env())\nprint(r.conforms)\n")
            whole = run_measured([sys.executable, "-c", script], env=self.env())
            self.result["validate_kb"] = {"s": whole.seconds, "peak_rss": whole.peak_rss,
                                          "conforms": whole.output.strip().endswith("True")}
            self.log(f"validate whole KB {whole.seconds:.1f} s")

    def measure_pages(self) -> None:
        """Linked Data pages (HTML and Turtle, distinct clusters) and dumps, 4 clients."""
        out: dict[str, dict] = {}
        for name in ("clusterkb", "clusterkb-cached"):
            server = next((s for s in self.servers if s.name == name), None)
            if server is None:
                continue
            for accept in ("text/html", TURTLE):
                counter = iter(range(10**9))
                lock = threading.Lock()

                def make(url=server.url, accept=accept, counter=counter, lock=lock) -> Sender:
                    session = requests.Session()

                    def send(_: Query) -> bytes:
                        with lock:
                            i = next(counter) % min(self.clusters, 200)
                        r = session.get(f"{url}/id/cluster/c{i:06d}", headers={"Accept": accept},
                                        timeout=60)
                        r.raise_for_status()
                        return r.content
                    return send
                dummy = [Query("page", "")]
                out[f"{name} page {accept}"] = throughput(make, dummy, self.args.clients,
                                                          self.args.duration)
        server = next(s for s in self.servers if s.name == "clusterkb")
        for ext in ("nq", "nq.gz"):
            t0 = time.perf_counter()
            total = 0
            with requests.get(f"{server.url}/dump.{ext}", stream=True, timeout=600) as r:
                r.raise_for_status()
                for chunk in r.iter_content(1 << 16):
                    total += len(chunk)
            seconds = time.perf_counter() - t0
            out[f"dump.{ext}"] = {"s": seconds, "bytes": total, "mb_per_s": total / seconds / 1e6}
            # again, now that a generation's dump may be cached
            t0 = time.perf_counter()
            with requests.get(f"{server.url}/dump.{ext}", stream=True, timeout=600) as r:
                for _ in r.iter_content(1 << 16):
                    pass
            out[f"dump.{ext} (repeat)"] = {"s": time.perf_counter() - t0}
        self.result["pages"] = out
        self.log(f"pages and dumps: {json.dumps(out)[:400]}")

    def run(self, queries: list[Query]) -> dict:
        self.result["clusters"] = self.clusters
        self.prepare()
        try:
            self.measure_queries(queries)
            self.measure_validation()
            self.measure_pages()
        finally:
            self.stop_all()
        return self.result


# --- report ------------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("clusterkb", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl",
                 "flask", "waitress", "gunicorn"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def machine() -> dict[str, str]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": str(os.cpu_count()),
            "memory_gib": f"{psutil.virtual_memory().total / 2**30:.0f}",
            "python": platform.python_version(), "system": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, action="append",
                        help="KB size in clusters; repeat for several sizes [1000]")
    parser.add_argument("--reps", type=int, default=15, help="sequential requests per query")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds at most for the latency runs of one query on one endpoint")
    parser.add_argument("--duration", type=float, default=2.0,
                        help="seconds of concurrent load per query and endpoint (0: skip)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rdflib-max", type=int, default=1000,
                        help="largest size (clusters) rdflib-endpoint is measured at")
    parser.add_argument("--build-max", type=int, default=2000,
                        help="largest size built with `clusterkb build` (SHACL validation "
                             "included); larger sizes are bulk-loaded with `clusterkb load`")
    parser.add_argument("--validate-max", type=int, default=1000,
                        help="largest size (clusters) whose whole KB is validated")
    parser.add_argument("--no-workers2", dest="workers2", action="store_false")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    sizes = args.clusters or [1000]
    queries = load_queries()
    results = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "versions": versions(), "settings": {k: str(v) for k, v in vars(args).items()},
               "sizes": []}
    for clusters in sizes:
        run = SizeRun(clusters, args.work / f"c{clusters}", args)
        results["sizes"].append(run.run(queries))
        (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    import report

    report.write(results, args.out)
    print(f"wrote {args.out / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
