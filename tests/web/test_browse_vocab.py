"""Readable vocabulary and ontology pages (#19.6), over the small store plus graphs here."""

from __future__ import annotations

import re

from tests.web.conftest import ONTOLOGY, fill

from clusterkb.labels import authority_code, humanise

SCHEME = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix v: <https://w3id.org/clusterkb/vocab/sizes/> .
<https://w3id.org/clusterkb/vocab/sizes> a skos:ConceptScheme ;
    skos:prefLabel "Sizes"@en ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    skos:hasTopConcept v:sme, v:large .
v:sme a skos:Concept ; skos:prefLabel "SME"@en, "KKV"@hu, "IMM"@ro ;
    skos:altLabel "small or medium-sized enterprise"@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/sizes> ;
    skos:topConceptOf <https://w3id.org/clusterkb/vocab/sizes> .
v:micro a skos:Concept ; skos:prefLabel "micro-enterprise"@en, "mikrovállalkozás"@hu ;
    skos:broader v:sme ; skos:inScheme <https://w3id.org/clusterkb/vocab/sizes> ;
    skos:closeMatch <http://data.europa.eu/ux2/nace2/2660> .
v:large a skos:Concept ; skos:prefLabel "Large company"@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/sizes> ;
    skos:exactMatch <https://w3id.org/clusterkb/vocab/sizes/sme> ;
    skos:topConceptOf <https://w3id.org/clusterkb/vocab/sizes> .
"""

ONTOLOGY_HEADER = ONTOLOGY + """
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://w3id.org/clusterkb/ontology>
    owl:versionIRI <https://w3id.org/clusterkb/ontology/0.9.0> ; owl:versionInfo "0.9.0" ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dct:creator [ a foaf:Organization ; foaf:name "The Test Makers" ] .
ckb:awardsOf a owl:ObjectProperty, owl:SymmetricProperty ; rdfs:label "awards of"@en ;
    rdfs:domain <http://www.w3.org/ns/org#Organization> ; rdfs:range ckb:ClusterOrganisation .
"""


def _text(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_scheme_page_shows_a_tree(client, small_store):
    fill(small_store, {"vocab/sizes": SCHEME})
    html = client.get("/vocab/sizes").get_data(as_text=True)
    tree = html[html.index('id="tree-h"'):html.index('id="az-h"')]
    # micro-enterprise sits inside the SME item (a nested list), Large company beside it
    sme = tree.index(">SME</a>")
    micro = tree.index(">micro-enterprise</a>")
    large = tree.index(">Large company</a>")
    assert large < sme < micro  # top concepts by name: "Large company" before "SME"
    between = tree[sme:micro]
    assert "<ul>" in between and "</li>" not in between
    assert tree.count(">micro-enterprise</a>") == 1  # not also a top concept


def test_scheme_page_lists_a_to_z_with_every_language(client, small_store):
    fill(small_store, {"vocab/sizes": SCHEME})
    html = client.get("/vocab/sizes").get_data(as_text=True)
    az = _text(html[html.index('id="az-h"'):])
    assert az.index("L Large company") < az.index("M micro-enterprise") < az.index("S SME")
    assert "KKV hu" in az and "IMM ro" in az and "mikrovállalkozás hu" in az
    assert "also small or medium-sized enterprise" in az
    assert "under SME" in az  # micro-enterprise's broader concept
    # mappings by the target's label, or the code of the code list it is in
    assert "close match: NACE 26.60" in az and "exact match: SME" in az
    assert "2660<" not in html
    assert "Licence CC BY 4.0" in _text(html) and ">4.0<" not in html


def test_concept_page_names_its_mapping_targets(client, small_store):
    fill(small_store, {"vocab/sizes": SCHEME})
    html = client.get("/vocab/sizes/micro").get_data(as_text=True)
    assert ">NACE 26.60</a>" in html and ">SME</a>" in html


def test_ontology_page_has_metadata_namespaces_contents_and_usage(client, small_store):
    fill(small_store, {"ontology": ONTOLOGY_HEADER})
    html = client.get("/ontology").get_data(as_text=True)
    text = _text(html)
    assert "Licence CC BY 4.0" in text and "Creators The Test Makers" in text
    assert "Version 0.9.0 Version IRI https://w3id.org/clusterkb/ontology/0.9.0" in text
    namespaces = _text(html[html.index('id="ns-h"'):html.index('id="toc-h"')])
    assert "ckb: (this ontology) https://w3id.org/clusterkb/ontology#" in namespaces
    assert "org: http://www.w3.org/ns/org#" in namespaces
    toc = html[html.index('id="toc-h"'):html.index("</nav>", html.index('id="toc-h"'))]
    assert '<a href="#ClusterOrganisation">cluster organisation</a>' in toc
    assert '<a href="#memberCount">member count</a>' in toc
    cls = _text(html[html.index('id="ClusterOrganisation"'):html.index('id="memberCount"')])
    assert "In domain of member count" in cls and "In range of awards of" in cls
    assert "Specialises org:FormalOrganization" in cls
    prop = _text(html[html.index('id="awardsOf"'):])
    assert "Characteristics Symmetric property" in prop


def test_names_for_terms_and_codes_without_labels():
    assert humanise("http://www.w3.org/ns/org#FormalOrganization") == "Formal organization"
    assert humanise("https://schema.org/ExhibitionEvent") == "Exhibition event"
    assert humanise("http://www.w3.org/ns/dcat#Distribution") == "Distribution"
    assert authority_code("http://data.europa.eu/ux2/nace2/2660") == "NACE 26.60"
    assert authority_code("http://data.europa.eu/ux2/nace2/F") == "NACE F"
    assert authority_code("https://creativecommons.org/licenses/by-sa/4.0/") == "CC BY-SA 4.0"
    assert authority_code("http://creativecommons.org/publicdomain/zero/1.0/") == "CC0 1.0"
    assert authority_code(
        "http://publications.europa.eu/resource/authority/data-theme/AGRI") == "data-theme AGRI"
    assert authority_code("https://example.org/licenses/by/4.0/") is None
