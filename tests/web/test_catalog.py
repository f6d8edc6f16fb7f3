"""The DCAT-AP catalogue and VoID over a small real store (Flask test client)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from tests.security.harness import make_tokens, private_store
from tests.web import mqa
from tests.web.conftest import BASE, fill

from clusterkb.web import create_app
from clusterkb.web.context import state

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


# --- what harvesters rely on (#19.7) ------------------------------------------------------

def _temporal(g: Graph, dataset: URIRef) -> tuple[str, str] | None:
    period = g.value(dataset, DCTERMS.temporal)
    if period is None:
        return None
    return str(g.value(period, DCAT.startDate)), str(g.value(period, DCAT.endDate))


def test_temporal_coverage_comes_only_from_dates_in_the_data(client, small_store):
    dated = """@prefix schema: <http://schema.org/> .
        @prefix ckb: <https://w3id.org/clusterkb/ontology#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/clusterkb/id/cluster/dated> schema:foundingDate "2009"^^xsd:gYear ;
            dct:modified "2030-05-05"^^xsd:date .
        <https://w3id.org/clusterkb/id/count/dated> ckb:referenceDate "2017-11"^^xsd:gYearMonth ."""
    founded = """@prefix schema: <http://schema.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/clusterkb/id/cluster/founded>
            schema:foundingDate "2012-04-01"^^xsd:date ."""
    fill(small_store, {"clusters/dated": dated, "clusters/founded": founded,
                       "clusters/undated": "<urn:x> <urn:p> <urn:o> ."})
    g = _full(client)
    # a year covers all its days, a month all of its; dct:modified is bookkeeping, not coverage
    assert _temporal(g, URIRef(f"{BASE}graph/clusters/dated")) == ("2009-01-01", "2017-11-30")
    # one founding day is not a period; no dates at all is no coverage (never today's date)
    assert _temporal(g, URIRef(f"{BASE}graph/clusters/founded")) is None
    assert _temporal(g, URIRef(f"{BASE}graph/clusters/undated")) is None
    # the medical cluster's only date is a dct:created (a record date): no coverage either
    assert _temporal(g, URIRef(f"{BASE}graph/clusters/medical")) is None
    # the whole KB spans every dated thing, never a build time
    assert _temporal(g, URIRef(f"{BASE}catalog#dataset")) == ("2009-01-01", "2017-11-30")


def test_modified_since_honours_the_time_of_day(client, three_clusters):
    modified = three_clusters.modified().astimezone(UTC).replace(microsecond=0)

    def total(since: str) -> int:
        g = _ttl(client, f"/catalog?modified_since={quote(since)}")
        return int(g.value(CATALOG, URIRef("http://www.w3.org/ns/hydra/core#totalItems")))

    assert total(modified.strftime("%Y-%m-%dT%H:%M:%SZ")) == 4
    later = modified + timedelta(seconds=1)
    assert total(later.strftime("%Y-%m-%dT%H:%M:%SZ")) == 0  # same day, one second after
    # an offset is honoured: the same instant written in UTC+02:00
    plus2 = (later.astimezone(timezone(timedelta(hours=2)))).isoformat()
    assert total(plus2) == 0
    assert total((modified - timedelta(hours=1)).isoformat()) == 4  # naive: read as UTC
    # paging links carry the instant, not just its day
    g = _ttl(client, f"/catalog?modified_since={quote(modified.isoformat())}")
    view = g.value(CATALOG, URIRef("http://www.w3.org/ns/hydra/core#view"))
    assert str(view).endswith("modified_since=" + modified.strftime("%Y-%m-%dT%H:%M:%SZ"))


@pytest.mark.parametrize("path,accept", [
    ("/catalog", "text/turtle"), ("/catalog?page=2", "text/turtle"),
    ("/catalog", "text/html"), ("/catalog.jsonld", "*/*"),
    ("/.well-known/void", "text/turtle"),
    ("/graph/clusters/medical", "text/turtle"),  # a cluster dataset's own document
])
def test_catalogue_documents_answer_conditional_requests(client, three_clusters, path, accept):
    first = client.get(path, headers={"Accept": accept})
    assert first.status_code == 200
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.last_modified == three_clusters.modified().replace(microsecond=0)
    by_tag = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
    assert by_tag.status_code == 304 and by_tag.data == b""
    by_date = client.get(path, headers={"Accept": accept, "If-Modified-Since": modified})
    assert by_date.status_code == 304
    # after a change the old validators no longer match
    fill(three_clusters, {"clusters/c-three": "<urn:x> <urn:p> <urn:o> ."})
    changed = client.get(path, headers={"Accept": accept, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_generated_urls_ignore_a_forged_host(client, three_clusters):
    g = Graph().parse(data=client.get("/catalog", headers={
        "Accept": "text/turtle", "Host": "evil.example"}).get_data(as_text=True), format="turtle")
    urls = {str(o) for o in g.objects(None, DCAT.downloadURL)}
    urls |= {str(o) for o in g.objects(None, DCAT.endpointURL)}
    assert urls and not any("evil.example" in u for u in urls)
    # not the forged host: the base IRI, which is what the data names
    assert f"{BASE}sparql" in urls
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle",
                                                    "Host": "evil.example"})
    assert b"evil.example" not in void.data
    sd = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert sd.status_code == 200 and b"evil.example" not in sd.data


def test_many_hosts_do_not_grow_the_catalogue_memo(client, app, three_clusters):
    for i in range(40):
        assert client.get("/catalog", headers={"Accept": "text/turtle",
                                                "Host": f"h{i}.example"}).status_code == 200
        client.get(f"/catalog?page=1&modified_since=2001-01-{1 + i % 28:02d}",
                   headers={"Accept": "text/turtle"})
    memo = state(app).catalog_memo
    assert len(memo) <= 16


def test_public_url_setting_decides_every_generated_url(web_config, small_store):
    config = replace(web_config, public_url="https://kb.example.org/data/")
    client = create_app(config, small_store).test_client()
    g = Graph().parse(data=client.get("/catalog", headers={"Accept": "text/turtle"})
                      .get_data(as_text=True), format="turtle")
    downloads = {str(o) for o in g.objects(None, DCAT.downloadURL)}
    assert "https://kb.example.org/data/dump.ttl" in downloads
    assert all(u.startswith("https://kb.example.org/data/") for u in downloads)
    void = _ttl(client, "/.well-known/void")
    assert void.value(URIRef(f"{BASE}catalog#dataset"), VOID.sparqlEndpoint) == \
        URIRef("https://kb.example.org/data/sparql")
    sd = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "<https://kb.example.org/data/sparql>" in sd
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        create_app(replace(web_config, public_url="kb.example.org"), small_store)


# --- after an accept, over HTTP (#19.7) ------------------------------------------------------

SUBMISSION = Path(__file__).resolve().parents[1] / "fixtures" / "valid" / "submission.json"


def _harvest(url: str, **headers: str) -> tuple[requests.Response, Graph]:
    """Every page of the catalogue at ``url`` (the first page's response, the merged graph)."""
    graph, page, first = Graph(), f"{url}/catalog", None
    while page:
        response = requests.get(page, headers={"Accept": "text/turtle", **headers}, timeout=60)
        assert response.status_code == 200, (page, response.status_code)
        first = first or response
        part = Graph().parse(data=response.text, format="turtle")
        graph += part
        view = part.value(CATALOG, URIRef("http://www.w3.org/ns/hydra/core#view"))
        nxt = part.value(view, URIRef("http://www.w3.org/ns/hydra/core#next"))
        page = str(nxt) if nxt else None
    return first, graph


@needs_reference
def test_catalogue_after_an_accept_passes_the_shapes_and_answers_conditional_harvests(
        start_server, built_store, tmp_path_factory):
    store_dir = private_store(tmp_path_factory, built_store)
    submitter, _, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir), CLUSTERKB_CATALOG_PAGE_SIZE="2")
    before, _ = _harvest(url)
    since = datetime.now(UTC).replace(microsecond=0)  # an instant between build and accept

    created = requests.post(f"{url}/submissions", data=SUBMISSION.read_bytes(), timeout=120,
                            headers={"Content-Type": "application/ld+json",
                                     "Authorization": f"Bearer {submitter}"})
    assert created.status_code == 201, created.text
    accepted = requests.post(f"{url}/submissions/{created.json()['id']}/accept", timeout=120,
                             headers={"Authorization": f"Bearer {curator}"})
    assert accepted.status_code == 200, accepted.text

    # the harvester's old validators no longer match: the catalogue changed
    changed = requests.get(f"{url}/catalog", timeout=60, headers={
        "Accept": "text/turtle", "If-None-Match": before.headers["ETag"]})
    assert changed.status_code == 200
    first, catalogue = _harvest(url)
    shapes = mqa.shapes_graph(REFERENCE)
    assert mqa.violations(catalogue, shapes) == []

    def answers(link: str) -> bool:
        return requests.head(link.replace(BASE.rstrip("/"), url), timeout=60,
                             allow_redirects=True).status_code < 400

    assert mqa.score(catalogue, shapes, answers) >= 351  # Excellent (shared/reference/mqa.md)
    # a conditional harvest of the unchanged catalogue: 304, by ETag and by date
    for validator in ({"If-None-Match": first.headers["ETag"]},
                      {"If-Modified-Since": first.headers["Last-Modified"]}):
        again = requests.get(f"{url}/catalog", headers={"Accept": "text/turtle", **validator},
                             timeout=60)
        assert again.status_code == 304, validator
    # an incremental harvest from the instant before the accept: the accepted cluster's
    # dataset and the whole KB, not the clusters that did not change
    query = {"modified_since": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
    page = Graph().parse(data=requests.get(f"{url}/catalog", params=query, timeout=60,
                                           headers={"Accept": "text/turtle"}).text,
                         format="turtle")
    assert set(page.objects(CATALOG, DCAT.dataset)) == {
        URIRef(f"{BASE}catalog#dataset"), URIRef(f"{BASE}graph/clusters/rohealth")}
