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

from clusterkb import listing, pages, scheme_page
from clusterkb.describe import describe
from clusterkb.labels import (
    add_labels,
    best_text,
    display,
    fetch_labels,
    iri_ref,
    pick_label,
    short_name,
)
from clusterkb.namespaces import graph_iri
from clusterkb.ontology_page import ontology_page
from clusterkb.search import index_of
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


def format_url(path: str, fmt: negotiate.Format) -> str:
    """The URL of ``fmt``'s representation of the resource at ``path`` (no extension).

    A path that is empty or ends in ``/`` (the home page, listings) takes ``?format=``:
    ``/.ttl`` or ``/id/.ttl`` would name a file, not the listing.
    """
    root = f"{request.script_root}/{path}"
    return f"{root}?format={fmt.name}" if path == "" or path.endswith("/") \
        else f"{root}.{fmt.name}"


def alternates(path: str) -> str:
    """``Link`` header naming the representations of the resource at ``path`` (no extension)."""
    return negotiate.link_header(lambda f: format_url(path, f))


@bp.get("/id/")
@bp.get("/vocab/")
@bp.get("/id/<path:rest>")
@bp.get("/vocab/<path:rest>")
def resource(rest: str = ""):
    prefix = request.path.lstrip("/").split("/", 1)[0]
    path = f"{prefix}/{rest}"
    return serve_resource(path)


@bp.get("/ontology/<path:term>")
def ontology_term(term: str):
    """``/ontology/Term`` describes the hash IRI ``{base}ontology#Term``; a version IRI
    (``/ontology/0.1.0``, the ontology's ``owl:versionIRI``) is the ontology itself."""
    stem, forced = negotiate.split_extension(term)
    if _is_version_iri(f"{config().base_iri}ontology/{stem}"):
        return _ontology(forced)
    return serve_resource(f"ontology/{term}", iri=f"{config().base_iri}ontology#{stem}")


def _is_version_iri(iri: str) -> bool:
    try:
        term = iri_ref(iri)
    except ValueError:  # not an IRI at all: serve_resource answers 404 for it
        return False
    return store().ask(f"ASK {{ ?o <{OWL.versionIRI}> {term} }}")


@bp.get("/graph/")
@bp.get("/graph/<path:rest>")
def named_graph(rest: str = ""):
    """A named graph's IRI: its description as HTML, its content (plus description) as RDF."""
    if rest == "" or rest.endswith("/"):
        return serve_listing(f"graph/{rest}")
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
    if iri is None and (path == "" or path.endswith("/")):
        return serve_listing(path)  # the base IRI and every IRI ending in "/" list
    stem, forced = negotiate.split_extension(path)
    iri = iri or config().base_iri + stem
    fmt = negotiate.choose(forced=forced)
    generation = store().generation()
    # Keyed by the resource, not the path: /id/x with Accept: text/turtle and /id/x.ttl
    # are one representation, made once.
    cache_key = ("resource", request.script_root, stem, iri, fmt.name)
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
        elif scheme_page.is_scheme(graph, iri):
            body = render_template("scheme.html",
                                   s=scheme_page.scheme_page(store(), iri, local_url, graph),
                                   data_links=_data_links(stem))
        else:
            view = resource_view(graph, URIRef(iri))
            body = render_template("resource.html", r=view, data_links=_data_links(stem))
        response = negotiate.finish(Response(body, mimetype="text/html"), link)
    else:
        response = negotiate.rdf_response(graph, fmt, link)
    return caching.remember(generation, cache_key, tag, response)


def _data_links(stem: str) -> list[tuple[str, str]]:
    return negotiate.data_links(lambda f: format_url(stem, f))


# --- listings ---------------------------------------------------------------------------

def _items(path: str) -> list[listing.Item]:
    """What the listing of ``path`` chooses from: the named graphs under ``graph/``, the
    IRIs of the data elsewhere, both at the base IRI itself."""
    prefix = config().base_iri + path
    items = []
    if path == "" or path.startswith("graph/"):
        names = fetch_labels(store(), (g for g in store().graphs() if g.startswith(prefix)))
        items += [listing.Item(iri, label, None, "Named graph") for iri, label in names.items()]
    if not path.startswith("graph/"):
        items += [listing.Item(e.iri, e.label, e.kind, e.kind_label)
                  for e in index_of(store()).under(prefix)]
    return items


def serve_listing(path: str):
    """The listing of the IRI ``{base}{path}`` (``path`` is empty or ends in ``/``), one
    page of it."""
    fmt = negotiate.choose()
    page, per_page = listing.paging(request.args)
    generation = store().generation()
    cache_key = ("listing", request.script_root, path, fmt.name, page, per_page)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    iri = config().base_iri + path
    view = listing.listing(iri, _items(path), page, per_page)
    if view.empty:
        abort(404, description=f"Nothing is listed under <{iri}>")
    if page > view.last_page:
        abort(404, description=f"Page {page} of <{iri}> is past its last page, "
                               f"{view.last_page}")
    link = alternates(path)

    def page_iri(n: int) -> str:
        extra = "" if per_page == listing.DEFAULT_PER_PAGE else f"&per_page={per_page}"
        return f"{iri}?page={n}{extra}"

    if fmt is negotiate.HTML:
        parents = _parents(path)
        body = render_template(
            "listing.html", view=view, title=path or iri, parents=parents,
            data_links=_data_links(path), href=href,
            prev_url=_here(page_iri(page - 1)) if page > 1 else None,
            next_url=_here(page_iri(page + 1)) if page < view.last_page else None)
        response = negotiate.finish(Response(body, mimetype="text/html"), link)
    else:
        graph = describe(store(), iri) + listing.to_graph(view, path or iri, page_iri)
        response = negotiate.rdf_response(graph, fmt, link)
    return caching.remember(generation, cache_key, tag, response)


def _here(iri: str) -> str:
    """The local URL of a page IRI under the base, query string kept."""
    return f"{request.script_root}/{iri[len(config().base_iri):]}"


def _parents(path: str) -> list[tuple[str, str]]:
    """(name, URL) of each listing above ``path``, home first, for the breadcrumb."""
    parts = path.rstrip("/").split("/")
    out = [("home", f"{request.script_root}/")]
    for i in range(1, len(parts)):
        sub = "/".join(parts[:i]) + "/"
        out.append((sub, f"{request.script_root}/{sub}"))
    return out


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
        "comment": best_text(graph, iri, (SKOS.definition, RDFS.comment)),
        "props": _property_rows(graph, iri),
        "incoming": [{"property": node_view(graph, p),
                      "values": [node_view(graph, s) for s in sorted(subs)]}
                     for p, subs in sorted(incoming.items())],
    }


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
    return _ontology(forced)


def _ontology(forced: negotiate.Format | None):
    fmt = negotiate.choose(forced=forced)
    iri = graph_iri(config().base_iri, "ontology")
    graph = store().graph(iri) if iri in set(store().graphs()) else Graph()
    if len(graph) == 0:
        abort(404, description="The ontology graph is not loaded")
    link = alternates("ontology")
    if fmt is not negotiate.HTML:
        return negotiate.rdf_response(graph, fmt, link)
    add_labels(store(), graph)  # names of the external terms it reuses, where the store has them
    view = ontology_page(graph, local_url, f"{config().base_iri}ontology#")
    body = render_template("ontology.html", o=view, data_links=_data_links("ontology"))
    return negotiate.finish(Response(body, mimetype="text/html"), link)
