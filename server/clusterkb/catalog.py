"""The DCAT-AP 3.0 catalogue of the KB, built from what the store holds.

EU data portals harvest this to list the KB: one ``dcat:Dataset`` for the
whole KB with a ``dcat:Distribution`` per dump, the SPARQL endpoint as a
``dcat:DataService``, and one dataset per cluster graph. Every controlled
value is an EU authority IRI, typed and labelled, so the catalogue passes the
official DCAT-AP shapes (including range and vocabulary checks) and scores
"Excellent" on the portals' metadata quality assessment.

``catalog_graph(config, store)`` gives the whole catalogue (the build puts it
into ``graph/catalog``); the ``/catalog`` route asks for one page of it, with
the URLs of the server it answers on.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from clusterkb import formats
from clusterkb.config import Config
from clusterkb.labels import LABEL_PROPERTIES, name_among
from clusterkb.namespaces import COUNTRY, HYDRA, VCARD, graph_iri
from clusterkb.store.base import Store

AUTH = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
DCATAP = "http://data.europa.eu/r5r/"
LICENCE = URIRef(f"{AUTH}licence/CC_BY_4_0")
ACCESS_PUBLIC = URIRef(f"{AUTH}access-right/PUBLIC")
LANG_ENG = URIRef(f"{AUTH}language/ENG")
AVAILABILITY_STABLE = URIRef(f"{AUTH}planned-availability/STABLE")
THEMES = {"ECON": "Economy and finance", "TECH": "Science and technology",
          "REGI": "Regions and cities"}
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
KEYWORDS = ("business clusters", "cluster organisations", "innovation", "regional development",
            "smart specialisation", "linked data", "knowledge graph")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
#: (extension, media type, EU file type, label) of each full dump; ``web.dumps`` serves them.
DUMP_KINDS = tuple((f.name, f.media_type, f.eu_file_type, f.label)
                   for f in (formats.TURTLE, formats.N_TRIPLES, formats.N_QUADS))


@dataclass(frozen=True)
class Page:
    """Which slice of the dataset list to publish; ``number`` counts from 1."""

    number: int = 1
    size: int | None = None  # None: every dataset (the build's full catalogue)
    modified_since: datetime | None = None  # aware; datasets changed at or after it


def catalog_graph(config: Config, store: Store, *, public_url: str | None = None,
                  byte_sizes: Mapping[str, int] | None = None, page: Page = Page(),
                  kb: KbFacts | None = None) -> Graph:
    """The DCAT-AP catalogue (or one page of it) as an rdflib Graph.

    ``public_url`` is the root that download and endpoint URLs start with
    (default: the base IRI); ``byte_sizes`` maps dump names (``dump.ttl.gz``)
    to their sizes, when known; ``kb`` the whole KB's facts (``kb_facts``) when
    the caller keeps them for the generation, else they are read.
    """
    return _Builder(config, store, public_url or config.base_iri, byte_sizes or {},
                    kb or kb_facts(config, store)).build(page)


@dataclass(frozen=True)
class KbFacts:
    """What the whole-KB dataset states on every page: read once per generation.

    Why apart: every page describes the whole KB too, and its date span is a scan
    of every triple (4.9 of the 6.8 s of a cold page at 1,000 clusters), so a
    caller that pages through one generation reads it once (``web/catalog.py``).
    """

    issued: date
    countries: tuple[URIRef, ...]
    span: tuple[date, date] | None


def kb_facts(config: Config, store: Store) -> KbFacts:
    """The issued date, countries and temporal span of the whole KB, from the store."""
    base = config.base_iri
    rows = store.select(f"""
        SELECT (MIN(?d) AS ?first) WHERE {{
          GRAPH <{graph_iri(base, 'ontology')}> {{ ?o <{DCTERMS.created}> ?d }} }}""")
    first = rows[0].get("first") if rows else None
    issued = store.modified().date()
    if first is not None:
        with suppress(ValueError):  # not a date: the last change stands
            issued = date.fromisoformat(str(first)[:10])
    countries = tuple(sorted(r["c"] for r in store.select(f"""
        SELECT DISTINCT ?c WHERE {{ ?s ?p ?c
          FILTER(isIRI(?c) && STRSTARTS(STR(?c), "{COUNTRY}")) }}""")))
    dates = {row["d"] for row in store.select(f"""
        SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?s ?p ?d }}
          FILTER(?g != <{graph_iri(base, 'catalog')}>) {_DATE_FILTER} }}""")}
    return KbFacts(issued, countries, _span_of(dates))


class _Builder:
    def __init__(self, config: Config, store: Store, root: str, sizes: Mapping[str, int],
                 kb: KbFacts):
        self.config, self.store, self.root, self.sizes = config, store, root, sizes
        self.base = config.base_iri
        self.kb = kb
        self.g = Graph()
        self.g.bind("dcatap", DCATAP)
        self.catalog = URIRef(f"{self.base}catalog")
        self.modified = store.modified()
        self.graph_times = self._graph_times()
        self.facts: dict[str, _Facts] = {}

    def build(self, page: Page) -> Graph:
        g = self.g
        datasets = self._dataset_entries()
        if page.modified_since is not None:
            datasets = [d for d in datasets
                        if _aware(d[1]).replace(microsecond=0) >= page.modified_since]
        total = len(datasets)
        shown = datasets
        if page.size is not None:
            start = (page.number - 1) * page.size
            shown = datasets[start:start + page.size]
        self._prefetch([iri for _, _, iri in shown if iri is not None])
        self._catalog_node()
        for build_one, _, _ in shown:
            g.add((self.catalog, DCAT.dataset, build_one()))
        if (self._dataset_iri(), RDF.type, DCAT.Dataset) not in g:
            # The service and the cluster datasets point at the whole-KB dataset, so
            # every page describes it (listed under dcat:dataset on its own page only).
            self._kb_dataset()
        if page.size is not None:
            self._hydra(page, total)
        return g

    # --- shared nodes --------------------------------------------------------------------
    def _concept(self, iri: str, label: str, scheme: str, *extra_types: URIRef) -> URIRef:
        node = URIRef(iri)
        self.g.add((node, RDF.type, SKOS.Concept))
        for t in extra_types:
            self.g.add((node, RDF.type, t))
        self.g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        self.g.add((node, SKOS.inScheme, URIRef(scheme)))
        self.g.add((URIRef(scheme), RDF.type, SKOS.ConceptScheme))
        self.g.add((URIRef(scheme), DCTERMS.title, Literal(
            _words(scheme.rstrip("/").removesuffix("/1.0").rsplit("/", 1)[-1]), lang="en")))
        return node

    def _publisher(self) -> URIRef:
        g, node = self.g, URIRef(f"{self.base}catalog#publisher")
        if (node, RDF.type, FOAF.Agent) not in g:
            g.add((node, RDF.type, FOAF.Agent))
            g.add((node, FOAF.name, Literal(self.config.publisher_name, lang="en")))
            kind = self.config.publisher_type
            g.add((node, DCTERMS.type, self._concept(
                PUBLISHER_TYPES + kind, _words(kind), "http://purl.org/adms/publishertype/1.0")))
            g.add((node, FOAF.homepage, self._document(self.root)))
        return node

    def _document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.g.add((node, RDF.type, FOAF.Document))
        return node

    def _contact(self) -> URIRef:
        g, node = self.g, URIRef(f"{self.base}catalog#contact")
        if (node, RDF.type, VCARD.Organization) not in g:
            g.add((node, RDF.type, VCARD.Organization))
            g.add((node, RDF.type, VCARD.Kind))
            g.add((node, VCARD.fn, Literal(self.config.publisher_name)))
            g.add((node, VCARD.hasURL, URIRef(self.root)))
            if self.config.contact_email:
                g.add((node, VCARD.hasEmail, URIRef(f"mailto:{self.config.contact_email}")))
        return node

    def _licence(self) -> URIRef:
        g = self.g
        if (LICENCE, RDF.type, DCTERMS.LicenseDocument) not in g:
            self._concept(str(LICENCE), "Creative Commons Attribution 4.0 International",
                          f"{AUTH}licence", DCTERMS.LicenseDocument)
            g.add((LICENCE, DCTERMS.type, self._concept(
                "http://purl.org/adms/licencetype/Attribution", "Attribution",
                "http://purl.org/adms/licencetype/1.0")))
        return LICENCE

    def _rights(self) -> URIRef:
        node = URIRef(f"{self.base}catalog#rights")
        self.g.add((node, RDF.type, DCTERMS.RightsStatement))
        self.g.add((node, RDFS.label, Literal(
            "Open data: reuse, including commercial reuse, is allowed under CC BY 4.0 "
            "with attribution to the clusterkb publisher and to the cited source documents.",
            lang="en")))
        return node

    def _common(self, node: URIRef, spatial: list[URIRef]) -> None:
        """What every dataset carries: publisher, contact, licence, rights, themes, keywords."""
        g = self.g
        g.add((node, DCTERMS.publisher, self._publisher()))
        g.add((node, DCAT.contactPoint, self._contact()))
        self._concept(str(ACCESS_PUBLIC), "public", f"{AUTH}access-right",
                      DCTERMS.RightsStatement)
        g.add((node, DCTERMS.accessRights, ACCESS_PUBLIC))
        g.add((node, DCTERMS.language, self._concept(
            str(LANG_ENG), "English", f"{AUTH}language", DCTERMS.LinguisticSystem)))
        for code, label in THEMES.items():
            g.add((node, DCAT.theme, self._concept(f"{AUTH}data-theme/{code}", label,
                                                   f"{AUTH}data-theme")))
        for word in KEYWORDS:
            g.add((node, DCAT.keyword, Literal(word, lang="en")))
        for place in spatial:
            g.add((node, DCTERMS.spatial, place))
        g.add((node, DCTERMS.modified, timestamp(self.graph_times.get(str(node), self.modified))))

    def _distribution(self, node: URIRef, dataset: URIRef, url: str, kind: tuple,
                      compressed: bool, title: str, size: int | None) -> URIRef:
        g = self.g
        ext, media, file_type, label = kind
        g.add((dataset, DCAT.distribution, node))
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.title, Literal(title, lang="en")))
        g.add((node, DCTERMS.description, Literal(
            f"{title} as {label}{', gzip-compressed' if compressed else ''}.", lang="en")))
        g.add((node, DCAT.accessURL, URIRef(url)))
        g.add((node, DCAT.downloadURL, URIRef(url)))
        g.add((node, DCTERMS.format, self._concept(
            f"{AUTH}file-type/{file_type}", label, f"{AUTH}file-type",
            DCTERMS.MediaTypeOrExtent)))
        media_node = URIRef(IANA + media)
        g.add((media_node, RDF.type, DCTERMS.MediaType))
        g.add((node, DCAT.mediaType, media_node))
        if compressed:
            gzip_node = URIRef(IANA + formats.GZIP.media_type)
            g.add((gzip_node, RDF.type, DCTERMS.MediaType))
            g.add((node, DCAT.compressFormat, gzip_node))
        g.add((node, DCTERMS.license, self._licence()))
        g.add((node, DCTERMS.rights, self._rights()))
        g.add((node, URIRef(DCATAP + "availability"), self._concept(
            str(AVAILABILITY_STABLE), "stable", f"{AUTH}planned-availability")))
        g.add((node, DCTERMS.issued, Literal(self.kb.issued, datatype=XSD.date)))
        g.add((node, DCTERMS.modified,
               timestamp(self.graph_times.get(str(dataset), self.modified))))
        if size is not None:
            g.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        return node

    # --- the catalogue -------------------------------------------------------------------
    def _catalog_node(self) -> None:
        g, c = self.g, self.catalog
        g.add((c, RDF.type, DCAT.Catalog))
        g.add((c, DCTERMS.title, Literal("clusterkb catalogue", lang="en")))
        g.add((c, DCTERMS.description, Literal(
            "Catalogue of the clusterkb knowledge base of European cluster organisations: "
            "the whole knowledge base, one dataset per cluster profile, and the SPARQL "
            "endpoint that serves them.", lang="en")))
        g.add((c, DCTERMS.publisher, self._publisher()))
        g.add((c, FOAF.homepage, self._document(self.root)))
        g.add((c, DCTERMS.language, LANG_ENG))
        g.add((c, DCTERMS.license, self._licence()))
        g.add((c, DCTERMS.issued, Literal(self.kb.issued, datatype=XSD.date)))
        g.add((c, DCTERMS.modified, timestamp(self.modified)))
        scheme = URIRef(f"{AUTH}data-theme")
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, DCTERMS.title, Literal("Data theme", lang="en")))
        g.add((c, DCAT.themeTaxonomy, scheme))
        for place in self._countries():
            g.add((c, DCTERMS.spatial, place))
        g.add((c, DCAT.service, self._service()))

    def _service(self) -> URIRef:
        g, node = self.g, URIRef(f"{self.base}catalog#sparql")
        g.add((node, RDF.type, DCAT.DataService))
        g.add((node, DCTERMS.title, Literal("clusterkb SPARQL endpoint", lang="en")))
        g.add((node, DCTERMS.description, Literal(
            "Read-only SPARQL 1.1 endpoint over the whole knowledge base; results as JSON, "
            "XML, CSV, TSV, and graphs as Turtle, N-Triples, JSON-LD or RDF/XML.", lang="en")))
        endpoint = URIRef(f"{self.root}sparql")
        g.add((node, DCAT.endpointURL, endpoint))
        g.add((node, DCAT.endpointDescription, endpoint))
        g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
        g.add((node, DCTERMS.conformsTo, SPARQL_PROTOCOL))
        g.add((node, DCAT.servesDataset, self._dataset_iri()))
        g.add((node, DCTERMS.publisher, self._publisher()))
        g.add((node, DCAT.contactPoint, self._contact()))
        g.add((node, DCTERMS.license, self._licence()))
        g.add((node, DCTERMS.accessRights, ACCESS_PUBLIC))
        for word in ("SPARQL", "linked data"):
            g.add((node, DCAT.keyword, Literal(word, lang="en")))
        g.add((node, DCAT.theme, self._concept(f"{AUTH}data-theme/TECH", THEMES["TECH"],
                                               f"{AUTH}data-theme")))
        return node

    # --- datasets ------------------------------------------------------------------------
    def _dataset_iri(self) -> URIRef:
        return URIRef(f"{self.base}catalog#dataset")

    def _dataset_entries(self) -> list[tuple]:
        """(builder, modified, cluster graph or None) of every dataset.

        The whole KB comes first, then the clusters by IRI.
        """
        entries: list[tuple] = [(self._kb_dataset, self.modified, None)]
        prefix = graph_iri(self.base, "clusters/")
        for iri in sorted(g for g in self.store.graphs() if g.startswith(prefix)):
            entries.append((lambda iri=iri: self._cluster_dataset(iri),
                            self.graph_times.get(iri, self.modified), iri))
        return entries

    def _graph_times(self) -> dict[str, datetime]:
        """When each named graph was last generated (its ``prov:generatedAtTime``).

        A cluster dataset changes only when its own graph does (a rebuild of its
        file, an accepted submission), so incremental harvests with
        ``modified_since`` fetch just the clusters that changed.
        """
        rows = self.store.select("""
            PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?g (MAX(?t) AS ?m) WHERE { ?g prov:generatedAtTime ?t } GROUP BY ?g""")
        times: dict[str, datetime] = {}
        for row in rows:
            value = row["m"].toPython() if row.get("m") is not None else None
            if isinstance(value, datetime):
                times[str(row["g"])] = value if value.tzinfo else value.replace(tzinfo=UTC)
        return times

    def _kb_dataset(self) -> URIRef:
        g, d = self.g, self._dataset_iri()
        g.add((d, RDF.type, DCAT.Dataset))
        g.add((d, DCTERMS.title, Literal("clusterkb: European cluster organisations", lang="en")))
        g.add((d, DCTERMS.description, Literal(
            "A knowledge base of European business cluster organisations: their members, "
            "excellence labels, networks, collaborations, funded projects and programmes, "
            "events and sector classifications, described with an OWL ontology and SKOS "
            "concept schemes and checked with SHACL shapes.", lang="en")))
        g.add((d, DCTERMS.identifier, Literal(str(d))))
        g.add((d, DCTERMS.issued, Literal(self.kb.issued, datatype=XSD.date)))
        g.add((d, DCAT.landingPage, self._document(self.root)))
        self._common(d, self._countries())
        self._temporal(d, None)
        for kind in DUMP_KINDS:
            for gz in (False, True):
                name = f"dump.{kind[0]}{'.gz' if gz else ''}"
                self._distribution(URIRef(f"{self.base}catalog#{name}"), d,
                                   f"{self.root}{name}", kind, gz,
                                   "Full dump of clusterkb", self.sizes.get(name))
        return d

    def _cluster_dataset(self, iri: str) -> URIRef:
        g, d = self.g, URIRef(iri)
        name = iri[len(graph_iri(self.base, "")):]
        label = self._graph_label(iri) or name.rsplit("/", 1)[-1]
        g.add((d, RDF.type, DCAT.Dataset))
        g.add((d, DCTERMS.title, Literal(f"Cluster profile: {label}", lang="en")))
        g.add((d, DCTERMS.description, Literal(
            f"The profile of the cluster organisation {label} in clusterkb: members, "
            "labels, networks, projects and sectors, as one named graph.", lang="en")))
        g.add((d, DCTERMS.identifier, Literal(iri)))
        g.add((d, DCTERMS.issued, Literal(self.kb.issued, datatype=XSD.date)))
        g.add((d, DCTERMS.isPartOf, self._dataset_iri()))
        for source in self._sources(iri):
            g.add((d, PROV.wasDerivedFrom, source))
            g.add((d, FOAF.page, self._document(str(source))))
        self._common(d, self._countries(iri) or self._countries())
        self._temporal(d, iri)
        self._distribution(URIRef(f"{iri}#ttl"), d, f"{self.root}graph/{name}.ttl",
                           DUMP_KINDS[0], False, f"Cluster profile {label}", None)
        return d

    # --- facts from the store ------------------------------------------------------------
    def _prefetch(self, iris: list[str]) -> None:
        """Read the label, sources, countries and dates of a page's cluster graphs.

        One query per kind of fact for the whole page (the graphs in VALUES),
        grouped here by graph: asked per cluster, a cold 100-dataset page cost
        about 600 queries and grew with the page size.
        """
        if not iris:
            return
        self.facts.update({iri: _Facts() for iri in iris})
        graphs = " ".join(f"<{iri}>" for iri in iris)
        names = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
        for row in self.store.select(f"""
            SELECT ?g ?s ?p ?l WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{
              ?s ?p ?l FILTER(STRSTARTS(STR(?s), "{self.base}id/cluster/"))
              VALUES ?p {{ {names} }} }} }}"""):
            self.facts[str(row["g"])].labels.append((row["s"], row["p"], row["l"]))
        for row in self.store.select(f"""
            SELECT DISTINCT ?g ?src WHERE {{ VALUES ?g {{ {graphs} }}
              GRAPH ?any {{ ?g <{PROV.wasDerivedFrom}> ?src }} FILTER(isIRI(?src)) }}"""):
            self.facts[str(row["g"])].sources.add(row["src"])
        for row in self.store.select(f"""
            SELECT DISTINCT ?g ?c WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?c }}
              FILTER(isIRI(?c) && STRSTARTS(STR(?c), "{COUNTRY}")) }}"""):
            self.facts[str(row["g"])].countries.add(row["c"])
        for row in self.store.select(f"""
            SELECT DISTINCT ?g ?d WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?d }}
              {_DATE_FILTER} }}"""):
            self.facts[str(row["g"])].dates.add(row["d"])

    def _graph_label(self, iri: str) -> str | None:
        rows = self.facts[iri].labels
        if not rows:
            return None
        subject = min(s for s, _, _ in rows)
        return name_among((p, lit) for s, p, lit in rows if s == subject)

    def _sources(self, iri: str) -> list[URIRef]:
        return sorted(self.facts[iri].sources)

    def _countries(self, iri: str | None = None) -> list[URIRef]:
        places = sorted(self.facts[iri].countries) if iri is not None else list(self.kb.countries)
        for place in places:
            code = str(place)[len(str(COUNTRY)):]
            self._concept(str(place), code, f"{AUTH}country", DCTERMS.Location)
        return places

    def _temporal(self, node: URIRef, iri: str | None) -> None:
        """Temporal coverage: the span of the dates the data itself states, or nothing.

        Only dates of the described things count (founding, reference dates of
        counts, events, projects), not bookkeeping (when a graph, a source or
        the catalogue was made or changed). No dates, or one single day, is no
        coverage: nothing is stated rather than an invented period.
        """
        span = _span_of(self.facts[iri].dates) if iri is not None else self.kb.span
        if span is None:
            return
        start, end = span
        period = BNode()
        self.g.add((node, DCTERMS.temporal, period))
        self.g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        self.g.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
        self.g.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))

    # --- paging --------------------------------------------------------------------------
    def _hydra(self, page: Page, total: int) -> None:
        g = self.g
        size = page.size or max(total, 1)
        last = max(1, -(-total // size))

        def url(n: int) -> URIRef:
            query = f"page={n}"
            if page.modified_since is not None:
                query += f"&modified_since={query_moment(page.modified_since)}"
            return URIRef(f"{self.root}catalog?{query}")

        view = url(page.number)
        g.add((self.catalog, HYDRA.view, view))
        g.add((self.catalog, HYDRA.totalItems, Literal(total, datatype=XSD.nonNegativeInteger)))
        g.add((view, RDF.type, HYDRA.PartialCollectionView))
        g.add((view, HYDRA.first, url(1)))
        g.add((view, HYDRA.last, url(last)))
        if page.number > 1:
            g.add((view, HYDRA.previous, url(min(page.number - 1, last))))
        if page.number < last:
            g.add((view, HYDRA.next, url(page.number + 1)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _words(camel: str) -> str:
    """``NonProfitOrganisation`` -> ``Non profit organisation`` (a readable label)."""
    out = "".join(f" {c.lower()}" if c.isupper() and i else c for i, c in enumerate(camel))
    return out[:1].upper() + out[1:]


#: Literal types whose values are dates of what the data describes.
_DATE_TYPES = (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth)
#: Predicates whose dates say when a record was made, not what it covers.
_BOOKKEEPING = (DCTERMS.created, DCTERMS.issued, DCTERMS.modified, DCTERMS.date,
                PROV.generatedAtTime, PROV.invalidatedAtTime)
_DATE_FILTER = (
    f"FILTER(isLiteral(?d) && datatype(?d) IN ({', '.join(f'<{t}>' for t in _DATE_TYPES)}))"
    f" FILTER(?p NOT IN ({', '.join(f'<{p}>' for p in _BOOKKEEPING)}))")


@dataclass
class _Facts:
    """What the store says about one cluster graph, read for a whole page at once."""

    labels: list[tuple] = field(default_factory=list)  # (subject, label property, label)
    sources: set[URIRef] = field(default_factory=set)
    countries: set[URIRef] = field(default_factory=set)
    dates: set[Literal] = field(default_factory=set)


def _span_of(dates) -> tuple[date, date] | None:
    """The span of ``dates`` (literals), or None: no dates, or one single day, is no coverage."""
    spans = [span for d in dates if (span := _span(d)) is not None]
    if not spans:
        return None
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return None if start == end else (start, end)


def _span(value: Literal) -> tuple[date, date] | None:
    """The first and last day a date-like literal covers (a year covers all its days)."""
    text = str(value).strip()
    try:
        if value.datatype == XSD.gYear:
            year = int(text[:4])
            return date(year, 1, 1), date(year, 12, 31)
        if value.datatype == XSD.gYearMonth:
            year, month = int(text[:4]), int(text[5:7])
            following = date(year + month // 12, month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(following.toordinal() - 1)
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None  # malformed or out of range (a negative year): no coverage from it
    return day, day


def parse_moment(value: str) -> datetime:
    """An ISO date or date-time (``2025-01-31``, ``2025-01-31T10:00:00Z``) as an aware
    date-time: a date is its first instant in UTC, a time without zone is UTC.

    A ``+`` of a zone offset that arrived unencoded in a query string reads as a
    space; it is put back.
    """
    value = value.strip()
    try:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    except ValueError:
        pass
    if " " in value[10:]:
        value = value[:10] + value[10:].replace(" ", "+")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def query_moment(moment: datetime) -> str:
    """``moment`` as it goes back into a query string: UTC, ``Z``, no ``+`` to encode."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp(moment: datetime) -> Literal:
    """``dct:modified`` as an ``xsd:dateTime`` (to the second): a date alone would hide
    a change made on the day of the previous harvest."""
    return Literal(moment.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)
