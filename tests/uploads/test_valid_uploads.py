"""The upload path in process: format sniffing, stable labels, and the killable validation
workers (``clusterkb.uploads``, ``clusterkb.validation_pool``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psutil
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from clusterkb.config import Config
from clusterkb.uploads import Upload, UploadRefused, parse_upload, sniff_format, validate_upload
from clusterkb.validation import _label
from clusterkb.validation_pool import ValidationPool

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "https://w3id.org/clusterkb/id/cluster/x"


@pytest.mark.parametrize("text, expected", [
    ('{"@context": "https://w3id.org/clusterkb/context.jsonld"}', "json-ld"),
    ('\ufeff  [{"@id": "x"}]', "json-ld"),
    ('<?xml version="1.0"?><rdf:RDF/>', "rdf/xml"),
    ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "rdf/xml"),
    ("<!DOCTYPE rdf:RDF [<!ENTITY a 'b'>]><rdf:RDF/>", "rdf/xml"),
    ("<https://example.org/a> <https://example.org/b> <https://example.org/c> .", "turtle"),
    ("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .", "turtle"),
    ("PREFIX ex: <https://example.org/>\nex:g { ex:a ex:b ex:c . }", "trig"),
    ("GRAPH <https://example.org/g> { <https://example.org/a> <b> <c> }", "trig"),
])
def test_pasted_text_is_sniffed(text, expected):
    assert sniff_format(text.encode("utf-8")) == expected


def test_a_label_does_not_depend_on_the_order_of_the_graph():
    node = URIRef(CLUSTER)
    labels = [Literal("Zeta", lang="ro"), Literal("Beta"), Literal("Gamma", lang="en"),
              Literal("Alpha", lang="en")]
    for order in (labels, labels[::-1], labels[1:] + labels[:1]):
        graph = Graph()
        for label in order:
            graph.add((node, RDFS.label, label))
        assert _label(graph, node) == "Alpha"
    untagged = Graph()
    untagged.add((node, RDFS.label, Literal("Zeta", lang="ro")))
    untagged.add((node, RDFS.label, Literal("Beta")))
    assert _label(untagged, node) == "Beta"  # untagged before another language


NEVER_ENDING = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/slow#Shape> a sh:NodeShape ;
    sh:targetSubjectsOf <http://example.org/slow#slow> ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "never" ; sh:select \"\"\"
        SELECT $this WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i .
            FILTER (CONCAT(STR(?c), STR(?f), STR(?i)) = "no such text") }\"\"\" ] .
"""


def test_a_validation_past_its_limit_kills_its_worker_and_a_new_one_takes_over(tmp_path):
    shapes = tmp_path / "shapes"
    shutil.copytree(ROOT / "shapes", shapes)
    (shapes / "never-ending.ttl").write_text(NEVER_ENDING, encoding="utf-8")
    config = Config(ontology_dir=ROOT / "ontology", kb_dir=ROOT / "kb", shapes_dir=shapes,
                    validation_timeout=3.0)
    pool = ValidationPool(config, 1)
    cheap = Upload(f'<{CLUSTER}> <{RDFS.label}> "X"@en .'.encode(), "turtle")
    slow = Upload(f"<{CLUSTER}> <http://example.org/slow#slow> 1 .".encode(), "turtle")
    try:
        before = validate_upload(cheap, parse_upload(cheap, config), config, pool)
        [first] = pool.pids()
        with pytest.raises(UploadRefused) as refused:
            validate_upload(slow, parse_upload(slow, config), config, pool)
        assert refused.value.status == 503 and "limit of 3 s" in refused.value.message
        assert not psutil.pid_exists(first) or \
            psutil.Process(first).status() == psutil.STATUS_ZOMBIE
        [second] = pool.pids()
        assert second != first
        after = validate_upload(cheap, parse_upload(cheap, config), config, pool)
        assert after.to_json() == before.to_json()  # the new worker gives the same report
    finally:
        pool.close()
