"""Checks of the knowledge base in ``kb/``: it parses, loads, carries provenance, names every
resource, and answers the competency questions in ``kb/questions/`` as the sources say.

The store is built here, not through the package, so that the KB can be checked on its own:
every Turtle file of ``kb/`` and ``ontology/`` goes into its own named graph, and queries run
with the default graph as the union of them all, as the published endpoint does. The expected
answers (``kb/questions/expected.json``) were written by hand from the source documents.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "kb"
ONTOLOGY = ROOT / "ontology"
QUESTIONS = KB / "questions"
BASE = "https://w3id.org/clusterkb/"
CKB = "https://w3id.org/clusterkb/ontology#"
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
SCHEMA_NAME = URIRef("https://schema.org/name")
LEGAL_NAME = URIRef("http://www.w3.org/ns/legal#legalName")
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, LEGAL_NAME, SCHEMA_NAME, FOAF.name)

#: The source documents: seed file name of each cluster file, and the date the source gives
#: ("Posted on: 04.09.2017"; 001 carries no date; 004 only a copyright line, which is no date).
SEEDS = {
    "health-romania": ("000_812a0d9a53d98e3b.txt", "2017-09-04"),
    "rohealth": ("001_562ba8df36cc725f.txt", None),
    "hungarian-medical-cluster": ("004_86d87c7ed1a3d554.txt", None),
}
SEEDS_DIR = Path(os.environ.get("CLUSTERKB_SEEDS_DIR", ROOT.parent / "shared" / "seeds"))


def graph_name(path: Path) -> str:
    """Named graph of a data file, following the project's naming of graphs."""
    if path.is_relative_to(KB):
        return f"{BASE}graph/{path.relative_to(KB).with_suffix('').as_posix()}"
    rel = path.relative_to(ONTOLOGY).with_suffix("")
    if rel.parts[0] == "vocabularies":
        return f"{BASE}graph/vocab/{'/'.join(rel.parts[1:])}"
    return f"{BASE}graph/ontology" if rel.as_posix() == "clusterkb" else f"{BASE}graph/{rel}"


KB_FILES = sorted(KB.rglob("*.ttl"))
CLUSTER_FILES = sorted((KB / "clusters").glob("*.ttl"))
SHARED_FILES = sorted((KB / "shared").glob("*.ttl"))
QUESTION_FILES = sorted(QUESTIONS.glob("*.rq"))


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """An in-memory Oxigraph store with every KB and ontology file in its own named graph."""
    st = ox.Store()
    for path in KB_FILES + sorted(ONTOLOGY.rglob("*.ttl")):
        st.load(path=str(path), format=ox.RdfFormat.TURTLE,
                to_graph=ox.NamedNode(graph_name(path)))
    return st


@pytest.fixture(scope="module")
def kb_graphs() -> dict[Path, Graph]:
    return {path: Graph().parse(path, format="turtle") for path in KB_FILES}


def test_the_three_cluster_files_and_the_shared_files_exist() -> None:
    assert {p.stem for p in CLUSTER_FILES} == set(SEEDS)
    assert {"organisations", "networks", "programmes", "events", "places", "sources"} <= {
        p.stem for p in SHARED_FILES}


@pytest.mark.parametrize("path", KB_FILES, ids=lambda p: p.relative_to(KB).as_posix())
def test_file_parses_and_is_not_empty(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


def test_store_holds_one_named_graph_per_file(store: ox.Store) -> None:
    names = {g.value for g in store.named_graphs()}
    assert {graph_name(p) for p in KB_FILES} <= names
    assert f"{BASE}graph/clusters/rohealth" in names


def seed_names() -> set[str]:
    """The seed files that exist; the known names if the seeds are not checked out beside us."""
    if SEEDS_DIR.is_dir():
        return {p.name for p in SEEDS_DIR.iterdir() if p.is_file()}
    return {name for name, _ in SEEDS.values()}


@pytest.mark.parametrize("path", CLUSTER_FILES, ids=lambda p: p.stem)
def test_cluster_graph_is_derived_from_its_source_document(store: ox.Store, path: Path) -> None:
    rows = list(store.query(f"""
        PREFIX prov: <{PROV}> PREFIX dct: <{DCTERMS}>
        SELECT ?doc ?id ?time ?issued WHERE {{
          GRAPH <{graph_name(path)}> {{
            <{graph_name(path)}> prov:wasDerivedFrom ?doc ; prov:generatedAtTime ?time }}
          ?doc a <{CKB}SourceDocument> ; dct:identifier ?id ; dct:title ?title ;
               dct:publisher ?publisher .
          FILTER (isIRI(?publisher))
          OPTIONAL {{ ?doc dct:issued ?issued }}
        }}""", use_default_graph_as_union=True))
    assert len(rows) == 1, f"{path.name}: expected one source document, got {rows}"
    row = rows[0]
    seed, issued = SEEDS[path.stem]
    assert row["id"].value == seed
    assert seed in seed_names()
    assert row["time"].datatype.value == str(XSD_DATETIME)
    assert (row["issued"].value if row["issued"] is not None else None) == issued


@pytest.mark.parametrize("path", SHARED_FILES, ids=lambda p: p.stem)
def test_shared_graph_has_provenance(kb_graphs: dict[Path, Graph], path: Path) -> None:
    g = kb_graphs[path]
    me = URIRef(graph_name(path))
    sources = set(g.objects(me, PROV.wasDerivedFrom))
    assert sources, f"{path.name}: the graph is derived from no source document"
    assert all(str(s).startswith(f"{BASE}id/source/") for s in sources)
    times = list(g.objects(me, PROV.generatedAtTime))
    assert len(times) == 1 and times[0].datatype == XSD_DATETIME


def test_every_subject_has_a_readable_name(kb_graphs: dict[Path, Graph]) -> None:
    union = Graph()
    for g in kb_graphs.values():
        union += g
    unnamed = sorted(
        str(s) for s in set(union.subjects())
        if not any(isinstance(o, Literal) and str(o).strip()
                   for p in NAME_PROPERTIES for o in union.objects(s, p))
    )
    assert unnamed == []


def test_no_blank_nodes(kb_graphs: dict[Path, Graph]) -> None:
    """Every resource has an IRI, so every fact can be linked to and dereferenced."""
    for path, g in kb_graphs.items():
        blanks = {t for triple in g for t in triple if not isinstance(t, URIRef | Literal)}
        assert not blanks, f"{path.name} has blank nodes"


def test_every_typed_kb_resource_is_in_the_id_space(kb_graphs: dict[Path, Graph]) -> None:
    for path, g in kb_graphs.items():
        for s in g.subjects(RDF.type, None):
            assert str(s).startswith(f"{BASE}id/"), f"{path.name}: {s} is outside {BASE}id/"


# --- competency questions -----------------------------------------------------------

EXPECTED = json.loads((QUESTIONS / "expected.json").read_text(encoding="utf-8"))


def test_there_are_at_least_20_questions_each_with_an_expected_answer() -> None:
    slugs = {p.stem for p in QUESTION_FILES}
    assert len(slugs) >= 20
    assert slugs == {k for k in EXPECTED if not k.startswith("_")}


def _value(term: object) -> str | None:
    return None if term is None else term.value


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda p: p.stem)
def test_competency_question(store: ox.Store, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ")
    assert lines[1].startswith("# description: ") and len(lines[1]) > len("# description: ")
    expected = EXPECTED[path.stem]
    result = store.query(text, use_default_graph_as_union=True)
    if "ask" in expected:
        assert isinstance(result, ox.QueryBoolean)
        assert bool(result) is expected["ask"]
        return
    assert isinstance(result, ox.QuerySolutions)
    columns = [v.value for v in result.variables]
    assert columns == expected["columns"]
    rows = [tuple(_value(sol[c]) for c in columns) for sol in result]
    assert len(rows) == len(set(rows)), f"duplicate rows: {rows}"
    assert set(rows) == {tuple(r) for r in expected["rows"]}
