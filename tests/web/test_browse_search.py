"""Search that finds things (#19.4): ranked full text, clusters first, kinds, facets, browsing.

Most tests use the small store of ``conftest`` plus a graph written here; one runs over
the built KB, for the issue's own example ("medical" lists the medical clusters first).
"""

from __future__ import annotations

from tests.web.conftest import fill

from clusterkb.web import create_app

CLUSTER = "https://w3id.org/clusterkb/ontology#ClusterOrganisation"
ID = "https://w3id.org/clusterkb/id/"

# A concept named "medical ...", a cluster named so, a cluster that only *describes*
# itself as medical, an unlabelled external class and a figure (a record).
EXTRA = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ckb: <https://w3id.org/clusterkb/ontology#> .
<https://w3id.org/clusterkb/vocab/things/medical-devices> a skos:Concept ;
    skos:prefLabel "Medical devices"@en .
<https://w3id.org/clusterkb/id/figure/medical-share> a ckb:Figure ;
    rdfs:label "Medical share of exports"@en .
<https://w3id.org/clusterkb/id/cluster/zeta> a ckb:ClusterOrganisation ;
    skos:prefLabel "Zeta Cluster"@en ;
    schema:description "Brings medical firms of the region together."@en ;
    dct:spatial <http://publications.europa.eu/resource/authority/country/ROU> .
<https://w3id.org/clusterkb/id/organisation/acme> a org:FormalOrganization ;
    skos:prefLabel "Acme Medical Works"@en .
"""


def _json(client, query: str) -> dict:
    r = client.get(f"/search?{query}&format=json")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_medical_lists_the_kbs_medical_clusters_first(built_store):
    client = create_app(built_store.config, built_store).test_client()
    hits = _json(client, "q=medical&per_page=100")["hits"]
    kinds = [h["type"] for h in hits]
    # The three clusters whose names say "medical" (one of them a partner of ROHEALTH's).
    assert kinds[:3] == [CLUSTER, CLUSTER, CLUSTER]
    assert {h["iri"] for h in hits[:3]} == {f"{ID}cluster/hungarian-medical-cluster",
                                             f"{ID}cluster/health-romania",
                                             f"{ID}cluster/medical-engineering-development"}
    # Every cluster whose name says "medical" comes before any concept, distribution
    # or figure that also does.
    first_other = min(i for i, h in enumerate(hits) if h["type"] != CLUSTER)
    assert all(h["type"] != CLUSTER or "medical" not in h["label"].lower()
               for h in hits[first_other:])
    assert "FormalOrganization" not in {h["kind"] for h in hits}
    assert "Formal organization" in {h["kind"] for h in hits}


def test_name_matches_rank_by_kind_then_text_matches(client, small_store):
    fill(small_store, {"clusters/extra": EXTRA})
    hits = _json(client, "q=medical")["hits"]
    labels = [h["label"] for h in hits]
    # names first: the cluster, then an organisation, then the concept, then the figure;
    # the cluster that only says "medical" in its description comes after every name.
    assert labels == ["Hungarian Medical Cluster", "Acme Medical Works", "Medical devices",
                      "Medical share of exports", "Zeta Cluster"]


def test_kinds_have_human_names_and_a_facet(client, small_store):
    fill(small_store, {"clusters/extra": EXTRA})
    body = _json(client, "q=medical")
    kinds = {h["iri"]: h["kind"] for h in body["hits"]}
    assert kinds[f"{ID}cluster/medical"] == "Cluster organisation"  # the ontology's label
    assert kinds[f"{ID}organisation/acme"] == "Formal organization"  # no label: humanised
    facet = {f["value"]: (f["label"], f["count"]) for f in body["facets"]["kind"]}
    assert facet["ClusterOrganisation"] == ("Cluster organisation", 2)
    assert facet["Concept"] == ("Concept", 1)
    only = _json(client, "q=medical&kind=ClusterOrganisation")
    assert [h["label"] for h in only["hits"]] == ["Hungarian Medical Cluster", "Zeta Cluster"]
    assert only["filters"] == {"kind": "ClusterOrganisation"}
    html = client.get("/search?q=medical").get_data(as_text=True)
    assert ">Cluster organisation</span>" in html and "FormalOrganization<" not in html


def test_facets_combine_country_and_kind(client, small_store):
    fill(small_store, {"clusters/extra": EXTRA})
    body = _json(client, "q=cluster&kind=ClusterOrganisation")
    countries = {f["value"]: (f["label"], f["count"]) for f in body["facets"]["country"]}
    assert countries == {"HUN": ("Hungary", 1), "ROU": ("Romania", 1)}
    romanian = _json(client, "q=cluster&kind=ClusterOrganisation&country=ROU")
    assert [h["label"] for h in romanian["hits"]] == ["Zeta Cluster"]


def test_empty_query_browses_everything_named_and_pages(client, small_store):
    body = _json(client, "per_page=3")
    named = {"Hungarian Medical Cluster", "University of Pécs", "Pécs",
             "<script>alert(1)</script>", "cluster organisation", "member count",
             "clusterkb ontology"}
    seen, page = [], body
    while True:
        seen += [h["label"] for h in page["hits"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).get_json()
    assert body["total"] == len(seen) == len(set(seen))
    assert named <= set(seen)
    assert seen.index("Hungarian Medical Cluster") == 0  # clusters lead the browse list too
    by_kind = _json(client, "kind=ClusterOrganisation")  # browsing by a facet alone
    assert [h["label"] for h in by_kind["hits"]] == ["Hungarian Medical Cluster"]


def test_accents_prefixes_and_word_fragments(client):
    for query in ("pecs", "PÉCS", "Pécs"):
        assert [h["label"] for h in _json(client, f"q={query}")["hits"]] == \
            ["Pécs", "University of Pécs"], query
    assert _json(client, "q=univ")["hits"][0]["label"] == "University of Pécs"
    # "rvosi" is inside the word "Orvosi": no token starts with it, the substring fallback finds it
    assert [h["label"] for h in _json(client, "q=rvosi")["hits"]] == ["Hungarian Medical Cluster"]
    # the description text is searched too, below names
    assert _json(client, "q=runs+a+business")["hits"][0]["label"] == "cluster organisation"


def test_query_syntax_of_the_engine_is_plain_text(client):
    for query in ('"', "AND", "OR (", "*", "NEAR(a b)", "pecs*", "names:pecs", "'; --"):
        r = client.get("/search", query_string={"q": query, "format": "json"})
        assert r.status_code == 200, query
    # operators and column filters are words or punctuation, not FTS5 syntax
    assert _json(client, "q=pecs*")["total"] == _json(client, "q=pecs")["total"] == 2
    assert _json(client, "q=%22pecs%22+OR")["total"] == 0  # "or" is a word here, not an operator


def test_index_follows_the_store_generation(client, small_store):
    assert _json(client, "q=zebra")["total"] == 0
    fill(small_store, {"clusters/zoo": """
        <https://w3id.org/clusterkb/id/organisation/zebra>
            <http://www.w3.org/2000/01/rdf-schema#label> "Zebra Crossing Ltd" ."""})
    assert [h["label"] for h in _json(client, "q=zebra")["hits"]] == ["Zebra Crossing Ltd"]


def test_one_index_per_generation_however_many_threads_ask(small_store):
    from concurrent.futures import ThreadPoolExecutor

    from clusterkb.search import index_of

    fill(small_store, {"clusters/extra": EXTRA})  # a generation no index was built for
    with ThreadPoolExecutor(max_workers=8) as pool:
        indexes = list(pool.map(lambda _: index_of(small_store), range(16)))
    assert len({id(i) for i in indexes}) == 1
    with ThreadPoolExecutor(max_workers=8) as pool:  # and searching it from threads agrees
        results = list(pool.map(lambda _: [e.iri for e in indexes[0].search("medical")],
                                range(32)))
    assert all(r == results[0] for r in results) and len(results[0]) == 5
