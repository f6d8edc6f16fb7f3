"""The concept schemes hold what the KB and shapes engineers were promised.

The expected slugs come from the shared concept scheme contract, and the expected labels from
the source documents (the ROHEALTH profile words its S3 areas and support services exactly so),
not from the vocabulary files themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, SKOS

from . import checks

VOCAB_DIR = Path(__file__).resolve().parents[2] / "ontology" / "vocabularies"

CONTRACT: dict[str, set[str]] = {
    "label-levels": {"bronze", "silver", "gold"},
    "organisation-types": {
        "sme", "micro-enterprise", "small-enterprise", "medium-enterprise", "start-up",
        "large-company", "university", "research-organisation", "technology-centre",
        "public-authority", "association-ngo", "foundation", "healthcare-provider", "incubator",
        "other-ecosystem-actor",
    },
    "membership-roles": {"founding-member", "member", "manager"},
    "sectoral-industries": {"business-services"},
    "technology-fields": {"sensors-and-wireless-products", "applications-for-health"},
    "s3-priority-areas": {"e-health", "social-innovation-health-wellbeing-elder-care"},
    "emerging-industries": {
        "advanced-packaging", "biopharmaceuticals", "blue-growth", "creative-industries",
        "digital-industries", "environmental-industries", "experience-industries",
        "logistical-services", "medical-devices", "mobility-technologies",
    },
    "industrial-ecosystems": {
        "aerospace-and-defence", "agri-food", "construction", "cultural-and-creative-industries",
        "digital", "electronics", "energy-intensive-industries", "energy-renewables", "health",
        "mobility-transport-automotive", "proximity-social-economy-civil-society", "retail",
        "textiles", "tourism",
    },
    "support-services": {
        "facilitation-of-collaboration-between-members",
        "facilitation-of-cross-sectorial-cooperation", "periodic-information-dissemination",
        "promotion-of-activities", "support-of-knowledge-transfer",
    },
    "fields-of-science": {
        "natural-sciences", "engineering-and-technology", "medical-and-health-sciences",
        "agricultural-and-veterinary-sciences", "social-sciences", "humanities-and-the-arts",
    },
}

#: English prefLabels as the source documents word them (ROHEALTH, Health Romania profiles).
SOURCE_LABELS = {
    ("s3-priority-areas", "e-health"): "e-Health (e.g. healthy ageing)",
    ("s3-priority-areas", "social-innovation-health-wellbeing-elder-care"):
        "Social innovation with regard to health, well-being and elder care",
    ("support-services", "facilitation-of-collaboration-between-members"):
        "Facilitation of collaboration between members",
    ("support-services", "facilitation-of-cross-sectorial-cooperation"):
        "Facilitation of cross-sectorial cooperation",
    ("support-services", "periodic-information-dissemination"):
        "Periodic Information dissemination",
    ("support-services", "promotion-of-activities"):
        "Promotion of activities (marketing/ visibility)",
    ("support-services", "support-of-knowledge-transfer"): "Support of knowledge transfer",
    ("sectoral-industries", "business-services"): "Business Services",
    ("technology-fields", "sensors-and-wireless-products"): "Sensors & Wireless products",
    ("technology-fields", "applications-for-health"): "Applications for Health",
    ("emerging-industries", "medical-devices"): "Medical Devices",
    ("organisation-types", "association-ngo"): "Association/NGO",
    ("label-levels", "bronze"): "Bronze",
    ("label-levels", "silver"): "Silver",
    ("fields-of-science", "medical-and-health-sciences"): "Medical and health sciences",
}

#: OECD FOS codes (Frascati Manual 2015).
FOS_CODES = {
    "natural-sciences": "1", "engineering-and-technology": "2",
    "medical-and-health-sciences": "3", "agricultural-and-veterinary-sciences": "4",
    "social-sciences": "5", "humanities-and-the-arts": "6",
}


def concept(scheme: str, slug: str) -> URIRef:
    return URIRef(f"{checks.VOCAB}{scheme}/{slug}")


@pytest.fixture(scope="module")
def vocab() -> Graph:
    merged = Graph()
    for path in checks.rdf_files(VOCAB_DIR):
        merged.parse(path, format="turtle")
    return merged


def _en(graph: Graph, subject: URIRef) -> list[str]:
    return [str(v) for v in graph.objects(subject, SKOS.prefLabel) if v.language == "en"]


@pytest.mark.parametrize("scheme", sorted(CONTRACT))
def test_every_promised_concept_exists(vocab: Graph, scheme: str) -> None:
    assert (VOCAB_DIR / f"{scheme}.ttl").is_file()
    missing = sorted(
        slug for slug in CONTRACT[scheme]
        if (concept(scheme, slug), SKOS.inScheme, URIRef(checks.VOCAB + scheme)) not in vocab
    )
    assert missing == []


@pytest.mark.parametrize("key", sorted(SOURCE_LABELS), ids="/".join)
def test_source_values_are_labelled_as_the_sources_word_them(vocab: Graph, key) -> None:
    assert _en(vocab, concept(*key)) == [SOURCE_LABELS[key]]


def test_there_are_ten_emerging_industries_and_fourteen_ecosystems(vocab: Graph) -> None:
    for scheme, count in (("emerging-industries", 10), ("industrial-ecosystems", 14)):
        members = set(vocab.subjects(SKOS.inScheme, URIRef(checks.VOCAB + scheme)))
        assert members == {concept(scheme, s) for s in CONTRACT[scheme]}
        assert len(members) == count


def test_membership_roles_are_org_roles(vocab: Graph) -> None:
    for slug in CONTRACT["membership-roles"]:
        assert (concept("membership-roles", slug), RDF.type, ORG.Role) in vocab


def test_fields_of_science_carry_oecd_codes(vocab: Graph) -> None:
    for slug, code in FOS_CODES.items():
        assert list(vocab.objects(concept("fields-of-science", slug), SKOS.notation)) == [
            Literal(code)
        ]
        assert (concept("fields-of-science", slug), SKOS.topConceptOf,
                URIRef(checks.VOCAB + "fields-of-science")) in vocab
    clinical = concept("fields-of-science", "clinical-medicine")
    assert list(vocab.objects(clinical, SKOS.notation)) == [Literal("3.2")]
    assert list(vocab.objects(clinical, SKOS.broader)) == [
        concept("fields-of-science", "medical-and-health-sciences")
    ]


def test_sme_size_classes_are_narrower_than_sme(vocab: Graph) -> None:
    sme = concept("organisation-types", "sme")
    for slug in ("micro-enterprise", "small-enterprise", "medium-enterprise"):
        assert list(vocab.objects(concept("organisation-types", slug), SKOS.broader)) == [sme]


#: The second level of the Frascati Manual 2015's fields of research and development (FORD):
#: how many fields each broad field has, and some labels as the manual words them.
FORD_SECOND_LEVEL = {"1": 7, "2": 11, "3": 5, "4": 5, "5": 9, "6": 5}
FORD_LABELS = {
    "1.2": "Computer and information sciences",
    "1.5": "Earth and related environmental sciences",
    "2.2": "Electrical engineering, electronic engineering, information engineering",
    "4.1": "Agriculture, forestry, and fisheries",
    "5.1": "Psychology and cognitive sciences",
    "5.7": "Social and economic geography",
    "6.4": "Arts (arts, history of arts, performing arts, music)",
}


def test_fields_of_science_hold_the_whole_ford_classification(vocab: Graph) -> None:
    scheme = URIRef(checks.VOCAB + "fields-of-science")
    by_code = {str(vocab.value(c, SKOS.notation)): c for c in vocab.subjects(SKOS.inScheme, scheme)}
    assert len(by_code) == len(set(vocab.subjects(SKOS.inScheme, scheme)))  # codes unique
    expected = set(FORD_SECOND_LEVEL) | {f"{top}.{n}" for top, count in FORD_SECOND_LEVEL.items()
                                         for n in range(1, count + 1)}
    assert set(by_code) == expected
    for code, concept in by_code.items():
        if "." in code:
            assert list(vocab.objects(concept, SKOS.broader)) == [by_code[code.split(".")[0]]]
    for code, label in FORD_LABELS.items():
        assert _en(vocab, by_code[code]) == [label]
