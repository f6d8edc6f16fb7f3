"""A cold catalogue page: store queries and time, the current module against an older one.

Why: a catalogue page is computed from the current generation the first time it
is asked for (then memoised until the next write), so a harvester paging through
a freshly written KB pays the cold cost on every page. This times pages of 100
datasets built from scratch (a new builder each time, so no memo helps) and
counts the store's ``select`` calls, for the catalogue module of this tree and
for the one of ``--against`` (a git revision, read with ``git show``), on one
store, in one run, alternating old and new so machine load falls on both.

    python bench/catalog_cold.py --store var/bench/catalog-1000/store [--against 8cc7825]

Make the store with ``bench/gen.py`` and ``clusterkb load`` (as ``bench/run.py``
does for sizes too large for a validated build): the catalogue does not need
validated data to be timed.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from clusterkb import catalog  # noqa: E402
from clusterkb.config import Config  # noqa: E402
from clusterkb.store.embedded import EmbeddedStore  # noqa: E402


def module_at(revision: str):
    """The catalogue module as it was at ``revision``, imported under another name."""
    source = subprocess.run(["git", "-C", str(ROOT), "show",
                             f"{revision}:server/clusterkb/catalog.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / f"catalog_{revision}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class Counting:
    """The store, counting ``select`` calls (every catalogue query is a SELECT)."""

    def __init__(self, store) -> None:
        self._store, self.calls = store, 0

    def select(self, query: str):
        self.calls += 1
        return self._store.select(query)

    def __getattr__(self, name):
        return getattr(self._store, name)


def cold_page(module, config: Config, store, number: int, size: int,
              **options) -> tuple[float, int]:
    counting = Counting(store)
    start = time.perf_counter()
    graph = module.catalog_graph(config, counting, page=module.Page(number, size), **options)
    assert len(graph) > 0
    return time.perf_counter() - start, counting.calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--against", default="8cc7825", help="git revision to compare with")
    parser.add_argument("--pages", type=int, default=3, help="pages of --size to time")
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    config = Config.from_env(store_dir=args.store)
    store = EmbeddedStore(config)
    clusters = sum(1 for g in store.graphs() if "/graph/clusters/" in g)
    old = module_at(args.against)
    figures = {"old": [], "new": []}
    # The server reads the whole KB's facts once per generation (web/catalog.py): the
    # first cold page of a generation pays for them, the next ones do not.
    start = time.perf_counter()
    kb = catalog.kb_facts(config, store)
    facts_s = time.perf_counter() - start
    for number in range(1, args.pages + 1):
        figures["old"].append(cold_page(old, config, store, number, args.size))
        figures["new"].append(cold_page(catalog, config, store, number, args.size, kb=kb))
    print(f"{clusters} clusters, pages of {args.size}, {args.pages} pages, cold each time")
    for name in ("old", "new"):
        seconds = [s for s, _ in figures[name]]
        calls = [c for _, c in figures[name]]
        label = args.against if name == "old" else "this tree"
        print(f"  {label:>10}: median {statistics.median(seconds):.2f} s a page "
              f"(min {min(seconds):.2f}, max {max(seconds):.2f}), {max(calls)} queries a page")
    print(f"  the whole KB's facts, once per generation: {facts_s:.2f} s")
    store.close()


if __name__ == "__main__":
    main()
