"""Where one /sparql request's time goes, layer by layer, on an existing store.

Why: the benchmark gives end-to-end ratios; to know what to change, each layer
is timed alone on the same query texts (medians of many runs, in process):

* ``engine``: pyoxigraph on the generation, in this process, result serialised;
* ``guard``: the SPARQL lexer's analysis (``sparql.analyse_query``), uncached;
* ``worker hop``: ``EmbeddedStore.query`` (guarded path minus HTTP: the query
  worker process, its pipe, the engine and the serialisation) minus ``engine``;
* ``flask``: the app through Flask's test client (no socket), ``/healthz`` (the
  floor of any request) and ``/sparql`` (everything but the HTTP server);
* the HTTP server's share is what ``run.py`` measures over a socket minus this.

    python bench/path_profile.py STORE_DIR [--reps 200]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402  (bench/ is not a package)


def _median_ms(fn, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _get(client, path: str, **kwargs) -> bytes:
    """One request, its body read and the response closed: the app's slow-request limiter
    gives a slot back only when the response is closed (a test client does not close it)."""
    response = client.get(path, **kwargs)
    try:
        return response.get_data()
    finally:
        response.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args(argv)

    import logging

    import pyoxigraph as ox

    from clusterkb import sparql
    from clusterkb.config import Config
    from clusterkb.store.embedded import POINTER, EmbeddedStore
    from clusterkb.web import create_app

    config = Config.from_env(store_dir=args.store, result_cache_bytes=0)
    generation = json.loads((args.store / POINTER).read_text())["generation"]
    engine_store = ox.Store.read_only(str(args.store / generation))
    store = EmbeddedStore(config)
    app = create_app(config, store)
    logging.getLogger("clusterkb.requests").disabled = True  # one line a request otherwise
    client = app.test_client()
    rows = {}
    rng = random.Random(7)
    picks = ("01-cluster-lookup", "02-describe-cluster", "05-collaboration-2hop", "10-ask-gold")
    for query in (q for q in run.load_queries() if q.name in picks):
        texts = [query.text(rng, args.clusters) for _ in range(64)]
        turn = iter(range(10**9))

        def text(texts=texts, turn=turn) -> str:
            return texts[next(turn) % len(texts)]

        def engine(text=text) -> None:
            result = engine_store.query(text(), use_default_graph_as_union=True)
            if isinstance(result, ox.QueryTriples):
                result.serialize(format=ox.RdfFormat.TURTLE)
            else:
                result.serialize(format=ox.QueryResultsFormat.JSON)

        rows[query.name] = {
            "engine": _median_ms(engine, args.reps),
            "guard": _median_ms(lambda text=text: sparql.analyse_query(text(), config.base_iri),
                                args.reps),
            "store.query": _median_ms(lambda text=text, accept=query.accept: store.query(
                text(), media_type=accept), args.reps),
            "flask /sparql": _median_ms(lambda text=text, accept=query.accept: _get(
                client, "/sparql", query_string={"query": text()}, headers={"Accept": accept}),
                args.reps),
        }
    rows["(any)"] = {"flask /healthz": _median_ms(lambda: _get(client, "/healthz"), args.reps)}
    print(json.dumps(rows, indent=1))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
