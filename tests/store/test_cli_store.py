"""``clusterkb build | load | dump | serve`` as a user runs them: exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from clusterkb.store.embedded import EmbeddedStore

CLUSTERKB = Path(sys.executable).parent / "clusterkb"
BASE = "https://w3id.org/clusterkb/"
# No shapes here, so the result does not depend on the shapes others are writing.
FILES = {
    "ontology/clusterkb.ttl": f"<{BASE}ontology> a <http://www.w3.org/2002/07/owl#Ontology> .",
    "kb/clusters/alpha.ttl": f"<{BASE}id/cluster/alpha> <http://www.w3.org/2000/01/rdf-schema#label>"
                             ' "Alpha"@en .',
}


def run(config, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CLUSTERKB_ONTOLOGY_DIR": str(config.ontology_dir),
                   "CLUSTERKB_KB_DIR": str(config.kb_dir),
                   "CLUSTERKB_SHAPES_DIR": str(config.shapes_dir),
                   "CLUSTERKB_VAR_DIR": str(config.var_dir), **env}
    return subprocess.run([str(CLUSTERKB), *args], capture_output=True, text=True,
                          env=environment, timeout=300)


def published(config) -> list[str]:
    store = EmbeddedStore(config)
    try:
        return store.graphs()
    finally:
        store.close()


@pytest.fixture()
def config(data_config):
    return data_config(FILES)


def test_build_exits_0_and_publishes(config):
    result = run(config, "build")
    assert result.returncode == 0, result.stderr
    assert BASE + "graph/clusters/alpha" in published(config)


def test_build_with_a_syntax_error_exits_2_with_one_line(config):
    (config.kb_dir / "clusters" / "bad.ttl").write_text("<http://example.org/a> <http://e/b> .\n")
    result = run(config, "build")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "clusterkb: error: " in line]
    assert len(errors) == 1 and "bad.ttl:1:" in errors[0]
    assert "Traceback" not in result.stderr
    assert published(config) == []


def test_load_adds_a_file_and_dump_writes_it(config, tmp_path):
    assert run(config, "build").returncode == 0
    extra = tmp_path / "extra.nt"
    extra.write_text('<http://example.org/x> <http://example.org/p> "loaded" .\n')
    result = run(config, "load", str(extra), "--graph", BASE + "graph/extra")
    assert result.returncode == 0, result.stderr
    assert {BASE + "graph/extra", BASE + "graph/clusters/alpha"} <= set(published(config))
    out = tmp_path / "dump.nq"
    result = run(config, "dump", "--format", "nq", "--output", str(out))
    assert result.returncode == 0, result.stderr
    dataset = Dataset().parse(out, format="nquads")
    assert len(dataset.graph(URIRef(BASE + "graph/extra"))) == 1
    assert len(dataset.graph(URIRef(BASE + "graph/clusters/alpha"))) == 1


def test_dump_to_stdout_as_turtle(config):
    assert run(config, "build").returncode == 0
    result = run(config, "dump", "--format", "ttl")
    assert result.returncode == 0
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert (URIRef(BASE + "id/cluster/alpha"), None, None) in graph


def test_load_quads_keep_their_graphs(config, tmp_path):
    quads = tmp_path / "more.nq"
    quads.write_text(f'<http://example.org/x> <http://example.org/p> "q" <{BASE}graph/q> .\n'
                     '<http://example.org/y> <http://example.org/p> "t" .\n')
    assert run(config, "load", str(quads)).returncode == 0
    assert set(published(config)) == {BASE + "graph/q", BASE + "graph/load/more"}


@pytest.mark.parametrize("name,content", [
    ("missing.ttl", None),
    ("notes.txt", "hello"),
    ("broken.ttl", "<http://example.org/a> <http://example.org/b> ."),
])
def test_load_of_unreadable_input_exits_2_and_changes_nothing(config, tmp_path, name, content):
    assert run(config, "build").returncode == 0
    before = published(config)
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = run(config, "load", str(path))
    assert result.returncode == 2
    assert result.stderr.count("clusterkb: error: ") == 1
    assert "Traceback" not in result.stderr
    assert published(config) == before


def test_load_refuses_rdf_xml_with_an_external_entity(config, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    document = tmp_path / "evil.rdf"
    document.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&leak;</ex:p></rdf:Description>
</rdf:RDF>""")
    result = run(config, "load", str(document))
    assert result.returncode == 2
    assert "DTD" in result.stderr and "TOP-SECRET-CONTENT" not in result.stderr
    assert published(config) == []


def test_load_refuses_remote_json_ld_contexts(config, tmp_path):
    document = tmp_path / "remote.jsonld"
    document.write_text(json.dumps({"@context": "http://127.0.0.1:9/ctx.jsonld",
                                    "@id": "http://example.org/a"}))
    result = run(config, "load", str(document))
    assert result.returncode == 2
    assert "http://127.0.0.1:9/ctx.jsonld" in result.stderr


def test_serve_builds_an_empty_store_first(start_server, config):
    url = start_server(CLUSTERKB_ONTOLOGY_DIR=str(config.ontology_dir),
                       CLUSTERKB_KB_DIR=str(config.kb_dir),
                       CLUSTERKB_SHAPES_DIR=str(config.shapes_dir),
                       CLUSTERKB_STORE_DIR=str(config.store_path))
    with urllib.request.urlopen(f"{url}/healthz") as response:
        assert response.status == 200
    assert BASE + "graph/clusters/alpha" in published(config)
