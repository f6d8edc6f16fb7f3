"""Comparing two versions of a cluster's history: what a bad request gets, over HTTP."""

from __future__ import annotations

import requests

TIMEOUT = 60


def test_history_comparison_parameters(kb_server):
    root = kb_server().url
    url = f"{root}/id/cluster/rohealth/history"
    same = requests.get(f"{url}?from=current&to=current&format=json", timeout=TIMEOUT)
    assert same.status_code == 200
    assert same.json()["compared"]["added"] == [] and same.json()["compared"]["changes"] == []
    page = requests.get(f"{url}?from=current&to=current", timeout=TIMEOUT,
                        headers={"Accept": "text/html"})
    assert page.status_code == 200 and "No changes" in page.text
    for query, status, words in (("from=abc&to=current", 400, "version number"),
                                 ("from=current", 400, "both"),
                                 ("from=1&to=current", 404, "no version 1"),
                                 ("format=xml", 400, "html, json")):
        response = requests.get(f"{url}?{query}", timeout=TIMEOUT,
                                headers={"Accept": "application/json"})
        assert response.status_code == status, (query, response.text)
        assert words in response.json()["error"], (query, response.text)
    assert requests.get(url, headers={"Accept": "image/png"}, timeout=TIMEOUT).status_code == 406
    assert requests.get(f"{root}/id/cluster/nope/history", timeout=TIMEOUT,
                        headers={"Accept": "application/json"}).status_code == 404
