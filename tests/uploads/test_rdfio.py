"""Safe parsing of untrusted RDF: no network, no local files, limits, located errors."""

from __future__ import annotations

import io
import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from clusterkb.jsonld_context import upload_contexts
from clusterkb.rdfio import (
    RDFParseError,
    RDFTooLarge,
    format_for_media_type,
    format_for_path,
    format_name,
    parse_dataset,
    parse_graph,
    read_limited,
)

CONTEXT_IRI = "https://w3id.org/clusterkb/context.jsonld"
CONTEXT = {"@context": {"name": "http://schema.org/name",
                        "@base": "https://w3id.org/clusterkb/"}}


@pytest.fixture()
def listener():
    """A TCP listener on 127.0.0.1 that records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)

    def connections() -> int:
        count = 0
        while True:
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                return count
            conn.close()
            count += 1

    yield f"http://127.0.0.1:{server.getsockname()[1]}", connections
    server.close()


@pytest.mark.parametrize("shape", [
    '{{"@context": "{url}/ctx.jsonld", "@id": "http://example.org/a", "name": "x"}}',
    '{{"@context": ["{url}/ctx.jsonld"], "@id": "http://example.org/a", "name": "x"}}',
    '{{"@context": {{"@import": "{url}/ctx.jsonld"}}, "@id": "http://example.org/a"}}',
    '{{"@context": {{"p": {{"@id": "http://example.org/p", "@context": "{url}/s.jsonld"}}}},'
    ' "@id": "http://example.org/a", "p": {{"q": 1}}}}',
    '{{"@id": "http://example.org/a", "http://example.org/p": '
    '{{"@context": "{url}/nested.jsonld", "name": "x"}}}}',
])
def test_remote_json_ld_contexts_are_refused_without_any_request(listener, shape):
    url, connections = listener
    document = shape.format(url=url).encode()
    with pytest.raises(RDFParseError) as error:
        parse_graph(document, "json-ld", contexts={CONTEXT_IRI: CONTEXT})
    assert url in str(error.value)
    assert connections() == 0


def test_file_contexts_are_refused(tmp_path):
    secret = tmp_path / "ctx.jsonld"
    secret.write_text(json.dumps({"@context": {"name": "http://example.org/leak"}}))
    document = json.dumps({"@context": secret.as_uri(), "@id": "http://example.org/a",
                           "name": "x"}).encode()
    with pytest.raises(RDFParseError, match="not allowed"):
        parse_graph(document, "json-ld")


def test_the_local_context_is_used_without_fetching():
    document = json.dumps({"@context": CONTEXT_IRI, "@id": "id/cluster/x",
                           "name": "X"}).encode()
    graph = parse_graph(document, "json-ld", contexts={CONTEXT_IRI: CONTEXT})
    assert set(graph) == {(URIRef("https://w3id.org/clusterkb/id/cluster/x"),
                           URIRef("http://schema.org/name"), Literal("X"))}


def test_upload_contexts_reads_the_ontology_folder(data_config, tmp_path):
    config = data_config({"ontology/context.jsonld": json.dumps(CONTEXT)})
    assert upload_contexts(config) == {CONTEXT_IRI: CONTEXT}
    assert upload_contexts(replace(config, ontology_dir=tmp_path / "elsewhere")) == {}


def test_upload_contexts_follow_a_configured_base_iri(data_config):
    """The one context loader: under another base IRI, ``cluster:`` means that base's clusters
    (the CLI used a second loader that kept the default base)."""
    context = {"@context": {"cluster": "https://w3id.org/clusterkb/id/cluster/",
                            "ckb": "https://w3id.org/clusterkb/ontology#"}}
    config = data_config({"ontology/context.jsonld": json.dumps(context)},
                         base_iri="http://example.org/kb/")
    assert upload_contexts(config) == {"http://example.org/kb/context.jsonld": {"@context": {
        "cluster": "http://example.org/kb/id/cluster/",
        "ckb": "https://w3id.org/clusterkb/ontology#"}}}
    document = json.dumps({"@context": "http://example.org/kb/context.jsonld",
                           "@id": "cluster:x", "ckb:acronym": "X"}).encode()
    graph = parse_graph(document, "json-ld", contexts=upload_contexts(config))
    assert {str(s) for s in graph.subjects()} == {"http://example.org/kb/id/cluster/x"}


def test_rdf_xml_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    document = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>&leak;</ex:p></rdf:Description>
</rdf:RDF>""".encode()
    with pytest.raises(RDFParseError) as error:
        parse_graph(document, "rdf/xml")
    assert "TOP-SECRET-CONTENT" not in str(error.value)
    assert "DTD" in str(error.value)


def test_rdf_xml_entity_expansion_is_refused():
    laughs = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
<rdf:Description rdf:about="http://example.org/a"><ex:p>&c;</ex:p></rdf:Description></rdf:RDF>"""
    with pytest.raises(RDFParseError):
        parse_graph(laughs, "application/rdf+xml")


def test_plain_rdf_xml_parses():
    document = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="http://example.org/a"><rdfs:label xml:lang="hu">Klaszter</rdfs:label>
  </rdf:Description>
</rdf:RDF>"""
    graph = parse_graph(document, "rdf/xml")
    assert set(graph) == {(URIRef("http://example.org/a"), RDFS.label,
                           Literal("Klaszter", lang="hu"))}


def test_turtle_syntax_errors_carry_line_and_column():
    document = b'@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open .\n'
    with pytest.raises(RDFParseError) as error:
        parse_graph(document, "turtle")
    assert error.value.line == 3
    assert error.value.column == 11
    assert str(error.value).startswith("line 3, column 11: ")


def test_json_syntax_errors_carry_line_and_column():
    with pytest.raises(RDFParseError) as error:
        parse_graph(b'{"@id": "http://example.org/a",\n  "x": }', "json-ld")
    assert (error.value.line, error.value.column) == (2, 8)


def test_size_limit_is_enforced_before_parsing():
    data = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n" * 10
    with pytest.raises(RDFTooLarge):
        parse_graph(data, "nt", max_bytes=100)
    assert len(parse_graph(data, "nt", max_bytes=len(data))) == 1
    with pytest.raises(RDFTooLarge):
        read_limited(io.BytesIO(data), 100)
    assert read_limited(io.BytesIO(data), len(data)) == data


def test_quads_keep_their_graphs_in_a_dataset():
    data = (b'<http://example.org/a> <http://example.org/b> "1" <http://example.org/g> .\n'
            b'<http://example.org/a> <http://example.org/b> "2" .\n')
    dataset = parse_dataset(data, "nq")
    assert len(dataset.graph(URIRef("http://example.org/g"))) == 1
    assert len(dataset.default_graph) == 1
    assert len(parse_graph(data, "nq")) == 2


def test_blank_nodes_of_two_inputs_stay_apart():
    one = parse_graph(b"_:b1 <http://example.org/p> 1 .", "turtle")
    two = parse_graph(b"_:b1 <http://example.org/p> 2 .", "turtle")
    assert set(one.subjects()).isdisjoint(two.subjects())


def test_format_helpers():
    assert format_for_path(Path("x/profile.ttl")) == "turtle"
    assert format_for_path("dump.nq") == "nq"
    assert format_for_path("a.jsonld") == "json-ld"
    assert format_for_path("a.rdf") == "rdf/xml"
    assert format_for_path("a.txt") is None
    assert format_for_media_type("text/turtle; charset=utf-8") == "turtle"
    assert format_for_media_type("application/ld+json") == "json-ld"
    assert format_for_media_type("text/html") is None
    assert format_name("ttl") == "turtle"
    with pytest.raises(RDFParseError, match="unsupported RDF format"):
        format_name("n3")
