"""Dumps (conditional GET, gzip, length) and name search, over a small real store."""

from __future__ import annotations

import gzip

from rdflib import Dataset, Graph
from tests.web.conftest import fill


def test_dump_headers_and_conditional_get(client, small_store):
    r = client.get("/dump.ttl")
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert client.get("/dump.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/dump.ttl", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/dump.nt", headers={"If-None-Match": etag}).status_code == 200
    fill(small_store, {"clusters/extra": "<https://w3id.org/clusterkb/id/x> a <urn:y> ."})
    after = client.get("/dump.ttl", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert b"https://w3id.org/clusterkb/id/x" in after.data


def test_dumps_hold_the_store_and_gz_matches(client, small_store):
    total = sum(len(small_store.graph(g)) for g in small_store.graphs())
    nq = Dataset()
    nq.parse(data=client.get("/dump.nq").get_data(as_text=True), format="nquads")
    assert len(nq) == total
    assert {str(g.identifier) for g in nq.graphs() if len(g)} == set(small_store.graphs())
    for ext in ("ttl", "nt", "nq"):
        plain = client.get(f"/dump.{ext}").data
        packed = client.get(f"/dump.{ext}.gz")
        assert packed.mimetype == "application/gzip"
        assert gzip.decompress(packed.data) == plain
    nt = Graph().parse(data=client.get("/dump.nt").get_data(as_text=True), format="nt")
    assert len(nt) == len(Graph().parse(data=client.get("/dump.ttl").get_data(as_text=True),
                                        format="turtle"))
    assert client.get("/dump.xml").status_code == 404


def test_search_folds_accents_and_case(client):
    r = client.get("/search?q=pecs&format=json")
    body = r.get_json()
    assert r.status_code == 200 and body["total"] == 2
    assert [h["label"] for h in body["hits"]] == ["Pécs", "University of Pécs"]  # exact first
    assert body["hits"][0]["iri"] == "https://w3id.org/clusterkb/id/place/pecs"
    assert client.get("/search?q=P%C3%89CS&format=json").get_json()["total"] == 2
    acronym = client.get("/search?q=hmc", headers={"Accept": "application/json"}).get_json()
    assert acronym["hits"][0]["type"] == "https://w3id.org/clusterkb/ontology#ClusterOrganisation"
    hungarian = client.get("/search?q=klaszter&format=json").get_json()
    assert hungarian["hits"][0]["label"] == "Hungarian Medical Cluster"  # English label shown


def test_search_ranks_and_pages(client):
    first = client.get("/search?q=cluster&per_page=2&format=json").get_json()
    assert first["total"] > 2 and len(first["hits"]) == 2 and first["prev"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).get_json()
    assert second["page"] == 2 and "page=1" in second["prev"]
    assert not {h["iri"] for h in first["hits"]} & {h["iri"] for h in second["hits"]}
    ranked = client.get("/search?q=univ&format=json").get_json()["hits"]
    assert ranked[0]["label"] == "University of Pécs"  # prefix match


def test_search_html_form_and_escaping(client):
    form = client.get("/search")  # an empty query browses everything that has a name
    assert form.status_code == 200 and b'<form method="get"' in form.data
    assert 'href="/id/cluster/medical">Hungarian Medical Cluster</a>' in form.get_data(
        as_text=True)
    r = client.get("/search?q=script")
    html = r.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert 'href="/id/organisation/evil"' in html


def test_search_bad_parameters_are_400(client):
    for query in ("q=x&page=0", "q=x&page=abc", "q=x&per_page=1000", "q=x&format=xml",
                  "q=" + "a" * 201):
        r = client.get(f"/search?{query}")
        assert r.status_code == 400, query
