"""Listing pages (#19.4) and IRIs that used to be dead (#19.5), over the small store.

``/id/``, ``/id/{kind}/``, ``/vocab/`` and ``/graph/`` list what lives under them, as
HTML and as a Hydra collection, page by page.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from tests.web.conftest import ONTOLOGY, fill

from clusterkb.namespaces import HYDRA

BASE = "https://w3id.org/clusterkb/"

EXTRA = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/clusterkb/vocab/things> a skos:ConceptScheme ; skos:prefLabel "Things"@en .
<https://w3id.org/clusterkb/vocab/things/a> a skos:Concept ; skos:prefLabel "A thing"@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/things> .
<https://w3id.org/clusterkb/id/organisation/univ-pecs#unit-1> rdfs:label "A part" .
"""


def _turtle(client, path: str) -> Graph:
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle", (path, r.status_code)
    return Graph().parse(data=r.get_data(as_text=True), format="turtle")


def _members(graph: Graph, iri: str) -> set[str]:
    return {str(m) for m in graph.objects(URIRef(iri), HYDRA.member)}


def test_id_lists_one_sub_listing_per_kind_with_counts(client):
    g = _turtle(client, "/id/")
    assert (URIRef(f"{BASE}id/"), RDF.type, HYDRA.Collection) in g
    assert _members(g, f"{BASE}id/") == {f"{BASE}id/cluster/", f"{BASE}id/organisation/",
                                         f"{BASE}id/place/"}
    assert g.value(URIRef(f"{BASE}id/organisation/"), HYDRA.totalItems).toPython() == 2
    html = client.get("/id/").get_data(as_text=True)
    assert '<a href="/id/organisation/">organisation/</a>' in html and "Listing (2)" in html
    moved = client.get("/id")
    assert moved.status_code in (301, 308) and moved.headers["Location"].endswith("/id/")


def test_kind_listing_names_its_members_and_skips_hash_parts(client, small_store):
    fill(small_store, {"vocab/things": EXTRA})
    g = _turtle(client, "/id/organisation/")
    assert _members(g, f"{BASE}id/organisation/") == {f"{BASE}id/organisation/univ-pecs",
                                                      f"{BASE}id/organisation/evil"}
    assert (URIRef(f"{BASE}id/organisation/univ-pecs"), RDFS.label,
            Literal("University of Pécs")) in g
    html = client.get("/id/cluster/").get_data(as_text=True)
    assert '<a href="/id/cluster/medical">Hungarian Medical Cluster</a>' in html
    assert "Cluster organisation" in html  # the member's kind, by name
    assert "&lt;script&gt;" in client.get("/id/organisation/").get_data(as_text=True)


def test_listings_page_with_hydra_views(client):
    g = _turtle(client, "/id/organisation/?per_page=1")
    listing = URIRef(f"{BASE}id/organisation/")
    assert g.value(listing, HYDRA.totalItems).toPython() == 2
    assert len(_members(g, str(listing))) == 1
    view = g.value(listing, HYDRA.view)
    assert str(view) == f"{BASE}id/organisation/?page=1&per_page=1"
    nxt = g.value(view, HYDRA.next)
    assert str(g.value(view, HYDRA.last)) == str(nxt) and g.value(view, HYDRA.previous) is None
    second = _turtle(client, "/" + str(nxt)[len(BASE):])
    assert _members(second, str(listing)) | _members(g, str(listing)) == {
        f"{BASE}id/organisation/univ-pecs", f"{BASE}id/organisation/evil"}
    html = client.get("/id/organisation/?per_page=1").get_data(as_text=True)
    assert 'href="/id/organisation/?page=2&amp;per_page=1" rel="next"' in html
    assert client.get("/id/organisation/?page=3&per_page=1").status_code == 404
    for bad in ("page=0", "page=x", "per_page=100000"):
        r = client.get(f"/id/organisation/?{bad}", headers={"Accept": "application/json"})
        assert r.status_code == 400 and r.get_json()["status"] == 400, bad


def test_vocab_and_graph_listings(client, small_store):
    assert client.get("/vocab/").status_code == 404  # nothing under vocab/ yet
    fill(small_store, {"vocab/things": EXTRA})
    g = _turtle(client, "/vocab/")
    assert _members(g, f"{BASE}vocab/") == {f"{BASE}vocab/things", f"{BASE}vocab/things/"}
    graphs = _turtle(client, "/graph/")
    assert _members(graphs, f"{BASE}graph/") == {f"{BASE}graph/clusters/",
                                                 f"{BASE}graph/ontology", f"{BASE}graph/vocab/"}
    inner = _turtle(client, "/graph/clusters/")
    assert _members(inner, f"{BASE}graph/clusters/") == {f"{BASE}graph/clusters/medical"}


def test_link_alternates_of_home_and_listings_dereference(client):
    for path in ("/", "/id/", "/id/cluster/"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 200
        targets = [part.split(">")[0].lstrip(" <") for part in r.headers["Link"].split(",")]
        assert len(targets) == 5, path
        for target in targets:
            assert "?format=" in target, target
            alternate = client.get(target)
            assert alternate.status_code == 200, target


def test_version_iri_of_the_ontology_dereferences(client, small_store):
    fill(small_store, {"ontology": ONTOLOGY + """
        <https://w3id.org/clusterkb/ontology>
            <http://www.w3.org/2002/07/owl#versionIRI> <https://w3id.org/clusterkb/ontology/9.1> .
        """})
    g = _turtle(client, "/ontology/9.1")
    assert (URIRef(f"{BASE}ontology"), RDF.type,
            URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g
    assert client.get("/ontology/9.1.ttl").mimetype == "text/turtle"
    assert "clusterkb ontology" in client.get("/ontology/9.1").get_data(as_text=True)
    assert client.get("/ontology/9.0").status_code == 404  # not a version we publish
    assert client.get("/ontology/ClusterOrganisation").status_code == 200  # terms still work
