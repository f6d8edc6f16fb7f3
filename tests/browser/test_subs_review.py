"""A curator reviews a submission in a real browser with JavaScript off.

The cluster manager downloads Health Romania's graph, changes its mission to a long
text and submits it from the validate page; the curator signs in, opens the
submission, sees the change grouped by resource and property (names and short
names, the whole value, nothing clipped), accepts it from that page, follows the
link to the history's comparison of the two versions and finds the new mission on
the cluster's page. Every page works under the Content-Security-Policy (only
'self') with scripts disabled: the forms alone do the work.
"""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from tests.browser.conftest import shoot

BASE = "https://w3id.org/clusterkb/"
SLUG = "health-romania"
CLUSTER = f"{BASE}id/cluster/{SLUG}"
MISSION = URIRef(f"{BASE}ontology#mission")
# Long enough to need several lines at any width, with one long unbroken word.
NEW_MISSION = ("To jointly promote the highest level of quality in patient care, " * 8
               + "and-to-keep-one-very-long-unbroken-word-that-must-wrap-rather-than-be-"
                 "clipped-at-the-edge-of-the-table-cell-whatever-the-width.")


@pytest.fixture()
def nojs(browser):
    """A page with JavaScript disabled whose requests may only go to 127.0.0.1; CSP
    violations and page errors are recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    page.outside, page.csp = [], []

    def only_local(route):
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda m: page.csp.append(m.text)
            if "Content Security Policy" in m.text else None)
    yield page
    context.close()


def test_a_curator_sees_the_grouped_diff_and_accepts_from_the_submission_page(
        nojs, store_server, tmp_path):
    page = nojs
    server = store_server()
    submitter = server.cli("token", "create", "--role", "submitter", "--cluster", CLUSTER)
    curator = server.cli("token", "create", "--role", "curator")
    turtle = requests.get(f"{server.url}/graph/clusters/{SLUG}.ttl", timeout=60).text
    document = Graph().parse(data=turtle, format="turtle")
    old_mission = document.value(URIRef(CLUSTER), MISSION)
    assert isinstance(old_mission, Literal)
    document.set((URIRef(CLUSTER), MISSION, Literal(NEW_MISSION, lang="en")))

    # The cluster manager validates the edited graph, then submits it with the token.
    page.goto(f"{server.url}/validate")
    page.get_by_label("or paste RDF").fill(document.serialize(format="turtle"))
    page.get_by_label("Format").select_option("text/turtle")
    with page.expect_navigation():
        page.get_by_role("button", name="Validate").click()
    assert "The data conforms" in page.locator("#report-title").inner_text()
    page.get_by_label("Submitter token").fill(submitter)
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for review").click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Submission "), page.content()[:2000]
    sub_id = heading.split()[-1]

    # The curator signs in and opens the submission from the list.
    page.goto(f"{server.url}/submissions")
    page.get_by_label("Token").fill(curator)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    with page.expect_navigation():
        page.get_by_role("link", name=f"Review {sub_id}").click()
    assert page.locator("h1").inner_text() == f"Submission {sub_id}"

    # One resource (the cluster, by its name), one property (its label and short name).
    changes = page.locator("section.changes")
    assert "1 statement(s) added, 1 removed" in changes.locator(".counts").inner_text()
    groups = changes.locator("article.change")
    assert groups.count() == 1
    # The name is the cluster's skos:prefLabel in English.
    assert groups.first.locator("h3 a").inner_text() == "Health Romania The Medical Cluster"
    rows = groups.first.locator("table.diff tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text() == "mission ckb:mission"
    removed, added = rows.first.locator("td.removed li"), rows.first.locator("td.added li")
    assert removed.count() == 1 and added.count() == 1
    assert str(old_mission) in removed.inner_text()
    # The whole new value is there and fits its cell: wrapped, not clipped or scrolled.
    assert NEW_MISSION in added.inner_text()
    cell = rows.first.locator("td.added")
    assert cell.evaluate("el => el.scrollWidth <= el.clientWidth")
    value = added.locator(".value")
    box, cell_box = value.bounding_box(), cell.bounding_box()
    assert box["x"] + box["width"] <= cell_box["x"] + cell_box["width"] + 1
    assert box["height"] > 3 * 16  # several lines
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth).map(
        e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 80))""")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
    shoot(page, tmp_path, "review")

    with page.expect_navigation():
        page.get_by_role("button", name=f"Accept and publish {sub_id}").click()
    assert "accepted" in page.locator("dl").inner_text()
    assert page.get_by_role("button", name=f"Accept and publish {sub_id}").count() == 0

    # The history compares the version it replaced with the one it made: the same change.
    with page.expect_navigation():
        page.get_by_role("link", name="What this submission changed").click()
    assert "/id/cluster/health-romania/history?" in page.url
    compared = page.locator("section.changes table.diff tbody tr")
    assert compared.count() == 1
    assert NEW_MISSION in compared.locator("td.added").inner_text()
    assert str(old_mission) in compared.locator("td.removed").inner_text()
    assert page.get_by_label("From version").input_value() == "1"
    assert page.get_by_label("To version").input_value() == "current"
    shoot(page, tmp_path, "history")

    page.goto(f"{server.url}/id/cluster/{SLUG}")
    assert NEW_MISSION in page.locator("main").inner_text()
    assert page.outside == [] and page.csp == []
