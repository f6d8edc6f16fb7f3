"""Linked Data: every IRI under the base IRI dereferences on this server.

The request path is mapped onto ``config.base_iri`` (``/id/cluster/rohealth``
on localhost means ``{base}id/cluster/rohealth``), so the KB can be browsed and
harvested from any host it is served on. Each resource is offered as HTML and
as RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by content negotiation, with a
file extension or ``?format=`` as a fallback for clients that cannot set
``Accept``.
"""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, abort, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from clusterkb import pages
from clusterkb.describe import describe, display, pick_label, short_name
from clusterkb.namespaces import graph_iri
from clusterkb.web import caching, negotiate
from clusterkb.web.context import config, store
from clusterkb.web.security import safe_href
from clusterkb.web.urls import local_url

bp = Blueprint("resources", __name__)


@bp.app_template_filter("local_href")
def _local_href_filter(iri: str) -> str:
    """Jinja filter: the local page of an IRI under the base IRI, else the IRI."""
    return href(str(iri))


def href(iri: str) -> str:
    """Where a link to ``iri`` goes: its local page when it is ours, else the IRI itself
    (``#`` for schemes a browser would run, such as ``javascript:``)."""
    return local_url(iri) or safe_href(iri)


def alternates(path: str) -> str:
    """``Link`` header naming the representations of the resource at ``path`` (no extension)."""
    root = f"{request.script_root}/{path}"
    return negotiate.link_header(lambda f: f"{root}.{f.name}")


@bp.get("/id/<path:rest>")
@bp.get("/vocab/<path:rest>")
def resource(rest: str):
    prefix = request.path.lstrip("/").split("/", 1)[0]
    return serve_resource(f"{prefix}/{rest}")


@bp.get("/ontology/<path:term>")
def ontology_term(term: str):
    """``/ontology/Term`` describes the hash IRI ``{base}ontology#Term``."""
    stem, forced = negotiate.split_extension(term)
    return serve_resource(f"ontology/{term}", iri=f"{config().base_iri}ontology#{stem}")


@bp.get("/graph/<path:rest>")
def named_graph(rest: str):
    """A named graph's IRI: its description as HTML, its content (plus description) as RDF."""
    stem, _ = negotiate.split_extension(rest)
    iri = graph_iri(config().base_iri, stem)
    return serve_resource(f"graph/{rest}", extra=lambda: _graph_content(iri))


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None):
    """The SHACL shapes: ``{base}shapes#Shape`` IRIs dereference to the whole shapes graph."""
    base = config().base_iri
    path = f"shapes.{ext}" if ext else "shapes"
    return serve_resource(path, iri=f"{base}shapes",
                          extra=lambda: _graph_content(graph_iri(base, "shapes")))


def _graph_content(iri: str) -> Graph:
    if iri not in set(store().graphs()):
        return Graph()
    return store().graph(iri)


def serve_resource(path: str, iri: str | None = None, extra=None):
    stem, forced = negotiate.split_extension(path)
    iri = iri or config().base_iri + stem
    fmt = negotiate.choose(forced=forced)
    generation = store().generation()
    cache_key = ("resource", request.script_root, request.path, iri, fmt.name)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    try:
        graph = describe(store(), iri)
    except ValueError:
        abort(404, description=f"Not a resource IRI: {iri}")
    if extra is not None:
        graph += extra()
    if len(graph) == 0:
        abort(404, description=f"Nothing is known about <{iri}>")
    link = alternates(stem)
    if fmt is negotiate.HTML:
        if pages.is_cluster(graph, iri):
            body = render_template("cluster.html",
                                   c=pages.cluster_page(store(), iri, local_url, graph=graph),
                                   data_links=_data_links(stem), stem=stem)
        else:
            view = resource_view(graph, URIRef(iri))
            body = render_template("resource.html", r=view, data_links=_data_links(stem))
        response = negotiate.finish(Response(body, mimetype="text/html"), link)
    else:
        response = negotiate.rdf_response(graph, fmt, link)
    return caching.remember(generation, cache_key, tag, response)


def _data_links(stem: str) -> list[tuple[str, str]]:
    root = f"{request.script_root}/{stem}"
    return negotiate.data_links(lambda f: f"{root}.{f.name}")


# --- HTML view model -----------------------------------------------------------------

def node_view(graph: Graph, node: Node, depth: int = 0) -> dict:
    """How one value is shown: a labelled link, a literal with its language, or a nested node."""
    if isinstance(node, Literal):
        dt = str(node.datatype) if node.datatype else None
        return {"kind": "literal", "text": str(node), "lang": node.language,
                "datatype": short_name(dt) if dt else None}
    if isinstance(node, BNode):
        props = _property_rows(graph, node, depth + 1) if depth < 3 else []
        return {"kind": "bnode", "label": display(graph, node), "props": props}
    iri = str(node)
    return {"kind": "iri", "iri": iri, "href": href(iri), "label": display(graph, node),
            "local": local_url(iri) is not None}


def _property_rows(graph: Graph, subject: Node, depth: int = 0) -> list[dict]:
    values: dict[URIRef, list[Node]] = defaultdict(list)
    for p, o in graph.predicate_objects(subject):
        values[p].append(o)
    rows = []
    for p, objs in values.items():
        rows.append({"property": node_view(graph, p),
                     "values": [node_view(graph, o, depth) for o in sorted(objs, key=_sort_key)]})
    rows.sort(key=lambda r: (r["property"]["iri"] != str(RDF.type),
                             r["property"]["label"].lower()))
    return rows


def _sort_key(node: Node) -> tuple[int, str]:
    return (0 if isinstance(node, Literal) else 1 if isinstance(node, URIRef) else 2, str(node))


def resource_view(graph: Graph, iri: URIRef) -> dict:
    """Everything ``resource.html`` shows about ``iri``, labels already chosen."""
    incoming: dict[URIRef, list[Node]] = defaultdict(list)
    for s, p in graph.subject_predicates(iri):
        if isinstance(s, URIRef) and s != iri:
            incoming[p].append(s)
    return {
        "iri": str(iri),
        "label": pick_label(graph, iri) or short_name(str(iri)),
        "types": [node_view(graph, t) for t in sorted(graph.objects(iri, RDF.type))],
        "comment": _first_literal(graph, iri, (SKOS.definition, RDFS.comment)),
        "props": _property_rows(graph, iri),
        "incoming": [{"property": node_view(graph, p),
                      "values": [node_view(graph, s) for s in sorted(subs)]}
                     for p, subs in sorted(incoming.items())],
    }


def _first_literal(graph: Graph, node: Node, props) -> str | None:
    for p in props:
        for o in graph.objects(node, p):
            if isinstance(o, Literal) and (o.language in (None, "en")):
                return str(o)
    return None


# --- the ontology ---------------------------------------------------------------------

@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None):
    """Human documentation of the ontology (HTML) or the ontology graph itself (RDF)."""
    forced = None
    if ext is not None:
        _, forced = negotiate.split_extension(f"ontology.{ext}")
        if forced is None:
            abort(404, description=f"Unknown extension .{ext}")
    fmt = negotiate.choose(forced=forced)
    iri = graph_iri(config().base_iri, "ontology")
    graph = store().graph(iri) if iri in set(store().graphs()) else Graph()
    if len(graph) == 0:
        abort(404, description="The ontology graph is not loaded")
    link = alternates("ontology")
    if fmt is not negotiate.HTML:
        return negotiate.rdf_response(graph, fmt, link)
    body = render_template("ontology.html", o=ontology_view(graph),
                           data_links=_data_links("ontology"))
    return negotiate.finish(Response(body, mimetype="text/html"), link)


_GROUPS = (
    ("Classes", (OWL.Class, RDFS.Class)),
    ("Object properties", (OWL.ObjectProperty,)),
    ("Datatype properties", (OWL.DatatypeProperty,)),
    ("Annotation properties", (OWL.AnnotationProperty,)),
    ("Other properties", (RDF.Property,)),
)


def ontology_view(graph: Graph) -> dict:
    """Terms of the ontology grouped by kind, each with label, definition, domain and range."""
    ns = f"{config().base_iri}ontology#"
    header = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)
    seen: set[Node] = set()
    groups = []
    for title, classes in _GROUPS:
        terms = []
        for cls in classes:
            for term in graph.subjects(RDF.type, cls):
                if not isinstance(term, URIRef) or term in seen:
                    continue
                seen.add(term)
                name = str(term)[len(ns):] if str(term).startswith(ns) else short_name(str(term))
                terms.append({
                    "anchor": name, "iri": str(term), "label": display(graph, term),
                    "definition": _first_literal(graph, term, (SKOS.definition, RDFS.comment)),
                    "domain": [node_view(graph, d) for d in graph.objects(term, RDFS.domain)],
                    "range": [node_view(graph, r) for r in graph.objects(term, RDFS.range)],
                    "super": [node_view(graph, s) for s in graph.objects(term, RDFS.subClassOf)
                              if isinstance(s, URIRef)]
                    + [node_view(graph, s) for s in graph.objects(term, RDFS.subPropertyOf)],
                })
        terms.sort(key=lambda t: t["label"].lower())
        if terms:
            groups.append({"title": title, "terms": terms})
    return {
        "iri": str(header) if header is not None else ns,
        "label": display(graph, header) if header is not None else "Ontology",
        "props": _property_rows(graph, header) if header is not None else [],
        "groups": groups,
    }
