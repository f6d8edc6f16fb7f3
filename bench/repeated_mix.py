"""The repeated-query mix again, on a size ``run.py`` has already prepared (its store kept).

Why: the repeated mix measures the result cache's answers, so every fixed text is sent once
before the timed part; the run of 2026-12-02 did not do that yet, and at 10,000 clusters its
15 seconds were spent filling the cache (a member composition takes 13 s). This starts the
cached clusterkb server and ``oxigraph serve`` on ``var/bench/c<N>`` and measures only that.

    python bench/repeated_mix.py 10000   (writes the figures into bench/results.json)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402  (bench/ is not a package)


def main(argv: list[str]) -> int:
    clusters = int(argv[0])
    args = argparse.Namespace(seed=7, mix_duration=15.0, clients=4, build_max=1000)
    size = run.SizeRun(clusters, run.ROOT / "var" / "bench" / f"c{clusters}", args)
    queries = run.load_queries()
    try:
        size.start("oxigraph", [str(run.BIN / "oxigraph"), "serve", "--location",
                                str(size.work / "oxigraph"), "--bind", "HOSTPORT",
                                "--union-default-graph"], "/query", "/")
        size.serve_clusterkb("clusterkb-cached", cache=True)
        fixed_rng = random.Random(args.seed)
        fixed = [(q.text(fixed_rng, clusters), q.accept) for q in queries]
        out = {}
        for name in ("clusterkb-cached", "oxigraph"):
            server = size.server(name)
            warm = run.http_sender(server.endpoint)  # type: ignore[attr-defined]
            for text, accept in fixed:
                warm(text, accept)
            out[f"{name} repeated"] = run.throughput(
                lambda url=server.endpoint: run.http_sender(url),  # type: ignore
                lambda rng: rng.choice(fixed), args.clients, args.mix_duration, args.seed)
            print(name, out[f"{name} repeated"], flush=True)
    finally:
        size.stop_all()
    path = HERE / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    for entry in results["sizes"]:
        if entry.get("clusters") == clusters:
            entry.setdefault("mix", {}).update(out)
            entry["repeated_mix_rerun"] = "bench/repeated_mix.py, after the run, cache warmed"
    path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
