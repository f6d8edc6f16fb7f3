"""Listing pages: what lives under an IRI that ends in ``/`` (``{base}id/cluster/``, ...).

IRIs in the KB are paths (``id/cluster/rohealth``, ``vocab/label-levels/gold``,
``graph/clusters/rohealth``), so a person or a crawler that cuts an IRI back to a
``/`` expects to find what is beside it. A listing names the IRIs directly under
its path (its *members*) and, for deeper paths, one sub-listing per next segment
with how many IRIs it holds. Hash IRIs (``...#membership-1``) are parts of the
resource before the ``#`` and are not listed.

The RDF form is a Hydra collection, as the catalogue's pages are::

    <{base}id/cluster/> a hydra:Collection ; rdfs:label "id/cluster/" ;
        hydra:totalItems 12 ; hydra:member <{base}id/cluster/rohealth>, ... ;
        hydra:view <{base}id/cluster/?page=1> .
    <{base}id/cluster/rohealth> rdfs:label "ROHEALTH ..." ; a ckb:ClusterOrganisation .
    <{base}id/cluster/?page=1> a hydra:PartialCollectionView ;
        hydra:first ... ; hydra:next ... ; hydra:last ... .

Sub-listings are members too, typed ``hydra:Collection`` with their own ``totalItems``.
This module knows nothing about Flask: the web layer hands it the IRIs and labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from clusterkb.errors import ClientError
from clusterkb.namespaces import HYDRA

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 10_000


def paging(args: Mapping[str, str], default: int = DEFAULT_PER_PAGE,
           maximum: int = MAX_PER_PAGE) -> tuple[int, int]:
    """``(page, per_page)`` from query parameters; a bad value is a 400 saying which."""
    return (_int(args, "page", 1, 1, MAX_PAGE), _int(args, "per_page", default, 1, maximum))


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ClientError(f"Query parameter {name!r} must be an integer from {low} to {high}, "
                          f"got {raw!r}", parameter=name)
    return value


@dataclass(frozen=True)
class Item:
    """An IRI to list, with its name and (optional) kind: a class IRI and its human name."""

    iri: str
    label: str
    kind: str | None = None
    kind_label: str | None = None


@dataclass(frozen=True)
class Member:
    iri: str
    label: str
    kind: str | None
    kind_label: str | None
    count: int | None  # sub-listings: how many IRIs they hold; None for a resource


@dataclass(frozen=True)
class Listing:
    iri: str
    total: int
    page: int
    per_page: int
    members: list[Member]

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def empty(self) -> bool:
        return self.total == 0


def listing(prefix: str, items: Iterable[Item], page: int, per_page: int) -> Listing:
    """The listing of ``prefix`` (an IRI ending in ``/``): sub-listings first, then members."""
    direct: dict[str, Item] = {}
    deeper: dict[str, int] = {}
    for item in items:
        if not item.iri.startswith(prefix) or item.iri == prefix:
            continue
        rest = item.iri[len(prefix):]
        head, slash, _ = rest.partition("/")
        if "#" in head or not head:
            continue
        if slash:
            deeper[prefix + head + "/"] = deeper.get(prefix + head + "/", 0) + 1
        else:
            direct[item.iri] = item
    members = [Member(iri, iri[len(prefix):], None, None, n) for iri, n in sorted(deeper.items())]
    members += [Member(i.iri, i.label, i.kind, i.kind_label, None)
                for i in sorted(direct.values(), key=lambda i: (i.label.casefold(), i.iri))]
    start = (page - 1) * per_page
    return Listing(prefix, len(members), page, per_page, members[start:start + per_page])


def to_graph(view: Listing, title: str, page_iri) -> Graph:
    """The Hydra collection of one page of ``view``; ``page_iri(n)`` is the IRI of page n."""
    g = Graph()
    g.bind("hydra", HYDRA)
    c = URIRef(view.iri)
    g.add((c, RDF.type, HYDRA.Collection))
    g.add((c, RDFS.label, Literal(title)))
    g.add((c, HYDRA.totalItems, Literal(view.total, datatype=XSD.nonNegativeInteger)))
    for m in view.members:
        node = URIRef(m.iri)
        g.add((c, HYDRA.member, node))
        g.add((node, RDFS.label, Literal(m.label)))
        if m.count is not None:
            g.add((node, RDF.type, HYDRA.Collection))
            g.add((node, HYDRA.totalItems, Literal(m.count, datatype=XSD.nonNegativeInteger)))
        elif m.kind:
            g.add((node, RDF.type, URIRef(m.kind)))
    here = URIRef(page_iri(view.page))
    g.add((c, HYDRA.view, here))
    g.add((here, RDF.type, HYDRA.PartialCollectionView))
    g.add((here, HYDRA.first, URIRef(page_iri(1))))
    g.add((here, HYDRA.last, URIRef(page_iri(view.last_page))))
    if view.page > 1:
        g.add((here, HYDRA.previous, URIRef(page_iri(min(view.page - 1, view.last_page)))))
    if view.page < view.last_page:
        g.add((here, HYDRA.next, URIRef(page_iri(view.page + 1))))
    return g
