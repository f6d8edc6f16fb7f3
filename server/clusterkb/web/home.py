"""The home page: HTML for people; for RDF clients, the description of the base IRI.

People meet the KB here first, so the page says what it holds (counts of
clusters, organisations, countries and labels, read from the store), lists the
clusters by country, and links to every way in: search, SPARQL, catalogue,
dumps, ontology and validation.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from clusterkb import formats
from clusterkb.pages import home_stats
from clusterkb.web import negotiate
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
    body = render_template("home.html", stats=home_stats(store(), local_url))
    return negotiate.finish(Response(body, mimetype=formats.HTML.media_type))
