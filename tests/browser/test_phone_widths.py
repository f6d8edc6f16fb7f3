"""Every kind of page at a phone's width (390 px) and a wide screen's (1280 px), #19.9.

At 390 px no page may scroll sideways (``scrollWidth <= innerWidth``), and a table wider than
the screen must scroll inside a box of its own that fits the screen, not be cut off. At
1280 px the content must use the width: ``main`` spans most of the window, and each page's
two-column parts (the query page's examples, the search facets, a term list's names and
values) stand side by side rather than stacked. A full-page screenshot per page and width
goes under the test's ``tmp_path``.

The server is a real ``clusterkb serve`` over the built KB; the browser reaches nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.browser.conftest import shoot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PHONE, WIDE = 390, 1280


@dataclass(frozen=True)
class Page:
    path: str
    status: int = 200
    beside: tuple[tuple[str, str], ...] = ()  # at 1280 px: (left, right) stand side by side


PAGES = {
    "home": Page("/", beside=((".stats li:nth-child(1)", ".stats li:nth-child(2)"),)),
    "query": Page("/sparql", beside=((".query-layout form", ".examples"),)),
    "validate": Page("/validate"),
    "ontology": Page("/ontology", beside=((".meta dt", ".meta dd"),)),
    "cluster-rohealth": Page("/id/cluster/rohealth", beside=(("dl.facts dt", "dl.facts dd"),)),
    "cluster-health-romania": Page("/id/cluster/health-romania",
                                   beside=(("dl.facts dt", "dl.facts dd"),)),
    "cluster-hungarian": Page("/id/cluster/hungarian-medical-cluster",
                              beside=(("dl.facts dt", "dl.facts dd"),)),
    "organisation": Page("/id/organisation/hungarian-management-ltd",
                         beside=(("tbody tr:first-child th", "tbody tr:first-child td"),)),
    "scheme": Page("/vocab/organisation-types", beside=((".meta dt", ".meta dd"),)),
    "listing": Page("/id/cluster/", beside=(("tbody tr:first-child td:nth-child(1)",
                                            "tbody tr:first-child td:nth-child(2)"),)),
    "search": Page("/search?q=medical", beside=((".facets", "ol.hits"),)),
    "catalog": Page("/catalog"),
    "sign-in": Page("/submissions", status=401),
    "not-found": Page("/no/such/page", status=404),
}

# What pushes past the window's right edge, unless a scroll box (overflow-x auto or scroll)
# that itself fits holds it; and every table wider than the window, with whether it scrolls.
OVERFLOW = """() => {
  const w = window.innerWidth;
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return p;
      if (o !== 'visible') return null;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const loose = [], tables = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 0.5) continue;
    const box = scroller(el);
    const held = box !== null && box.getBoundingClientRect().right <= w + 0.5;
    if (!held) loose.push(name(el) + ' reaches ' + Math.round(r.right) + 'px');
    if (el.tagName === 'TABLE') tables.push({table: name(el), scrolls: held});
  }
  return {scroll: document.documentElement.scrollWidth, inner: w, loose: loose.slice(0, 8), tables};
}"""


@pytest.fixture(scope="module")
def server(start_server, built_store) -> str:
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                        CLUSTERKB_QUERY_WORKERS="1")


def assert_fits(page, what: str) -> dict:
    """No sideways scroll; anything wider than the window sits in a scroll box that fits."""
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["inner"], (
        f"{what} scrolls sideways at {found['inner']}px ({found['scroll']}px wide): "
        f"{found['loose']}")
    assert found["loose"] == [], f"{what}: {found['loose']}"
    assert all(t["scrolls"] for t in found["tables"]), f"{what}: {found['tables']}"
    return found


def assert_beside(page, left: str, right: str, what: str) -> None:
    a, b = page.locator(left).first.bounding_box(), page.locator(right).first.bounding_box()
    assert a and b, f"{what}: {left} or {right} is not shown"
    assert b["x"] >= a["x"] + a["width"] - 1, f"{what}: {right} is not beside {left}"
    assert b["y"] < a["y"] + a["height"] and a["y"] < b["y"] + b["height"], (
        f"{what}: {right} is not level with {left}")


@pytest.mark.parametrize("width", (PHONE, WIDE))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_width(page, server, tmp_path, name, width):
    spec = PAGES[name]
    page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})
    response = page.goto(server + spec.path)
    assert response is not None and response.status == spec.status, spec.path
    assert page.locator("main h1").count() == 1  # a page for people, not a raw error
    assert_fits(page, spec.path)
    if width == WIDE:
        main = page.locator("main").bounding_box()
        assert main and main["width"] >= 0.85 * WIDE, f"{spec.path}: main is squeezed"
        for left, right in spec.beside:
            assert_beside(page, left, right, spec.path)
    shoot(page, tmp_path, f"{name}-{width}")
    assert page.outside == [] and page.errors == []


def test_cluster_partners_table_scrolls_in_its_own_box_on_a_phone(page, server, tmp_path):
    """ROHEALTH's four-column partners table is wider than a phone: it scrolls, not the page."""
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(f"{server}/id/cluster/rohealth")
    found = assert_fits(page, "rohealth")
    assert {"table": "table.partners", "scrolls": True} in found["tables"]
    box = page.locator("table.partners").locator("xpath=..")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")  # its last column can be reached
    last = page.locator("table.partners thead th").last.bounding_box()
    assert last and last["x"] + last["width"] <= PHONE + 1
    shoot(page, tmp_path, "partners-scrolled-390")


def test_validation_report_fits_a_phone(page, server, tmp_path):
    page.set_viewport_size({"width": PHONE, "height": 844})
    page.goto(f"{server}/validate")
    page.get_by_label("RDF file").set_input_files(str(FIXTURES / "invalid" / "member-counts.ttl"))
    with page.expect_navigation():
        page.get_by_role("button", name="Validate").click()
    assert page.locator("tr.violation").count() >= 1
    assert_fits(page, "the validation report")
    shoot(page, tmp_path, "validate-report-390")
    assert page.outside == [] and page.errors == []


def test_query_results_fit_a_phone(page, server, tmp_path):
    page.set_viewport_size({"width": PHONE, "height": 844})
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 30"
    page.goto(f"{server}/sparql?query={quote(query)}&format=html")
    assert page.locator("#results tbody tr").count() == 30
    assert_fits(page, "the query results")
    shoot(page, tmp_path, "query-results-390")
    assert page.outside == [] and page.errors == []


def test_query_page_without_javascript_fits_a_phone(browser, server, tmp_path):
    """The plain form (no editor) is what a phone without JavaScript shows."""
    context = browser.new_context(viewport={"width": PHONE, "height": 844},
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server}/sparql")
        assert page.locator(".editor").count() == 0  # the plain textarea, not the editor
        assert_fits(page, "/sparql without JavaScript")
        shoot(page, tmp_path, "query-nojs-390")
    finally:
        context.close()
