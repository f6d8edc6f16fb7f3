"""Linked Data: every IRI under the base IRI dereferences on this server.

The request path is mapped onto ``config.base_iri`` (``/id/cluster/rohealth``
on localhost means ``{base}id/cluster/rohealth``), so the KB can be browsed and
harvested from any host it is served on. Each resource is offered as HTML and
as RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by content negotiation, with a
file extension or ``?format=`` as a fallback for clients that cannot set
``Accept``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph
from rdflib.namespace import OWL

from clusterkb import formats
from clusterkb.labels import add_labels, iri_ref
from clusterkb.namespaces import graph_iri
from clusterkb.ontology_page import ontology_page
from clusterkb.web import negotiate
from clusterkb.web.context import config, store
from clusterkb.web.linked_data import alternates, data_links, serve_listing, serve_resource
from clusterkb.web.urls import href, local_url

__all__ = ["bp", "href", "local_url", "serve_resource"]  # web.sparql_results still imports these

bp = Blueprint("resources", __name__)


@bp.app_template_filter("local_href")
def _local_href_filter(iri: str) -> str:
    """Jinja filter: the local page of an IRI under the base IRI, else the IRI."""
    return href(str(iri))


@bp.get("/id/")
@bp.get("/vocab/")
@bp.get("/id/<path:rest>")
@bp.get("/vocab/<path:rest>")
def resource(rest: str = ""):
    """An IRI under ``id/`` or ``vocab/``: its description; one ending in ``/`` lists.
    ---
    get:
      summary: Dereference an IRI under id/ or vocab/ (Linked Data)
      description: >-
        `{base}id/...` and `{base}vocab/...` as HTML or RDF, by `Accept`, a file extension
        (`.ttl`, `.nt`, `.jsonld`, `.rdf`, `.html`) or `?format=`. An IRI ending in `/` is a
        listing of what is under it, paged.

      parameters:
        - in: path
          name: rest
          description: The IRI's path after `id/` or `vocab/` (a trailing `/` lists).
          schema: {type: string, minLength: 1}
          examples: {cluster: {value: cluster/rohealth}, scheme: {value: organisation-types}}
        - format
        - jsonld_profile
        - listing_page
        - listing_per_page
      responses: {"200": LinkedData, "304": NotModified, "400": BadRequest, "404": NotFound,
                  "406": NotAcceptable}
    """
    prefix = request.path.lstrip("/").split("/", 1)[0]
    path = f"{prefix}/{rest}"
    return serve_resource(path)


@bp.get("/ontology/<path:term>")
def ontology_term(term: str):
    """``/ontology/Term`` describes the hash IRI ``{base}ontology#Term``; a version IRI
    (``/ontology/0.1.0``, the ontology's ``owl:versionIRI``) is the ontology itself.
    ---
    get:
      summary: A term of the ontology (its hash IRI), or a version IRI of the ontology
      parameters:
        - in: path
          name: term
          description: The term's local name, or the ontology's version (`0.1.0`).
          schema: {type: string, minLength: 1}
          examples: {class: {value: ClusterOrganisation}, version: {value: 0.1.0}}
        - format
      responses: {"200": LinkedData, "304": NotModified, "400": BadRequest, "404": NotFound,
                  "406": NotAcceptable}
    """
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
    """A named graph's IRI: its description as HTML, its content (plus description) as RDF.
    ---
    get:
      summary: A named graph (its description and content), or the listing of graphs

      parameters:
        - in: path
          name: rest
          description: The graph's IRI after `graph/` (a trailing `/` lists).
          schema: {type: string, minLength: 1}
          example: clusters/rohealth
        - format
        - listing_page
        - listing_per_page
      responses: {"200": LinkedData, "304": NotModified, "400": BadRequest, "404": NotFound,
                  "406": NotAcceptable}
    """
    if rest == "" or rest.endswith("/"):
        return serve_listing(f"graph/{rest}")
    stem, _ = negotiate.split_extension(rest)
    iri = graph_iri(config().base_iri, stem)
    return serve_resource(f"graph/{rest}", extra=lambda: _graph_content(iri))


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None):
    """The SHACL shapes: ``{base}shapes#Shape`` IRIs dereference to the whole shapes graph.
    ---
    get:
      summary: The SHACL shapes graph
      parameters: [rdf_ext, format]
      responses: {"200": LinkedData, "304": NotModified, "400": BadRequest, "404": NotFound,
                  "406": NotAcceptable}
    """
    base = config().base_iri
    path = f"shapes.{ext}" if ext else "shapes"
    return serve_resource(path, iri=f"{base}shapes",
                          extra=lambda: _graph_content(graph_iri(base, "shapes")))


def _graph_content(iri: str) -> Graph:
    if iri not in set(store().graphs()):
        return Graph()
    return store().graph(iri)


# --- the ontology ---------------------------------------------------------------------

@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None):
    """Human documentation of the ontology (HTML) or the ontology graph itself (RDF).
    ---
    get:
      summary: The ontology, documented (HTML) or as RDF
      parameters: [rdf_ext, format]
      responses: {"200": LinkedData, "400": BadRequest, "404": NotFound, "406": NotAcceptable}
    """
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
    body = render_template("ontology.html", o=view, data_links=data_links("ontology"))
    return negotiate.finish(Response(body, mimetype=formats.HTML.media_type), link)
