"""The page-batched catalogue equals the per-cluster one it replaced.

Outside reference: ``catalog_8cc7825.py`` is the catalogue module as it was at
commit 8cc7825 (``git show 8cc7825:server/clusterkb/catalog.py``), which asked
the store about each cluster on its own. Both run on the same built store; the
graphs must be isomorphic (the temporal period is a blank node) for the whole
catalogue and for every page, and the new one asks a constant number of queries
per page.
"""

from __future__ import annotations

from rdflib.compare import isomorphic
from tests.catalog import catalog_8cc7825 as old

from clusterkb.catalog import Page, catalog_graph
from clusterkb.config import Config


def test_every_page_matches_the_per_cluster_reference(built_store) -> None:
    config = Config(var_dir=built_store.config.var_dir) if hasattr(built_store, "config") \
        else Config()
    pages = [Page()] + [Page(number=n, size=s) for s in (1, 2) for n in (1, 2, 3, 4)]
    for page in pages:
        new_g = catalog_graph(config, built_store, page=page)
        old_g = old.catalog_graph(config, built_store, page=old.Page(page.number, page.size))
        assert len(new_g) > 0
        assert isomorphic(new_g, old_g), page


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
