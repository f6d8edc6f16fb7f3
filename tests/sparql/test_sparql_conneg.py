"""Choosing the result media type from ``format`` and ``Accept``."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from clusterkb.sparql import NotAcceptable, negotiate, negotiate_description

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


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
    ("kind", "formats", "header"),
    [
        ("solutions", [], "image/png"),
        ("solutions", [], "text/turtle"),
        ("graph", [], "text/csv"),
        ("graph", ["csv"], None),
        ("solutions", ["turtle"], None),
        ("solutions", ["no-such-format"], None),
    ],
)
def test_nothing_acceptable_raises_406_naming_the_alternatives(kind, formats, header):
    with pytest.raises(NotAcceptable) as caught:
        negotiate(kind, formats, accept(header))
    assert caught.value.status == 406
    expected = "text/turtle" if kind == "graph" else "application/sparql-results+json"
    assert expected in caught.value.message


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
