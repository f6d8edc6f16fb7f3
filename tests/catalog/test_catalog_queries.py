"""A catalogue page asks the store a fixed number of queries, whatever its size.

It used to ask about six per cluster, so a cold 100-dataset page cost about 600.
That the page-batched catalogue is the same graph as the per-cluster one was
checked at the change (isomorphic for the whole catalogue and pages 1-4 of sizes
1 and 2, against the module of commit 8cc7825); what it must keep stating is
checked by ``tests/web/test_catalog.py`` (official DCAT-AP shapes, MQA, temporal
coverage, paging).
"""

from __future__ import annotations

from clusterkb.catalog import Page, catalog_graph
from clusterkb.config import Config


def test_queries_do_not_grow_with_the_page(built_store) -> None:
    config = Config()
    counts = []
    real = built_store.select
    for size in (2, 4):  # the KB dataset and one cluster; the KB dataset and three
        calls = []
        built_store.select = lambda *a, calls=calls, **k: (calls.append(1), real(*a, **k))[1]
        try:
            catalog_graph(config, built_store, page=Page(number=1, size=size))
        finally:
            del built_store.select
        counts.append(len(calls))
    assert counts[0] == counts[1]
