"""The home page: HTML for people; for RDF clients, the description of the base IRI.

People meet the KB here first, so the page says what it holds (counts of
clusters, organisations, countries and labels, read from the store), lists the
clusters by country, and links to every way in: search, SPARQL, catalogue,
dumps, ontology and validation.

Listing every cluster by country costs queries over the whole KB, and the page
changes only when the store does: it is kept per store generation in the result
cache, with an ``ETag``, ``Last-Modified`` and 304 like every Linked Data page.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from clusterkb import formats
from clusterkb.pages import home_stats
from clusterkb.web import caching, negotiate
from clusterkb.web.context import store
from clusterkb.web.linked_data import serve_resource
from clusterkb.web.urls import local_url

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """The home page; the base IRI's description for RDF clients.
    ---
    get:
      summary: Home page, or the base IRI as Linked Data
      description: >-
        Browsers (and `*/*`) get the home page; an RDF `Accept`, or `?format=`, gets the
        description of the base IRI with the listing of what is under it.
      parameters: [format, listing_page, listing_per_page]
      responses: {"200": LinkedData, "304": NotModified, "400": BadRequest, "404": NotFound,
                  "406": NotAcceptable}
    """
    # The base IRI itself is a resource (the catalogue's homepage), so it
    # dereferences like any other; browsers get the home page.
    if negotiate.choose() is not negotiate.HTML:
        return serve_resource("")
    generation = store().generation()
    cache_key = ("home", request.script_root)
    tag = caching.etag(generation, *cache_key)
    early = caching.not_modified(tag) or caching.lookup(generation, cache_key, tag)
    if early is not None:
        return early
    body = render_template("home.html", stats=home_stats(store(), local_url))
    response = negotiate.finish(Response(body, mimetype=formats.HTML.media_type))
    return caching.remember(generation, cache_key, tag, response)
