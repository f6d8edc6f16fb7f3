"""One command that measures every path of clusterkb against its engine, on the same data.

Why one run: the machine is shared and noisy, so absolute numbers move from run
to run; ratios measured side by side in one run (same data, same client, same
minutes) are what can be compared. For each size (``--clusters``) it

1. generates the synthetic KB (``bench/gen.py``) and builds the store: with
   ``clusterkb build`` (validation by graph included) up to ``--build-max``
   clusters, above that as "shared graphs with ``clusterkb build``, then
   ``clusterkb load`` of the N-Quads"; time, triples/s, peak RSS; then a rebuild
   after one changed cluster file;
2. dumps the store to N-Quads and loads the same quads into the peers: the
   Oxigraph server (``oxigraph serve --union-default-graph``), pyoxigraph in
   process, and Virtuoso 7 from ``--virtuoso-min`` clusters on;
3. ``/sparql``: each query of ``bench/queries/*.rq`` with randomised parameters
   (``{{cluster}}``, ``{{country}}``...: a new text on every request, so no cache
   answers), median latency of sequential requests per endpoint; then the
   whole mix from ``--clients`` clients for ``--mix-duration`` seconds; then the
   repeated mix (one fixed text per query) against clusterkb with its result
   cache on;
4. pages: a cluster's HTML page, the home page, search, a catalogue page and
   VoID, sequential, random parameters, cache off and cached, beside the
   pyoxigraph time of the queries each page needs (``page_queries``);
5. writes: one submission validated (warm, in process and ``POST /validate``),
   stored (``POST /submissions``) and accepted;
6. ``serve``'s time to answer ``/healthz`` on the existing store, and the
   server's RSS sampled once a second over the whole run.

After each size it writes ``bench/results.json``, ``bench/RESULTS.md`` and
``bench/latency-vs-size.png`` (``report.py``), so a run that dies at 10,000
keeps the smaller sizes.

    .venv/bin/python bench/run.py --clusters 100 --clusters 1000 --clusters 10000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import zlib
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
HTML = "text/html"

sys.path.insert(0, str(HERE))
import gen  # noqa: E402  (bench/ is not a package)
import page_queries  # noqa: E402
import virtuoso  # noqa: E402

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
                 timeout: float = 7200) -> Measured:
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
    return Measured(time.perf_counter() - start, peak, proc.returncode, "".join(out)[-4000:])


class Server:
    """A server subprocess in its own process group, stopped (group-killed) at the end."""

    def __init__(self, name: str, cmd: list[str], url: str, ready_path: str, log: Path,
                 env: dict[str, str] | None = None, start_timeout: float = 900) -> None:
        self.name, self.url = name, url
        self.log_path = log
        self.log = open(log, "w")  # noqa: SIM115
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.ps = psutil.Process(self.proc.pid)
        self.peak_rss = 0
        self.samples: list[tuple[float, int]] = []
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
            self.sample()
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + ready_path, timeout=5).status_code < 500:
                    self.ready_s = time.perf_counter() - started
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{name} did not start")

    def sample(self) -> int:
        rss = tree_rss(self.ps)
        self.peak_rss = max(self.peak_rss, rss)
        own = 0
        with contextlib.suppress(psutil.Error):
            own = self.ps.memory_info().rss  # the web process alone, without its workers
        self.samples.append((time.monotonic(), rss, own))
        return rss

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.log.close()


# --- queries with random parameters ---------------------------------------------------------

_SLOT = re.compile(r"\{\{(\w+)\}\}")
WORDS = tuple(t.lower() for t in gen.TOPICS)


@dataclass
class Query:
    name: str
    template: str

    @property
    def accept(self) -> str:
        first = next(line for line in self.template.splitlines()
                     if line.strip() and not line.startswith(("#", "PREFIX")))
        return TURTLE if first.lstrip().upper().startswith(("DESCRIBE", "CONSTRUCT")) \
            else JSON_RESULTS

    def text(self, rng: random.Random, clusters: int) -> str:
        """The template with fresh parameters. Slots that do not change the answer
        (``{{limit}}``, above any result of those queries) still make each text new."""
        values = {"cluster": f"c{rng.randrange(clusters):06d}",
                  "country": rng.choice(gen.COUNTRIES)[0],
                  "word": rng.choice(WORDS),
                  "offset": str(50 * rng.randrange(max(1, clusters // 50))),
                  "limit": str(rng.randrange(2_000, 10_000)),  # Virtuoso sorts 10,000 at most
                  "top": str(rng.randrange(20, 31))}
        return _SLOT.sub(lambda m: values[m[1]], self.template)


def load_queries() -> list[Query]:
    return [Query(p.stem, p.read_text(encoding="utf-8")) for p in sorted(QUERIES.glob("*.rq"))]


#: ``send(text, accept) -> bytes`` for one endpoint; raises on an error answer.
Sender = Callable[[str, str], bytes]


def http_sender(url: str, timeout: float = 120) -> Sender:
    session = requests.Session()

    def send(text: str, accept: str) -> bytes:
        response = session.get(url, params={"query": text}, headers={"Accept": accept},
                               timeout=timeout)
        response.raise_for_status()
        return response.content
    return send


def pyoxigraph_sender(store) -> Sender:
    import pyoxigraph as ox

    def send(text: str, accept: str) -> bytes:
        result = store.query(text, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=ox.RdfFormat.TURTLE)
        return result.serialize(format=ox.QueryResultsFormat.JSON)
    return send


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latency(send: Sender, texts: list[str], accept: str, budget: float) -> dict:
    """Median and p95 (ms) over ``texts`` sent one after the other (after one warm-up of a
    text not in the list); stops after ``budget`` seconds so a slow peer cannot stall the run."""
    times: list[float] = []
    size = 0
    start = time.perf_counter()
    try:
        send(texts[0], accept)
        for text in texts[1:]:
            t0 = time.perf_counter()
            size = len(send(text, accept))
            times.append(time.perf_counter() - t0)
            if time.perf_counter() - start > budget:
                break
    except Exception as error:  # noqa: BLE001 - a peer's failure is a result, not a crash
        return {"error": str(error)[:200]}
    return {"p50_ms": statistics.median(times) * 1000, "p95_ms": percentile(times, 0.95) * 1000,
            "n": len(times), "bytes": size}


def throughput(make_sender: Callable[[], Sender], pick: Callable[[random.Random], tuple],
               clients: int, duration: float, seed: int) -> dict:
    """Requests per second of ``clients`` threads, each sending ``pick(rng)`` (text, accept)
    for ``duration`` seconds (a request under way at the end is waited for and counted)."""
    done = [0] * clients
    errors = [0] * clients
    last_error: list[str] = []
    stop_at = time.perf_counter() + duration

    def client(i: int) -> None:
        send = make_sender()
        rng = random.Random(seed * 1000 + i)
        while time.perf_counter() < stop_at:
            text, accept = pick(rng)
            try:
                send(text, accept)
                done[i] += 1
            except Exception as error:  # noqa: BLE001
                errors[i] += 1
                last_error[:] = [str(error)[:200]]

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    out = {"rps": sum(done) / elapsed, "requests": sum(done), "errors": sum(errors),
           "seconds": elapsed}
    if last_error:
        out["last_error"] = last_error[0]
    return out


# --- one size ------------------------------------------------------------------------------------

_SUMMARY = re.compile(r"(\d+) graphs, (\d+) triples in ([\d.]+) s \(([\d,]+) triples/s\)"
                      r"(?:; validation: (\d+) graphs validated, (\d+) reused, (\d+) warnings "
                      r"\(([\d.]+) s\))?")


def build_summary(output: str) -> dict:
    """The numbers of the build's one-line summary (``BuildResult.text``), if printed."""
    found = _SUMMARY.findall(output)
    if not found:
        return {}
    g, t, s, rate, validated, reused, _warnings, vs = found[-1]
    out = {"graphs": int(g), "triples": int(t), "build_s": float(s),
           "triples_per_s": float(rate.replace(",", ""))}
    if validated:
        out.update(validated=int(validated), reused=int(reused), validation_s=float(vs))
    return out


@dataclass
class SizeRun:
    clusters: int
    work: Path
    args: argparse.Namespace
    result: dict = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    @property
    def kb_dir(self) -> Path:
        return self.work / "kb"

    @property
    def store_dir(self) -> Path:
        return self.work / "store"

    @property
    def nq(self) -> Path:
        return self.work / "dump.nq"

    @property
    def full_build(self) -> bool:
        return self.clusters <= self.args.build_max

    def env(self, **extra: str) -> dict[str, str]:
        return {"CLUSTERKB_KB_DIR": str(self.kb_dir), "CLUSTERKB_VAR_DIR": str(self.work / "var"),
                "CLUSTERKB_STORE_DIR": str(self.store_dir), **extra}

    def log(self, message: str) -> None:
        print(f"[{self.clusters}] {datetime.now(UTC):%H:%M:%S} {message}", flush=True)

    def clusterkb(self, *args: str, env: dict[str, str] | None = None,
                  timeout: float = 7200) -> Measured:
        return run_measured([str(BIN / "clusterkb"), *args], env={**self.env(), **(env or {})},
                            timeout=timeout)

    # -- data and build
    def prepare(self) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        source_nq = None if self.full_build else self.work / "kb.nq"
        t0 = time.perf_counter()
        triples = gen.generate(self.clusters, self.kb_dir, seed=self.args.seed, nquads=source_nq)
        self.result["generated_triples"] = triples
        self.result["generate_s"] = time.perf_counter() - t0
        self.log(f"generated {triples} triples in {self.result['generate_s']:.1f} s")
        if self.full_build:
            build = self.clusterkb("build", "--store", str(self.store_dir))
            mode = "clusterkb build (validation by graph)"
        else:
            # A validated build of this size does not fit in a bounded run (see RESULTS.md):
            # build (and validate) the shared graphs, then bulk-load every graph.
            shared_only = self.work / "kb-shared"
            shutil.copytree(self.kb_dir / "shared", shared_only / "shared")
            build = self.clusterkb("build", "--store", str(self.store_dir),
                                   env={"CLUSTERKB_KB_DIR": str(shared_only)})
            if build.returncode == 0:
                load = self.clusterkb("load", "--store", str(self.store_dir), str(source_nq))
                build = Measured(build.seconds + load.seconds,
                                 max(build.peak_rss, load.peak_rss), load.returncode,
                                 build.output + load.output)
            mode = "clusterkb build (shared graphs) + clusterkb load (N-Quads)"
        if build.returncode != 0:
            raise RuntimeError(f"{mode} failed:\n{build.output}")
        self.result["build"] = {"s": build.seconds, "peak_rss": build.peak_rss, "mode": mode,
                                **build_summary(build.output)}
        self.log(f"{mode}: {build.seconds:.1f} s, peak {build.peak_rss / 2**20:.0f} MiB "
                 f"{build_summary(build.output)}")
        if self.full_build:
            self.rebuild_one_changed()
        dump = self.clusterkb("dump", "--store", str(self.store_dir), "--format", "nq",
                              "--output", str(self.nq))
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

    def rebuild_one_changed(self) -> None:
        """``clusterkb build`` again after one cluster file gained a statement."""
        path = self.kb_dir / "clusters" / "c000000.ttl"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"<{gen.cluster_iri(0)}> <{gen.SKOS}altLabel> \"bench edit\"@en .\n")
        again = self.clusterkb("build", "--store", str(self.store_dir))
        self.result["rebuild_one"] = {"s": again.seconds, "peak_rss": again.peak_rss,
                                      "returncode": again.returncode,
                                      **build_summary(again.output)}
        if again.returncode != 0:
            self.result["rebuild_one"]["output"] = again.output[-800:]
        self.log(f"rebuild after one changed file: {again.seconds:.1f} s "
                 f"{build_summary(again.output)}")

    def rebuild_stages(self) -> None:
        """For a bulk-loaded size: what a rebuild costs besides validating the changed file
        (parse every file, write every graph, cross-graph checks, catalogue), in process."""
        script = HERE / "rebuild_stages.py"
        done = run_measured([sys.executable, str(script), str(self.store_dir)],
                            env=self.env(PYTHONUNBUFFERED="1"),
                            timeout=self.args.stage_timeout)
        stages = {}
        for line in done.output.splitlines():
            if line.startswith("stage "):
                _, name, seconds = line.split()
                stages[name] = float(seconds)
        self.result["rebuild_stages"] = {"s": done.seconds, "peak_rss": done.peak_rss,
                                         "returncode": done.returncode, "stages": stages}
        if done.returncode != 0:
            self.result["rebuild_stages"]["output"] = done.output[-800:]
        self.log(f"rebuild stages (no validation): {stages} rc={done.returncode}")

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

    def serve_clusterkb(self, name: str, *, cache: bool) -> Server:
        cmd = [str(BIN / "clusterkb"), "serve", "--store", str(self.store_dir), "--port", "PORT"]
        env = self.env(CLUSTERKB_RESULT_CACHE_BYTES=str(64 * 2**20 if cache else 0),
                       CLUSTERKB_QUERY_TIMEOUT="120", CLUSTERKB_MAX_RESULT_ROWS="1000000",
                       CLUSTERKB_MAX_REQUESTS_PER_CLIENT="64")
        server = self.start(name, cmd, "/sparql", "/healthz", env)
        self.result.setdefault("healthz_s", {})[name] = server.ready_s
        self.log(f"{name}: /healthz answered {server.ready_s:.1f} s after start")
        return server

    def serve_virtuoso(self) -> Server | None:
        if not virtuoso.available():
            self.result["virtuoso"] = {"error": "virtuoso-t or isql-vt not found"}
            return None
        folder = self.work / "virtuoso"
        sql_port, http_port = free_port(), free_port()
        ini = virtuoso.write_ini(folder, self.work, sql_port, http_port)
        t0 = time.perf_counter()
        server = Server("virtuoso", virtuoso.command(ini), f"http://127.0.0.1:{http_port}",
                        "/sparql?query=ASK%7B%7D", self.work / "virtuoso.log")
        server.endpoint = server.url + "/sparql"  # type: ignore[attr-defined]
        self.servers.append(server)
        password = virtuoso.wait_sql(sql_port)
        virtuoso.bulk_load(sql_port, self.nq, password)
        quads = virtuoso.count(server.endpoint)  # type: ignore[attr-defined]
        self.result["virtuoso"] = {"load_s": time.perf_counter() - t0, "quads": quads,
                                   "peak_rss": server.sample()}
        self.log(f"virtuoso loaded {quads} quads in {self.result['virtuoso']['load_s']:.0f} s")
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def server(self, name: str) -> Server | None:
        return next((s for s in self.servers if s.name == name), None)

    # -- /sparql
    def measure_queries(self, queries: list[Query], memory_store) -> None:
        args = self.args
        senders: dict[str, Callable[[], Sender]] = {}
        for name in ("clusterkb", "oxigraph", "virtuoso"):
            server = self.server(name)
            if server is not None:
                senders[name] = lambda url=server.endpoint: http_sender(url)  # type: ignore
        senders["pyoxigraph"] = lambda: pyoxigraph_sender(memory_store)
        per_query: dict[str, dict] = {}
        for query in queries:
            rng = random.Random(zlib.crc32(f"{args.seed} {query.name}".encode()))
            texts = [query.text(rng, self.clusters) for _ in range(args.reps + 1)]
            row = {name: latency(make(), texts, query.accept, args.budget)
                   for name, make in senders.items()}
            cached = self.server("clusterkb-cached")
            if cached is not None:  # the same text again and again: the result cache answers
                row["clusterkb-cached"] = latency(http_sender(cached.endpoint),  # type: ignore
                                                  [texts[0]] * (args.reps + 1), query.accept,
                                                  args.budget)
                row["oxigraph-repeated"] = latency(senders["oxigraph"](),
                                                   [texts[0]] * (args.reps + 1), query.accept,
                                                   args.budget)
            per_query[query.name] = row
            self.log(f"{query.name}: " + ", ".join(
                f"{n} {r.get('p50_ms', float('nan')):.1f} ms" for n, r in row.items()))
            self.sample_servers()
        self.result["queries"] = per_query

        def fresh(rng: random.Random) -> tuple[str, str]:
            query = rng.choice(queries)
            return query.text(rng, self.clusters), query.accept
        mix: dict[str, dict] = {}
        for name in ("clusterkb", "oxigraph", "virtuoso"):
            if name in senders and args.mix_duration > 0:
                mix[name] = throughput(senders[name], fresh, args.clients, args.mix_duration,
                                       args.seed)
                self.log(f"mix {name}: {mix[name]}")
                self.sample_servers()
        fixed_rng = random.Random(args.seed)
        fixed = [(q.text(fixed_rng, self.clusters), q.accept) for q in queries]

        def repeated(rng: random.Random) -> tuple[str, str]:
            return rng.choice(fixed)
        for name in ("clusterkb-cached", "oxigraph"):
            server = self.server(name)
            if server is not None and args.mix_duration > 0:
                warm = http_sender(server.endpoint)  # type: ignore[attr-defined]
                for text, accept in fixed:  # the cache's first answers are not "repeated"
                    warm(text, accept)
                mix[f"{name} repeated"] = throughput(
                    lambda url=server.endpoint: http_sender(url),  # type: ignore
                    repeated, args.clients, args.mix_duration, args.seed)
                self.log(f"repeated mix {name}: {mix[f'{name} repeated']}")
                self.sample_servers()
        self.result["mix"] = mix

    def sample_servers(self) -> None:
        for server in self.servers:
            server.sample()

    # -- pages
    def page_paths(self, rng: random.Random, kind: str) -> tuple[str, str]:
        pages = max(1, -(-(self.clusters + 1) // 100))  # default catalogue page size 100
        if kind == "cluster":
            return f"/id/cluster/c{rng.randrange(self.clusters):06d}", HTML
        if kind == "home":
            return "/", HTML
        if kind == "search":
            return f"/search?q={rng.choice(WORDS)}", HTML
        if kind == "catalog":
            return f"/catalog?page={rng.randrange(1, pages + 1)}", HTML
        if kind == "void":
            return "/.well-known/void", TURTLE
        raise ValueError(kind)

    def measure_pages(self, memory_store) -> None:
        """Each page kind: p50 of sequential requests with random parameters (cache off),
        the same page repeated with the cache on, and the engine time of its queries."""
        from clusterkb.config import Config
        from clusterkb.web import create_app

        out: dict[str, dict] = {}
        kinds = ("cluster", "home", "search", "catalog", "void")
        plain, cached = self.server("clusterkb"), self.server("clusterkb-cached")
        for kind in kinds:
            rng = random.Random(self.args.seed)
            paths = [self.page_paths(rng, kind) for _ in range(self.args.page_reps + 1)]
            entry: dict = {}
            for name, server in (("clusterkb", plain), ("clusterkb-cached", cached)):
                if server is None:
                    continue
                session = requests.Session()

                def send(path: str, accept: str, session=session, url=server.url) -> bytes:
                    response = session.get(url + path, headers={"Accept": accept}, timeout=300)
                    response.raise_for_status()
                    return response.content
                chosen = paths if name == "clusterkb" else [paths[0]] * len(paths)
                entry[name] = latency(send, [p for p, _ in chosen], chosen[0][1],
                                      self.args.page_budget)
            out[kind] = entry
            self.sample_servers()
        # The queries each page needs, recorded in an app of our own over the same store.
        config = Config.from_env(self.env(CLUSTERKB_RESULT_CACHE_BYTES="0"))
        app = create_app(config)
        logging.getLogger("clusterkb.requests").disabled = True  # the servers' logs say it
        try:
            for kind in kinds:
                rng = random.Random(self.args.seed + 1)
                engine, counts = [], []
                for _ in range(3 if kind in ("cluster", "search", "catalog") else 1):
                    path, accept = self.page_paths(rng, kind)
                    status, texts = page_queries.record(app, path, accept)
                    engine.append(page_queries.engine_ms(memory_store, texts,
                                                         reps=5 if len(texts) < 1000 else 1))
                    counts.append(len(texts))
                # The first request of a kind may fill a per-generation cache (the search
                # index, the catalogue's entries); the median is what a request costs after.
                out[kind]["engine_ms"] = statistics.median(engine)
                out[kind]["first_engine_ms"] = engine[0]
                out[kind]["queries"] = statistics.median(counts)
                out[kind]["first_queries"] = counts[0]
                out[kind]["status"] = status
        finally:
            with contextlib.suppress(Exception):
                from clusterkb.web.context import state

                state(app).store.close()
        self.result["pages"] = out
        self.log("pages: " + json.dumps({k: {n: round(v.get("p50_ms", -1), 1)
                                             if isinstance(v, dict) else v
                                             for n, v in e.items()} for k, e in out.items()}))

    # -- writes
    def measure_writes(self) -> None:
        """One submission: validated (warm, in process, and POST /validate), stored, accepted."""
        from clusterkb.config import Config
        from clusterkb.validation import validate_bytes

        reps = self.args.reps
        sample = (self.kb_dir / "clusters" / "c000001.ttl").read_bytes()
        config = Config.from_env(self.env())
        validate_bytes(sample, "turtle", config)  # warm: shapes and ontology loaded once
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            report = validate_bytes(sample, "turtle", config)
            times.append(time.perf_counter() - t0)
        server = self.server("clusterkb")
        session = requests.Session()
        http_times = []
        for i in range(reps + 1):
            t0 = time.perf_counter()
            response = session.post(f"{server.url}/validate", data=sample, timeout=300,
                                    headers={"Content-Type": TURTLE,
                                             "Accept": "application/json"})
            if i:
                http_times.append(time.perf_counter() - t0)
        out = {"triples": sample.count(b" .\n"), "conforms": report.conforms,
               "http_status": response.status_code,
               "warm_p50_ms": statistics.median(times) * 1000,
               "warm_p95_ms": percentile(times, 0.95) * 1000,
               "http_p50_ms": statistics.median(http_times) * 1000,
               "http_p95_ms": percentile(http_times, 0.95) * 1000}
        out.update(self.submit_and_accept(server))
        self.result["writes"] = out
        self.log(f"writes: {out}")

    def token(self, role: str, cluster: str | None = None) -> str:
        args = ["token", "create", "--role", role, "--store", str(self.store_dir)]
        if cluster:
            args += ["--cluster", cluster]
        done = self.clusterkb(*args)
        if done.returncode != 0:
            raise RuntimeError(f"token create failed: {done.output}")
        lines = [ln.strip() for ln in done.output.splitlines() if ln.strip()]
        return next(ln for ln in reversed(lines) if " " not in ln)

    def submit_and_accept(self, server: Server) -> dict:
        submit_s, accept_s, statuses = [], [], []
        curator = self.token("curator")
        for k in range(self.args.write_reps):
            index = 2 + k
            cluster = gen.cluster_iri(index)
            body = (self.kb_dir / "clusters" / f"c{index:06d}.ttl").read_text(encoding="utf-8")
            body += f"<{cluster}> <{gen.SKOS}altLabel> \"submitted {k}\"@en .\n"
            secret = self.token("submitter", cluster)
            t0 = time.perf_counter()
            response = requests.post(f"{server.url}/submissions", data=body.encode(),
                                     timeout=300, headers={
                                         "Content-Type": TURTLE, "Accept": "application/json",
                                         "Authorization": f"Bearer {secret}"})
            submit_s.append(time.perf_counter() - t0)
            statuses.append(response.status_code)
            if response.status_code != 201:
                return {"submit_error": f"{response.status_code} {response.text[:300]}",
                        "submit_s": submit_s}
            submission = response.json()["id"]
            t0 = time.perf_counter()
            response = requests.post(f"{server.url}/submissions/{submission}/accept",
                                     timeout=300, headers={
                                         "Accept": "application/json",
                                         "Authorization": f"Bearer {curator}"})
            accept_s.append(time.perf_counter() - t0)
            statuses.append(response.status_code)
            if response.status_code >= 300:
                return {"accept_error": f"{response.status_code} {response.text[:300]}",
                        "submit_s": submit_s, "accept_s": accept_s}
        return {"submit_p50_ms": statistics.median(submit_s) * 1000,
                "accept_p50_ms": statistics.median(accept_s) * 1000,
                "store_accept_max_ms": max(a + b for a, b in zip(submit_s, accept_s,
                                                                  strict=True)) * 1000,
                "statuses": statuses}

    # -- the whole size
    def rss_report(self) -> dict:
        """Peak and growth of each server's RSS over the run (first vs last fifth of samples)."""
        out = {}
        for server in self.servers:
            series = [rss for _, rss, _ in server.samples]
            own = [o for _, _, o in server.samples]
            if len(series) < 5:
                out[server.name] = {"peak": server.peak_rss}
                continue
            fifth = max(1, len(series) // 5)
            times = [t for t, _, _ in server.samples]
            out[server.name] = {"peak": server.peak_rss,
                                "early": statistics.median(series[fifth:2 * fifth]),
                                "late": statistics.median(series[-fifth:]),
                                "own_peak": max(own),
                                "own_early": statistics.median(own[fifth:2 * fifth]),
                                "own_late": statistics.median(own[-fifth:]),
                                "minutes": (times[-1] - times[0]) / 60}
        return out

    def run(self, queries: list[Query]) -> dict:
        import pyoxigraph as ox

        self.result["clusters"] = self.clusters
        self.prepare()
        stop_sampling = threading.Event()

        def sampler() -> None:
            while not stop_sampling.wait(1.0):
                for server in list(self.servers):
                    with contextlib.suppress(Exception):
                        server.sample()
        thread = threading.Thread(target=sampler, daemon=True)
        try:
            self.start("oxigraph", [str(BIN / "oxigraph"), "serve", "--location",
                                    str(self.work / "oxigraph"), "--bind", "HOSTPORT",
                                    "--union-default-graph"], "/query", "/")
            self.serve_clusterkb("clusterkb", cache=False)
            self.serve_clusterkb("clusterkb-cached", cache=True)
            if self.clusters >= self.args.virtuoso_min:
                try:
                    self.serve_virtuoso()
                except Exception as error:  # noqa: BLE001 - reported, the rest still runs
                    self.result["virtuoso"] = {"error": str(error)[:500]}
                    self.log(f"virtuoso failed: {error}")
                    server = self.server("virtuoso")
                    if server is not None:
                        server.stop()
                        self.servers.remove(server)
            thread.start()
            memory_store = ox.Store()
            t0 = time.perf_counter()
            memory_store.bulk_load(path=str(self.nq), format=ox.RdfFormat.N_QUADS)
            self.result["pyoxigraph_load_s"] = time.perf_counter() - t0
            self.measure_queries(queries, memory_store)
            self.measure_pages(memory_store)
            self.measure_writes()
            self.result["server_rss"] = self.rss_report()
        finally:
            stop_sampling.set()
            self.stop_all()
        if not self.full_build and self.args.stage_timeout > 0:
            self.rebuild_stages()
        return self.result


# --- report ------------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("clusterkb", "pyoxigraph", "oxigraph", "rdflib", "pyshacl", "flask",
                 "waitress"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    if virtuoso.available():
        done = subprocess.run([str(virtuoso.VIRTUOSO), "-?"], capture_output=True, text=True,
                              check=False)
        match = re.search(r"Version (\S+)", done.stdout + done.stderr)
        if match:
            found["virtuoso"] = match[1]
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
            "python": platform.python_version(), "system": platform.platform(),
            "load_average_at_start": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, action="append",
                        help="KB size in clusters; repeat for several sizes [1000]")
    parser.add_argument("--reps", type=int, default=15,
                        help="sequential requests per query and endpoint (each a new text)")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds at most for the latency runs of one query on one endpoint")
    parser.add_argument("--mix-duration", type=float, default=15.0,
                        help="seconds of the whole mix from --clients clients (0: skip)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--page-reps", type=int, default=10)
    parser.add_argument("--page-budget", type=float, default=30.0)
    parser.add_argument("--write-reps", type=int, default=3,
                        help="submissions stored and accepted per size")
    parser.add_argument("--build-max", type=int, default=1000,
                        help="largest size built with `clusterkb build` (validation included); "
                             "larger sizes: shared graphs built, the rest `clusterkb load`ed")
    parser.add_argument("--virtuoso-min", type=int, default=10000,
                        help="smallest size at which Virtuoso is measured too")
    parser.add_argument("--stage-timeout", type=float, default=1800,
                        help="seconds for the rebuild stages of a bulk-loaded size (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    sizes = args.clusters or [1000]
    queries = load_queries()
    results = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               "versions": versions(), "settings": {k: str(v) for k, v in vars(args).items()},
               "sizes": []}
    import report

    for clusters in sizes:
        run = SizeRun(clusters, args.work / f"c{clusters}", args)
        try:
            results["sizes"].append(run.run(queries))
        except Exception as error:
            run.result["error"] = f"{type(error).__name__}: {error}"[:2000]
            results["sizes"].append(run.result)
            run.log(f"FAILED: {error}")
        (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        report.write(results, args.out)
        print(f"wrote {args.out / 'RESULTS.md'} ({clusters} clusters done)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
