"""Each shape is specified by failing examples: tests/fixtures/invalid/*.

``expected.json`` lists, by hand, every result each invalid document must
produce (focus node, path, constraint component, severity) - no more, no less.
A generic test then checks that every property shape and every SPARQL
constraint of shapes/ is triggered by at least one fixture, so a shape cannot
be added (or silently broken) without an example of what it rejects.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from clusterkb.validation import validate_bytes

from .conftest import FIXTURES, ROOT

SH = Namespace("http://www.w3.org/ns/shacl#")
INVALID = FIXTURES / "invalid"
EXPECTED: dict[str, list[list[str | None]]] = {
    name: rows for name, rows in json.loads((INVALID / "expected.json").read_text()).items()
    if not name.startswith("_")
}
PREFIXES = {
    "sh": "http://www.w3.org/ns/shacl#",
    "ckb": "https://w3id.org/clusterkb/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "dct": "http://purl.org/dc/terms/",
    "legal": "http://www.w3.org/ns/legal#",
    "adms": "http://www.w3.org/ns/adms#",
    "eurio": "http://data.europa.eu/s66#",
    "prov": "http://www.w3.org/ns/prov#",
    "ex": "https://example.org/",
    "graph": "https://w3id.org/clusterkb/graph/",
    "vocab": "https://w3id.org/clusterkb/vocab/",
    "proposed": "https://w3id.org/clusterkb/vocab/proposed/",
    **{kind: f"https://w3id.org/clusterkb/id/{path}/" for kind, path in [
        ("cluster", "cluster"), ("organisation", "organisation"), ("person", "person"),
        ("network", "network"), ("project", "project"), ("programme", "programme"),
        ("policy", "policy"), ("event", "event"), ("place", "place"), ("award", "award"),
        ("count", "member-count"), ("figure", "figure"), ("funding", "funding"),
        ("story", "story"), ("source", "source")]},
}
FORMATS = {".ttl": "turtle", ".trig": "trig"}


def expand(name: str | None) -> str | None:
    """``ckb:awardLevel`` -> its IRI; SPARQL paths (``^<...>``, ``(...)``) stay as written."""
    if name is None or name.startswith(("^", "(")):
        return name
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local


def fixture_files() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if p.suffix in FORMATS)


def results_of(path: Path, config):
    return validate_bytes(path.read_bytes(), FORMATS[path.suffix], config).results


def test_every_invalid_fixture_has_expected_results():
    assert sorted(p.name for p in fixture_files()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_gives_exactly_the_expected_results(name, repo_config):
    actual = Counter((r.focus, r.path, r.constraint, r.severity)
                     for r in results_of(INVALID / name, repo_config))
    expected = Counter((expand(focus), expand(path), expand(constraint), severity)
                       for focus, path, constraint, severity in EXPECTED[name])
    missing = expected - actual
    unexpected = actual - expected
    assert not missing and not unexpected, (
        f"{name}:\n  expected but missing: {sorted(missing, key=str)}"
        f"\n  produced but not expected: {sorted(unexpected, key=str)}")


def test_every_result_has_a_message_and_a_shape(repo_config):
    for path in fixture_files():
        for r in results_of(path, repo_config):
            assert r.message and "{" not in r.message, (path.name, r)
            assert r.shape and r.shape.startswith("https://w3id.org/clusterkb/shapes#"), r


def _shapes_graph() -> Graph:
    graph = Graph()
    for path in (ROOT / "shapes").glob("*.ttl"):
        graph.parse(path, format="turtle")
    return graph


def test_every_property_shape_and_sparql_constraint_has_a_failing_fixture(repo_config):
    shapes = _shapes_graph()
    rules = {o for o in shapes.objects(None, SH.property) if isinstance(o, URIRef)}
    rules |= {o for o in shapes.objects(None, SH.sparql)}
    rules |= set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    assert all(isinstance(r, URIRef) for r in rules), "give every rule an IRI"
    assert len(rules) > 50  # the enumeration itself must find the shapes
    triggered = {r.shape for path in fixture_files() for r in results_of(path, repo_config)}
    untested = sorted(str(r) for r in rules if str(r) not in triggered)
    assert not untested, f"rules without an invalid fixture that triggers them: {untested}"


def test_every_shape_has_a_name_and_a_description_and_every_rule_a_message():
    shapes = _shapes_graph()
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(shapes.subjects(RDF.type, SH.PropertyShape))
    sparql = set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    for shape in node_shapes:
        assert shapes.value(shape, SH.name) is not None, shape
        assert shapes.value(shape, SH.description) is not None, shape
    for rule in property_shapes | sparql:
        assert shapes.value(rule, SH.name) is not None, rule
        assert shapes.value(rule, SH.message) is not None, rule
