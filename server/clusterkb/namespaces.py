"""RDF namespaces used across clusterkb, and the IRIs minted from the base IRI."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VANN,
    VOID,
    XSD,
)

# The project's own ontology.
CKB = Namespace("https://w3id.org/clusterkb/ontology#")

# The EU's vocabularies (SEMIC core vocabularies, EURIO, the authority lists).
LEGAL = Namespace("http://www.w3.org/ns/legal#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EURIO = Namespace("http://data.europa.eu/s66#")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")

# W3C and community vocabularies rdflib does not define.
FRAPO = Namespace("http://purl.org/cerif/frapo/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES: dict[str, Namespace] = {
    "ckb": CKB, "org": Namespace(str(ORG)), "legal": LEGAL, "adms": ADMS, "eurio": EURIO,
    "frapo": FRAPO, "vann": VANN, "vcard": VCARD, "hydra": HYDRA, "sd": SD, "sh": SH,
    "dcat": Namespace(str(DCAT)), "dct": Namespace(str(DCTERMS)), "foaf": Namespace(str(FOAF)),
    "owl": Namespace(str(OWL)), "prov": Namespace(str(PROV)), "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)), "schema": Namespace(str(SDO)), "skos": Namespace(str(SKOS)),
    "void": Namespace(str(VOID)), "xsd": Namespace(str(XSD)),
}


def graph_iri(base_iri: str, name: str) -> str:
    """The IRI of a named graph, e.g. ``{base}graph/cluster/rohealth``."""
    return f"{base_iri}graph/{name}"
