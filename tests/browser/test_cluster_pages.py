"""The cluster pages, as HTML (no browser): every fact a person reads in a cluster's source
document (``shared/seeds/``) is on its page or one link away.

The expected values are written by hand from the seed texts, in the words of the seeds
(dates converted to ISO), not from the Turtle files or the code's output.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from clusterkb.web import create_app


@pytest.fixture(scope="module")
def client(built_store, tmp_path_factory):
    config = replace(built_store.config, var_dir=tmp_path_factory.mktemp("pages") / "var",
                     store_dir=built_store.config.store_path)
    return create_app(config, built_store).test_client()


def page(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text_of(markup: str) -> str:
    """The visible text: tags dropped, entities decoded, whitespace collapsed."""
    no_tags = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(no_tags).split())


def section(markup: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', markup, re.S)
    assert match, f"no section #{section_id}"
    return match.group(0)


def test_health_romania_page_shows_its_profile(client):
    markup = page(client, "/id/cluster/health-romania")
    text = text_of(markup)
    assert "<h1>Health Romania The Medical Cluster</h1>" in markup
    assert "Sanatate Romania" in text  # 'Acronym: Sanatate Romania'
    assert "Bronze" in text_of(re.search(r'<div class="badges">.*?</div>', markup, re.S)[0])
    assert "Romania" in text_of(section(markup, "facts"))
    assert "medical and health sciences" in text.lower()  # 'Scientific field: Medical and ...'
    for fact in ("Association/NGO", "BLACK SEA HORIZON",
                 "Development of a coherent cluster policy",
                 "Identification and monitoring of funding programs",
                 "Development of a marketing strategy", "European Cluster Collaboration Platform"):
        assert fact in text, fact
    sources = text_of(section(markup, "sources"))
    assert "2017-09-04" in sources  # 'Posted on: 04.09.2017'
    assert "000_812a0d9a53d98e3b.txt" in sources


def test_rohealth_page_shows_label_founding_members_and_partners(client):
    markup = page(client, "/id/cluster/rohealth")
    text = text_of(markup)
    assert "2015-05-28" in text_of(section(markup, "facts"))  # 'Thursday, 28 May, 2015'
    assert "Silver" in text_of(re.search(r'<div class="badges">.*?</div>', markup, re.S)[0])
    assert "NUTS RO32" in text  # 'Bucureşti - Ilfov'
    members = section(markup, "members")
    chart = re.search(r"<svg.*?</svg>", members, re.S)[0]
    for n in ("66", "10", "6"):  # '66 members, among which 10 Universities and 6 R&D Insitutes'
        assert f">{n}</text>" in chart
    for network in ("ENRICH in China network", "EU Japan for Industrial Cooperation"):
        assert network in text
    collaborations = section(markup, "collaborations")
    picture = re.search(r"<svg.*?</svg>", collaborations, re.S)[0]
    for partner, country in (("Cassovia Life Sciences", "Slovakia"),
                             ("Health and Wealth", "Ukraine"),
                             ("Getulio Vargas Foundation", "Brazil")):
        assert partner in picture and country in picture, partner
        row = re.search(rf"<tr><td><a [^>]*>{re.escape(partner)}</a>.*?</tr>", collaborations,
                        re.S)
        assert row and country in text_of(row[0]), partner
    assert len(re.findall(r"<circle [^>]*class=\"node ", picture)) == 19  # 19 partners listed
    for fact in ("Flaviana Rotaru", "Romanian Association for Health Promotion",
                 "Business Services", "Sensors & Wireless products", "Medical Devices",
                 "Clinical studies", "Support of knowledge transfer",
                 "Support to collaborative activities/etc.", "Cluster Manager"):
        assert fact in text, fact


def test_rohealth_projects_funding_and_success_story(client):
    markup = page(client, "/id/cluster/rohealth")
    projects = text_of(section(markup, "projects"))
    assert "HOPE - How Oncogenetics Predicts & Educates" in projects
    assert "hereditary or familial cancer" in projects
    for programme in ("FP7", "Horizon 2020", "INTERREG IVC"):
        assert programme in projects, programme
    assert "35 million EUR" in projects  # 'exceeding 35 mil. €'
    assert "Action 1.1.1 - Large Research-Development Infrastructure" in projects
    story = text_of(section(markup, "stories"))
    assert "Genetic Center" in story and "Down syndrome" in story
    assert "Victoria Asanache" in story
    assert "17,000 tests a year" in story and "50 employees" in story
    assert "Cluj-Napoca" in story


def test_hungarian_medical_cluster_page(client):
    markup = page(client, "/id/cluster/hungarian-medical-cluster")
    facts = text_of(section(markup, "facts"))
    assert "2006-12-04" in facts and "21 founders" in facts  # '21 cooperating SMEs on 04.12.2006'
    assert "Accredited Innovative Cluster" in facts and "4 times" in facts  # 'four times'
    assert "Hungarian Management Ltd." in facts and "Hungary" in facts
    for prize in ("Budapest Brand", "Hungarian Product Grand Prize", "Superbrands"):
        assert prize in facts
    members = section(markup, "members")
    chart = re.search(r"<svg.*?</svg>", members, re.S)[0]
    assert ">41</text>" in chart and ">3</text>" in chart  # 'currently 41', 'institutes is 3'
    for university in ("University of Szeged", "University of Pécs", "Széchenyi István University"):
        assert university in text_of(members), university
    events = section(markup, "events")
    for event, city in (("Arab Health", "Dubai"), ("FIME", "Miami"),
                        ("Medical Fair Asia", "Singapore"), ("Medica", "Düsseldorf"),
                        ("ZDRAVOOKHRANENIYE", "Moscow")):
        row = re.search(rf"<tr><td><a [^>]*>{event}</a>.*?</tr>", events, re.S)
        assert row and city in text_of(row[0]), event
    text = text_of(markup)
    assert "Irinyi Plan" in text
    assert "Hungarian Universities of Science" in text
    assert "To double the turnover of the sector" in text
    assert "15 to 17% of GDP" in text


def test_cluster_pages_link_every_statement_and_data(client):
    markup = page(client, "/id/cluster/rohealth")
    assert '<a href="/id/cluster/rohealth/history">History</a>' in markup
    assert '<a href="/id/cluster/rohealth.ttl" rel="alternate">Turtle</a>' in markup
    assert '<a href="/id/cluster/rohealth.jsonld" rel="alternate">JSON-LD</a>' in markup
    assert 'href="/id/cluster/cassovia-life-sciences"' in markup
    assert 'href="/id/project/hope"' in markup
    assert 'href="/vocab/sectoral-industries/business-services"' in markup
    assert "<script" not in markup and " style=" not in markup


def test_incoming_links_are_grouped_by_property(client):
    markup = page(client, "/vocab/organisation-types/university")
    text = text_of(markup)
    assert "Via member type" in text and "Hungarian Medical Cluster" in text
    org = text_of(page(client, "/id/organisation/university-of-szeged"))
    assert "Hungarian Medical Cluster" in org
    partner = text_of(page(client, "/id/cluster/taiwan-trade-center"))
    assert "ROHEALTH- The Health and Bioeconomy Cluster" in partner


def test_home_counts_and_lists_clusters_by_country(client):
    markup = page(client, "/")
    stats = text_of(re.search(r'<ul class="stats".*?</ul>', markup, re.S)[0])
    # The three profiled clusters, plus the 19 partners seed 001 lists under 'Which clusters do
    # you collaborate with?', minus Health Romania, counted once.
    assert "21 cluster organisations" in stats
    by_country = text_of(re.search(r'<div class="by-country">.*?</div>', markup, re.S)[0])
    assert "Hungary (1) Hungarian Medical Cluster" in by_country
    # Romanian, as the union of the graphs says (the home page does not yet tell the curators'
    # inferences apart): Health Romania and ROHEALTH by their sources; Balneo-Turistic, SMURD,
    # Clustero, PROECO-CBRNE, Magurele, Cluj IT and Smart city by the curation graph.
    assert "Romania (9)" in by_country
    assert "Serbia (1) Cluster of Health, Wellness and SPA Tourism Serbia" in by_country
    for link in ("/search", "/sparql", "/catalog", "/dump.ttl", "/ontology", "/validate"):
        assert f'href="{link}"' in markup, link
    assert "<script" not in markup and " style=" not in markup


def test_search_facets_in_html_and_json(client):
    data = client.get("/search?q=medical&country=HUN&format=json").get_json()
    labels = {h["label"] for h in data["hits"]}
    assert "Hungarian Medical Cluster" in labels
    assert "Health Romania The Medical Cluster" not in labels  # Romanian: filtered out
    assert "Health Romania The Medical Cluster" in {
        h["label"] for h in client.get("/search?q=medical&format=json").get_json()["hits"]}
    assert data["filters"] == {"country": "HUN"}
    assert {"query", "total", "page", "per_page", "hits", "next", "prev"} <= set(data)
    levels = {f["value"]: f["count"] for f in
              client.get("/search?q=cluster&format=json").get_json()["facets"]["level"]}
    assert levels == {"bronze": 1, "silver": 1}
    silver = client.get("/search?level=silver&format=json").get_json()
    assert [h["label"] for h in silver["hits"]] == ["ROHEALTH- The Health and Bioeconomy Cluster"]
    markup = page(client, "/search?q=university&type=university")
    assert 'aria-current="true" data-facet="type" data-value="university"' in markup


def test_browser_query_gets_an_html_table_with_links(client):
    query = ("SELECT ?c ?name WHERE { ?c a <https://w3id.org/clusterkb/ontology#"
             "ClusterOrganisation> ; <http://www.w3.org/2000/01/rdf-schema#label> ?name "
             "FILTER(LANG(?name) = 'en') } ORDER BY ?name")
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    markup = response.get_data(as_text=True)
    assert '<a href="/id/cluster/rohealth"' in markup
    assert ">Hungarian Medical Cluster</a>" in markup
    assert "format=csv" in markup and "format=srj" in markup  # srj: SPARQL JSON (W3C)
    # a program asking for anything still gets SPARQL JSON
    plain = client.get("/sparql", query_string={"query": query}, headers={"Accept": "*/*"})
    assert plain.mimetype == "application/sparql-results+json"
