"""The stages of a rebuild other than validation, timed in process on an existing store.

Why: at sizes ``bench/run.py`` bulk-loads (a first validated build would take
hours, see RESULTS.md), a real "rebuild after one changed file" cannot run, as
no earlier build recorded the other files' verdicts. What such a rebuild costs
besides validating that one file is measured here with the build's own
functions: parse every file, write every graph into a new generation, the
cross-graph checks, the catalogue, and publishing the generation.

    python bench/rebuild_stages.py STORE_DIR   (CLUSTERKB_KB_DIR names the KB)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from clusterkb import build
from clusterkb.config import Config
from clusterkb.namespaces import graph_iri
from clusterkb.store.embedded import EmbeddedStore


def main(store_dir: str) -> int:
    config = Config.from_env(store_dir=Path(store_dir))
    t = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        print(f"stage {name} {now - t:.3f}", flush=True)
        t = now

    graphs = build.parse_sources(config)
    stage("parse")
    store = EmbeddedStore(config)
    try:
        with store.write() as writer:
            stage("open")
            for iri, triples in graphs.items():
                writer.replace_graph(iri, triples, origin=build.BUILD_ORIGIN)
            stage("store")
            build.check_cross_graph(config, graphs, writer)
            stage("cross-graph")
            catalog = build.catalog_hook(config, writer)
            stage("catalogue")
            if catalog is not None:
                writer.replace_graph(graph_iri(config.base_iri, "catalog"), catalog,
                                     origin=build.BUILD_ORIGIN)
            t = time.perf_counter()
        stage("publish")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
