"""A write costs what it changes, not what the history holds.

Every accept saves a version and every submission a pending graph in the
store's private part. A small write must not copy all of that again: the bytes
this process writes for one small published graph stay the same whether the
private part holds nothing or forty thousand triples. (Bytes written, as
the kernel counts them, not time: the machine is noisy, the byte count is not.)
"""

from __future__ import annotations

import psutil
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from clusterkb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/clusterkb/"
BIG = 40_000


def _graph(prefix: str, n: int) -> Graph:
    graph = Graph()
    for i in range(n):
        graph.add((URIRef(f"{BASE}id/thing/{prefix}-{i}"), RDFS.label,
                   Literal(f"a label long enough to take some room, number {i}")))
    return graph


def _bytes_written_by(action) -> int:
    me = psutil.Process()
    before = me.io_counters().write_chars
    action()
    return me.io_counters().write_chars - before


def _small_write(store: EmbeddedStore, n: int) -> int:
    return _bytes_written_by(lambda: store.replace_graphs(
        {f"{BASE}graph/clusters/c": _graph(f"small-{n}", 50)}))


def test_small_write_does_not_copy_the_private_store(config):
    store = EmbeddedStore(config)
    try:
        store.replace_graphs({f"{BASE}graph/clusters/c": _graph("start", 50)})
        baseline = max(_small_write(store, n) for n in range(2))
        store.replace_graphs({f"{BASE}graph/history/clusters/c/1": _graph("old", BIG)},
                             publish=False)
        history_size = _bytes_written_by(lambda: store.replace_graphs(
            {f"{BASE}graph/submission/x": _graph("pending", BIG)}, publish=False))
        assert history_size > 2 * 1024 * 1024  # writing the big graph itself is costly
        # The least of three writes: the engine's background flushes and compactions run
        # in this process too and land on one write or another; a copy would be in all.
        after = min(_small_write(store, n) for n in range(2, 5))
        assert after < baseline + history_size // 10, (baseline, after, history_size)
        assert len(store.graph(f"{BASE}graph/history/clusters/c/1")) == BIG
        assert store.pending_graphs() == [f"{BASE}graph/history/clusters/c/1",
                                          f"{BASE}graph/submission/x"]
    finally:
        store.close()
