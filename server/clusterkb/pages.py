"""What the HTML page of a cluster organisation shows, read from the store.

A cluster's profile spreads over many resources: its award node, member
counts, partners with their countries, events with their cities, projects with
their programmes, a success story with the figures of the organisation it
features, and the source document the graph was derived from. A generic
"property: value" table shows the cluster's own triples but leaves a reader
three clicks from most facts. This module gathers the cluster and its
neighbourhood (two hops, with labels) with a few trusted queries into one
rdflib graph, then arranges it into sections a person reads top to bottom.

Every outgoing statement of the cluster ends up on the page: the properties the
sections do not use are listed under "Other statements", so new data never
disappears from view. Links are made by a caller-supplied ``href`` function, so
the module knows nothing about Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SDO, SKOS
from rdflib.term import Node

from clusterkb.describe import describe
from clusterkb.labels import (
    add_labels,
    country_name,
    display,
    iri_ref,
    label_triples,
    pick_label,
    short_name,
)
from clusterkb.links import safe_href
from clusterkb.namespaces import CKB, COUNTRY, EURIO, LEGAL
from clusterkb.store.base import Store

Href = Callable[[str], str | None]

#: Nodes fetched per expansion round: a neighbourhood, not the whole KB.
MAX_EXPANSION = 400


# --- gathering ------------------------------------------------------------------------

def neighbourhood(store: Store, iri: str, rounds: int = 2, graph: Graph | None = None) -> Graph:
    """``describe(iri)`` plus the outgoing triples of the nodes it reaches, ``rounds`` hops out.

    ``graph`` is ``describe(iri)`` when the caller already has it.

    Another cluster organisation reached (a partner, a cluster linking to this
    one) brings its own outgoing triples (its name, countries, types: what the
    page shows of it) but is not expanded further: its members, projects and
    partners are its own page's business. Without that stop, the second round
    fetched the neighbourhoods of every partner, and a page's cost grew with
    how connected the KB is (bench/NOTES.md).
    """
    graph = describe(store, iri) if graph is None else graph
    seen: set[URIRef] = {URIRef(iri)}
    frontier = _linked(graph, URIRef(iri))
    for _ in range(rounds):
        todo = sorted(n for n in frontier if n not in seen)[:MAX_EXPANSION]
        if not todo:
            break
        seen.update(todo)
        values = " ".join(iri_ref(str(n)) for n in todo)
        graph += store.construct(f"""
            CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }} WHERE {{
              VALUES ?s {{ {values} }} ?s ?p ?o
              OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }} }}""")
        frontier = set()
        for node in todo:
            if (node, RDF.type, CKB.ClusterOrganisation) not in graph:
                frontier |= _linked(graph, node)
    add_labels(store, graph)
    return graph


def _linked(graph: Graph, node: Node) -> set[URIRef]:
    """IRIs ``node`` points at (through its blank nodes too) and IRIs that point at it."""
    found: set[URIRef] = set()
    stack, visited = [node], set()
    while stack:
        current = stack.pop()
        if current in visited:
            continue
        visited.add(current)
        for p, o in graph.predicate_objects(current):
            if p == RDF.type:
                continue
            if isinstance(o, URIRef):
                found.add(o)
            elif isinstance(o, BNode) or str(o).startswith(f"{node}#"):
                stack.append(o)
    found |= {s for s in graph.subjects(None, node) if isinstance(s, URIRef)}
    return found


def sources(store: Store, iri: str) -> list[dict]:
    """The graphs that say something about ``iri`` and the source documents they came from."""
    rows = store.select(f"""
        SELECT DISTINCT ?g ?generated ?src ?p ?o WHERE {{
          GRAPH ?g {{ {iri_ref(iri)} ?anyp ?anyo }}
          OPTIONAL {{ ?g <{PROV.generatedAtTime}> ?generated }}
          OPTIONAL {{ ?g <{PROV.wasDerivedFrom}> ?src OPTIONAL {{ ?src ?p ?o }} }}
        }}""")
    graph = Graph()
    found: dict[str, dict] = {}
    for r in rows:
        if r.get("src") is None:
            continue
        found.setdefault(str(r["src"]), {"graph": str(r["g"]),
                                         "generated": _text(r.get("generated"))})
        if r.get("p") is not None:
            graph.add((r["src"], r["p"], r["o"]))
    add_labels(store, graph)
    out = []
    for src, info in sorted(found.items()):
        node = URIRef(src)
        out.append({
            "iri": src, "label": display(graph, node), "graph": info["graph"],
            "generated": info["generated"],
            "title": _text(graph.value(node, DCTERMS.title)),
            "identifier": _text(graph.value(node, DCTERMS.identifier)),
            "issued": _text(graph.value(node, DCTERMS.issued)),
            "publisher": [(display(graph, p), str(p))
                          for p in graph.objects(node, DCTERMS.publisher)],
            "comment": _text(graph.value(node, RDFS.comment)),
        })
    return out


# --- small helpers -------------------------------------------------------------------

def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


@dataclass
class View:
    """Turns graph nodes into the dicts ``_value.html`` renders."""

    graph: Graph
    href: Href

    def node(self, node: Node) -> dict:
        if isinstance(node, Literal):
            dt = str(node.datatype) if node.datatype else None
            return {"kind": "literal", "text": str(node), "lang": node.language,
                    "datatype": short_name(dt) if dt else None}
        if isinstance(node, BNode):
            return {"kind": "bnode", "label": display(self.graph, node),
                    "props": self.rows(node, depth=1)}
        iri = str(node)
        local = self.href(iri)
        return {"kind": "iri", "iri": iri, "href": local or safe_href(iri),
                "label": display(self.graph, node), "local": local is not None}

    def label(self, node: Node) -> str:
        return self.node(node)["label"] if isinstance(node, URIRef) else display(self.graph, node)

    def values(self, subject: Node, *props: URIRef) -> list[Node]:
        out: list[Node] = []
        for p in props:
            out += sorted(self.graph.objects(subject, p), key=self._sort_key)
        return out

    def _sort_key(self, node: Node) -> str:
        return str(node) if isinstance(node, Literal) else self.label(node).lower()

    def nodes(self, subject: Node, *props: URIRef) -> list[dict]:
        return [self.node(v) for v in self.values(subject, *props)]

    def texts(self, subject: Node, *props: URIRef) -> list[str]:
        return [str(v) for v in self.values(subject, *props) if isinstance(v, Literal)]

    def first(self, subject: Node, *props: URIRef) -> str | None:
        texts = self.texts(subject, *props)
        return texts[0] if texts else None

    def rows(self, subject: Node, skip: Iterable[URIRef] = (), depth: int = 0) -> list[dict]:
        """Generic ``property: values`` rows of ``subject`` (minus ``skip``)."""
        skipped = set(skip)
        grouped: dict[URIRef, list[Node]] = defaultdict(list)
        for p, o in self.graph.predicate_objects(subject):
            if p not in skipped:
                grouped[p].append(o)
        rows = []
        for p, objs in grouped.items():
            vals = [self.node(o) if depth < 3 or not isinstance(o, BNode)
                    else {"kind": "literal", "text": "…", "lang": None, "datatype": None}
                    for o in sorted(objs, key=str)]
            rows.append({"property": self.node(p), "values": vals})
        rows.sort(key=lambda r: r["property"]["label"].lower())
        return rows

    def places(self, subject: Node) -> list[dict]:
        """Where ``subject`` is: its spatial/location values, and the country of each place."""
        out, seen = [], set()
        for place in self.values(subject, DCTERMS.spatial, SDO.location):
            if place in seen:
                continue
            seen.add(place)
            out.append(self.node(place))
        return out

    def countries(self, subject: Node) -> list[URIRef]:
        """Country IRIs of ``subject``: direct, or through the places it is located in."""
        found: list[URIRef] = []
        for place in self.values(subject, DCTERMS.spatial, SDO.location):
            candidates = [place] + list(self.graph.objects(place, SDO.containedInPlace))
            for c in candidates:
                if isinstance(c, URIRef) and str(c).startswith(str(COUNTRY)) and c not in found:
                    found.append(c)
        return found


# --- the cluster page ---------------------------------------------------------------------

#: The cluster's properties that the sections below show; the rest go to "Other statements".
_SHOWN = {
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, CKB.acronym, LEGAL.legalName,
    SDO.foundingDate, CKB.numberOfFounders, CKB.founderType, CKB.cooperationSince,
    CKB.organisationType, DCTERMS.spatial, SDO.location, RDFS.comment, SDO.description,
    CKB.mission, CKB.hasAward, CKB.belongsToNetwork, ORG.hasPost, CKB.sectoralIndustry,
    CKB.technologyField, CKB.s3PriorityArea, CKB.emergingIndustry, CKB.industrialEcosystem,
    CKB.scientificField, CKB.areaOfSpecialisation, CKB.supportFacilityType, CKB.memberType,
    CKB.hasMemberCount, CKB.majorPlayer, CKB.objective, CKB.activity, CKB.supportService,
    CKB.transnationalActivity, CKB.collaboratesWith, CKB.cooperationAgreementWith,
    CKB.participatesInProject, CKB.membersParticipatedIn, CKB.obtainedFunding,
    CKB.hasSuccessStory, CKB.managedBy, ORG.hasMembership, ORG.hasMember, CKB.relevantPolicy,
    CKB.exhibitsAt, CKB.participatesInEvent, CKB.membersWonPrize, CKB.hasFigure,
    CKB.developmentPriority, CKB.relatedTopic, CKB.geographicalFocus,
}

_CLASSIFICATIONS = (
    ("Sectoral industries", CKB.sectoralIndustry),
    ("Technology fields", CKB.technologyField),
    ("S3 priority areas", CKB.s3PriorityArea),
    ("Emerging industries", CKB.emergingIndustry),
    ("Industrial ecosystems", CKB.industrialEcosystem),
    ("Scientific fields", CKB.scientificField),
)


def is_cluster(graph: Graph, iri: str) -> bool:
    return (URIRef(iri), RDF.type, CKB.ClusterOrganisation) in graph


def cluster_page(store: Store, iri: str, href: Href, graph: Graph | None = None) -> dict:
    """Everything ``cluster.html`` shows about the cluster ``iri`` (``graph``: its description)."""
    graph = neighbourhood(store, iri, graph=graph)
    v = View(graph, href)
    c = URIRef(iri)
    name = pick_label(graph, c) or short_name(iri)
    return {
        "iri": iri,
        "name": name,
        "other_names": _other_names(graph, c, name),
        "acronyms": v.texts(c, CKB.acronym),
        "legal_names": v.texts(c, LEGAL.legalName),
        "types": v.nodes(c, RDF.type),
        "organisation_types": v.nodes(c, CKB.organisationType),
        "descriptions": v.texts(c, SDO.description),
        "missions": v.texts(c, CKB.mission),
        "places": v.places(c),
        "countries": [v.node(x) for x in v.countries(c)],
        "geographical_focus": v.nodes(c, CKB.geographicalFocus),
        "founded": _founding(v, c),
        "awards": [_award(v, a) for a in v.values(c, CKB.hasAward)],
        "prizes": [_described(v, p) for p in v.values(c, CKB.membersWonPrize)],
        "figures": [_described(v, f) for f in v.values(c, CKB.hasFigure)],
        "composition": _composition(v, c),
        "members": _members(v, c),
        "member_types": v.nodes(c, CKB.memberType),
        "facility_types": v.nodes(c, CKB.supportFacilityType),
        "major_players": [_described(v, p) for p in v.values(c, CKB.majorPlayer)],
        "managed_by": [_described(v, m) for m in v.values(c, CKB.managedBy)],
        "posts": [_described(v, p) for p in v.values(c, ORG.hasPost)],
        "classifications": [(title, v.nodes(c, prop)) for title, prop in _CLASSIFICATIONS
                            if (c, prop, None) in graph],
        "specialisations": v.texts(c, CKB.areaOfSpecialisation),
        "services": v.nodes(c, CKB.supportService),
        "objectives": v.texts(c, CKB.objective),
        "activities": v.texts(c, CKB.activity),
        "priorities": v.texts(c, CKB.developmentPriority),
        "transnational": v.texts(c, CKB.transnationalActivity),
        "policies": [_described(v, p) for p in v.values(c, CKB.relevantPolicy)],
        "networks": [_described(v, n) for n in v.values(c, CKB.belongsToNetwork)],
        "related": v.nodes(c, CKB.relatedTopic),
        "partners": _partners(v, c),
        "projects": [_project(v, p) for p in v.values(c, CKB.participatesInProject)],
        "programmes": [_described(v, p) for p in v.values(c, CKB.membersParticipatedIn)],
        "funding": [_funding(v, f) for f in v.values(c, CKB.obtainedFunding)],
        "events": [_event(v, e) for e in v.values(c, CKB.exhibitsAt, CKB.participatesInEvent)],
        "stories": [_story(v, s) for s in v.values(c, CKB.hasSuccessStory)],
        "notes": v.texts(c, RDFS.comment),
        "other": v.rows(c, skip=_SHOWN),
        "incoming": incoming(v, c),
        "sources": sources(store, iri),
    }


def _other_names(graph: Graph, c: URIRef, name: str) -> list[dict]:
    seen, out = {name}, []
    for prop in (SKOS.prefLabel, RDFS.label, SKOS.altLabel, SDO.alternateName, LEGAL.legalName):
        for lit in sorted(graph.objects(c, prop), key=str):
            if isinstance(lit, Literal) and str(lit) not in seen:
                seen.add(str(lit))
                out.append({"text": str(lit), "lang": lit.language})
    return out


def _founding(v: View, c: URIRef) -> dict:
    return {"date": v.first(c, SDO.foundingDate, DCTERMS.created),
            "founders": v.first(c, CKB.numberOfFounders),
            "founder_types": v.nodes(c, CKB.founderType),
            "cooperation_since": v.first(c, CKB.cooperationSince)}


def _described(v: View, node: Node) -> dict:
    """A linked resource with its description, comment and the figures it carries."""
    return {"link": v.node(node),
            "description": v.first(node, SDO.description, DCTERMS.description, SKOS.definition),
            "comment": v.first(node, RDFS.comment),
            "acronym": v.first(node, CKB.acronym),
            "places": v.places(node),
            "figures": [v.node(f) for f in v.values(node, CKB.hasFigure)],
            "parts": v.nodes(node, DCTERMS.isPartOf)}


def _award(v: View, a: Node) -> dict:
    levels = v.values(a, CKB.awardLevel)
    return {"link": v.node(a),
            "kind": [v.node(t) for t in v.values(a, RDF.type)],
            "level": v.label(levels[0]) if levels else None,
            "level_key": short_name(str(levels[0])).rsplit(":", 1)[-1].lower() if levels else None,
            "level_link": v.node(levels[0]) if levels else None,
            "date": v.first(a, CKB.awardDate),
            "valid_from": v.first(a, CKB.validFrom),
            "valid_until": v.first(a, CKB.validUntil),
            "awarded_by": v.nodes(a, CKB.awardedBy),
            "see_also": v.nodes(a, RDFS.seeAlso),
            "contributors": v.nodes(a, DCTERMS.contributor),
            "times": v.first(a, CKB.timesAwarded),
            "places": v.places(a),
            "comment": v.first(a, RDFS.comment)}


def _composition(v: View, c: URIRef) -> dict:
    """Member counts as bars of an SVG chart, largest first; the total marked as such."""
    bars = []
    for count in v.values(c, CKB.hasMemberCount):
        n = v.first(count, CKB.memberCount)
        if n is None or not n.isdigit():
            continue
        types = v.values(count, CKB.countedType)
        bars.append({"value": int(n),
                     "what": v.label(types[0]) if types else "members (all)",
                     "type": v.node(types[0]) if types else None,
                     "link": v.node(count),
                     "date": v.first(count, CKB.referenceDate),
                     "comment": v.first(count, RDFS.comment)})
    bars.sort(key=lambda b: (b["type"] is not None, -b["value"]))
    top = max((b["value"] for b in bars), default=0)
    width, row = 320, 28
    for i, b in enumerate(bars):
        b["y"] = i * row
        b["width"] = max(2, round(width * b["value"] / top)) if top else 2
    return {"bars": bars, "height": row * len(bars), "width": width}


def _members(v: View, c: URIRef) -> list[dict]:
    """Member organisations grouped by organisation type, with their role where known."""
    found: dict[Node, dict] = {}
    for m in v.values(c, ORG.hasMember):
        found.setdefault(m, {"roles": []})
    for ms in v.values(c, ORG.hasMembership):
        for m in v.values(ms, ORG.member):
            found.setdefault(m, {"roles": []})["roles"] += v.nodes(ms, ORG.role)
    for m in v.graph.subjects(ORG.memberOf, c):
        found.setdefault(m, {"roles": []})
    for ms in v.graph.subjects(ORG.organization, c):
        for m in v.values(ms, ORG.member):
            entry = found.setdefault(m, {"roles": []})
            for role in v.nodes(ms, ORG.role):
                if role not in entry["roles"]:
                    entry["roles"].append(role)
    groups: dict[str, list[dict]] = defaultdict(list)
    for m, info in found.items():
        types = v.values(m, CKB.organisationType)
        group = v.label(types[0]) if types else "Other members"
        groups[group].append({"link": v.node(m), "roles": info["roles"],
                              "places": v.places(m)})
    return [{"type": g, "members": sorted(ms, key=lambda x: x["link"]["label"].lower())}
            for g, ms in sorted(groups.items(), key=lambda kv: (kv[0] == "Other members", kv[0]))]


def _partners(v: View, c: URIRef) -> dict:
    """Collaborations as a list and as a picture: the cluster, its partners grouped by country."""
    partners = []
    for prop, kind in ((CKB.collaboratesWith, "collaborates with"),
                       (CKB.cooperationAgreementWith, "cooperation agreement")):
        for p in v.values(c, prop):
            countries = v.countries(p)
            partners.append({"link": v.node(p), "kind": kind,
                             "countries": [v.node(x) for x in countries],
                             "country": (country_name(str(countries[0])) if countries
                                         else "Country not given"),
                             "types": [v.node(t) for t in v.values(p, RDF.type)],
                             "acronym": v.first(p, CKB.acronym),
                             "comment": v.first(p, RDFS.comment)})
    partners.sort(key=lambda p: (p["country"] == "Country not given", p["country"],
                                 p["link"]["label"].lower()))
    hub = v.first(c, CKB.acronym) or v.label(c)
    picture = _network_picture(v.label(c), partners)
    if picture:
        picture["short"] = hub if len(hub) <= 12 else hub[:11] + "…"
    return {"list": partners, "picture": picture}


def _network_picture(name: str, partners: list[dict]) -> dict | None:
    """Coordinates of an SVG "bow tie": the cluster in the middle, partners fanned out left
    and right in evenly spaced rows (so labels never overlap), grouped by country."""
    if not partners:
        return None
    step, label_room, rx = 26, 290, 200
    left = (len(partners) + 1) // 2
    rows = max(left, len(partners) - left)
    ry = max(60, step * (rows - 1) / 2 + 30)
    width, height = 2 * (rx + label_room + 20), 2 * ry + 40
    cx, cy = width / 2, height / 2
    countries: list[str] = []
    nodes = []
    for i, p in enumerate(partners):
        if p["country"] not in countries:
            countries.append(p["country"])
        side, k = (-1, i) if i < left else (1, i - left)
        count = left if side < 0 else len(partners) - left
        y = cy - step * (count - 1) / 2 + step * k
        spread = 1 - ((y - cy) / (ry + 20)) ** 2
        x = cx + side * (70 + (rx - 70) * spread ** 0.5)
        label = p["link"]["label"]
        nodes.append({"x": round(x, 1), "y": round(y, 1), "tx": round(x + side * 13, 1),
                      "ty": round(y + 4, 1), "anchor": "end" if side < 0 else "start",
                      "label": label if len(label) <= 40 else label[:38] + "…",
                      "full": label, "href": p["link"]["href"], "country": p["country"],
                      "group": countries.index(p["country"]) % 8})
    return {"width": round(width), "height": round(height), "cx": round(cx, 1),
            "cy": round(cy, 1), "name": name, "nodes": nodes,
            "legend": [{"country": c, "group": i % 8} for i, c in enumerate(countries)]}


def _project(v: View, p: Node) -> dict:
    out = _described(v, p)
    out["scope"] = v.texts(p, CKB.projectScope)
    out["geographic_scope"] = v.first(p, CKB.geographicScope)
    out["programmes"] = v.nodes(p, EURIO.isFundedBy, CKB.fundingProgramme)
    out["names"] = [n for n in v.texts(p, SKOS.altLabel)]
    return out


def _funding(v: View, f: Node) -> dict:
    out = _described(v, f)
    out["programmes"] = []
    for prog in v.values(f, CKB.fundingProgramme):
        out["programmes"].append({"link": v.node(prog), "parent": v.nodes(prog, DCTERMS.isPartOf)})
    out["amounts"] = [v.label(a) for a in v.values(f, CKB.fundingAmount)]
    out["kind"] = v.first(f, CKB.fundingKind)
    out["recipient"] = v.first(f, CKB.fundingRecipient)
    return out


def _event(v: View, e: Node) -> dict:
    out = _described(v, e)
    cities = []
    for place in v.values(e, SDO.location):
        cities.append({"link": v.node(place),
                       "countries": [v.node(x) for x in v.values(place, SDO.containedInPlace)
                                     if str(x).startswith(str(COUNTRY))]})
    out["cities"] = cities
    out["dates"] = [d for d in (v.first(e, SDO.startDate), v.first(e, SDO.endDate)) if d]
    return out


def _story(v: View, s: Node) -> dict:
    out = _described(v, s)
    out["name"] = v.first(s, SDO.name) or v.label(s)
    out["text"] = v.texts(s, SDO.text)
    out["activities"] = v.texts(s, CKB.activity)
    out["featured"] = [_described(v, f)
                       for f in v.values(s, CKB.featuredOrganisation, CKB.featuredPerson)]
    out["mentions"] = [_described(v, m) for m in v.values(s, SDO.mentions)]
    out["policies"] = v.nodes(s, CKB.relevantPolicy)
    out["objectives"] = v.nodes(s, CKB.contributesToObjective)
    return out


def incoming(v: View, iri: URIRef) -> list[dict]:
    """Resources linking to ``iri``, grouped by the property they link with."""
    grouped: dict[URIRef, set[Node]] = defaultdict(set)
    for s, p in v.graph.subject_predicates(iri):
        if isinstance(s, URIRef) and s != iri and not str(s).startswith(f"{iri}#"):
            grouped[p].add(s)
    return [{"property": v.node(p),
             "values": sorted((v.node(s) for s in subs), key=lambda n: n["label"].lower())}
            for p, subs in sorted(grouped.items(), key=lambda kv: v.label(kv[0]).lower())]


# --- the home page ----------------------------------------------------------------------

@dataclass
class HomeStats:
    clusters: int = 0
    organisations: int = 0
    countries: int = 0
    labels: int = 0
    by_country: list[dict] = field(default_factory=list)


def home_stats(store: Store, href: Href) -> HomeStats:
    """Counts for the home page and the cluster organisations listed by country."""
    orgs = " ".join(f"<{t}>" for t in (ORG.Organization, ORG.FormalOrganization,
                                        CKB.ClusterOrganisation, FOAF.Organization))
    counts = store.select(f"""
        SELECT (COUNT(DISTINCT ?c) AS ?clusters) (COUNT(DISTINCT ?o) AS ?orgs)
               (COUNT(DISTINCT ?country) AS ?countries) (COUNT(DISTINCT ?l) AS ?labels) WHERE {{
          {{ ?c a <{CKB.ClusterOrganisation}> }}
          UNION {{ VALUES ?t {{ {orgs} }} ?o a ?t }}
          UNION {{ ?x <{DCTERMS.spatial}>|<{SDO.containedInPlace}> ?country
                   FILTER(STRSTARTS(STR(?country), "{COUNTRY}")) }}
          UNION {{ ?l a <{CKB.ExcellenceLabel}> }} }}""")
    row = counts[0] if counts else {}
    rows = store.select(f"""
        SELECT ?c ?country WHERE {{ ?c a <{CKB.ClusterOrganisation}>
          OPTIONAL {{ ?c <{DCTERMS.spatial}> ?country
                      FILTER(STRSTARTS(STR(?country), "{COUNTRY}")) }} }}""")
    graph = Graph()  # the clusters' names, for the view
    for triple in label_triples(store, {str(r["c"]) for r in rows}):
        graph.add(triple)
    view = View(graph, href)
    by_country: dict[str, list[dict]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for r in rows:
        country = country_name(str(r["country"])) if r.get("country") is not None else None
        key = (str(r["c"]), country or "")
        if key in seen:
            continue
        seen.add(key)
        by_country[country or "Country not given"].append(view.node(r["c"]))
    return HomeStats(
        clusters=int(row.get("clusters", 0) or 0), organisations=int(row.get("orgs", 0) or 0),
        countries=int(row.get("countries", 0) or 0), labels=int(row.get("labels", 0) or 0),
        by_country=[{"country": k, "clusters": sorted(v, key=lambda n: n["label"].lower())}
                    for k, v in sorted(by_country.items(),
                                       key=lambda kv: (kv[0] == "Country not given", kv[0]))])
