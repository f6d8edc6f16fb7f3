"""Each check of ``checks.py`` reports the mistake it exists for, on a small bad graph.

Without these, a check that stopped reporting anything would let every real file pass.
Each bad graph is a good graph with one mistake, so the test also shows that the good
form passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from . import checks

# rdflib's own parsers still call APIs it deprecated; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

CKB = Namespace(checks.CKB)
LEVELS = URIRef(checks.VOCAB + "label-levels")
ROLES = URIRef(checks.VOCAB + "membership-roles")
LVL = Namespace(f"{LEVELS}/")
ROLE = Namespace(f"{ROLES}/")
ONTOLOGY = checks.ONTOLOGY_IRI

PREFIXES = """
@prefix ckb:  <https://w3id.org/clusterkb/ontology#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vann: <http://purl.org/vocab/vann/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix lvl:  <https://w3id.org/clusterkb/vocab/label-levels/> .
@prefix role: <https://w3id.org/clusterkb/vocab/membership-roles/> .
"""

GOOD_TERM = """
ckb:Thing a owl:Class ;
    rdfs:label "thing"@en ;
    skos:definition "A thing."@en ;
    rdfs:isDefinedBy <https://w3id.org/clusterkb/ontology> .
"""

GOOD_HEADER = """
<https://w3id.org/clusterkb/ontology> a owl:Ontology ;
    owl:versionIRI <https://w3id.org/clusterkb/ontology/0.0.1> ;
    owl:versionInfo "0.0.1" ;
    dct:title "t"@en ; dct:description "d"@en ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dct:creator "c" ; dct:created "2026-01-01"^^xsd:date ; dct:modified "2026-01-01"^^xsd:date ;
    vann:preferredNamespacePrefix "ckb" ;
    vann:preferredNamespaceUri "https://w3id.org/clusterkb/ontology#" .
"""

GOOD_SCHEME = """
<https://w3id.org/clusterkb/vocab/label-levels> a skos:ConceptScheme ;
    dct:title "Levels"@en ; dct:description "Levels."@en ; skos:prefLabel "Levels"@en ;
    rdfs:isDefinedBy <https://w3id.org/clusterkb/ontology> ;
    skos:hasTopConcept lvl:gold .
lvl:gold a skos:Concept ;
    skos:prefLabel "Gold"@en ; skos:definition "The highest level."@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/label-levels> ;
    skos:topConceptOf <https://w3id.org/clusterkb/vocab/label-levels> .
lvl:gold-plus a skos:Concept ;
    skos:prefLabel "Gold plus"@en ; skos:scopeNote "A narrower level."@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/label-levels> ;
    skos:broader lvl:gold .
<https://w3id.org/clusterkb/vocab/membership-roles> a skos:ConceptScheme ;
    dct:title "Roles"@en ; dct:description "Roles."@en ; skos:prefLabel "Roles"@en ;
    rdfs:isDefinedBy <https://w3id.org/clusterkb/ontology> ;
    skos:hasTopConcept role:member .
role:member a skos:Concept ;
    skos:prefLabel "member"@en ; skos:definition "A member."@en ;
    skos:inScheme <https://w3id.org/clusterkb/vocab/membership-roles> ;
    skos:topConceptOf <https://w3id.org/clusterkb/vocab/membership-roles> .
"""


def graph(*turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + "\n".join(turtle), format="turtle")


def without(g: Graph, subject: URIRef, predicate: URIRef) -> Graph:
    """The graph with the given statements taken out (they must have been there)."""
    assert (subject, predicate, None) in g
    g.remove((subject, predicate, None))
    return g


# --- ontology terms -------------------------------------------------------------------------

def test_documented_term_passes() -> None:
    assert checks.term_problems(graph(GOOD_TERM)) == []


@pytest.mark.parametrize("prop, expected", [
    (RDFS.label, "rdfs:label"),
    (SKOS.definition, "skos:definition"),
    (RDFS.isDefinedBy, "rdfs:isDefinedBy"),
], ids=["label", "definition", "isDefinedBy"])
def test_term_without_documentation_is_reported(prop: URIRef, expected: str) -> None:
    problems = checks.term_problems(without(graph(GOOD_TERM), CKB.Thing, prop))
    assert len(problems) == 1
    assert problems[0].startswith(f"{CKB.Thing}:") and expected in problems[0]


def test_label_in_another_language_only_is_reported() -> None:
    problems = checks.term_problems(graph(GOOD_TERM.replace('"thing"@en', '"Ding"@de')))
    assert problems == [
        "https://w3id.org/clusterkb/ontology#Thing: needs exactly one English rdfs:label, has 0"
    ]


@pytest.mark.parametrize("declaration", checks.DECLARATION_TYPES, ids=str)
def test_unlabelled_term_of_each_declaration_type_is_reported(declaration: URIRef) -> None:
    g = graph(f"ckb:bare a <{declaration}> .")
    problems = checks.term_problems(g)
    assert len(problems) == 3
    assert all(p.startswith("https://w3id.org/clusterkb/ontology#bare:") for p in problems)


def test_terms_outside_our_namespace_are_not_our_business() -> None:
    assert checks.term_problems(graph("<http://example.org/X> a owl:Class .")) == []


# --- ontology header ------------------------------------------------------------------------

def test_complete_header_passes() -> None:
    assert checks.header_problems(graph(GOOD_HEADER)) == []


@pytest.mark.parametrize("prop", checks.HEADER_PROPERTIES, ids=str)
def test_incomplete_header_is_reported(prop: URIRef) -> None:
    problems = checks.header_problems(without(graph(GOOD_HEADER), ONTOLOGY, prop))
    assert problems == [f"ontology header lacks {prop}"]


def test_missing_ontology_is_reported() -> None:
    assert checks.header_problems(graph(GOOD_TERM)) == [
        "https://w3id.org/clusterkb/ontology is not declared an owl:Ontology"
    ]


# --- concepts and schemes -------------------------------------------------------------------

def test_well_placed_concepts_pass() -> None:
    g = graph(GOOD_SCHEME)
    assert checks.concept_problems(g) == []
    assert checks.scheme_problems(g) == []


def test_concept_in_two_schemes_is_reported() -> None:
    g = graph(GOOD_SCHEME)
    g.add((LVL.gold, SKOS.inScheme, ROLES))
    problems = checks.concept_problems(g)
    assert problems == [
        "https://w3id.org/clusterkb/vocab/label-levels/gold: must be skos:inScheme exactly one "
        "scheme, is in 2"
    ]


def test_concept_in_no_scheme_is_reported() -> None:
    g = without(graph(GOOD_SCHEME), ROLE.member, SKOS.inScheme)
    assert any("membership-roles/member: must be skos:inScheme exactly one scheme, is in 0" in p
               for p in checks.concept_problems(g))


def test_concept_with_two_english_preflabels_is_reported() -> None:
    g = graph(GOOD_SCHEME)
    g.add((LVL.gold, SKOS.prefLabel, Literal("Golden", lang="en")))
    assert checks.concept_problems(g) == [
        "https://w3id.org/clusterkb/vocab/label-levels/gold: needs exactly one English "
        "skos:prefLabel, has 2"
    ]


def test_concept_labelled_only_in_romanian_is_reported() -> None:
    g = graph(GOOD_SCHEME.replace('"member"@en', '"membru"@ro'))
    assert checks.concept_problems(g) == [
        "https://w3id.org/clusterkb/vocab/membership-roles/member: needs exactly one English "
        "skos:prefLabel, has 0"
    ]


def test_concept_without_definition_or_scope_note_is_reported() -> None:
    g = without(graph(GOOD_SCHEME), LVL["gold-plus"], SKOS.scopeNote)
    assert checks.concept_problems(g) == [
        "https://w3id.org/clusterkb/vocab/label-levels/gold-plus: has no English "
        "skos:definition or skos:scopeNote"
    ]


def test_concept_neither_top_nor_narrower_is_reported() -> None:
    g = without(graph(GOOD_SCHEME), LVL["gold-plus"], SKOS.broader)
    problems = checks.concept_problems(g)
    assert len(problems) == 1 and "label-levels/gold-plus: is neither" in problems[0]


def test_broader_concept_in_another_scheme_does_not_count() -> None:
    g = graph(GOOD_SCHEME.replace("skos:broader lvl:gold .", "skos:broader role:member ."))
    problems = checks.concept_problems(g)
    assert len(problems) == 1 and "label-levels/gold-plus: is neither" in problems[0]


def test_concept_iri_outside_its_scheme_is_reported() -> None:
    g = graph(GOOD_SCHEME.replace("lvl:gold-plus", "role:gold-plus"))
    problems = checks.concept_problems(g)
    assert problems == [
        "https://w3id.org/clusterkb/vocab/membership-roles/gold-plus: IRI does not start with "
        "its scheme IRI https://w3id.org/clusterkb/vocab/label-levels/"
    ]


def test_top_concept_missing_from_has_top_concept_is_reported() -> None:
    g = without(graph(GOOD_SCHEME), LEVELS, SKOS.hasTopConcept)
    problems = checks.concept_problems(g) + checks.scheme_problems(g)
    assert any("label-levels/gold: is a top concept but" in p for p in problems)
    assert any("label-levels: has no skos:hasTopConcept" in p for p in problems)


def test_scheme_without_metadata_is_reported() -> None:
    g = without(graph(GOOD_SCHEME), LEVELS, DCTERMS.title)
    assert checks.scheme_problems(g) == [
        "https://w3id.org/clusterkb/vocab/label-levels: has no English "
        "http://purl.org/dc/terms/title"
    ]


# --- the guard: no undeclared ckb: term or concept ------------------------------------------

DECLARED_TERMS = checks.declared_terms(graph(GOOD_TERM))


@pytest.mark.parametrize("turtle", [
    "<http://example.org/a> a ckb:Undeclared .",                       # object
    "<http://example.org/a> ckb:undeclared <http://example.org/b> .",  # predicate
    "ckb:undeclared a ckb:Thing .",                                    # subject
    '<http://example.org/a> ckb:Thing "1"^^ckb:undeclared .',          # datatype
], ids=["object", "predicate", "subject", "datatype"])
def test_undeclared_ontology_term_is_reported_in_every_position(turtle: str) -> None:
    used = graph(turtle)
    undeclared = checks.undeclared_ontology_terms(used, DECLARED_TERMS)
    assert len(undeclared) == 1
    assert str(undeclared[0]).lower() == "https://w3id.org/clusterkb/ontology#undeclared"


def test_declared_ontology_terms_pass_the_guard() -> None:
    used = graph("<http://example.org/a> a ckb:Thing ; <http://example.org/p> ckb:Thing .")
    assert checks.undeclared_ontology_terms(used, DECLARED_TERMS) == []


def test_undeclared_concept_is_reported() -> None:
    declared = checks.declared_concepts(graph(GOOD_SCHEME))
    used = graph("<http://example.org/a> ckb:awardLevel lvl:platinum , lvl:gold .",
                 "<http://example.org/s> skos:inScheme <https://w3id.org/clusterkb/vocab/nope> .")
    assert checks.undeclared_concepts(used, declared) == [
        URIRef("https://w3id.org/clusterkb/vocab/label-levels/platinum"),
        URIRef("https://w3id.org/clusterkb/vocab/nope"),
    ]


def test_declared_concepts_and_schemes_pass_the_guard() -> None:
    declared = checks.declared_concepts(graph(GOOD_SCHEME))
    used = graph("<http://example.org/a> ckb:awardLevel lvl:gold .",
                 f"<http://example.org/s> skos:inScheme <{LEVELS}> .",
                 "<http://example.org/s> <http://www.w3.org/2000/01/rdf-schema#seeAlso> "
                 "<https://w3id.org/clusterkb/vocab/> .")
    assert checks.undeclared_concepts(used, declared) == []


def test_guard_reads_named_graphs_of_trig_files(tmp_path: Path) -> None:
    kb = tmp_path / "kb" / "clusters"
    kb.mkdir(parents=True)
    (kb / "x.trig").write_text(PREFIXES + """
<https://w3id.org/clusterkb/graph/clusters/x> {
    <http://example.org/a> ckb:notInTheOntology lvl:unknown .
}
""", encoding="utf-8")
    (kb / "ignored.txt").write_text("ckb:notRdf", encoding="utf-8")
    files = checks.rdf_files(tmp_path / "kb", tmp_path / "missing-dir")
    assert files == [kb / "x.trig"]
    ds = checks.load(files[0])
    assert checks.undeclared_ontology_terms(checks.all_triples(ds), DECLARED_TERMS) == [
        URIRef("https://w3id.org/clusterkb/ontology#notInTheOntology")
    ]
    assert checks.undeclared_concepts(checks.all_triples(ds), set()) == [
        URIRef("https://w3id.org/clusterkb/vocab/label-levels/unknown")
    ]


def test_unparsable_file_is_reported_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.ttl does not parse"):
        checks.load(bad)


# --- modelling pitfalls ---------------------------------------------------------------------

GOOD_PROPERTIES = """
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
ckb:Award a owl:Class .
ckb:Cluster a owl:Class ; rdfs:subClassOf org:FormalOrganization .
ckb:kindOf a owl:ObjectProperty ; rdfs:subPropertyOf org:classification ;
    rdfs:domain ckb:Cluster ; rdfs:range skos:Concept .
ckb:worksWith a owl:ObjectProperty , owl:SymmetricProperty ;
    rdfs:domain org:Organization ; rdfs:range org:Organization .
ckb:agreementWith a owl:ObjectProperty , owl:SymmetricProperty ; rdfs:subPropertyOf ckb:worksWith ;
    rdfs:domain org:Organization ; rdfs:range org:Organization .
ckb:hasPrize a owl:ObjectProperty ; rdfs:domain foaf:Agent ; rdfs:range ckb:Award ;
    skos:editorialNote "Holder: the path ^ckb:hasPrize."@en .
ckb:note a owl:DatatypeProperty ; rdfs:range xsd:string ;
    skos:editorialNote "No domain: anything may have a note."@en .
ckb:featured a owl:ObjectProperty ; rdfs:domain ckb:Award ; rdfs:range org:Organization ;
    skos:editorialNote "Awards featuring an organisation: the path ^ckb:featured."@en .
"""


def test_well_modelled_properties_pass() -> None:
    g = graph(GOOD_PROPERTIES)
    assert checks.domain_range_problems(g) == []
    assert checks.borrowed_superproperty_problems(g) == []
    assert checks.symmetry_problems(g) == []
    assert checks.inverse_problems(g) == []


@pytest.mark.parametrize("prop, axis, word", [
    (CKB.kindOf, RDFS.domain, "domain"), (CKB.kindOf, RDFS.range, "range"),
], ids=["domain", "range"])
def test_property_without_domain_or_range_is_reported(prop, axis, word) -> None:
    problems = checks.domain_range_problems(without(graph(GOOD_PROPERTIES), prop, axis))
    assert problems == [f"{prop}: has no rdfs:{word} and no skos:editorialNote saying why"]


def test_a_written_reason_stands_for_a_missing_domain() -> None:
    g = without(graph(GOOD_PROPERTIES), CKB.note, SKOS.editorialNote)
    assert checks.domain_range_problems(g) == [
        f"{CKB.note}: has no rdfs:domain and no skos:editorialNote saying why"]


def test_sub_property_of_a_credential_is_reported() -> None:
    # The pitfall of ckb:hasAward: schema:hasCredential ranges over educational credentials.
    g = graph(GOOD_PROPERTIES, "ckb:hasPrize rdfs:subPropertyOf schema:hasCredential .")
    assert checks.borrowed_superproperty_problems(g) == [
        f"{CKB.hasPrize}: its domain http://xmlns.com/foaf/0.1/Agent is not within the domain "
        "https://schema.org/Person of its super-property https://schema.org/hasCredential",
        f"{CKB.hasPrize}: its range {CKB.Award} is not within the range "
        "https://schema.org/EducationalOccupationalCredential of its super-property "
        "https://schema.org/hasCredential"]


def test_classification_with_a_range_that_is_no_concept_is_reported() -> None:
    g = graph(GOOD_PROPERTIES.replace("rdfs:range skos:Concept", "rdfs:range ckb:Award"))
    assert checks.borrowed_superproperty_problems(g) == [
        f"{CKB.kindOf}: its range {CKB.Award} is not within the range {SKOS.Concept} of its "
        "super-property http://www.w3.org/ns/org#classification"]


def test_classification_as_the_subject_of_an_organisation_is_reported() -> None:
    g = graph(GOOD_PROPERTIES, "ckb:kindOf rdfs:subPropertyOf dct:subject .")
    problems = checks.borrowed_superproperty_problems(g)
    assert problems == [
        f"{CKB.kindOf}: is a sub-property of http://purl.org/dc/terms/subject, which means "
        + checks.MISREAD[DCTERMS.subject]]


def test_sub_property_of_an_unknown_borrowed_term_is_reported() -> None:
    g = graph(GOOD_PROPERTIES, "ckb:note rdfs:subPropertyOf dct:abstract .")
    assert checks.borrowed_superproperty_problems(g) == [
        f"{CKB.note}: is a sub-property of http://purl.org/dc/terms/abstract, whose domain and "
        "range the checks do not know (add it to BORROWED)"]


def test_non_symmetric_sub_property_of_a_symmetric_one_is_reported() -> None:
    g = graph(GOOD_PROPERTIES)
    g.remove((CKB.agreementWith, RDF.type, OWL.SymmetricProperty))
    assert checks.symmetry_problems(g) == [
        f"{CKB.agreementWith}: is a sub-property of the symmetric {CKB.worksWith} but is not "
        "owl:SymmetricProperty"]


def test_property_to_our_class_without_a_way_back_is_reported() -> None:
    g = without(graph(GOOD_PROPERTIES), CKB.hasPrize, SKOS.editorialNote)
    assert checks.inverse_problems(g) == [
        f"{CKB.hasPrize}: has no owl:inverseOf and no skos:editorialNote with the path "
        "^ckb:hasPrize"]
    g.add((CKB.prizeOf, OWL.inverseOf, CKB.hasPrize))
    assert checks.inverse_problems(g) == []


def test_object_outside_the_range_is_reported() -> None:
    # The pitfall of ckb:featuredOrganisation: a person where an organisation belongs.
    ontology = graph(GOOD_PROPERTIES)
    data = graph("""
        @prefix org:  <http://www.w3.org/ns/org#> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <http://example.org/a> a ckb:Award ;
            ckb:featured <http://example.org/acme> , <http://example.org/jane> ,
                         <http://example.org/untyped> .
        <http://example.org/acme> a ckb:Cluster .
        <http://example.org/jane> a foaf:Person .""")
    assert checks.range_use_problems(ontology, data) == [
        f"http://example.org/a {CKB.featured} http://example.org/jane: http://example.org/jane "
        "is typed http://xmlns.com/foaf/0.1/Person, not within the range "
        "http://www.w3.org/ns/org#Organization"]


# --- labels in the languages of the sources --------------------------------------------------

LABELLED = """
@prefix schema: <https://schema.org/> .
lvl:gold a skos:Concept ; skos:prefLabel "Gold"@en , "Aur"@ro , "Arany"@hu .
<https://w3id.org/clusterkb/id/place/cluj-napoca> a schema:City ;
    rdfs:label "Cluj-Napoca"@en , "Cluj-Napoca"@ro , "Kolozsvár"@hu .
"""
USES_GOLD = "<http://example.org/a> ckb:awardLevel lvl:gold ."


def test_labelled_concepts_and_places_pass() -> None:
    g = graph(LABELLED)
    assert checks.concept_label_problems(g, graph(USES_GOLD)) == []
    assert checks.place_label_problems(g) == []
    assert checks.romanian_spelling_problems(g) == []


@pytest.mark.parametrize("lang", ["ro", "hu"])
def test_used_concept_without_a_label_in_a_source_language_is_reported(lang: str) -> None:
    g = graph(LABELLED)
    g.remove((LVL.gold, SKOS.prefLabel, Literal({"ro": "Aur", "hu": "Arany"}[lang], lang=lang)))
    assert checks.concept_label_problems(g, graph(USES_GOLD)) == [
        f"{LVL.gold}: needs one skos:prefLabel in @{lang}, has 0"]


def test_unused_concept_needs_no_translation() -> None:
    g = graph(LABELLED.replace('"Aur"@ro , "Arany"@hu', '"Aur"@ro'))
    assert checks.concept_label_problems(g, graph("<http://example.org/a> a ckb:Thing .")) == []


@pytest.mark.parametrize("lang", ["en", "ro", "hu"])
def test_place_without_a_label_in_a_language_is_reported(lang: str) -> None:
    name = {"en": "Cluj-Napoca", "ro": "Cluj-Napoca", "hu": "Kolozsvár"}[lang]
    g = graph(LABELLED)
    place = URIRef("https://w3id.org/clusterkb/id/place/cluj-napoca")
    g.remove((place, RDFS.label, Literal(name, lang=lang)))
    assert checks.place_label_problems(g) == [f"{place}: has no rdfs:label in @{lang}"]


def test_romanian_cedilla_is_reported() -> None:
    g = graph('<http://example.org/b> rdfs:label "Bucureşti"@ro , "Bucureşti"@en .')
    assert checks.romanian_spelling_problems(g) == [
        "http://example.org/b: rdflib.term.Literal('Bucureşti', lang='ro') uses ş (write ș)"]
