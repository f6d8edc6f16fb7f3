"""The HTML view model of the catalogue page (``catalog.html``), no Flask.

Read from the DCAT-AP graph the catalogue answers as RDF (``catalog.catalog_graph``),
so the page and the RDF can never disagree; texts are chosen by ``labels``'
one language rank.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from clusterkb.labels import best_text
from clusterkb.namespaces import HYDRA


def catalog_view(graph: Graph, base: str) -> dict:
    """What ``catalog.html`` shows: datasets with their distributions, the service, paging."""
    cat = URIRef(f"{base}catalog")

    def text(node, prop) -> str:
        return best_text(graph, node, (prop,)) or ""

    datasets = []
    for d in sorted(graph.objects(cat, DCAT.dataset)):
        dists = []
        for dist in sorted(graph.objects(d, DCAT.distribution)):
            size = graph.value(dist, DCAT.byteSize)
            dists.append({"title": text(dist, DCTERMS.title),
                          "url": str(graph.value(dist, DCAT.downloadURL)),
                          "media_type": str(graph.value(dist, DCAT.mediaType)).rsplit(
                              "media-types/", 1)[-1],
                          "compressed": graph.value(dist, DCAT.compressFormat) is not None,
                          "size": int(size) if size is not None else None})
        datasets.append({"iri": str(d), "title": text(d, DCTERMS.title),
                         "description": text(d, DCTERMS.description),
                         "modified": str(graph.value(d, DCTERMS.modified) or ""),
                         "keywords": sorted(str(k) for k in graph.objects(d, DCAT.keyword)),
                         "distributions": dists})
    services = [{"title": text(s, DCTERMS.title), "description": text(s, DCTERMS.description),
                 "endpoint": str(graph.value(s, DCAT.endpointURL))}
                for s in graph.objects(cat, DCAT.service)]
    view = graph.value(cat, HYDRA.view)
    pager = {}
    if view is not None:
        for rel, prop in (("first", HYDRA.first), ("previous", HYDRA.previous),
                          ("next", HYDRA.next), ("last", HYDRA.last)):
            target = graph.value(view, prop)
            if target is not None:
                pager[rel] = str(target)
    total = graph.value(cat, HYDRA.totalItems)
    return {"title": text(cat, DCTERMS.title), "description": text(cat, DCTERMS.description),
            "datasets": datasets, "services": services, "pager": pager,
            "total": int(total) if total is not None else len(datasets)}
