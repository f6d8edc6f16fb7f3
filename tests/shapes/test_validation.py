"""The validator module: valid documents, the KB, report renderings and safe parsing."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef

from clusterkb import explain
from clusterkb.validation import (
    RDFParseError,
    ValidationReport,
    validate_bytes,
    validate_graph,
    validate_kb,
)

from .conftest import FIXTURES

VALID = FIXTURES / "valid"
PROFILE = VALID / "transylvania-medtech-profile.ttl"
FORMATS = {".ttl": "turtle", ".trig": "trig", ".jsonld": "json-ld", ".json": "json-ld"}
CLUSTER = "https://w3id.org/clusterkb/id/cluster/transylvania-medtech"
LABEL = "https://w3id.org/clusterkb/id/award/transylvania-medtech-silver-label"


@pytest.mark.parametrize("path", sorted(VALID.iterdir()), ids=lambda p: p.name)
def test_valid_documents_conform(path, repo_config):
    report = validate_bytes(path.read_bytes(), FORMATS[path.suffix], repo_config)
    assert report.conforms, report.text()


@pytest.mark.parametrize("name", ["transylvania-medtech-profile.ttl", "published-graph.trig",
                                  "organisation.jsonld"])
def test_our_valid_documents_have_no_result_at_all(name, repo_config):
    path = VALID / name
    report = validate_bytes(path.read_bytes(), FORMATS[path.suffix], repo_config)
    assert report.results == [], report.text()


def test_the_full_profile_is_really_checked(repo_config):
    """Control for the test above: one wrong value in the profile is found."""
    text = PROFILE.read_text().replace("ckb:awardLevel lvl:silver", "ckb:awardLevel orgtype:sme")
    report = validate_bytes(text.encode(), "turtle", repo_config)
    assert not report.conforms
    assert [(r.focus, r.path, r.shape) for r in report.results] == [
        (LABEL, "https://w3id.org/clusterkb/ontology#awardLevel",
         "https://w3id.org/clusterkb/shapes#Award-level")]


def test_the_kb_conforms(repo_config):
    if not any(repo_config.kb_dir.rglob("*.ttl")):
        pytest.fail("kb/ holds no Turtle file")
    report = validate_kb(repo_config)
    assert report.counts["Violation"] == 0, report.text()


def test_the_kb_conforms_as_the_build_validates_it(repo_config):
    """``clusterkb build`` validates one flattened graph (no named-graph markers): the graph
    descriptions (``graph/...`` IRIs) must not count as untyped resources there."""
    from clusterkb.build import sources

    union = Graph()
    for name, path in sources(repo_config):
        if name != "shapes":
            union.parse(path, format="turtle")
    report = validate_graph(union, repo_config)
    assert report.counts["Violation"] == 0, report.text()


def test_kb_graphs_without_provenance_are_violations(tmp_path, repo_config):
    from dataclasses import replace

    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / "x.ttl").write_text(
        "<https://w3id.org/clusterkb/id/organisation/x> a <http://www.w3.org/ns/org#Organization> ;"
        ' <http://www.w3.org/2000/01/rdf-schema#label> "X"@en .\n')
    report = validate_kb(replace(repo_config, kb_dir=tmp_path))
    # results of one focus node come worst first
    assert [(r.focus, r.path, r.severity) for r in report.results] == [
        ("https://w3id.org/clusterkb/graph/clusters/x", "http://www.w3.org/ns/prov#wasDerivedFrom",
         "Violation"),
        ("https://w3id.org/clusterkb/graph/clusters/x", "http://www.w3.org/ns/prov#generatedAtTime",
         "Warning"),
    ]


def test_validate_graph_takes_an_rdflib_graph(repo_config):
    graph = Graph().parse(PROFILE, format="turtle")
    assert validate_graph(graph, repo_config).results == []
    graph.remove((URIRef(CLUSTER), None, None))
    report = validate_graph(graph, repo_config)
    # the cluster's nodes are now orphans: nobody holds its award, counts, figure, funding
    assert not report.conforms
    assert {r.shape.rsplit("#", 1)[1] for r in report.results if r.severity == "Violation"} == {
        "Award-holder", "MemberCount-cluster", "Figure-subject", "Funding-holder"}


# --- report renderings -----------------------------------------------------------------

@pytest.fixture(scope="module")
def broken_report(repo_config):
    text = PROFILE.read_text().replace(
        'schema:foundingDate "2012-03-15"^^xsd:date', 'schema:foundingDate "2012-03-15"')
    text = text.replace('dct:spatial country:ROU , <http://data.europa.eu/nuts/code/RO11> ;', "")
    return validate_bytes(text.encode(), "turtle", repo_config)


def test_counts_and_conformance(broken_report):
    assert broken_report.counts == {"Violation": 1, "Warning": 1, "Info": 0}
    assert broken_report.conforms is False


def test_json_has_the_documented_shape(broken_report):
    document = json.loads(json.dumps(broken_report.to_json()))
    assert set(document) == {"conforms", "counts", "results", "criteria", "proposed"}
    assert document["criteria"] == []  # the second check runs for uploads (clusterkb.uploads)
    assert document["proposed"] == []  # the profile proposes no concept
    assert document["conforms"] is False
    keys = {"focus", "focus_label", "path", "value", "constraint", "severity", "message", "shape",
            "field", "written", "line", "column", "allowed", "scheme"}
    assert all(set(r) == keys for r in document["results"])
    violation = next(r for r in document["results"] if r["severity"] == "Violation")
    assert violation == {
        "focus": CLUSTER, "focus_label": "Transylvania MedTech Cluster",
        "path": "https://schema.org/foundingDate", "value": '"2012-03-15"',
        "constraint": "http://www.w3.org/ns/shacl#NodeConstraintComponent",
        "severity": "Violation", "message": violation["message"],
        "shape": "https://w3id.org/clusterkb/shapes#Organisation-foundingDate",
        # in-process validation of Turtle: nothing to add for people (see clusterkb.explain)
        "field": None, "written": None, "line": None, "column": None, "allowed": None,
        "scheme": None}
    assert "xsd:date" in violation["message"]


def test_text_groups_results_under_the_focus_node_and_its_label(broken_report):
    text = broken_report.text()
    lines = text.splitlines()
    assert lines[0].startswith("Validation: does NOT conform (1 violation(s), 1 warning(s)")
    header = lines.index('<https://w3id.org/clusterkb/id/cluster/transylvania-medtech>'
                         '  "Transylvania MedTech Cluster"')
    assert lines[header + 1].strip().startswith("[Violation] path schema:foundingDate")
    assert lines[header + 3].strip() == "[Warning] path dct:spatial"
    assert text.count("transylvania-medtech>") == 1  # one group for the node


@pytest.mark.parametrize("fmt, render", [("turtle", "to_turtle"), ("json-ld", "to_jsonld")])
def test_report_graph_renderings_parse_back(broken_report, fmt, render):
    graph = Graph().parse(data=getattr(broken_report, render)(), format=fmt)
    sh = "http://www.w3.org/ns/shacl#"
    results = list(graph.subjects(URIRef(sh + "focusNode"), URIRef(CLUSTER)))
    assert len(results) == 2
    conforms = next(graph.objects(None, URIRef(sh + "conforms")))
    assert conforms.toPython() is False


# --- safe parsing ----------------------------------------------------------------------------

def test_remote_jsonld_context_is_refused_not_fetched(repo_config):
    document = {"@context": "http://127.0.0.1:9/never-fetched.jsonld", "@id": "urn:x:a"}
    with pytest.raises(RDFParseError, match="not allowed"):
        validate_bytes(json.dumps(document).encode(), "json-ld", repo_config)


def test_rdfxml_with_a_dtd_is_refused(repo_config):
    data = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="urn:x:a"><rdfs:label>&e;</rdfs:label></rdf:Description>
</rdf:RDF>"""
    with pytest.raises(RDFParseError, match="DTD"):
        validate_bytes(data, "rdf/xml", repo_config)


def test_owl_imports_in_the_data_are_not_followed(repo_config):
    data = (b"<urn:x:o> a <http://www.w3.org/2002/07/owl#Ontology> ;"
            b" <http://www.w3.org/2002/07/owl#imports> <http://127.0.0.1:9/shapes.ttl> .")
    assert validate_bytes(data, "turtle", repo_config).results == []


def test_parse_errors_carry_line_and_column(repo_config):
    with pytest.raises(RDFParseError) as caught:
        validate_bytes(b"<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> .\n", "turtle",
                       repo_config)
    assert caught.value.line == 2
    assert caught.value.column is not None


def test_uploads_over_the_size_limit_are_refused(repo_config):
    from dataclasses import replace

    small = replace(repo_config, max_upload_bytes=100)
    with pytest.raises(RDFParseError, match="larger than"):
        validate_bytes(PROFILE.read_bytes(), "turtle", small)


def test_project_documents_need_no_graph_provenance(repo_config):
    """The build can validate everything it publishes; only data graphs need a source."""
    data = b"""
    @prefix org: <http://www.w3.org/ns/org#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    <https://w3id.org/clusterkb/graph/vocab/label-levels> { <urn:x:s> rdfs:seeAlso <urn:x:o> . }
    <https://w3id.org/clusterkb/graph/ontology> { <urn:x:s> rdfs:seeAlso <urn:x:o> . }
    <https://w3id.org/clusterkb/graph/clusters/z> {
        <https://w3id.org/clusterkb/id/organisation/z> a org:Organization ; rdfs:label "Z"@en .
    }"""
    report = validate_bytes(data, "trig", repo_config)
    assert {(r.focus, r.path) for r in report.results if r.severity == "Violation"} == {
        ("https://w3id.org/clusterkb/graph/clusters/z", "http://www.w3.org/ns/prov#wasDerivedFrom")}


# --- proposed concepts (issue 15.5) ----------------------------------------------------------

PROPOSED = "https://w3id.org/clusterkb/vocab/proposed/"
SCHEMES = "https://w3id.org/clusterkb/vocab/"


def test_well_formed_proposals_conform_and_are_listed_apart(repo_config):
    path = VALID / "proposed-concepts.json"
    report = validate_bytes(path.read_bytes(), "json-ld", repo_config)
    assert report.conforms, report.text()
    assert report.to_json()["proposed"] == [
        {"iri": f"{PROPOSED}support-services/access-to-laboratories",
         "label": "Access to laboratories", "scheme": f"{SCHEMES}support-services",
         "scheme_label": "Cluster support services"},
        {"iri": f"{PROPOSED}technology-fields/biotechnology", "label": "Biotechnology",
         "scheme": f"{SCHEMES}technology-fields", "scheme_label": "Technology fields"}]
    assert not any(r.focus.startswith(PROPOSED) for r in report.results)  # no result: a list
    assert f"[proposed] <{PROPOSED}technology-fields/biotechnology>  \"Biotechnology\"  " \
           "for Technology fields" in report.text()
    wire = ValidationReport.from_wire(report.to_wire())
    assert wire.proposed == report.proposed


def test_malformed_proposals_are_violations_and_not_listed(repo_config):
    path = FIXTURES / "invalid" / "proposed-concepts.ttl"
    report = validate_bytes(path.read_bytes(), "turtle", repo_config)
    # Well formed: the field used as one, and the S3 area (used in the wrong place, which
    # is the cluster's violation, not the proposal's). Every other one has a violation.
    assert [(p["iri"], p["scheme"]) for p in report.proposed] == [
        (f"{PROPOSED}s3-priority-areas/marine-biology", f"{SCHEMES}s3-priority-areas"),
        (f"{PROPOSED}technology-fields/biotechnology", f"{SCHEMES}technology-fields")]


def test_a_wrong_technology_field_still_gets_its_scheme_and_values(repo_config):
    turtle = (f"@prefix ckb: <https://w3id.org/clusterkb/ontology#> .\n"
              f"<{CLUSTER}> a ckb:ClusterOrganisation ; ckb:technologyField "
              f"<https://example.org/biotech> .\n").encode()
    report = explain.explain(validate_bytes(turtle, "turtle", repo_config), "turtle", None,
                             repo_config)
    wrong = next(r for r in report.results if (r.path or "").endswith("#technologyField"))
    assert wrong.scheme == f"{SCHEMES}technology-fields"
    assert {a["iri"] for a in wrong.allowed} == {
        f"{SCHEMES}technology-fields/sensors-and-wireless-products",
        f"{SCHEMES}technology-fields/applications-for-health"}
    assert "vocab/proposed/technology-fields/your-slug" in wrong.message
