"""The build validates graph by graph with the real shapes, reuses verdicts, checks across graphs.

The KB is a small ``bench/gen.py`` KB (3 clusters, shape-conforming by
construction) with the repository's ontology and shapes, so these builds run
the real validation workers and the real SPARQL checks.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from clusterkb.build import BuildError, build
from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "https://schema.org/"
CKB = "https://w3id.org/clusterkb/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
CLUSTERS = 3
UNITS = 2 + CLUSTERS  # ontology + vocabularies, kb/shared/, one per cluster file


def _gen():
    spec = importlib.util.spec_from_file_location("clusterkb_bench_gen", ROOT / "bench" / "gen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GEN = _gen()


@pytest.fixture()
def kb(tmp_path: Path) -> Config:
    GEN.generate(CLUSTERS, tmp_path / "kb")
    return Config(kb_dir=tmp_path / "kb", var_dir=tmp_path / "var", query_timeout=5.0,
                  query_workers=1)


def _append(config: Config, relative: str, triple: str) -> Path:
    path = Path(config.kb_dir) / relative
    with path.open("a", encoding="utf-8") as handle:
        handle.write(triple + "\n")
    return path


def test_a_violation_in_one_cluster_file_is_reported_with_file_and_focus_and_blocks(kb):
    cluster = GEN.cluster_iri(1)
    _append(kb, "clusters/c000001.ttl", f'<{cluster}> <{CKB}organisationType> "an NGO" .')
    with pytest.raises(BuildError) as error:
        build(kb)
    message = str(error.value)
    assert error.value.exit_code == 1
    assert "clusters/c000001.ttl: 1 violation(s)" in message
    assert cluster.rsplit("/", 1)[-1] in message
    assert "c000000.ttl" not in message and "c000002.ttl" not in message
    assert not (kb.store_path / "current.json").exists()


def test_unchanged_rebuild_validates_nothing_and_one_changed_file_one_graph(kb):
    first = build(kb)
    assert (first.validation.validated, first.validation.reused) == (UNITS, 0)
    again = build(kb)
    assert (again.validation.validated, again.validation.reused) == (0, UNITS)
    assert "0 graphs validated, 5 reused" in again.text()
    _append(kb, "clusters/c000002.ttl", "# an edit that keeps the data valid")
    changed = build(kb)
    assert (changed.validation.validated, changed.validation.reused) == (1, UNITS - 1)


def test_a_change_to_a_shared_file_revalidates_every_graph(kb):
    build(kb)
    _append(kb, "shared/places.ttl", "# an edit of a shared file")
    result = build(kb)
    assert (result.validation.validated, result.validation.reused) == (UNITS, 0)


def test_a_file_that_failed_is_validated_again_after_its_fix(kb):
    path = _append(kb, "clusters/c000000.ttl",
                   f'<{GEN.cluster_iri(0)}> <{CKB}organisationType> "an NGO" .')
    with pytest.raises(BuildError):
        build(kb)
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    result = build(kb)
    assert result.validation.validated == 1  # the fixed file; the others passed the first time


def test_values_split_over_two_cluster_files_are_caught_across_graphs(kb):
    """Each file alone is valid; together cluster 0 has two founding dates (sh:maxCount 1).

    The second file types the cluster (an untyped resource is a violation of the
    file alone, by the known-type shape) and names it."""
    cluster = GEN.cluster_iri(0)
    _append(kb, "clusters/c000001.ttl",
            f"<{cluster}> a <http://www.w3.org/ns/org#Organization> .\n"
            f'<{cluster}> <http://www.w3.org/2000/01/rdf-schema#label> "Cluster 0"@en .\n'
            f'<{cluster}> <{SCHEMA}foundingDate> "1990-01-01"^^<{XSD}date> .')
    with pytest.raises(BuildError) as error:
        build(kb)
    message = str(error.value)
    assert error.value.exit_code == 1
    assert "across graphs" in message and "whole KB: 1 violation(s)" in message
    assert GEN.cluster_iri(0).rsplit("/", 1)[-1] in message
    assert "graph/clusters/c000000" in message and "graph/clusters/c000001" in message
    assert not (kb.store_path / "current.json").exists()
    store = EmbeddedStore(kb)  # the refused generation left nothing published
    try:
        assert store.is_empty()
    finally:
        store.close()


def _curate(config: Config) -> Path:
    """A curation graph: cluster 0's country, as inferred; only clusters/c000000.ttl types it."""
    graph = GEN.graph_name("curation/inferred")
    prov = "http://www.w3.org/ns/prov#"
    path = Path(config.kb_dir) / "curation" / "inferred.ttl"
    path.parent.mkdir()
    path.write_text(
        f'<{graph}> <http://www.w3.org/2000/01/rdf-schema#label> "Curators\' inferences"@en .\n'
        f"<{graph}> <{prov}wasDerivedFrom> <{GEN.ID}source/c000000-profile> .\n"
        f'<{graph}> <{prov}generatedAtTime> "2026-12-02T12:00:00Z"^^<{XSD}dateTime> .\n'
        f"<{GEN.cluster_iri(0)}> <http://purl.org/dc/terms/spatial> "
        f"<http://publications.europa.eu/resource/authority/country/AUT> .\n", encoding="utf-8")
    return path


def test_a_curation_graph_is_validated_with_the_clusters_it_annotates(kb):
    """Alone, cluster 0 has no type in the curation graph (a known-type violation); with the
    resources it reaches in the other KB graphs it conforms, and it is validated again when
    one of those files changes."""
    _curate(kb)
    first = build(kb)
    assert (first.validation.validated, first.validation.reused) == (UNITS + 1, 0)
    _append(kb, "clusters/c000002.ttl", "# an edit that keeps the data valid")
    changed = build(kb)
    assert (changed.validation.validated, changed.validation.reused) == (2, UNITS - 1)


def test_units_that_conformed_are_kept_when_another_units_worker_fails(kb, monkeypatch):
    """A build stopped by one unit (its worker died) keeps the verdicts of the others:
    ``validated.json`` is written as units finish, not only at the end."""
    from clusterkb.validation_pool import ValidationPool, ValidationUnavailable

    real = ValidationPool.validate
    broken = GEN.cluster_iri(2).rsplit("/", 1)[-1]

    def validate(self, job, timeout):
        if any(graph.endswith(f"/clusters/{broken}") for graph in job["graphs"]):
            raise ValidationUnavailable("the validation worker failed: killed")
        return real(self, job, timeout)

    monkeypatch.setattr(ValidationPool, "validate", validate)
    with pytest.raises(BuildError) as error:
        build(kb)
    assert "killed" in str(error.value)
    monkeypatch.setattr(ValidationPool, "validate", real)
    result = build(kb)
    assert (result.validation.validated, result.validation.reused) == (1, UNITS - 1)


def _graph_triples(config: Config, name: str) -> int:
    store = EmbeddedStore(config)
    try:
        return len(store.graph(f"https://w3id.org/clusterkb/graph/{name}"))
    finally:
        store.close()


def test_a_rebuild_writes_only_the_graph_whose_file_changed(kb):
    first = build(kb)
    assert first.rewritten == len(first.graphs)  # nothing was built before
    cluster = GEN.cluster_iri(2)
    before = _graph_triples(kb, "clusters/c000002")
    _append(kb, "clusters/c000002.ttl",
            f'<{cluster}> <http://www.w3.org/2004/02/skos/core#altLabel> "renamed"@en .')
    changed = build(kb)
    assert changed.rewritten == 1  # clusters/c000002 alone (the catalogue is not stored)
    assert _graph_triples(kb, "clusters/c000002") == before + 1
    assert changed.graphs == {**first.graphs,
                              "https://w3id.org/clusterkb/graph/clusters/c000002": before + 1}
    assert "; 1 graphs written" in changed.text()


def test_a_write_since_the_last_build_makes_the_next_build_write_every_graph(kb):
    first = build(kb)
    store = EmbeddedStore(kb)
    try:  # e.g. an accepted submission: the store no longer is what the last build wrote
        from rdflib import Graph
        store.replace_graphs({"https://w3id.org/clusterkb/graph/clusters/c000001": Graph()})
    finally:
        store.close()
    again = build(kb)
    assert again.rewritten == len(first.graphs)
    assert _graph_triples(kb, "clusters/c000001") > 0  # the file's data is back
