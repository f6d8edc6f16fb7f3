"""Search, listing, scheme and ontology pages in Chromium (#19.4, #19.6), at 390 and 1280 px.

A real server over the built KB; the browser may reach nothing but it. Each page is
checked for what a person sees (clusters first for "medical", a listing's rows, a
scheme's nested tree and A–Z index, the ontology's contents) and for not scrolling
sideways, with a screenshot per page and width.
"""

from __future__ import annotations

import pytest
from tests.browser.conftest import shoot

WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def server(start_server, built_store) -> str:
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                        CLUSTERKB_QUERY_WORKERS="1")


def _open(page, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    sideways = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    assert sideways <= 0, f"{url} scrolls {sideways}px sideways at {width}px"


@pytest.mark.parametrize("width", WIDTHS)
def test_search_for_medical_lists_the_clusters_first(page, server, tmp_path, width):
    _open(page, f"{server}/search?q=medical", width)
    items = page.locator("ol.hits > li")
    assert items.count() >= 5
    for i in (0, 1):
        assert items.nth(i).locator(".kind-tag").inner_text() == "Cluster organisation"
    assert "Medical" in items.nth(0).locator("a").inner_text()
    facet = page.locator('a[data-facet="kind"][data-value="ClusterOrganisation"]')
    facet.click()
    page.wait_for_load_state()
    tags = page.locator("ol.hits .kind-tag").all_inner_texts()
    assert tags and set(tags) == {"Cluster organisation"}
    shoot(page, tmp_path, f"search-{width}")
    assert page.outside == [] and page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_listing_pages(page, server, tmp_path, width):
    _open(page, f"{server}/id/", width)
    page.get_by_role("link", name="cluster/", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/id/cluster/")
    rows = page.locator("table.members tbody tr")
    assert rows.count() >= 3
    names = page.locator("table.members tbody td:first-child a").all_inner_texts()
    assert "ROHEALTH - The Health and Bioeconomy Cluster" in names or any(
        "ROHEALTH" in n for n in names)
    shoot(page, tmp_path, f"listing-{width}")
    _open(page, f"{server}/graph/", width)
    _open(page, f"{server}/vocab/", width)
    shoot(page, tmp_path, f"vocab-{width}")
    assert page.outside == [] and page.errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_scheme_page_tree_and_a_to_z(page, server, tmp_path, width):
    _open(page, f"{server}/vocab/organisation-types", width)
    nested = page.locator(".tree li li a")
    assert nested.count() >= 3  # the kinds of SME sit under SME
    parent = page.locator(".tree li:has(li a:text-is('micro-enterprise')) > a").first
    assert parent.inner_text() == "SME"
    assert page.locator(".az h3").count() >= 5
    assert page.locator('.az [lang="hu"]').count() >= 1  # labels in every language
    shoot(page, tmp_path, f"scheme-{width}")
    _open(page, f"{server}/ontology", width)
    page.locator(".toc a[href='#ClusterOrganisation']").click()
    assert page.locator("#ClusterOrganisation").is_visible()
    assert "In domain of" in page.locator("#ClusterOrganisation").inner_text()
    shoot(page, tmp_path, f"ontology-{width}")
    assert page.outside == [] and page.errors == []
