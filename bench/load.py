"""Load test: C concurrent clients for T seconds against a running clusterkb server.

Why a thread pool and ``requests`` rather than a load-testing framework: the
server is what is measured, the client only needs to keep C requests in flight
and time them, and this runs anywhere the test extra is installed.

Each client loops until the time is up, picking a request kind by weight:

* ``sparql``   a query from ``kb/questions/*.rq`` (JSON results);
* ``page``     a cluster's HTML page (``/id/cluster/<slug>`` for ``kb/clusters/*.ttl``);
* ``search``   ``/search?q=`` with a word from a small list (HTML or JSON);
* ``dump``     ``/dump.ttl``;
* ``validate`` ``POST /validate`` with one of the KB's cluster profiles.

The report gives per kind the count, throughput, p50/p95/p99 latency, 5xx
answers and connection errors, written as JSON and as a Markdown table::

    python bench/load.py --url http://127.0.0.1:8080 --clients 32 --duration 60
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = {"sparql": 40, "page": 20, "search": 15, "dump": 5, "validate": 20}
SEARCH_WORDS = ["health", "cluster", "medical", "romania", "university", "szeged", "silver",
                "bioeconomy", "innovation", "network"]
REQUEST_TIMEOUT = 120.0


@dataclass
class Workload:
    """What the clients send, read once from the repository's data."""

    queries: list[str]
    pages: list[str]
    profiles: list[bytes]

    @classmethod
    def from_repository(cls, root: Path = ROOT) -> Workload:
        queries = [p.read_text(encoding="utf-8")
                   for p in sorted((root / "kb" / "questions").glob("*.rq"))]
        clusters = sorted((root / "kb" / "clusters").glob("*.ttl"))
        return cls(queries=queries,
                   pages=[f"/id/cluster/{p.stem}" for p in clusters],
                   profiles=[p.read_bytes() for p in clusters])


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int | None  # None: connection error or timeout
    error: str = ""


@dataclass
class Recorder:
    """Samples from every client (appends are atomic under the GIL; a lock keeps it plain)."""

    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def _request(session: requests.Session, url: str, kind: str, work: Workload,
             rng: random.Random) -> requests.Response:
    if kind == "sparql":
        return session.post(f"{url}/sparql", data={"query": rng.choice(work.queries)},
                            headers={"Accept": "application/sparql-results+json"},
                            timeout=REQUEST_TIMEOUT)
    if kind == "page":
        return session.get(f"{url}{rng.choice(work.pages)}", headers={"Accept": "text/html"},
                           timeout=REQUEST_TIMEOUT)
    if kind == "search":
        accept = rng.choice(["text/html", "application/json"])
        return session.get(f"{url}/search", params={"q": rng.choice(SEARCH_WORDS)},
                           headers={"Accept": accept}, timeout=REQUEST_TIMEOUT)
    if kind == "dump":
        return session.get(f"{url}/dump.ttl", timeout=REQUEST_TIMEOUT)
    if kind == "validate":
        return session.post(f"{url}/validate", data=rng.choice(work.profiles),
                            headers={"Content-Type": "text/turtle",
                                     "Accept": "application/json"}, timeout=REQUEST_TIMEOUT)
    raise ValueError(f"unknown request kind {kind!r}")


def _client(url: str, deadline: float, work: Workload, recorder: Recorder, seed: int,
            weights: dict[str, int]) -> None:
    rng = random.Random(seed)
    kinds, shares = list(weights), list(weights.values())
    with requests.Session() as session:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, shares)[0]
            start = time.perf_counter()
            try:
                response = _request(session, url, kind, work, rng)
                _ = response.content  # time the whole body
                recorder.add(Sample(kind, time.perf_counter() - start, response.status_code,
                                    response.text[:200] if response.status_code >= 500 else ""))
            except requests.RequestException as error:
                recorder.add(Sample(kind, time.perf_counter() - start, None,
                                    type(error).__name__))


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def summarise(samples: list[Sample], elapsed: float) -> dict:
    """Per-kind and total counts, throughput, latency percentiles (ms), 5xx and errors."""
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[sample.kind].append(sample)
    groups["all"] = list(samples)
    report = {}
    for kind, group in sorted(groups.items()):
        latencies = sorted(s.seconds * 1000 for s in group if s.status is not None)
        statuses = Counter(str(s.status) for s in group if s.status is not None)
        report[kind] = {
            "requests": len(group),
            "throughput_rps": round(len(group) / elapsed, 2) if elapsed else 0.0,
            "p50_ms": round(_percentile(latencies, 50), 1) if latencies else None,
            "p95_ms": round(_percentile(latencies, 95), 1) if latencies else None,
            "p99_ms": round(_percentile(latencies, 99), 1) if latencies else None,
            "status_5xx": sum(1 for s in group if s.status is not None and s.status >= 500),
            "connection_errors": sum(1 for s in group if s.status is None),
            "statuses": dict(sorted(statuses.items())),
            "errors": dict(Counter(s.error for s in group if s.error)),
        }
    return report


def run(url: str, clients: int = 32, duration: float = 60.0, seed: int = 1,
        weights: dict[str, int] | None = None, work: Workload | None = None) -> dict:
    """Drive the server; returns ``{"settings": ..., "kinds": summarise(...)}``."""
    url = url.rstrip("/")
    work = work or Workload.from_repository()
    recorder = Recorder()
    start = time.monotonic()
    deadline = start + duration
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(_client, url, deadline, work, recorder, seed + i,
                               weights or WEIGHTS) for i in range(clients)]
        for future in futures:
            future.result()
    elapsed = time.monotonic() - start
    return {"settings": {"url": url, "clients": clients, "duration_s": duration,
                         "elapsed_s": round(elapsed, 2), "weights": weights or WEIGHTS},
            "kinds": summarise(recorder.samples, elapsed)}


def markdown(result: dict) -> str:
    s = result["settings"]
    lines = [f"Load test: {s['clients']} clients for {s['duration_s']:g} s against {s['url']}",
             "", "| kind | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | conn. errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for kind, row in result["kinds"].items():
        lines.append(f"| {kind} | {row['requests']} | {row['throughput_rps']} | {row['p50_ms']} "
                     f"| {row['p95_ms']} | {row['p99_ms']} | {row['status_5xx']} "
                     f"| {row['connection_errors']} |")
    return "\n".join(lines) + "\n"


def write(result: dict, output: Path) -> tuple[Path, Path]:
    """Write ``<output>.json`` and ``<output>.md``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    json_path, md_path = output.with_suffix(".json"), output.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown(result), encoding="utf-8")
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Base URL of a running server.")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench" / "load",
                        help="Report path without extension [var/bench/load].")
    args = parser.parse_args(argv)
    result = run(args.url, args.clients, args.duration, args.seed)
    json_path, md_path = write(result, args.output)
    print(markdown(result))
    print(f"written: {json_path}, {md_path}", file=sys.stderr)
    total = result["kinds"].get("all", {})
    return 1 if total.get("status_5xx") or total.get("connection_errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
