"""``clusterkb validate`` as a user runs it: the installed console script, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rdflib import Graph

from .conftest import FIXTURES, ROOT

CLUSTERKB = Path(sys.executable).parent / "clusterkb"
PROFILE = FIXTURES / "valid" / "transylvania-medtech-profile.ttl"
AWARD = FIXTURES / "invalid" / "award.ttl"


def run(*args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CLUSTERKB_ONTOLOGY_DIR": str(ROOT / "ontology"),
                   "CLUSTERKB_SHAPES_DIR": str(ROOT / "shapes"), **env}
    result = subprocess.run([str(CLUSTERKB), "validate", *args], input=stdin,
                            capture_output=True, timeout=120, env=environment)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode(), result.stderr.decode())


def test_valid_file_exits_0():
    result = run(str(PROFILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Validation: conforms")


def test_invalid_file_exits_1_with_readable_messages_grouped_by_node():
    result = run(str(AWARD))
    assert result.returncode == 1
    out = result.stdout
    assert "does NOT conform" in out
    assert "<https://w3id.org/clusterkb/id/award/no-level>" in out
    assert "[Violation] path ckb:validUntil" in out
    assert "ends (2018-06-01) before it starts (2020-06-01)" in out
    assert "Traceback" not in result.stderr


def test_warnings_alone_exit_0_and_are_printed():
    result = run(str(FIXTURES / "invalid" / "cluster-recommended.ttl"))
    assert result.returncode == 0
    assert "[Warning] path dct:spatial" in result.stdout


def test_malformed_file_exits_2_with_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n")
    result = run(str(bad))
    assert result.returncode == 2
    assert f"{bad}: line 3, column" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_malformed_jsonld_reports_its_line(tmp_path):
    bad = tmp_path / "bad.jsonld"
    bad.write_text('{\n  "@id": "urn:x:a",\n  "urn:x:b": [1, 2,\n}\n')
    result = run(str(bad))
    assert result.returncode == 2
    assert "line 4" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_unknown_extension_exit_2(tmp_path):
    assert run(str(tmp_path / "nowhere.ttl")).returncode == 2
    odd = tmp_path / "data.xyz"
    odd.write_text("")
    result = run(str(odd))
    assert result.returncode == 2
    assert "--input-format" in result.stderr


def test_stdin_is_read_with_dash():
    result = run("-", stdin=AWARD.read_bytes())
    assert result.returncode == 1
    assert "award/no-level" in result.stdout


def test_input_format_overrides_the_extension(tmp_path):
    disguised = tmp_path / "profile.txt"
    disguised.write_bytes(PROFILE.read_bytes())
    assert run(str(disguised), "--input-format", "turtle").returncode == 0
    assert run(str(PROFILE), "--input-format", "nt").returncode == 2


def test_json_output_parses():
    result = run(str(AWARD), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["conforms"] is False
    assert document["counts"]["Violation"] == 11
    assert {r["focus"] for r in document["results"]} == {
        "https://w3id.org/clusterkb/id/award/orphan",
        "https://w3id.org/clusterkb/id/award/no-level",
        "https://w3id.org/clusterkb/id/award/wrong-values"}


def test_turtle_output_is_the_shacl_report_graph():
    result = run(str(AWARD), "--format", "turtle")
    assert result.returncode == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    sh = "http://www.w3.org/ns/shacl#"
    assert graph.query(f"ASK {{ ?r a <{sh}ValidationReport> ; <{sh}conforms> false }}").askAnswer


def test_files_are_validated_together(tmp_path):
    """An award in one file, its holder in another: together nobody is an orphan."""
    award = tmp_path / "award.ttl"
    award.write_text(
        "@prefix ckb: <https://w3id.org/clusterkb/ontology#> .\n"
        "<https://w3id.org/clusterkb/id/award/a> a ckb:Prize .\n")
    holder = tmp_path / "holder.nt"
    h = "<https://w3id.org/clusterkb/id/organisation/h>"
    a_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    has_award = "<https://w3id.org/clusterkb/ontology#hasAward>"
    holder.write_text(
        f"{h} {a_type} <http://www.w3.org/ns/org#Organization> .\n"
        f'{h} <http://www.w3.org/2000/01/rdf-schema#label> "H"@en .\n'
        f"{h} {has_award} <https://w3id.org/clusterkb/id/award/a> .\n")
    assert run(str(award)).returncode == 1
    assert run(str(award), str(holder)).returncode == 0


def test_no_file_validates_the_kb_with_provenance(tmp_path):
    kb = tmp_path / "kb"
    (kb / "clusters").mkdir(parents=True)
    prefixes = ("@prefix prov: <http://www.w3.org/ns/prov#> .\n"
                "@prefix org: <http://www.w3.org/ns/org#> .\n"
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                "@prefix id: <https://w3id.org/clusterkb/id/> .\n")
    (kb / "clusters" / "x.ttl").write_text(
        prefixes
        + "<https://w3id.org/clusterkb/graph/clusters/x> prov:wasDerivedFrom id:source\\/x ;\n"
        '    prov:generatedAtTime "2026-11-23T00:00:00Z"^^xsd:dateTime .\n'
        'id:organisation\\/x a org:Organization ; rdfs:label "X"@en .\n')
    assert run(CLUSTERKB_KB_DIR=str(kb)).returncode == 0
    (kb / "clusters" / "y.ttl").write_text(
        prefixes + 'id:organisation\\/y a org:Organization ; rdfs:label "Y"@en .\n')
    result = run(CLUSTERKB_KB_DIR=str(kb))
    assert result.returncode == 1
    assert "<https://w3id.org/clusterkb/graph/clusters/y>" in result.stdout
    assert "prov:wasDerivedFrom" in result.stdout
    assert "graph/clusters/x" not in result.stdout


def test_cli_and_http_expand_the_context_alike_under_another_base_iri(start_server, tmp_path):
    """One context loader: the CLI expanded ``cluster:`` to the default base, HTTP to the
    configured one, and neither validated against vocabularies moved to that base."""
    import requests

    base = "http://example.org/kb/"
    document = json.loads((FIXTURES / "valid" / "submission.json").read_text(encoding="utf-8"))
    document["@context"] = f"{base}context.jsonld"
    document["@graph"][0]["organisationType"] = "organisation-types:an-ngo"
    upload = tmp_path / "profile.json"
    upload.write_text(json.dumps(document), encoding="utf-8")

    def violations(report: dict) -> list[tuple]:
        return sorted((r["focus"], r["path"], r["value"]) for r in report["results"]
                      if r["severity"] == "Violation")

    expected = [(f"{base}id/cluster/rohealth", "https://w3id.org/clusterkb/ontology#"
                 "organisationType", f"{base}vocab/organisation-types/an-ngo")]
    cli = run(str(upload), "--format", "json", CLUSTERKB_BASE_IRI=base)
    assert cli.returncode == 1, cli.stderr
    assert violations(json.loads(cli.stdout)) == expected
    url = start_server(CLUSTERKB_BASE_IRI=base)  # builds its store under that base first
    http = requests.post(f"{url}/validate", data=upload.read_bytes(), timeout=120,
                         headers={"Content-Type": "application/ld+json",
                                  "Accept": "application/json"}).json()
    assert violations(http) == expected
