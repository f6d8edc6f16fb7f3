"""End to end over HTTP: a real ``clusterkb serve`` process, real clients.

Two servers: one over a small store written here (exact facts: Pécs, an HTML
label), and ``live_server`` over the KB built from the repository.
"""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from email.message import Message

import pytest
from rdflib import BNode, Graph, URIRef
from SPARQLWrapper import JSON, SPARQLWrapper
from tests.web import mqa
from tests.web.conftest import BASE, fill
from tests.web.test_catalog import REFERENCE, needs_reference

from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, Message, bytes]:
    req = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def small_server(start_server, tmp_path_factory):
    config = Config(var_dir=tmp_path_factory.mktemp("small") / "var", query_workers=1)
    store = EmbeddedStore(config)
    fill(store)
    store.close()
    return start_server(CLUSTERKB_STORE_DIR=str(config.store_path),
                        CLUSTERKB_CATALOG_PAGE_SIZE="1")


def _catalogue(url: str) -> Graph:
    graph, page = Graph(), f"{url}/catalog"
    hydra = "http://www.w3.org/ns/hydra/core#"
    while page:
        status, _, body = fetch(page, Accept="text/turtle")
        assert status == 200, page
        part = Graph().parse(data=body.decode(), format="turtle")
        graph += part
        view = part.value(URIRef(f"{BASE}catalog"), URIRef(hydra + "view"))
        nxt = part.value(view, URIRef(hydra + "next"))
        page = str(nxt) if nxt else None
    return graph


@needs_reference
def test_live_catalogue_shapes_and_mqa(small_server):
    catalogue = _catalogue(small_server)
    shapes = mqa.shapes_graph(REFERENCE)
    assert mqa.violations(catalogue, shapes) == []

    def answers(url: str) -> bool:
        assert url.startswith(small_server)  # never probe another host
        return fetch(url, method="HEAD")[0] < 400

    assert mqa.score(catalogue, shapes, answers) >= 351  # Excellent, shared/reference/mqa.md


def test_live_dump_conditional_and_gzip(small_server):
    status, headers, body = fetch(f"{small_server}/dump.nq")
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    assert fetch(f"{small_server}/dump.nq", **{"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(f"{small_server}/dump.nq",
                 **{"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert gzip.decompress(fetch(f"{small_server}/dump.nq.gz")[2]) == body


def test_live_search_and_escaping(small_server):
    import json

    status, _, body = fetch(f"{small_server}/search?q=pecs", Accept="application/json")
    hits = json.loads(body)["hits"]
    assert status == 200 and hits[0]["label"] == "Pécs"
    status, headers, body = fetch(f"{small_server}/id/organisation/evil", Accept="text/html")
    assert status == 200 and b"<script>alert" not in body
    assert "Accept" in headers["Vary"]


def test_live_void_matches_sparql_counts(small_server):
    _, _, body = fetch(f"{small_server}/.well-known/void", Accept="text/turtle")
    void = Graph().parse(data=body.decode(), format="turtle")
    VOID = "http://rdfs.org/ns/void#"
    client = SPARQLWrapper(f"{small_server}/sparql")
    client.setReturnFormat(JSON)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    n = int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
    assert int(void.value(URIRef(f"{BASE}catalog#dataset"), URIRef(VOID + "triples"))) == n


def test_every_kb_subject_dereferences(live_server, built_store):
    rows = built_store.select(f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}")) }}""")
    subjects = sorted(str(r["s"]) for r in rows)
    assert any(s.startswith(f"{BASE}id/cluster/") for s in subjects)
    for iri in subjects:
        url = f"{live_server}/{iri[len(BASE):].split('#', 1)[0]}"
        assert fetch(url, Accept="text/html")[0] == 200, iri
        status, _, body = fetch(url, Accept="text/turtle")
        assert status == 200, iri
        # The live catalogue addresses this server (download and endpoint URLs a
        # harvester can follow); map them back onto the base IRI to compare.
        text = body.decode().replace(f"<{live_server}/", f"<{BASE}")
        served = Graph().parse(data=text, format="turtle")
        held = built_store.construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        for s, p, o in held:
            assert (s, p, o) in served or (isinstance(o, BNode) and (s, p, None) in served), \
                (iri, p, o)
