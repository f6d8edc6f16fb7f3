"""The query editor in a real browser with the network cut off (#19.3).

The ``page`` fixture aborts every request that does not go to the server, as on a
machine without network; the editor must load all the same, under a CSP that
allows only our own origin, with the examples beside it (wide) or below it (phone)
and never off-screen, and the plain form must work without JavaScript.
"""

from __future__ import annotations

from tests.browser.conftest import shoot


def _csp_reports(page) -> list[str]:
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text)
            if "Content Security Policy" in message.text else None)
    return reports


def test_editor_loads_offline_and_runs_a_query(page, live_server, tmp_path):
    reports = _csp_reports(page)
    page.goto(f"{live_server}/sparql")
    assert page.locator("html.has-editor").count() == 1, "the editor did not start"
    assert page.outside == [] and page.errors == [] and reports == []
    query = page.locator("#query")
    default = query.input_value()
    for prefix in ("ckb:", "skos:", "dct:", "cluster:"):  # the KB's prefixes are declared
        assert f"PREFIX {prefix}" in default
    # the highlighted copy shows the text as tokens
    assert page.locator(".editor-highlight .tok-keyword", has_text="SELECT").count() >= 1
    assert page.locator(".editor-highlight .tok-var", has_text="?cluster").count() >= 1

    # a query using an undeclared prefix of the KB: one click declares it
    query.fill("SELECT ?c WHERE { ?c a ckb:ClusterOrganisation ; ckb:acronym ?a } ORDER BY ?a")
    declare = page.locator("#declare-prefixes")
    assert declare.is_visible() and "ckb:" in declare.inner_text()
    declare.click()
    assert query.input_value().startswith("PREFIX ckb: <https://w3id.org/clusterkb/ontology#>\n")
    assert declare.is_hidden()

    with page.expect_navigation():
        query.press("Control+Enter")
    rows = page.locator("#results table tbody tr")
    assert rows.count() >= 3
    shoot(page, tmp_path, "editor-results")
    assert page.outside == [] and page.errors == [] and reports == []


def test_result_columns_sort(page, live_server):
    query = ("SELECT ?n WHERE { VALUES ?n { 10 9 100 } }")
    page.goto(f"{live_server}/sparql?format=html&query={query}")
    cells = page.locator("#results tbody td")
    assert cells.all_inner_texts()[:3] != [] and page.locator("th button.sort").count() == 1
    page.locator("th button.sort").click()
    numbers = [int(t.split()[0]) for t in cells.all_inner_texts()]
    assert numbers == [9, 10, 100]  # as numbers, not as text ("10" < "100" < "9")
    page.locator("th button.sort").click()
    assert [int(t.split()[0]) for t in cells.all_inner_texts()] == [100, 10, 9]


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_examples_stay_in_view_beside_or_below_the_editor(page, live_server, tmp_path):
    page.goto(f"{live_server}/sparql")
    editor, examples = _box(page, ".editor"), _box(page, ".examples")
    assert examples["x"] >= editor["x"] + editor["width"], "examples not beside the editor"
    assert examples["x"] + examples["width"] <= 1280 and examples["y"] < 900
    long_line = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 400
    page.locator("#query").fill(long_line)
    assert _box(page, ".examples")["x"] + examples["width"] <= 1280  # still on screen
    shoot(page, tmp_path, "editor-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/sparql")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    editor, examples = _box(page, ".editor"), _box(page, ".examples")
    assert examples["y"] >= editor["y"] + editor["height"]  # below, full width
    assert examples["x"] >= 0 and examples["x"] + examples["width"] <= 390
    shoot(page, tmp_path, "editor-390")


def test_without_javascript_the_plain_form_works(browser, live_server, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/sparql")
        assert page.locator(".editor").count() == 0
        assert "PREFIX ckb:" in page.locator("#query").input_value()
        with page.expect_navigation():
            page.get_by_role("button", name="Run query", exact=True).click()
        assert page.locator("#results table tbody tr").count() >= 3
        shoot(page, tmp_path, "no-javascript")
    finally:
        context.close()
