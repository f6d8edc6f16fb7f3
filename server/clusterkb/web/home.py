"""The home page: HTML for people; for RDF clients, the description of the base IRI."""

from __future__ import annotations

from flask import Blueprint, render_template

from clusterkb.web import negotiate
from clusterkb.web.resources import serve_resource

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    # The base IRI itself is a resource (the catalogue's homepage), so it
    # dereferences like any other; browsers get the home page.
    if negotiate.choose() is not negotiate.HTML:
        return serve_resource("")
    return render_template("home.html")
