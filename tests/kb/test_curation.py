"""What the sources do not state is kept apart and explained (issue 18.1).

Every statement of a curation graph (``kb/curation/``) is a curators' inference described by
an ``rdf:Statement`` that says from which source it was read, who inferred it and why; and no
statement of a source's own graph takes its date from a copyright line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from .test_kb import CKB, KB, graph_name

CURATION_FILES = sorted((KB / "curation").glob("*.ttl"))
SCHEMA = Namespace("https://schema.org/")
DCT_ISSUED = URIRef("http://purl.org/dc/terms/issued")
BOOKKEEPING = {RDF.type, RDFS.label, RDFS.comment, RDF.subject, RDF.predicate, RDF.object,
               PROV.wasDerivedFrom, PROV.wasAttributedTo, PROV.generatedAtTime}


def unexplained_inferences(g: Graph, graph_iri: URIRef) -> list[str]:
    """Statements of a curation graph that no rdf:Statement of it describes completely."""
    described = {
        (g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object))
        for st in g.subjects(RDF.type, RDF.Statement)
        if (st, PROV.wasDerivedFrom, None) in g and (st, PROV.wasAttributedTo, None) in g
        and any(isinstance(c, Literal) and str(c).strip() for c in g.objects(st, RDFS.comment))
    }
    return sorted(
        f"{s} {p} {o}" for s, p, o in g
        if s != graph_iri and (s, RDF.type, RDF.Statement) not in g
        and (s, RDF.type, PROV.Agent) not in g and p not in BOOKKEEPING
        and (s, p, o) not in described
    )


def test_there_is_a_curation_graph() -> None:
    assert CURATION_FILES, "kb/curation/ holds no graph"


@pytest.mark.parametrize("path", CURATION_FILES, ids=lambda p: p.name)
def test_every_inference_says_from_what_who_and_why(path: Path) -> None:
    g = Graph().parse(path, format="turtle")
    me = URIRef(graph_name(path))
    assert (me, PROV.wasAttributedTo, None) in g and (me, PROV.wasDerivedFrom, None) in g
    assert unexplained_inferences(g, me) == []


def test_an_unexplained_inference_is_caught() -> None:
    g = Graph().parse(CURATION_FILES[0], format="turtle")
    me = URIRef(graph_name(CURATION_FILES[0]))
    extra = (URIRef("https://w3id.org/clusterkb/id/cluster/x"),
             URIRef("http://purl.org/dc/terms/spatial"),
             URIRef("http://publications.europa.eu/resource/authority/country/ITA"))
    g.add(extra)
    assert unexplained_inferences(g, me) == [" ".join(map(str, extra))]


def test_no_date_is_taken_from_a_copyright_year() -> None:
    union = Graph()
    for path in sorted(KB.rglob("*.ttl")):
        union.parse(path, format="turtle")
    years = {str(y) for y in union.objects(None, SCHEMA.copyrightYear)}
    assert years, "the control needs a source with a copyright year"
    dated = [(s, p, o) for p in (URIRef(CKB + "referenceDate"), DCT_ISSUED)
             for s, o in union.subject_objects(p) if str(o)[:4] in years]
    assert dated == []
