"""The benchmark's synthetic KB: deterministic for a seed, and accepted by the shapes.

If the generator drifted from the shapes, every benchmark number would be
measured on data the real KB could never contain; if it were not deterministic,
two runs would not measure the same thing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from clusterkb.config import Config
from clusterkb.validation import validate_kb

ROOT = Path(__file__).resolve().parents[2]
CKB = Namespace("https://w3id.org/clusterkb/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")


def _load_gen():
    spec = importlib.util.spec_from_file_location("clusterkb_bench_gen", ROOT / "bench" / "gen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load_gen()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.ttl"))}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "kb"
    gen.generate(12, out, seed=3, nquads=out.parent / "kb.nq")
    return out


def test_same_seed_same_bytes_and_other_seed_differs(generated: Path, tmp_path: Path) -> None:
    gen.generate(12, tmp_path / "again", seed=3)
    gen.generate(12, tmp_path / "other", seed=4)
    assert _files(generated) == _files(tmp_path / "again")
    assert _files(generated) != _files(tmp_path / "other")


def test_one_file_per_cluster_plus_shared(generated: Path) -> None:
    clusters = sorted(p.name for p in (generated / "clusters").glob("*.ttl"))
    assert len(clusters) == 12
    assert {p.stem for p in (generated / "shared").glob("*.ttl")} >= {
        "sources", "programmes", "networks", "events", "organisations", "places"}


def test_generated_kb_conforms_to_the_shapes(generated: Path) -> None:
    report = validate_kb(Config(kb_dir=generated))
    assert report.conforms, report.text()


def test_terms_come_from_the_real_vocabularies(generated: Path) -> None:
    vocab = Graph()
    for path in (ROOT / "ontology" / "vocabularies").glob("*.ttl"):
        vocab.parse(path)
    concepts = set(vocab.subjects(RDF.type, SKOS.Concept))
    data = Graph()
    for path in generated.rglob("*.ttl"):
        data.parse(path)
    levels = set(data.objects(None, CKB.awardLevel))
    assert levels and levels <= concepts
    for prop in (CKB.sectoralIndustry, CKB.technologyField, CKB.organisationType):
        used = set(data.objects(None, prop))
        assert used and used <= concepts, prop
    assert len(set(data.subjects(RDF.type, CKB.ClusterOrganisation))) == 12


def test_nquads_hold_the_same_triples_with_provenance_per_graph(generated: Path) -> None:
    dataset = Dataset()
    dataset.parse(generated.parent / "kb.nq", format="nquads")
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert URIRef("https://w3id.org/clusterkb/graph/clusters/c000000") in names
    total = 0
    for graph in dataset.graphs():
        if not len(graph):
            continue
        total += len(graph)
        assert (graph.identifier, PROV.wasDerivedFrom, None) in graph, graph.identifier
    turtle = sum(len(Graph().parse(p)) for p in generated.rglob("*.ttl"))
    assert total == turtle
