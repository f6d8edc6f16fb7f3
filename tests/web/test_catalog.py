"""The DCAT-AP catalogue and VoID over a small real store (Flask test client)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from tests.web import mqa
from tests.web.conftest import BASE, fill

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
REFERENCE = SHARED / "reference"
needs_reference = pytest.mark.skipif(
    not (REFERENCE / "dcat-ap" / "shapes.ttl").is_file(),
    reason=f"the DCAT-AP reference shapes are not at {REFERENCE} (shared/ folder absent)")

CATALOG = URIRef(f"{BASE}catalog")


def _ttl(client, url: str) -> Graph:
    r = client.get(url, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.data
    return Graph().parse(data=r.get_data(as_text=True), format="turtle")


def _full(client) -> Graph:
    """Every page of the catalogue, merged (the page size in the tests is 2)."""
    graph, url = Graph(), "/catalog"
    while url:
        page = _ttl(client, url)
        graph += page
        view = page.value(CATALOG, URIRef("http://www.w3.org/ns/hydra/core#view"))
        nxt = page.value(view, URIRef("http://www.w3.org/ns/hydra/core#next"))
        url = str(nxt).removeprefix("http://localhost") if nxt else None
    return graph


@pytest.fixture()
def three_clusters(small_store):
    cluster = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/clusterkb/id/cluster/{0}> skos:prefLabel "Cluster {0}"@en ."""
    fill(small_store, {f"clusters/{n}": cluster.format(n) for n in ("a-one", "b-two")})
    return small_store


@needs_reference
def test_catalogue_passes_official_shapes(client, three_clusters):
    shapes = mqa.shapes_graph(REFERENCE)
    for url in ("/catalog", "/catalog?page=2"):
        assert mqa.violations(_ttl(client, url), shapes) == [], url
    assert mqa.violations(_full(client), shapes) == []


@needs_reference
def test_mqa_score_is_excellent(client, three_clusters):
    # Indicator weights: shared/reference/mqa.md (data.europa.eu MQA); Excellent is >= 351.
    def answers(url: str) -> bool:
        return client.head(url.removeprefix("http://localhost")).status_code < 400

    points = mqa.score(_full(client), mqa.shapes_graph(REFERENCE), answers)
    assert points >= 351, points


def test_catalogue_content(client, three_clusters):
    g = _full(client)
    dataset = URIRef(f"{BASE}catalog#dataset")
    datasets = set(g.objects(CATALOG, DCAT.dataset))
    assert datasets == {dataset} | {URIRef(f"{BASE}graph/clusters/{n}")
                                    for n in ("medical", "a-one", "b-two")}
    dists = list(g.objects(dataset, DCAT.distribution))
    assert {str(g.value(d, DCAT.downloadURL)) for d in dists} == {
        f"http://localhost/dump.{e}{z}" for e in ("ttl", "nt", "nq") for z in ("", ".gz")}
    for d in dists:  # byteSize is the real length of the served file
        url = str(g.value(d, DCAT.downloadURL)).removeprefix("http://localhost")
        assert int(g.value(d, DCAT.byteSize)) == len(client.get(url).data)
    service = g.value(CATALOG, DCAT.service)
    assert g.value(service, DCAT.endpointURL) == URIRef("http://localhost/sparql")
    assert g.value(service, DCAT.servesDataset) == dataset
    medical = URIRef(f"{BASE}graph/clusters/medical")
    assert str(g.value(medical, DCTERMS.title)) == "Cluster profile: Hungarian Medical Cluster"
    assert (medical, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
            URIRef("https://example.org/profile/medical")) in g
    assert (medical, DCTERMS.spatial,
            URIRef("http://publications.europa.eu/resource/authority/country/HUN")) in g


def test_paging_with_hydra(client, three_clusters):
    hydra = "http://www.w3.org/ns/hydra/core#"
    first = _ttl(client, "/catalog")
    assert len(list(first.objects(CATALOG, DCAT.dataset))) == 2
    view = first.value(CATALOG, URIRef(hydra + "view"))
    assert (view, RDF.type, URIRef(hydra + "PartialCollectionView")) in first
    assert str(first.value(view, URIRef(hydra + "next"))) == "http://localhost/catalog?page=2"
    assert int(first.value(CATALOG, URIRef(hydra + "totalItems"))) == 4
    second = _ttl(client, "/catalog?page=2")
    assert len(list(second.objects(CATALOG, DCAT.dataset))) == 2
    view2 = second.value(CATALOG, URIRef(hydra + "view"))
    assert second.value(view2, URIRef(hydra + "next")) is None
    assert client.get("/catalog?page=3").status_code == 404
    for bad in ("0", "x", "-1"):
        assert client.get(f"/catalog?page={bad}").status_code == 400


def test_modified_since(client, three_clusters):
    modified = three_clusters.modified().date()
    assert int(_ttl(client, f"/catalog?modified_since={modified.isoformat()}").value(
        CATALOG, URIRef("http://www.w3.org/ns/hydra/core#totalItems"))) == 4
    later = _ttl(client, f"/catalog?modified_since={modified.year + 1}-01-01")
    assert list(later.objects(CATALOG, DCAT.dataset)) == []
    r = client.get("/catalog?modified_since=yesterday")
    assert r.status_code == 400 and b"modified_since" in r.data


def test_catalogue_conneg(client):
    for accept, media in (("application/ld+json", "application/ld+json"),
                          ("application/rdf+xml", "application/rdf+xml"),
                          ("text/html", "text/html")):
        r = client.get("/catalog", headers={"Accept": accept})
        assert r.mimetype == media and "Accept" in r.headers["Vary"]
    html = client.get("/catalog", headers={"Accept": "text/html"}).get_data(True)
    assert "Cluster profile: Hungarian Medical Cluster" in html


def test_void_statistics_equal_store_counts(client, small_store):
    g = _ttl(client, "/.well-known/void")
    ds = URIRef(f"{BASE}catalog#dataset")

    def count(where: str) -> int:
        return int(small_store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"])

    assert int(g.value(ds, VOID.triples)) == count("?s ?p ?o")
    assert int(g.value(ds, VOID.distinctSubjects)) == count(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
    assert int(g.value(ds, VOID.classes)) == count("SELECT DISTINCT ?c WHERE { ?s a ?c }")
    assert int(g.value(ds, VOID.properties)) == count("SELECT DISTINCT ?p WHERE { ?s ?p ?o }")
    subsets = set(g.objects(ds, VOID.subset))
    assert subsets == {URIRef(i) for i in small_store.graphs()}
    for sub in subsets:
        assert int(g.value(sub, VOID.triples)) == len(small_store.graph(str(sub)))
    assert g.value(ds, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    assert URIRef("http://localhost/dump.nq.gz") in set(g.objects(ds, VOID.dataDump))
