"""The format registry: one name means one syntax, for the engine, rdflib and clients alike."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Literal, URIRef

from clusterkb import formats


@pytest.mark.parametrize("fmt", formats.RDF_FORMATS, ids=lambda f: f.name)
def test_rdflib_writes_what_the_engine_reads_under_the_same_entry(fmt):
    """The rdflib plugin name and the pyoxigraph format of an entry are the same syntax."""
    data = Dataset()
    graph = data.graph(URIRef("http://example.org/g")) if fmt.holds_datasets else data
    graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"),
               Literal("Sănătate", lang="ro")))
    text = data.serialize(format=fmt.rdflib, encoding="utf-8")
    quads = list(ox.parse(text, fmt.rdf))
    assert [str(q.object.value) for q in quads] == ["Sănătate"]
    named = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert named == ({"http://example.org/g"} if fmt.holds_datasets else set())


def test_one_name_means_the_natural_format_of_each_surface():
    # SPARQLWrapper sends format=json / format=xml for both SELECT and CONSTRUCT.
    assert formats.by_name("json", formats.RESULTS_FORMATS) is formats.SPARQL_JSON
    assert formats.by_name("json", formats.GRAPH_FORMATS) is formats.JSON_LD
    assert formats.by_name("xml", formats.GRAPH_FORMATS) is formats.RDF_XML
    assert formats.by_name("json", (formats.JSON, formats.HTML)) is formats.JSON
    assert formats.by_name("ttl", formats.RESULTS_FORMATS) is None


def test_media_types_with_parameters_and_aliases():
    assert formats.by_media_type("text/csv; charset=utf-8", formats.RESULTS_FORMATS) \
        is formats.CSV
    assert formats.by_media_type("application/x-turtle", formats.RDF_FORMATS) is formats.TURTLE
    assert formats.by_media_type("TEXT/TURTLE", formats.RDF_FORMATS) is formats.TURTLE
    # The canonical type beats an alias: plain JSON where it is offered, JSON-LD elsewhere.
    assert formats.by_media_type("application/json", (formats.JSON_LD, formats.JSON)) \
        is formats.JSON
    assert formats.by_media_type("application/json", formats.GRAPH_FORMATS) is formats.JSON_LD


def test_extensions_and_format_iris():
    assert formats.by_extension(".owl", formats.RDF_FORMATS) is formats.RDF_XML
    assert formats.by_extension("jsonld", formats.RDF_FORMATS) is formats.JSON_LD
    assert formats.by_extension("csv", formats.RDF_FORMATS) is None
    assert formats.TURTLE.iri == "http://www.w3.org/ns/formats/Turtle"
    assert formats.SPARQL_XML.iri == "http://www.w3.org/ns/formats/SPARQL_Results_XML"
    assert formats.N_QUADS.eu_file_type_iri == \
        "http://publications.europa.eu/resource/authority/file-type/RDF_N_QUADS"
    assert formats.of_engine(ox.QueryResultsFormat.TSV) is formats.TSV
