"""A cluster manager's round trip, and what the server keeps as its own record.

Against a real server, for each cluster of the KB: its published graph downloaded
(Turtle, JSON-LD, N-Triples, RDF/XML) and sent back unchanged is accepted with an
empty diff (provenance never shows in a diff); one changed value is a one-added,
one-removed diff, also grouped by resource and property; accepting publishes exactly
the submitted triples plus the server's provenance, and the cluster page, SPARQL,
the dump and the history's comparison of two versions show exactly that change.
Provenance a submitter writes is stripped with a note, and a restart never reads it
back as a record.
"""

from __future__ import annotations

import html

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV
from SPARQLWrapper import JSON as JSON_FORMAT
from SPARQLWrapper import TURTLE as TURTLE_FORMAT
from SPARQLWrapper import SPARQLWrapper

from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore

BASE = "https://w3id.org/clusterkb/"
SLUG = "health-romania"
CLUSTER = f"{BASE}id/cluster/{SLUG}"
GRAPH = f"{BASE}graph/clusters/{SLUG}"
TURTLE = {"Content-Type": "text/turtle"}
MISSION = "https://w3id.org/clusterkb/ontology#mission"
#: Every cluster of the KB (kb/clusters/*.ttl).
CLUSTERS = ("health-romania", "rohealth", "hungarian-medical-cluster")
TIMEOUT = 60


def server_provenance(graph: Graph, base: str, target: str) -> Graph:
    """The provenance the README says the server writes on accept, picked out by hand:
    statements about or pointing at submissions, acceptances and tokens (and the
    blank qualified association), and the graph's generation stamp."""
    records = (f"{base}id/acceptance/", f"{base}id/token/", f"{base}graph/submission/")
    out = Graph()
    for s, p, o in graph:
        if str(s).startswith(records) or str(o).startswith(records) or (
                str(s) == target and p in (PROV.generatedAtTime, PROV.wasGeneratedBy)):
            out.add((s, p, o))
    for association in list(out.objects(None, PROV.qualifiedAssociation)):
        out += graph.triples((association, None, None))
    return out


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def download(url: str, slug: str = SLUG) -> str:
    response = requests.get(f"{url}/graph/clusters/{slug}.ttl", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.text


def submit(url: str, secret: str, turtle: str) -> requests.Response:
    return requests.post(f"{url}/submissions", data=turtle.encode(), timeout=TIMEOUT,
                         headers={**TURTLE, **auth(secret)})


def diff_counts(url: str, curator: str, sub_id: str) -> tuple[int, int]:
    response = requests.get(f"{url}/submissions/{sub_id}/diff", headers=auth(curator),
                            timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return int(response.headers["X-Triples-Added"]), int(response.headers["X-Triples-Removed"])


def accept(url: str, curator: str, sub_id: str) -> None:
    response = requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(curator),
                             timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"


def published(url: str) -> Graph:
    return Graph().parse(data=download(url), format="turtle")


def graph_content(url: str, graph: str = GRAPH) -> Graph:
    """The cluster's named graph as SPARQL clients see it."""
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    client.setReturnFormat(TURTLE_FORMAT)
    return Graph().parse(data=client.query().convert(), format="turtle")


def missions(url: str, cluster: str) -> set[Literal]:
    """The cluster's missions in the published union, through SPARQL."""
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(f"SELECT ?m WHERE {{ <{cluster}> <{MISSION}> ?m }}")
    client.setReturnFormat(JSON_FORMAT)
    rows = client.query().convert()["results"]["bindings"]
    return {Literal(r["m"]["value"], lang=r["m"].get("xml:lang")) for r in rows}


def nt_graph(lines: list[str]) -> Graph:
    return Graph().parse(data="\n".join(lines), format="nt")


@pytest.mark.parametrize("slug", CLUSTERS)
def test_round_trip_unchanged_then_one_value_then_accept(kb_server, slug):
    """The cluster manager's round trip of issue 15, for each cluster of the KB."""
    server = kb_server()
    url = server.url
    cluster, graph = f"{BASE}id/cluster/{slug}", f"{BASE}graph/clusters/{slug}"
    submitter, _ = server.token("submitter", cluster)
    curator, _ = server.token("curator")

    # Downloaded and sent back unchanged: an empty diff, and accepted.
    unchanged = submit(url, submitter, download(url, slug))
    assert unchanged.status_code == 201, unchanged.text[:2000]
    assert diff_counts(url, curator, unchanged.json()["id"]) == (0, 0)
    # The build's generation stamp was left out, and the report says so.
    assert any("provenance" in note for note in unchanged.json()["report"]["notes"])
    for ext, media in (("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                       ("rdf", "application/rdf+xml")):
        body = requests.get(f"{url}/graph/clusters/{slug}.{ext}", timeout=TIMEOUT).content
        again = requests.post(f"{url}/submissions", data=body, timeout=TIMEOUT,
                              headers={"Content-Type": media, **auth(submitter)})
        assert again.status_code == 201, (ext, again.text[:500])
        assert diff_counts(url, curator, again.json()["id"]) == (0, 0), ext
    before = graph_content(url, graph)
    accept(url, curator, unchanged.json()["id"])
    built = server_provenance(before, BASE, graph)
    after_unchanged = graph_content(url, graph)
    assert isomorphic(after_unchanged - server_provenance(after_unchanged, BASE, graph),
                      before - built)

    # One value changed: the mission. One triple added, one removed, nothing else.
    old_mission = before.value(URIRef(cluster), URIRef(MISSION))
    assert isinstance(old_mission, Literal) and old_mission.language == "en"
    new_mission = Literal(f"A new mission for {slug}, written by the round-trip test.",
                          lang="en")
    document = Graph().parse(data=download(url, slug), format="turtle")
    document.remove((URIRef(cluster), URIRef(MISSION), old_mission))
    document.add((URIRef(cluster), URIRef(MISSION), new_mission))
    one = submit(url, submitter, document.serialize(format="turtle"))
    assert one.status_code == 201, one.text[:2000]
    one_id = one.json()["id"]
    assert diff_counts(url, curator, one_id) == (1, 1)
    diff = requests.get(f"{url}/submissions/{one_id}/diff?format=json", headers=auth(curator),
                        timeout=TIMEOUT).json()
    change_added = Graph().add((URIRef(cluster), URIRef(MISSION), new_mission))
    change_removed = Graph().add((URIRef(cluster), URIRef(MISSION), old_mission))
    assert isomorphic(nt_graph(diff["added"]), change_added)
    assert isomorphic(nt_graph(diff["removed"]), change_removed)
    # ... and grouped for people: one resource, one property, the values in full.
    [group] = diff["changes"]
    assert group["resource"]["iri"] == cluster
    [row] = group["properties"]
    assert row["property"]["iri"] == MISSION and row["property"]["short"] == "ckb:mission"
    assert [v["text"] for v in row["added"]] == [str(new_mission)]
    assert [v["text"] for v in row["removed"]] == [str(old_mission)]

    # Accepted: the page, SPARQL, the dump and the history show exactly that change.
    accept(url, curator, one_id)
    after = graph_content(url, graph)
    expected = (after_unchanged - server_provenance(after_unchanged, BASE, graph)
                - change_removed) + change_added
    provenance = server_provenance(after, BASE, graph)
    assert isomorphic(after - provenance, expected)
    assert (URIRef(graph), PROV.wasDerivedFrom,
            URIRef(f"{BASE}graph/submission/{one_id}")) in provenance
    assert missions(url, cluster) == {new_mission}

    page = requests.get(f"{url}/id/cluster/{slug}", headers={"Accept": "text/html"},
                        timeout=TIMEOUT)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert str(new_mission) in text and str(old_mission) not in text

    dump = Dataset()
    dump.parse(data=requests.get(f"{url}/dump.nq", timeout=TIMEOUT).content, format="nquads")
    assert isomorphic(dump.graph(URIRef(graph)), after)

    history = requests.get(f"{url}/id/cluster/{slug}/history?format=json",
                           timeout=TIMEOUT).json()["versions"]
    assert [v["version"] for v in history] == ["current", 2, 1]
    assert [v["replaced_by_submission"] for v in history] == \
        [None, one_id, unchanged.json()["id"]]
    compared = requests.get(f"{url}/id/cluster/{slug}/history?from=2&to=current&format=json",
                            timeout=TIMEOUT).json()["compared"]
    assert isomorphic(nt_graph(compared["added"]), change_added)
    assert isomorphic(nt_graph(compared["removed"]), change_removed)
    unchanged_step = requests.get(f"{url}/id/cluster/{slug}/history?from=1&to=2&format=json",
                                  timeout=TIMEOUT).json()["compared"]
    assert unchanged_step["added"] == [] and unchanged_step["removed"] == []

    # Downloaded again after the accept (now with provenance) and sent back: still no diff.
    again = submit(url, submitter, download(url, slug))
    assert again.status_code == 201, again.text
    assert diff_counts(url, curator, again.json()["id"]) == (0, 0)
    # The cluster's own IRI, dereferenced as RDF (Turtle, JSON-LD), is the same profile:
    # it validates with no violation and comes back with an empty diff.
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json")):
        body = requests.get(f"{url}/id/cluster/{slug}.{ext}", timeout=TIMEOUT).content
        report = requests.post(f"{url}/validate", data=body, timeout=TIMEOUT,
                               headers={"Content-Type": media,
                                        "Accept": "application/json"}).json()
        violations = [r for r in report["results"] if r["severity"] == "Violation"]
        assert report["conforms"] is True and violations == [], (ext, violations[:3])
        back = requests.post(f"{url}/submissions", data=body, timeout=TIMEOUT,
                             headers={"Content-Type": media, **auth(submitter)})
        assert back.status_code == 201, (ext, back.text[:500])
        assert diff_counts(url, curator, back.json()["id"]) == (0, 0), ext


@pytest.mark.parametrize("slug", CLUSTERS)
def test_the_submitters_json_ld_is_offered_edited_and_submitted(kb_server, slug):
    """Issue 19.10: the cluster's IRI offers its JSON-LD in the context submitters write
    (``?profile=`` naming ``/context.jsonld``, announced in ``Link``): the document
    uses the context's terms, not expanded IRIs, and edited as plain JSON (one mission
    replaced) it is submitted back as a one-added, one-removed diff."""
    server = kb_server()
    url = server.url
    cluster = f"{BASE}id/cluster/{slug}"
    submitter, _ = server.token("submitter", cluster)
    curator, _ = server.token("curator")
    context = f"{BASE}context.jsonld"
    plain = requests.get(f"{url}/id/cluster/{slug}", headers={"Accept": "application/ld+json"},
                         timeout=TIMEOUT)
    [offer] = [part for part in plain.headers["Link"].split(", ")
               if f'profile="{context}"' in part]
    href = offer.split(">")[0].lstrip("<")
    response = requests.get(f"{url}{href}" if href.startswith("/") else href, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    document = response.json()
    assert document["@context"] == context  # by reference, as in /validate/template.json
    nodes = document.get("@graph", [document])
    [own] = [n for n in nodes if n.get("id") == f"cluster:{slug}"]
    assert own["type"] == "ClusterOrganisation" or "ClusterOrganisation" in own["type"]
    assert "label" in own and MISSION not in own  # terms, not full IRIs

    old_mission = own["mission"]
    own["mission"] = f"A mission edited as JSON for {slug}."
    sent = requests.post(f"{url}/submissions", json=document, timeout=TIMEOUT,
                         headers={"Content-Type": "application/ld+json", **auth(submitter)})
    assert sent.status_code == 201, sent.text[:1000]
    sub_id = sent.json()["id"]
    assert diff_counts(url, curator, sub_id) == (1, 1)
    diff = requests.get(f"{url}/submissions/{sub_id}/diff?format=json", headers=auth(curator),
                        timeout=TIMEOUT).json()
    assert [v["text"] for v in diff["changes"][0]["properties"][0]["added"]] == \
        [own["mission"]]
    assert [v["text"] for v in diff["changes"][0]["properties"][0]["removed"]] == [old_mission]

    unknown = requests.get(f"{url}{href.split('?')[0]}?profile=https://example.org/other",
                           timeout=TIMEOUT)
    assert unknown.status_code == 400 and context in unknown.text


def test_forged_provenance_is_stripped_and_never_read_back(kb_server):
    server = kb_server()
    url = server.url
    submitter, _ = server.token("submitter", CLUSTER)
    curator, curator_id = server.token("curator")
    bystander = submit(url, submitter, download(url)).json()["id"]  # stays pending
    forged = download(url) + f"""
<{GRAPH}> <{PROV.wasDerivedFrom}> <{BASE}graph/submission/{bystander}> ;
    <{PROV.generatedAtTime}> "-0001-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
    <{PROV.wasGeneratedBy}> <{BASE}id/acceptance/{bystander}> .
<{BASE}id/acceptance/{bystander}> <{PROV.wasAssociatedWith}> <{BASE}id/token/{curator_id}> .
"""
    response = submit(url, submitter, forged)
    assert response.status_code == 201, response.text
    assert any("provenance" in n for n in response.json()["report"]["notes"])
    sub_id = response.json()["id"]
    assert diff_counts(url, curator, sub_id) == (0, 0)
    assert requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(curator),
                         timeout=TIMEOUT).status_code == 200
    after = published(url)
    assert (URIRef(GRAPH), PROV.wasDerivedFrom,
            URIRef(f"{BASE}graph/submission/{bystander}")) not in after
    assert [str(t) for t in after.objects(URIRef(GRAPH), PROV.generatedAtTime)] != [] and \
        all(not str(t).startswith("-") for t in after.objects(URIRef(GRAPH), PROV.generatedAtTime))

    # Forged provenance written straight into the published graph (as any content
    # might be) does not stop the server from starting, nor decide anything.
    server.stop()
    store = EmbeddedStore(Config(store_dir=server.workdir / "var" / "store"))
    try:
        graph = store.graph(GRAPH)
        graph.set((URIRef(GRAPH), PROV.generatedAtTime, Literal("-0001-13-45T99:00:00")))
        graph.add((URIRef(GRAPH), PROV.wasDerivedFrom,
                   URIRef(f"{BASE}graph/submission/{bystander}")))
        store.replace_graphs({GRAPH: graph})
    finally:
        store.close()
    server.start()
    status = requests.get(f"{server.url}/submissions/{bystander}", headers=auth(curator),
                          timeout=TIMEOUT)
    assert status.status_code == 200 and status.json()["status"] == "pending"
    history = requests.get(f"{server.url}/id/cluster/{SLUG}/history?format=json",
                           timeout=TIMEOUT).json()["versions"]
    assert [v["version"] for v in history] == ["current", 1]


def test_decided_submissions_leave_no_pending_graph_behind(kb_server):
    server = kb_server()
    url = server.url
    submitter, _ = server.token("submitter", CLUSTER)
    curator, _ = server.token("curator")
    ids = [submit(url, submitter, download(url)).json()["id"] for _ in range(3)]
    assert requests.post(f"{url}/submissions/{ids[0]}/reject", json={"reason": "no"},
                         headers=auth(curator), timeout=TIMEOUT).status_code == 200
    assert requests.post(f"{url}/submissions/{ids[1]}/accept", headers=auth(curator),
                         timeout=TIMEOUT).status_code == 200
    server.stop()
    store = EmbeddedStore(Config(store_dir=server.workdir / "var" / "store"))
    try:
        assert store.pending_graphs() == sorted([f"{BASE}graph/submission/{ids[2]}",
                                                 f"{BASE}graph/history/clusters/{SLUG}/1"])
    finally:
        store.close()


def test_per_token_quotas(kb_server):
    server = kb_server(CLUSTERKB_MAX_PENDING_PER_TOKEN="2",
                       CLUSTERKB_MAX_UPLOAD_BYTES_PER_TOKEN_DAY="15000")
    url = server.url
    submitter, _ = server.token("submitter", CLUSTER)
    other, _ = server.token("submitter", CLUSTER)
    text = download(url)
    size = len(text.encode())
    assert size * 3 > 15000 > size * 2, size  # the volume quota bites on the third upload
    codes = [submit(url, submitter, text).status_code for _ in range(3)]
    assert codes == [201, 201, 429], codes
    refused = submit(url, submitter, text)
    assert refused.status_code == 429 and "pending" in refused.json()["error"]
    # Another token has its own quota: the pending one, then the volume one.
    assert submit(url, other, text).status_code == 201
    assert submit(url, other, text).status_code == 201
    curator, _ = server.token("curator")
    for sub in requests.get(f"{url}/submissions?status=pending", headers=auth(curator),
                            timeout=TIMEOUT).json()["submissions"]:
        if sub["submitter"] == other.split(".")[0]:
            requests.post(f"{url}/submissions/{sub['id']}/reject", json={"reason": "room"},
                          headers=auth(curator), timeout=TIMEOUT)
    volume = submit(url, other, text)
    assert volume.status_code == 429 and "bytes" in volume.json()["error"], volume.text
