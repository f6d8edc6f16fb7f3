"""Serving one Linked Data resource or listing: negotiation, caching, the HTML view.

Why a helper and not a blueprint: the home page (``web.home``) and the
resource routes (``web.resources``) both answer with a resource's
representation (the base IRI is a resource too), and blueprints do not import
each other. The view models themselves (``pages``, ``scheme_page``,
``resource_page``, ``listing``) know nothing of Flask; this module only gives
them the request's local URLs and renders their templates.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, abort, render_template, request
from rdflib import URIRef

from clusterkb import formats, listing, pages, scheme_page
from clusterkb.describe import cluster_profile, describe
from clusterkb.jsonld_context import context_url
from clusterkb.labels import fetch_labels
from clusterkb.resource_page import resource_view
from clusterkb.search import index_of
from clusterkb.web import caching, negotiate
from clusterkb.web.context import config, store
from clusterkb.web.urls import href, local_url


def format_url(path: str, fmt: negotiate.Format) -> str:
    """The URL of ``fmt``'s representation of the resource at ``path`` (no extension).

    A path that is empty or ends in ``/`` (the home page, listings) takes ``?format=``:
    ``/.ttl`` or ``/id/.ttl`` would name a file, not the listing.
    """
    root = f"{request.script_root}/{path}"
    return f"{root}?format={fmt.name}" if path == "" or path.endswith("/") \
        else f"{root}.{fmt.name}"


def alternates(path: str, profiles: tuple[tuple[str, str], ...] = ()) -> str:
    """``Link`` header naming the representations of the resource at ``path`` (no extension)."""
    return negotiate.link_header(lambda f: format_url(path, f), profiles=profiles)


def serve_resource(path: str, iri: str | None = None, extra=None):
    if iri is None and (path == "" or path.endswith("/")):
        return serve_listing(path)  # the base IRI and every IRI ending in "/" list
    stem, forced = negotiate.split_extension(path)
    iri = iri or config().base_iri + stem
    fmt = negotiate.choose(forced=forced)
    profile = negotiate.jsonld_profile() if fmt is negotiate.JSONLD else None
    generation = store().generation()
    # Keyed by the resource, not the path: /id/x asked for as Turtle and /id/x.ttl
    # are one representation, made once.
    cache_key = ("resource", request.script_root, stem, iri, fmt.name, profile)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    own = None if fmt is negotiate.HTML else cluster_profile(store(), config().base_iri, iri)
    try:
        graph = describe(store(), iri) if own is None else own
    except ValueError:
        abort(404, description=f"Not a resource IRI: {iri}")
    if extra is not None:
        graph += extra()
    if len(graph) == 0:
        abort(404, description=f"Nothing is known about <{iri}>")
    link = alternates(stem, ((submission_jsonld_url(stem), context_url(config())),))
    if fmt is negotiate.HTML:
        links = [*data_links(stem), ("JSON-LD to edit and submit", submission_jsonld_url(stem))]
        if pages.is_cluster(graph, iri):
            body = render_template("cluster.html",
                                   c=pages.cluster_page(store(), iri, local_url, graph=graph),
                                   data_links=links, stem=stem)
        elif scheme_page.is_scheme(graph, iri):
            body = render_template("scheme.html",
                                   s=scheme_page.scheme_page(store(), iri, local_url, graph),
                                   data_links=links)
        else:
            view = resource_view(graph, URIRef(iri), local_url)
            body = render_template("resource.html", r=view, data_links=links)
        response = negotiate.finish(Response(body, mimetype=formats.HTML.media_type), link)
    else:
        response = negotiate.rdf_response(graph, fmt, link, profile)
    return caching.remember(generation, cache_key, tag, response)


def submission_jsonld_url(stem: str) -> str:
    """The resource's JSON-LD in the submitters' context (``negotiate.jsonld_profile``)."""
    return f"{format_url(stem, negotiate.JSONLD)}?{urlencode({'profile': context_url(config())})}"


def data_links(stem: str) -> list[tuple[str, str]]:
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
            data_links=data_links(path), href=href,
            prev_url=_here(page_iri(page - 1)) if page > 1 else None,
            next_url=_here(page_iri(page + 1)) if page < view.last_page else None)
        response = negotiate.finish(Response(body, mimetype=formats.HTML.media_type), link)
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
