"""The one registry of the formats the server reads and writes.

Every surface names formats: ``/sparql`` results, Linked Data pages, dumps, uploads,
validation reports, diffs, the catalogue's distributions (with their EU file-type
codes), the Service Description's ``sd:resultFormat``, OpenAPI and the CLI's choices.
They all look formats up here, so a media type, a short name or a file extension means
the same thing everywhere. The RDF and SPARQL-results entries are built on pyoxigraph's
own ``RdfFormat`` / ``QueryResultsFormat`` (media type, extension, W3C format IRI), so
this module only adds what the engine does not know: the names and media-type aliases
clients send, rdflib's plugin names and the EU file-type codes.

A surface offers a tuple of formats; a name is looked up among those only, because
clients use one name for different things (``json`` is SPARQL JSON for a SELECT query,
JSON-LD for a graph and plain JSON for a report).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

#: The EU file-type authority (https://op.europa.eu/en/web/eu-vocabularies/dataset/-/resource?uri=http://publications.europa.eu/resource/dataset/file-type).
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class Format:
    """One syntax: its short name (also its file extension), media type and how to handle it.

    ``names`` and ``media_aliases`` are what clients send instead of the canonical
    name and media type; ``extensions`` are further file extensions of uploads.
    ``served_as`` are names and media types that choose this format for an answer but
    never name it for reading (Turtle is valid N3, N3 is not Turtle).
    ``reader`` is the name the readers (``rdfio``, uploads, the submission workflow)
    store a syntax under.
    """

    name: str
    media_type: str
    label: str
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    rdflib: str | None = None
    eu_file_type: str | None = None
    names: tuple[str, ...] = ()
    media_aliases: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()
    served_as: tuple[str, ...] = ()
    reader: str | None = None

    @property
    def iri(self) -> str | None:
        """The W3C format IRI (``http://www.w3.org/ns/formats/...``), for RDF and results."""
        engine = self.rdf or self.results
        return engine.iri if engine is not None else None

    @property
    def eu_file_type_iri(self) -> str | None:
        return EU_FILE_TYPE + self.eu_file_type if self.eu_file_type else None

    @property
    def holds_datasets(self) -> bool:
        """True for quad syntaxes (N-Quads, TriG, JSON-LD), which can name graphs."""
        return self.rdf is not None and self.rdf.supports_datasets

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.names)

    def all_media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.media_aliases)

    def all_extensions(self) -> tuple[str, ...]:
        return (self.name, *self.extensions) if self.rdf is not None else (self.name,)


def _rdf(engine: ox.RdfFormat, **kwargs) -> Format:
    return Format(name=engine.file_extension, media_type=engine.media_type,
                  label=engine.name, rdf=engine, **kwargs)


def _results(engine: ox.QueryResultsFormat, label: str, **kwargs) -> Format:
    # The engine's CSV and TSV media types carry "; charset=utf-8": keep the bare type.
    return Format(name=engine.file_extension, media_type=engine.media_type.split(";")[0],
                  label=label, results=engine, **kwargs)


TURTLE = _rdf(ox.RdfFormat.TURTLE, rdflib="turtle", eu_file_type="RDF_TURTLE",
              names=("turtle",), media_aliases=("application/x-turtle",),
              served_as=("n3", "text/n3", "application/turtle"), reader="turtle")
N_TRIPLES = _rdf(ox.RdfFormat.N_TRIPLES, rdflib="nt", eu_file_type="RDF_N_TRIPLES",
                 names=("ntriples", "n-triples"), served_as=("text/plain",), reader="nt")
N_QUADS = _rdf(ox.RdfFormat.N_QUADS, rdflib="nquads", eu_file_type="RDF_N_QUADS",
               names=("nquads", "n-quads"), reader="nq")
TRIG = _rdf(ox.RdfFormat.TRIG, rdflib="trig", eu_file_type="RDF_TRIG", reader="trig")
JSON_LD = _rdf(ox.RdfFormat.JSON_LD, rdflib="json-ld", eu_file_type="JSON_LD",
               names=("json-ld", "json"), media_aliases=("application/json",
                                                         "application/x-json+ld"),
               extensions=("json",), reader="json-ld")
RDF_XML = _rdf(ox.RdfFormat.RDF_XML, rdflib="pretty-xml", eu_file_type="RDF_XML",
               names=("rdfxml", "rdf/xml", "rdf+xml", "xml"),
               media_aliases=("application/xml", "text/xml"), extensions=("owl", "xml"),
               reader="rdf/xml")

SPARQL_JSON = _results(ox.QueryResultsFormat.JSON, "SPARQL JSON", names=("json",),
                       media_aliases=("application/json",))
SPARQL_XML = _results(ox.QueryResultsFormat.XML, "SPARQL XML", names=("xml",),
                      media_aliases=("application/xml", "text/xml"))
CSV = _results(ox.QueryResultsFormat.CSV, "CSV", eu_file_type="CSV")
TSV = _results(ox.QueryResultsFormat.TSV, "TSV", eu_file_type="TSV")

HTML = Format("html", "text/html", "HTML", names=("htm",),
              media_aliases=("application/xhtml+xml",))
JSON = Format("json", "application/json", "JSON")
TEXT = Format("txt", "text/plain", "plain text", names=("text",))
GZIP = Format("gz", "application/gzip", "gzip")

# Request bodies (what clients send, never what the server answers with).
FORM = Format("form", "application/x-www-form-urlencoded", "HTML form")
MULTIPART = Format("multipart", "multipart/form-data", "multipart form")
SPARQL_QUERY = Format("rq", "application/sparql-query", "SPARQL query")
SPARQL_UPDATE = Format("ru", "application/sparql-update", "SPARQL update")

#: Every RDF syntax the server reads (uploads, ``clusterkb load``/``validate``).
RDF_FORMATS: tuple[Format, ...] = (TURTLE, TRIG, N_TRIPLES, N_QUADS, JSON_LD, RDF_XML)
#: What a Linked Data page, a CONSTRUCT or DESCRIBE result is offered as.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
#: What a SELECT or ASK result is offered as.
RESULTS_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: The dumps of the whole KB (each also gzipped).
DUMP_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, N_QUADS)
#: What a store backend streams as a dump (``Store.dump``, ``clusterkb dump --format``).
STORE_DUMP_FORMATS: tuple[Format, ...] = (N_QUADS, TRIG, TURTLE, N_TRIPLES)
#: What a validation report is offered as (HTML for browsers, JSON by default).
REPORT_FORMATS: tuple[Format, ...] = (JSON, HTML, TURTLE, JSON_LD)
#: The SPARQL Protocol's offers per result kind (``QueryInfo.kind``), the default first.
SPARQL_OFFERS: dict[str, tuple[Format, ...]] = {
    "solutions": RESULTS_FORMATS, "boolean": RESULTS_FORMATS, "graph": GRAPH_FORMATS,
}
#: The result formats whose SPARQL 1.2 triple terms survive (CSV flattens them, and
#: TSV, JSON-LD and RDF/XML results are not read back with them here).
TRIPLE_TERM_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, TURTLE, N_TRIPLES)


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def by_name(name: str, offered: Iterable[Format]) -> Format | None:
    """The format of ``offered`` that ``name`` (a short name or a media type) names."""
    key = name.strip().lower()
    offered = tuple(offered)
    for fmt in offered:
        if key in fmt.all_names() or key in fmt.served_as:
            return fmt
    return by_media_type(key, offered)


def by_media_type(media_type: str, offered: Iterable[Format]) -> Format | None:
    """The format of ``offered`` with ``media_type`` as its type or one of its aliases.

    The canonical type wins over an alias, so ``application/json`` finds plain JSON
    where it is offered and an aliasing format only where it is not.
    """
    key = _bare(media_type)
    offered = tuple(offered)
    return (next((f for f in offered if f.media_type == key), None)
            or next((f for f in offered if key in f.media_aliases), None)
            or next((f for f in offered if key in f.served_as), None))


def accepted_types(offered: Iterable[Format]) -> list[str]:
    """Every media type that chooses one of ``offered`` (canonical types first)."""
    offered = tuple(offered)
    types = [f.media_type for f in offered]
    for fmt in offered:
        types += [t for t in (*fmt.media_aliases, *fmt.served_as) if "/" in t]
    return list(dict.fromkeys(types))


def for_reading(key: str) -> Format | None:
    """The RDF syntax an upload or file named ``key`` is in: a reader name, short name or
    media type (``served_as`` names excluded: they only choose answers)."""
    key = _bare(key)
    for fmt in RDF_FORMATS:
        if key == fmt.reader or key in fmt.all_names() or key in fmt.all_media_types():
            return fmt
    return None


def by_reader(name: str) -> Format:
    """The registry entry of a reader name (``"turtle"``, ``"json-ld"``...)."""
    return next(f for f in RDF_FORMATS if f.reader == name)


def by_extension(extension: str, offered: Iterable[Format]) -> Format | None:
    """The format of ``offered`` whose file extension is ``extension`` (with or without dot)."""
    key = extension.lower().lstrip(".")
    return next((f for f in offered if key in f.all_extensions()), None)


def of_engine(engine: ox.RdfFormat | ox.QueryResultsFormat) -> Format:
    """The registry entry of a pyoxigraph format."""
    for fmt in (*RDF_FORMATS, *RESULTS_FORMATS):
        if engine in (fmt.rdf, fmt.results):
            return fmt
    raise KeyError(engine)


def names_of(offered: Iterable[Format]) -> list[str]:
    """Canonical short names, for error messages and CLI choices."""
    return [f.name for f in offered]
