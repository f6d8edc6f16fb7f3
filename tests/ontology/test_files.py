"""The real ontology, concept schemes, KB and shapes files pass the checks of ``checks.py``.

The file lists are collected when the tests run, so a file someone adds to ``ontology/``,
``kb/`` or ``shapes/`` is checked without anyone editing these tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from . import checks

# rdflib's own Dataset.parse still calls a property it deprecated; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "clusterkb.ttl"
VOCAB_DIR = ONTOLOGY_DIR / "vocabularies"
GUARDED_DIRS = (ONTOLOGY_DIR, ROOT / "kb", ROOT / "shapes")

ONTOLOGY_FILES = checks.rdf_files(ONTOLOGY_DIR)
GUARDED_FILES = checks.rdf_files(*GUARDED_DIRS)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def ontology_dir_graph() -> Graph:
    """Everything under ontology/ in one graph, so cross-file mistakes show up."""
    merged = Graph()
    for path in ONTOLOGY_FILES:
        for triple in checks.all_triples(checks.load(path)):
            merged.add(triple)
    return merged


@pytest.fixture(scope="module")
def declared_concepts() -> set[URIRef]:
    merged = Graph()
    for path in checks.rdf_files(VOCAB_DIR):
        merged.parse(path, format="turtle")
    return checks.declared_concepts(merged)


def test_the_ontology_and_vocabularies_exist() -> None:
    # Guards the parametrised tests below against passing vacuously on an empty directory.
    assert ONTOLOGY_FILE in ONTOLOGY_FILES
    assert len(checks.rdf_files(VOCAB_DIR)) >= 10


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=_rel)
def test_ontology_file_parses(path: Path) -> None:
    # checks.load raises on a syntax error; an empty file is a mistake too.
    assert next(checks.all_triples(checks.load(path)), None) is not None, f"{_rel(path)} is empty"


def test_ontology_header_is_complete(ontology: Graph) -> None:
    assert checks.header_problems(ontology) == []


def test_every_declared_term_is_documented(ontology_dir_graph: Graph) -> None:
    problems = checks.term_problems(ontology_dir_graph)
    assert problems == [], "\n".join(problems)


def test_ontology_declares_terms(ontology: Graph) -> None:
    # The documentation check above must have something to look at.
    assert len(checks.declared_terms(ontology)) > 50


def test_every_concept_is_well_placed_and_documented(ontology_dir_graph: Graph) -> None:
    problems = checks.concept_problems(ontology_dir_graph)
    assert problems == [], "\n".join(problems)


def test_every_scheme_has_its_metadata(ontology_dir_graph: Graph) -> None:
    problems = checks.scheme_problems(ontology_dir_graph)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("path", checks.rdf_files(VOCAB_DIR), ids=_rel)
def test_each_vocabulary_file_holds_the_scheme_it_is_named_after(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == {URIRef(checks.VOCAB + path.stem)}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        assert (concept, SKOS.inScheme, URIRef(checks.VOCAB + path.stem)) in graph, concept


@pytest.mark.parametrize("path", GUARDED_FILES, ids=_rel)
def test_no_undeclared_ontology_term_is_used(path: Path, ontology: Graph) -> None:
    used = checks.all_triples(checks.load(path))
    undeclared = checks.undeclared_ontology_terms(used, checks.declared_terms(ontology))
    assert undeclared == [], (
        f"{_rel(path)} uses terms not declared in ontology/clusterkb.ttl: "
        + ", ".join(undeclared)
    )


@pytest.mark.parametrize("path", GUARDED_FILES, ids=_rel)
def test_no_undeclared_concept_is_used(path: Path, declared_concepts: set[URIRef]) -> None:
    used = checks.all_triples(checks.load(path))
    undeclared = checks.undeclared_concepts(used, declared_concepts)
    assert undeclared == [], (
        f"{_rel(path)} uses concept IRIs not declared in ontology/vocabularies/: "
        + ", ".join(undeclared)
    )


# --- modelling pitfalls (issue 18.3) ----------------------------------------------------------

@pytest.mark.parametrize("check", [
    checks.domain_range_problems, checks.borrowed_superproperty_problems,
    checks.symmetry_problems, checks.inverse_problems,
], ids=lambda c: c.__name__)
def test_ontology_has_no_modelling_pitfall(check, ontology: Graph) -> None:
    problems = check(ontology)
    assert problems == [], "\n".join(problems)


def test_kb_uses_properties_within_their_ranges(ontology: Graph) -> None:
    data = Graph()
    for path in checks.rdf_files(ROOT / "kb", VOCAB_DIR):
        for triple in checks.all_triples(checks.load(path)):
            data.add(triple)
    problems = checks.range_use_problems(ontology, data)
    assert problems == [], "\n".join(problems)


# --- labels in the languages of the sources (issue 18.4) -------------------------------------

@pytest.fixture(scope="module")
def kb_graph() -> Graph:
    data = Graph()
    for path in checks.rdf_files(ROOT / "kb"):
        for triple in checks.all_triples(checks.load(path)):
            data.add(triple)
    return data


def test_every_concept_the_kb_uses_has_romanian_and_hungarian_labels(
        ontology_dir_graph: Graph, kb_graph: Graph) -> None:
    problems = checks.concept_label_problems(ontology_dir_graph, kb_graph)
    assert problems == [], "\n".join(problems)


def test_every_place_has_english_romanian_and_hungarian_labels(kb_graph: Graph) -> None:
    assert len(checks.place_label_problems(kb_graph)) == 0
    assert any(True for _ in kb_graph.subjects(RDF.type, checks.PLACE_TYPES[1]))  # not vacuous


def test_romanian_is_spelled_with_comma_below(ontology_dir_graph: Graph, kb_graph: Graph) -> None:
    problems = checks.romanian_spelling_problems(ontology_dir_graph + kb_graph)
    assert problems == [], "\n".join(problems)
