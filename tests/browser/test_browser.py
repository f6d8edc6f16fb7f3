"""The web pages in a real browser (headless Chromium) against a real server process.

Each test saves a screenshot under its ``tmp_path``. Requests may only go to the
server: the pages must work with no network (everything they load, the SPARQL editor
included, ships with the package).
"""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import shoot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_home_page(page, live_server, tmp_path):
    page.goto(f"{live_server}/")
    assert page.title().endswith("clusterkb")
    stats = page.locator("ul.stats li")
    assert stats.count() == 4
    assert "cluster organisations" in stats.first.inner_text()
    assert page.locator(".by-country h3", has_text="Hungary").count() == 1
    page.keyboard.press("Tab")  # the skip link comes first, and shows when focused
    skip = page.locator("a.skip")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    shoot(page, tmp_path, "home")
    with page.expect_navigation():
        page.get_by_role("link", name="Hungarian Medical Cluster").click()
    assert page.locator("h1").inner_text() == "Hungarian Medical Cluster"
    assert page.outside == [] and page.errors == []


def test_cluster_page_has_network_picture_with_partners(page, live_server, tmp_path):
    page.goto(f"{live_server}/id/cluster/rohealth")
    assert page.locator("h1").inner_text() == "ROHEALTH- The Health and Bioeconomy Cluster"
    picture = page.locator("#collaborations svg.network-svg")
    assert picture.is_visible()
    box = picture.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    labels = picture.locator("text.node-label").all_text_contents()
    assert "Cassovia Life Sciences" in labels and "Taiwan Trade Center" in labels
    assert len(labels) == 19
    assert "Slovakia" in page.locator("#collaborations figcaption").inner_text()
    assert page.locator(".badge", has_text="Silver").is_visible()
    assert page.locator("#members svg rect").count() == 3
    shoot(page, tmp_path, "cluster")
    with page.expect_navigation():
        page.locator("#collaborations svg a", has_text="Taiwan Trade Center").click()
    assert page.locator("h1").inner_text() == "Taiwan Trade Center"
    assert page.get_by_text("ROHEALTH- The Health and Bioeconomy Cluster").count() >= 1
    assert page.outside == [] and page.errors == []


def test_search_with_a_facet(page, live_server, tmp_path):
    page.goto(f"{live_server}/search")
    page.get_by_label("Name, label, acronym or words of a description").fill("cluster")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    everything = page.locator("ol.hits > li").count()
    assert everything > 3
    with page.expect_navigation():
        page.locator('.facets a[data-facet="level"][data-value="silver"]').click()
    hits = page.locator("ol.hits > li a").all_inner_texts()
    assert hits == ["ROHEALTH- The Health and Bioeconomy Cluster"]
    assert "level=silver" in page.url
    selected = page.locator('.facets a[aria-current="true"]')
    assert selected.count() == 1 and "Silver" in selected.inner_text()
    shoot(page, tmp_path, "search")
    assert page.outside == [] and page.errors == []


def test_running_an_example_query_shows_a_results_table(page, live_server, tmp_path):
    page.goto(f"{live_server}/sparql")
    example = page.locator(".examples li").filter(has_text="Silver label or better")
    with page.expect_navigation():
        example.locator("a").first.click()
    assert "ckb:awardLevel" in page.locator("#query").input_value()
    with page.expect_navigation():
        page.get_by_role("button", name="Run query", exact=True).click()
    table = page.locator("#results table")
    assert table.is_visible()
    assert table.locator("th").all_inner_texts() == ["cluster", "level"]
    row = table.locator("tbody tr").first.inner_text()
    assert "ROHEALTH" in row and "Silver" in row
    assert page.get_by_role("link", name="CSV").get_attribute("href").endswith("format=csv")
    shoot(page, tmp_path, "query")
    # Nothing was asked of any other host: the editor ships with the package.
    assert page.outside == []
    assert page.errors == []


def test_invalid_upload_on_the_validate_page_shows_its_messages(page, live_server, tmp_path):
    page.goto(f"{live_server}/validate")
    invalid = FIXTURES / "invalid" / "member-counts.ttl"
    page.get_by_label("RDF file").set_input_files(str(invalid))
    with page.expect_navigation():
        page.get_by_role("button", name="Validate").click()
    assert "does not conform" in page.locator("#report-title").inner_text()
    rows = page.locator("tr.violation")
    assert rows.count() >= 1
    assert rows.first.locator("td").nth(3).inner_text().strip() != ""
    shoot(page, tmp_path, "validate")
    assert page.outside == [] and page.errors == []
