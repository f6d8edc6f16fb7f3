"""The engine time of the queries a page needs: record them in the real app, replay them alone.

Why: the target for a page is "at most 3x the engine time of the queries it
needs", and only the app knows which queries those are (labels, neighbourhood,
counts, catalogue entries). So the page is rendered once through Flask's test
client over the real store, with the store's query methods wrapped to note each
text, and those texts are then timed on pyoxigraph in process (the same quads,
the union default graph), without Flask, rdflib conversions or templates.
"""

from __future__ import annotations

import collections
import statistics
import time
from collections.abc import Callable, Iterable

#: Store methods a page may query through (trusted reads and guarded queries).
_RECORDED = ("select", "ask", "construct", "query")


class _Recorder:
    """Wraps one store object's query methods so that every text it runs is kept."""

    def __init__(self, store) -> None:
        self.store, self.texts = store, []
        self._saved = {}
        for name in _RECORDED:
            method = getattr(store, name, None)
            if method is not None:
                self._saved[name] = method
                setattr(store, name, self._wrap(method))

    def _wrap(self, method: Callable) -> Callable:
        def recorded(query, *args, **kwargs):
            self.texts.append(query)
            return method(query, *args, **kwargs)
        return recorded

    def restore(self) -> None:
        for name, method in self._saved.items():
            setattr(self.store, name, method)


def record(app, path: str, accept: str) -> tuple[int, list[str]]:
    """Status and query texts of one request to ``path`` (the app's caches are cleared first
    by giving it a fresh app per size; a cached page records no queries)."""
    from clusterkb.web.context import state

    recorder = _Recorder(state(app).store)
    try:
        response = app.test_client().get(path, headers={"Accept": accept})
        status = response.status_code
    finally:
        recorder.restore()
    return status, recorder.texts


def engine_ms(memory_store, texts: Iterable[str], reps: int = 5) -> float:
    """Median over ``reps`` of the summed time pyoxigraph takes for ``texts`` (results read)."""
    import pyoxigraph as ox

    texts = list(texts)
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for text in texts:
            result = memory_store.query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryBoolean):
                bool(result)
            else:
                collections.deque(result, maxlen=0)  # read every row, keep none
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000
