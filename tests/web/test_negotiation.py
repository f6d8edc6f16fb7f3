"""The one negotiation rule (web/negotiate.py) on a Linked Data page."""

from __future__ import annotations

import pytest

PAGE = "/id/cluster/medical"


@pytest.mark.parametrize("accept", [None, "*/*"])
def test_no_accept_and_any_type_get_the_page_default(client, accept):
    response = client.get(PAGE, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    assert 'type="text/turtle"' in response.headers["Link"]


def test_extension_beats_format_beats_accept(client):
    response = client.get(PAGE + ".nt?format=jsonld", headers={"Accept": "text/turtle"})
    assert response.mimetype == "application/n-triples"
    response = client.get(PAGE + "?format=jsonld", headers={"Accept": "text/turtle"})
    assert response.mimetype == "application/ld+json"


def test_format_may_be_a_media_type_or_an_alias(client):
    assert client.get(PAGE + "?format=text/turtle").mimetype == "text/turtle"
    assert client.get(PAGE + "?format=turtle").mimetype == "text/turtle"
    assert client.get(PAGE, headers={"Accept": "application/x-turtle"}).mimetype \
        == "text/turtle"


def test_unknown_format_is_400_naming_the_choices(client):
    response = client.get(PAGE + "?format=yaml")
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "yaml" in message and "ttl" in message and "jsonld" in message


def test_nothing_acceptable_is_406_naming_the_types(client):
    response = client.get(PAGE, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)
