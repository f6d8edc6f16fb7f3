"""The data.europa.eu metadata quality score (MQA) of a DCAT catalogue, for the tests.

Indicators, levels and points are those of ``shared/reference/mqa.md`` (the
piveau MQA metric definitions): dataset-level indicators count the share of
datasets that pass, distribution-level ones the share of distributions. The
shares are taken over all distributions (not just each dataset's best one),
which can only lower the score, so a pass here is a pass on the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

AUTH = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
#: EU file types on the MQA non-proprietary and machine-readable lists that a KB could use.
OPEN_MACHINE_READABLE = {f"{AUTH}file-type/{code}" for code in (
    "RDF_TURTLE", "RDF_N_TRIPLES", "RDF_N_QUADS", "RDF_TRIG", "RDF_XML", "JSON_LD", "CSV",
    "JSON", "XML")}

DATASET_POINTS = {"keywords": 30, "categories": 30, "geo": 20, "time": 20,
                  "dcat_ap": 30, "access_rights": 10, "access_rights_vocab": 5,
                  "contact_point": 20, "publisher": 10, "issued": 5, "modified": 5}
DISTRIBUTION_POINTS = {"access_url_answers": 50, "download_url": 20,
                       "download_url_answers": 30, "format": 20, "media_type": 10,
                       "from_vocabularies": 10, "non_proprietary": 20,
                       "machine_readable": 20, "licence": 20, "known_licence": 10,
                       "rights": 5, "byte_size": 5}
assert sum(DATASET_POINTS.values()) + sum(DISTRIBUTION_POINTS.values()) == 405


def shapes_graph(reference: Path) -> Graph:
    """DCAT-AP 3.0.1 Base + Ranges + Recommendations (``dcat-ap/SOURCE.txt``)."""
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl"):
        shapes.parse(reference / "dcat-ap" / name, format="turtle")
    return shapes


def violations(data: Graph, shapes: Graph) -> list[str]:
    """Messages of every sh:Violation (warnings do not count)."""
    _, report, _ = validate(data, shacl_graph=shapes, allow_warnings=True)
    SH = "http://www.w3.org/ns/shacl#"
    return [str(report.value(r, URIRef(SH + "resultMessage")))
            for r in report.subjects(URIRef(SH + "resultSeverity"), URIRef(SH + "Violation"))]


def score(catalogue: Graph, shapes: Graph, answers: Callable[[str], bool]) -> float:
    """MQA points of ``catalogue``; ``answers(url)`` says whether HEAD gets a 2xx/3xx."""
    datasets = list(catalogue.subjects(RDF.type, DCAT.Dataset))
    dists = list(catalogue.subjects(RDF.type, DCAT.Distribution))
    assert datasets and dists
    compliant = not violations(catalogue, shapes)

    def has(node, prop) -> bool:
        return catalogue.value(node, prop) is not None

    def ds_checks(d) -> dict[str, bool]:
        rights = catalogue.value(d, DCTERMS.accessRights)
        return {"keywords": has(d, DCAT.keyword), "categories": has(d, DCAT.theme),
                "geo": has(d, DCTERMS.spatial), "time": has(d, DCTERMS.temporal),
                "dcat_ap": compliant, "access_rights": rights is not None,
                "access_rights_vocab": str(rights).startswith(f"{AUTH}access-right/"),
                "contact_point": has(d, DCAT.contactPoint),
                "publisher": has(d, DCTERMS.publisher),
                "issued": has(d, DCTERMS.issued), "modified": has(d, DCTERMS.modified)}

    def dist_checks(x) -> dict[str, bool]:
        fmt = str(catalogue.value(x, DCTERMS.format) or "")
        media = str(catalogue.value(x, DCAT.mediaType) or "")
        access = catalogue.value(x, DCAT.accessURL)
        download = catalogue.value(x, DCAT.downloadURL)
        licence = str(catalogue.value(x, DCTERMS.license) or "")
        return {"access_url_answers": access is not None and answers(str(access)),
                "download_url": download is not None,
                "download_url_answers": download is not None and answers(str(download)),
                "format": bool(fmt), "media_type": bool(media),
                "from_vocabularies": fmt.startswith(f"{AUTH}file-type/")
                and media.startswith(IANA),
                "non_proprietary": fmt in OPEN_MACHINE_READABLE,
                "machine_readable": fmt in OPEN_MACHINE_READABLE,
                "licence": bool(licence), "known_licence": licence.startswith(f"{AUTH}licence/"),
                "rights": has(x, DCTERMS.rights), "byte_size": has(x, DCAT.byteSize)}

    total = 0.0
    ds_results = [ds_checks(d) for d in datasets]
    for name, points in DATASET_POINTS.items():
        total += points * sum(r[name] for r in ds_results) / len(ds_results)
    dist_results = [dist_checks(x) for x in dists]
    for name, points in DISTRIBUTION_POINTS.items():
        total += points * sum(r[name] for r in dist_results) / len(dist_results)
    return total
