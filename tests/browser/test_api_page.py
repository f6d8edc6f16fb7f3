"""The API documentation page in a real browser with the network cut off (#19.8).

The ``page`` fixture aborts every request that does not go to the server, as on a
machine without network: the page must still show Swagger UI (shipped with the
package) with the operations of ``/openapi.json``, under the site's CSP, and the
footer's "API" link leads there.
"""

from __future__ import annotations

import requests
from tests.browser.conftest import shoot


def test_api_page_lists_the_operations_offline(page, live_server, tmp_path):
    # Every console error: a CSP refusal (an inline script or style, eval) shows as one.
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server}/")
    with page.expect_navigation():
        page.locator("footer.site a", has_text="API").click()
    assert page.url == f"{live_server}/api"
    assert page.locator("html.has-api-ui").count() == 1, "Swagger UI did not start"
    page.locator(".opblock").first.wait_for()
    # A few operations the page must show, each as method and path (written by hand).
    for method, path in (("GET", "/search"), ("POST", "/sparql"), ("GET", "/sparql"),
                         ("POST", "/submissions/session"),
                         ("POST", "/submissions/{submission_id}/accept"),
                         ("GET", "/catalog"), ("GET", "/dump.{ext}")):
        block = page.locator(f".opblock-{method.lower()}",
                             has=page.locator(".opblock-summary-path", has_text=path))
        assert block.count() >= 1, (method, path)
    shown = page.locator(".opblock").count()
    document = requests.get(f"{live_server}/openapi.json", timeout=30).json()
    operations = sum(1 for item in document["paths"].values() for key in item
                     if key in ("get", "post", "options"))
    assert shown == operations
    # Opening an operation shows its parameters: the search facets among them.
    page.locator(".opblock-get", has=page.locator(".opblock-summary-path", has_text="/search")
                 ).first.locator(".opblock-summary").click()
    table = page.locator(".parameters").first
    table.wait_for()
    for name in ("q", "kind", "country", "level", "sector", "type"):
        assert table.locator(f"tr[data-param-name='{name}']").count() == 1, name
    shoot(page, tmp_path, "api-page")
    assert page.outside == [] and page.errors == [] and console_errors == []


def test_api_page_fits_a_phone(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_()
               if route.request.url.startswith("http://127.0.0.1") else route.abort())
    page.goto(f"{live_server}/api")
    page.locator(".opblock").first.wait_for()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    shoot(page, tmp_path, "api-page-390")
    context.close()
    assert widths[0] <= widths[1], widths  # no sideways scroll
