"""Every IRI under the base that the server emits dereferences (#19.5), over real HTTP.

The crawl reads what a harvester reads first: the full dump (``/dump.nq``), every page
of the catalogue, VoID and the SPARQL Service Description, and the ``Link`` headers of
every response it gets. Each IRI under the base IRI found there (fragment cut off, as a
browser does) is fetched as HTML and as Turtle, and each ``Link`` target as the type the
header names, following redirects; anything but a final 200 is a dead IRI. The server is
a real ``clusterkb serve`` over the built KB.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from rdflib import Dataset, Graph, URIRef

from clusterkb.namespaces import HYDRA

BASE = "https://w3id.org/clusterkb/"
ACCEPTS = ("text/html", "text/turtle")
_LINK = re.compile(r'<([^>]*)>[^,]*?type="([^"]*)"')


def _get(url: str, accept: str) -> tuple[int, str, bytes, list[tuple[str, str]]]:
    """(status, content type, body, Link header (target, type) pairs) of a GET that follows
    redirects."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            links = [m for value in response.headers.get_all("Link") or []
                     for m in _LINK.findall(value)]
            return response.status, response.headers.get_content_type(), response.read(), links
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read(), []


def _under_base(terms) -> set[str]:
    return {str(t).split("#", 1)[0] for t in terms
            if isinstance(t, URIRef) and str(t).startswith(BASE)}


def _local(server: str, iri_or_path: str) -> str:
    """The URL on the test server of an IRI under the base, or of a server-relative path."""
    if iri_or_path.startswith(BASE):
        return f"{server}/{iri_or_path[len(BASE):]}"
    if iri_or_path.startswith("/"):
        return f"{server}{iri_or_path}"
    return iri_or_path


def _seeds(server: str) -> tuple[set[str], list[str]]:
    """IRIs under the base in the dump, catalogue, VoID and Service Description; and the
    Link header targets of those documents."""
    found: set[str] = set()
    links: list[str] = []
    status, _, body, more = _get(f"{server}/dump.nq", "application/n-quads")
    assert status == 200
    links += more
    dataset = Dataset()
    dataset.parse(data=body.decode("utf-8"), format="nquads")
    for s, p, o, g in dataset.quads():
        found |= _under_base((s, p, o, g.identifier if isinstance(g, Graph) else g))
    page: str | None = f"{server}/catalog"
    pages = 0
    while page is not None and pages < 50:
        status, _, body, more = _get(page, "text/turtle")
        assert status == 200, page
        links += more
        graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
        found |= _under_base(t for triple in graph for t in triple)
        nxt = next(iter(graph.objects(None, HYDRA.next)), None)
        page = _local(server, str(nxt)) if nxt is not None else None
        pages += 1
    for path in ("/.well-known/void", "/sparql"):
        status, _, body, more = _get(f"{server}{path}", "text/turtle")
        assert status == 200, path
        links += more
        graph = Graph().parse(data=body.decode("utf-8"), format="turtle")
        found |= _under_base(t for triple in graph for t in triple)
    return found, links


def test_every_emitted_iri_dereferences_as_html_and_turtle(live_server):
    iris, links = _seeds(live_server)
    # The seeds are the KB's, so the crawl covers what the issue names, not just a few IRIs.
    for expected in (f"{BASE}id/cluster/rohealth", f"{BASE}ontology", f"{BASE}vocab/",
                     f"{BASE}ontology/0.1.0", f"{BASE}catalog"):
        assert expected in iris, expected
    urls = {_local(live_server, i) for i in iris} | {f"{live_server}/"}
    dead: list[str] = []
    seen: set[tuple[str, str]] = set()
    todo = [(u, a) for u in sorted(urls) for a in ACCEPTS]
    todo += [(_local(live_server, u), kind) for u, kind in links]
    with ThreadPoolExecutor(max_workers=2) as pool:
        while todo:
            batch = [job for job in todo if job not in seen]
            seen.update(batch)
            todo = []
            for (url, accept), (status, _, _, more) in zip(
                    batch, pool.map(lambda job: _get(*job), batch), strict=True):
                if status != 200:
                    dead.append(f"{status} {accept} {url}")
                for target, kind in more:  # every page's Link alternates, as the type they name
                    target_url = _local(live_server, target)
                    if target_url.startswith(live_server):
                        todo.append((target_url, kind))
    assert len(seen) > 500, len(seen)  # the whole KB was walked, not a handful of pages
    assert dead == [], "\n".join(sorted(dead))
