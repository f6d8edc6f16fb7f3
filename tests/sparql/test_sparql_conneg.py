"""Choosing the result media type from ``format`` and ``Accept``: ``web/negotiate``'s one
rule over the query form's offers (``formats.SPARQL_OFFERS``)."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException

from clusterkb import formats as registry
from clusterkb.web import negotiate as conneg

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_APP = Flask(__name__)


def _choose(offered, formats, header) -> str:
    headers = {"Accept": header} if header is not None else {}
    with _APP.test_request_context("/sparql", headers=headers):
        return conneg.choose(offered, asked=formats).media_type


def negotiate(kind, formats, header) -> str:
    return _choose(registry.SPARQL_OFFERS[kind], formats, header)


def negotiate_description(formats, header) -> str:
    # What /sparql without a query offers: the Service Description, or the query page.
    return _choose((*registry.GRAPH_FORMATS, registry.HTML), formats, header)


def accept(header: str | None) -> str | None:
    return header


@pytest.mark.parametrize(
    ("kind", "header", "expected"),
    [
        ("solutions", None, "application/sparql-results+json"),
        ("solutions", "*/*", "application/sparql-results+json"),
        ("solutions", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("solutions", "text/csv", "text/csv"),
        ("solutions", "text/tab-separated-values", "text/tab-separated-values"),
        ("solutions", "text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("solutions", "application/json", "application/sparql-results+json"),
        ("boolean", "application/xml", "application/sparql-results+xml"),
        ("graph", None, "text/turtle"),
        ("graph", "*/*", "text/turtle"),
        ("graph", "application/n-triples", "application/n-triples"),
        ("graph", "application/ld+json", "application/ld+json"),
        ("graph", "application/rdf+xml", "application/rdf+xml"),
        ("graph", "application/json", "application/ld+json"),
        ("graph", "application/rdf+xml;q=0.2, text/turtle;q=0.9", "text/turtle"),
    ],
)
def test_accept_header_picks_among_the_forms_types(kind, header, expected):
    assert negotiate(kind, [], accept(header)) == expected


@pytest.mark.parametrize(
    ("kind", "formats", "expected"),
    [
        ("solutions", ["json"], "application/sparql-results+json"),
        ("solutions", ["XML"], "application/sparql-results+xml"),
        ("solutions", ["csv"], "text/csv"),
        ("boolean", ["tsv", "text/tab-separated-values"], "text/tab-separated-values"),
        ("solutions", ["text/csv"], "text/csv"),
        ("graph", ["ttl"], "text/turtle"),
        ("graph", ["turtle"], "text/turtle"),
        ("graph", ["nt"], "application/n-triples"),
        ("graph", ["jsonld"], "application/ld+json"),
        ("graph", ["json-ld", "application/ld+json"], "application/ld+json"),
        ("graph", ["rdfxml"], "application/rdf+xml"),
        ("graph", ["xml"], "application/rdf+xml"),
        ("graph", ["json"], "application/ld+json"),
    ],
)
def test_format_parameter_wins_over_accept(kind, formats, expected):
    assert negotiate(kind, formats, accept("image/png")) == expected


@pytest.mark.parametrize(
    ("kind", "header"),
    [("solutions", "image/png"), ("solutions", "text/turtle"), ("graph", "text/csv")],
)
def test_nothing_acceptable_raises_406_naming_the_alternatives(kind, header):
    with pytest.raises(HTTPException) as caught:
        negotiate(kind, [], accept(header))
    assert caught.value.code == 406
    expected = "text/turtle" if kind == "graph" else "application/sparql-results+json"
    assert expected in caught.value.description


@pytest.mark.parametrize(
    ("kind", "formats"),
    [("graph", ["csv"]), ("solutions", ["turtle"]), ("solutions", ["no-such-format"])],
)
def test_a_format_the_form_does_not_offer_is_400_naming_the_names(kind, formats):
    # #14.2: an unknown ``format`` is 400 on every route (it was 406 on /sparql only).
    with pytest.raises(HTTPException) as caught:
        negotiate(kind, formats, None)
    assert caught.value.code == 400
    expected = "ttl" if kind == "graph" else "srj"
    assert expected in caught.value.description


@pytest.mark.parametrize(
    ("formats", "header", "expected"),
    [
        ([], BROWSER, "text/html"),
        ([], None, "text/turtle"),
        ([], "*/*", "text/turtle"),
        ([], "application/ld+json", "application/ld+json"),
        ([], "text/html;q=0.5, text/turtle", "text/turtle"),
        (["html"], "text/turtle", "text/html"),
        (["nt"], BROWSER, "application/n-triples"),
    ],
)
def test_no_query_gives_browsers_the_page_and_others_the_description(formats, header, expected):
    assert negotiate_description(formats, accept(header)) == expected
