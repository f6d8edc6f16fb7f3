"""Linked Data pages over a small real store: conneg, headers, labels, escaping, 404."""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef
from tests.web.conftest import BASE

CLUSTER = f"{BASE}id/cluster/medical"


def _subjects_under_base(store) -> list[str]:
    rows = store.select(f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}")) }}""")
    return sorted(str(r["s"]) for r in rows)


def _path(iri: str) -> str:
    """Where the server answers for ``iri`` (hash IRIs: the path before the fragment)."""
    return "/" + iri[len(BASE):].split("#", 1)[0]


def test_every_subject_dereferences_as_html_and_turtle(client, small_store):
    subjects = _subjects_under_base(small_store)
    assert f"{BASE}id/organisation/univ-pecs" in subjects and len(subjects) >= 6
    for iri in subjects:
        html = client.get(_path(iri), headers={"Accept": "text/html"})
        assert html.status_code == 200, iri
        assert html.mimetype == "text/html"
        ttl = client.get(_path(iri), headers={"Accept": "text/turtle"})
        assert ttl.status_code == 200, iri
        served = Graph().parse(data=ttl.get_data(as_text=True), format="turtle")
        held = small_store.construct(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
        for s, p, o in held:
            if isinstance(o, BNode):
                assert any(True for _ in served.objects(URIRef(iri), p)), (iri, p)
            else:
                assert (s, p, o) in served, (iri, p, o)


def test_description_has_blank_nodes_incoming_links_and_labels(client):
    r = client.get("/id/cluster/medical.ttl")
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    cluster = URIRef(CLUSTER)
    member = URIRef(f"{BASE}id/organisation/univ-pecs")
    ORG = "http://www.w3.org/ns/org#"
    membership = g.value(cluster, URIRef(ORG + "hasMembership"))
    assert isinstance(membership, BNode)
    assert g.value(membership, URIRef(ORG + "member")) == member
    assert (member, URIRef(ORG + "memberOf"), cluster) in g  # incoming link
    assert any(str(o) == "University of Pécs" for o in g.objects(member, None))  # its label


def test_unknown_iri_is_404(client):
    assert client.get("/id/cluster/no-such-cluster").status_code == 404
    assert client.get("/id/cluster/no-such-cluster.ttl").status_code == 404
    assert client.get("/vocab/nothing/here").status_code == 404
    assert client.get("/id/bad%20iri").status_code == 404


def test_content_negotiation_by_accept_extension_and_format(client):
    cases = {"application/ld+json": "application/ld+json",
             "application/n-triples": "application/n-triples",
             "application/rdf+xml": "application/rdf+xml",
             "text/turtle;q=0.9, text/html;q=0.1": "text/turtle",
             "text/html,application/xhtml+xml,*/*;q=0.8": "text/html"}
    for accept, expected in cases.items():
        r = client.get("/id/cluster/medical", headers={"Accept": accept})
        assert r.status_code == 200 and r.mimetype == expected, accept
    for ext, expected in {"ttl": "text/turtle", "jsonld": "application/ld+json",
                          "nt": "application/n-triples", "rdf": "application/rdf+xml",
                          "html": "text/html"}.items():
        r = client.get(f"/id/cluster/medical.{ext}", headers={"Accept": "text/html"})
        assert r.mimetype == expected, ext
    r = client.get("/id/cluster/medical?format=jsonld", headers={"Accept": "text/html"})
    assert r.mimetype == "application/ld+json"
    # every RDF representation parses and holds the same triples
    graphs = [Graph().parse(data=client.get(f"/id/cluster/medical.{e}").get_data(as_text=True),
                            format=f) for e, f in (("ttl", "turtle"), ("jsonld", "json-ld"),
                                                   ("nt", "nt"), ("rdf", "xml"))]
    assert len({len(g) for g in graphs}) == 1


def test_bad_format_is_400_and_unacceptable_is_406(client):
    r = client.get("/id/cluster/medical?format=docx")
    assert r.status_code == 400 and b"format" in r.data
    r = client.get("/id/cluster/medical", headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_vary_and_link_headers(client):
    r = client.get("/id/cluster/medical", headers={"Accept": "text/turtle"})
    assert "Accept" in r.headers["Vary"]
    link = r.headers["Link"]
    for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                       ("nt", "application/n-triples"), ("rdf", "application/rdf+xml")):
        assert f'</id/cluster/medical.{ext}>; rel="alternate"; type="{media}"' in link


def test_html_shows_labels_and_links_locally_or_out(client):
    html = client.get("/id/cluster/medical", headers={"Accept": "text/html"}).get_data(True)
    assert "<h1>Hungarian Medical Cluster</h1>" in html
    assert '<a href="/id/organisation/univ-pecs"' in html
    assert ">University of Pécs</a>" in html
    assert '<a href="/id/place/pecs"' in html
    assert ('<a href="http://publications.europa.eu/resource/authority/country/HUN" '
            'rel="external"') in html
    assert ">cluster organisation</a>" in html  # the class's label, from the ontology
    assert '<a href="/id/cluster/medical.ttl" rel="alternate">Turtle</a>' in html
    assert "<script" not in html


def test_html_escapes_data(client):
    r = client.get("/id/organisation/evil", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "a &amp; b &lt;b&gt;bold&lt;/b&gt;" in html


def test_ontology_documentation_and_rdf(client):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Accept" in r.headers["Vary"]
    assert '<section class="term" id="ClusterOrganisation">' in html
    assert "An organisation that runs a business cluster." in html
    assert ">Datatype properties</h2>" in html and "<dt>Domain</dt>" in html
    ttl = client.get("/ontology", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=ttl.get_data(as_text=True), format="turtle")
    assert (URIRef(f"{BASE}ontology#memberCount"),
            URIRef("http://www.w3.org/2000/01/rdf-schema#domain"),
            URIRef(f"{BASE}ontology#ClusterOrganisation")) in g
    term = client.get("/ontology/ClusterOrganisation.ttl")
    assert term.status_code == 200
    assert b"runs a business cluster" in term.data


def test_graph_iri_serves_its_content(client, small_store):
    r = client.get("/graph/clusters/medical.nt")
    g = Graph().parse(data=r.get_data(as_text=True), format="nt")
    assert len(g) == len(small_store.graph(f"{BASE}graph/clusters/medical"))
