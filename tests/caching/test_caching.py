"""Caching of /sparql results and Linked Data pages for a read-mostly KB.

What must hold: a response names its representation with an ETag tied to the
store's generation, a matching If-None-Match gets 304, shared caches are told
they may keep it, a repeated query is answered without the engine, the cache
stays within its byte budget, and a write makes every old ETag and cached
result unusable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore
from clusterkb.web import create_app
from clusterkb.web.caching import CachedResponse, ResultCache

COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { "
         "?s a <https://w3id.org/clusterkb/ontology#ClusterOrganisation> }")
JSON = "application/sparql-results+json"


class Counter:
    """Counts the calls that reach the engine's ``query``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, store) -> None:
        self.calls = 0
        original = store.query

        def counting(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(store, "query", counting)


@pytest.fixture()
def client(built_store, tmp_path: Path):
    app = create_app(Config(var_dir=tmp_path / "var", store_dir=built_store.config.store_path),
                     built_store)
    return app.test_client()


# --- the cache itself ------------------------------------------------------------------------

def _entry(size: int) -> CachedResponse:
    return CachedResponse(b"x" * size, 200, ())


def test_byte_bound_evicts_the_least_recently_used() -> None:
    cache = ResultCache(max_bytes=3000, max_entry=1000)
    for key in "abc":  # 700 bytes of body, plus the fixed cost of an entry: three fit
        assert cache.put("g1", key, _entry(700))
    assert cache.get("g1", "a") is not None  # a is now the most recent
    cache.put("g1", "d", _entry(700))  # over 3000 bytes: the oldest (b) goes
    assert cache.get("g1", "b") is None
    assert cache.get("g1", "a") is not None and cache.get("g1", "d") is not None
    assert cache.size <= 3000


def test_too_large_entries_are_not_kept_and_a_new_generation_empties_it() -> None:
    cache = ResultCache(max_bytes=10_000, max_entry=1000)
    assert not cache.put("g1", "big", _entry(5000))
    assert cache.get("g1", "big") is None
    cache.put("g1", "small", _entry(100))
    assert cache.get("g2", "small") is None
    assert len(cache) == 0 and cache.size == 0


def test_keys_count_against_the_budget_so_large_queries_cannot_grow_memory() -> None:
    """Keys hold query texts (up to 256 KB): 300 distinct 100 KB keys with tiny bodies
    once kept 30 MB in a cache whose budget was 64 KB, since only bodies were counted."""
    import tracemalloc

    cache = ResultCache(max_bytes=64 * 1024, max_entry=1000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(300):
            key = ("sparql", f"# {i}\n" + "x" * 100_000, "application/json")
            assert cache.put("g1", key, _entry(10))
            del key
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1024 * 1024, f"the cache holds {held} bytes for a 64 KiB budget"
    assert cache.size <= 64 * 1024
    # the digest still tells keys apart
    assert cache.get("g1", ("sparql", "# 299\n" + "x" * 100_000, "application/json"))
    assert cache.get("g1", ("sparql", "# 299\n" + "x" * 100_001, "application/json")) is None


def test_entry_count_is_bounded_whatever_the_sizes() -> None:
    cache = ResultCache(max_bytes=10 ** 9, max_entries=50)
    for i in range(200):
        cache.put("g1", i, _entry(1))
    assert len(cache) == 50
    assert cache.get("g1", 199) is not None and cache.get("g1", 0) is None


# --- /sparql ------------------------------------------------------------------------------------

def test_sparql_get_has_etag_cache_control_and_vary(client) -> None:
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": JSON})
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in response.headers["Vary"]
    other = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert other.headers["ETag"] != response.headers["ETag"]


def test_if_none_match_gets_304_without_running_the_query(client, built_store,
                                                          monkeypatch) -> None:
    first = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": JSON})
    counter = Counter(monkeypatch, built_store)
    again = client.get("/sparql", query_string={"query": COUNT},
                       headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert counter.calls == 0
    stale = client.get("/sparql", query_string={"query": COUNT},
                       headers={"Accept": JSON, "If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200


def test_repeated_query_is_answered_from_the_cache(client, built_store, monkeypatch) -> None:
    counter = Counter(monkeypatch, built_store)
    query = COUNT + " # repeated"
    first = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
    second = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
    third = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
    assert counter.calls == 1
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert first.data == second.data == third.data
    assert int(first.get_json()["results"]["bindings"][0]["n"]["value"]) >= 3
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    # a POST answer is not offered to shared caches
    assert "Cache-Control" not in third.headers


def test_a_different_format_is_not_served_from_another_formats_entry(client) -> None:
    query = COUNT + " # formats"
    as_json = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
    as_csv = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert as_csv.headers["X-Cache"] == "miss"
    assert as_csv.mimetype == "text/csv" and as_json.mimetype == JSON


# --- Linked Data pages ----------------------------------------------------------------------------

def test_resource_page_has_etag_and_answers_304(client, built_store) -> None:
    url = "/id/cluster/rohealth"
    first = client.get(url, headers={"Accept": "text/turtle"})
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Accept" in first.headers["Vary"]
    html = client.get(url, headers={"Accept": "text/html"})
    assert html.headers["ETag"] != first.headers["ETag"]
    again = client.get(url, headers={"Accept": "text/turtle",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_resource_page_has_last_modified_and_answers_if_modified_since(client, built_store):
    url = "/id/cluster/rohealth"
    first = client.get(url, headers={"Accept": "text/turtle"})
    modified = first.headers["Last-Modified"]
    assert first.last_modified == built_store.modified().replace(microsecond=0)
    again = client.get(url, headers={"Accept": "text/turtle", "If-Modified-Since": modified})
    assert again.status_code == 304 and again.data == b""
    older = client.get(url, headers={"Accept": "text/turtle",
                                     "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200
    # an ETag that does not match wins over a date that does (RFC 9110 13.2.2)
    both = client.get(url, headers={"Accept": "text/turtle", "If-Modified-Since": modified,
                                    "If-None-Match": 'W/"other"'})
    assert both.status_code == 200


# --- a write invalidates both ---------------------------------------------------------------------

def test_a_store_write_changes_the_etag_and_the_cached_result(tmp_path: Path) -> None:
    config = Config(var_dir=tmp_path / "var", kb_dir=tmp_path / "kb", query_workers=1,
                    query_timeout=5.0)
    (tmp_path / "kb" / "questions").mkdir(parents=True)
    store = EmbeddedStore(config)
    graph_iri = "https://w3id.org/clusterkb/graph/clusters/x"
    thing = URIRef("https://w3id.org/clusterkb/id/cluster/x")
    try:
        store.replace_graphs({graph_iri: Graph().add((thing, RDFS.label, Literal("Old")))})
        client = create_app(config, store).test_client()
        query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        first = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
        cached = client.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
        assert cached.headers["X-Cache"] == "hit"
        page = client.get("/id/cluster/x", headers={"Accept": "text/turtle"})
        assert b"Old" in page.data

        store.replace_graphs({graph_iri: Graph().add((thing, RDFS.label, Literal("New")))})

        after = client.get("/sparql", query_string={"query": query},
                           headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]})
        assert after.status_code == 200
        assert after.headers["ETag"] != first.headers["ETag"]
        assert after.headers["X-Cache"] == "miss"
        labels = [b["l"]["value"] for b in after.get_json()["results"]["bindings"]]
        assert labels == ["New"]
        page_after = client.get("/id/cluster/x", headers={"Accept": "text/turtle",
                                                          "If-None-Match": page.headers["ETag"]})
        assert page_after.status_code == 200 and b"New" in page_after.data
        assert b"Old" not in page_after.data
    finally:
        store.close()


def test_the_home_page_is_made_once_per_generation(tmp_path: Path) -> None:
    """Its cluster list costs queries over the whole KB: made once per store generation,
    revalidated by ETag, made again (with the new data) after a write."""
    config = Config(var_dir=tmp_path / "var", kb_dir=tmp_path / "kb", query_workers=1)
    (tmp_path / "kb" / "questions").mkdir(parents=True)
    store = EmbeddedStore(config)
    graph_iri = "https://w3id.org/clusterkb/graph/clusters/x"
    thing = URIRef("https://w3id.org/clusterkb/id/cluster/x")
    cluster = URIRef("https://w3id.org/clusterkb/ontology#ClusterOrganisation")

    def profile(name: str) -> Graph:
        return Graph().add((thing, RDF.type, cluster)).add((thing, RDFS.label, Literal(name)))

    try:
        store.replace_graphs({graph_iri: profile("Old Cluster")})
        client = create_app(config, store).test_client()
        html = {"Accept": "text/html"}
        first = client.get("/", headers=html)
        assert first.status_code == 200 and b"Old Cluster" in first.data
        assert first.headers["X-Cache"] == "miss"
        assert client.get("/", headers=html).headers["X-Cache"] == "hit"
        unchanged = client.get("/", headers={**html, "If-None-Match": first.headers["ETag"]})
        assert unchanged.status_code == 304
        store.replace_graphs({graph_iri: profile("New Cluster")})
        after = client.get("/", headers={**html, "If-None-Match": first.headers["ETag"]})
        assert after.status_code == 200 and after.headers["X-Cache"] == "miss"
        assert b"New Cluster" in after.data and b"Old Cluster" not in after.data
    finally:
        store.close()


# --- over real HTTP ----------------------------------------------------------------------------

def test_conditional_get_over_http(live_server: str) -> None:
    url = f"{live_server}/sparql"
    first = requests.get(url, params={"query": COUNT}, headers={"Accept": JSON}, timeout=30)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=60"
    again = requests.get(url, params={"query": COUNT}, timeout=30,
                         headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_generation_memo_is_safe_under_threads() -> None:
    """Waitress serves requests from several threads that share one memo (catalogue pages,
    VoID): concurrent reads, inserts, evictions and generation changes must never raise,
    overfill it, or hand out a value made for another generation or key."""
    import random
    import threading

    from clusterkb.web.caching import GenerationMemo

    memo = GenerationMemo(max_entries=8)
    errors: list[BaseException] = []
    wrong: list[tuple] = []
    start = threading.Barrier(12)

    def hammer(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            for _ in range(3000):
                generation, key = f"g{rng.randrange(3)}", rng.randrange(40)
                value = memo.get_or_make(generation, key, lambda g=generation, k=key: (g, k))
                if value != (generation, key):
                    wrong.append((generation, key, value))
                assert len(memo) <= 8
        except BaseException as error:  # noqa: BLE001 - reported below, with the thread's seed
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and wrong == []
    assert len(memo) <= 8
