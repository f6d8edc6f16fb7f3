"""``GET /search?q=``: ranked full-text search and browsing, as HTML or JSON, with facets.

The index (``clusterkb.search.index_of``) belongs to the store's current generation.
An empty query lists everything that has a name, so the KB can be browsed from the
first page; facets narrow either (``/search?kind=ClusterOrganisation&country=ROU``).

Facet parameters take the last segment of the value's IRI (``kind=Concept``,
``country=HUN``, ``level=silver``, ``sector=business-services``, ``type=university``).
The JSON answer: ``query, total, page, per_page, hits, next, prev, filters, facets``;
each hit has ``iri, label, type`` (class IRI), ``kind`` (its human name), ``types``
and ``url``.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from clusterkb import formats
from clusterkb.listing import paging
from clusterkb.search import FACETS, Entry, index_of
from clusterkb.web import negotiate
from clusterkb.web.context import store
from clusterkb.web.urls import href

bp = Blueprint("search", __name__)

MAX_QUERY_CHARS = 200
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def _wants_json() -> bool:
    """HTML first (a page for people), JSON on ``?format=json`` or by ``Accept``."""
    return negotiate.choose((formats.HTML, formats.JSON)) is formats.JSON


def _chosen_facets() -> dict[str, str]:
    chosen = {}
    for name, _ in FACETS:
        value = request.args.get(name, "").strip()
        if len(value) > MAX_QUERY_CHARS:
            abort(400, description=f"Query parameter {name!r} is too long")
        if value:
            chosen[name] = value
    return chosen


def _matches(entry: Entry, chosen: dict[str, str]) -> bool:
    return all(key in entry.facets.get(facet, ()) for facet, key in chosen.items())


@bp.get("/search")
def search():
    """Ranked matches (or everything, for an empty query), one page, with facets.
    ---
    get:
      summary: Find and browse resources, with facets
      description: >-
        Ranked full-text search; an empty `q` lists everything that has a name. The facets
        narrow either; each takes the last segment of the value's IRI. HTML by default,
        JSON with `?format=json` or `Accept: application/json`.
      parameters:
        - in: query
          name: q
          description: 'Words to find (empty: browse all).'
          schema: {type: string, maxLength: 200}
        - in: query
          name: kind
          description: The kind (class), e.g. `ClusterOrganisation`, `Concept`.
          schema: {type: string, maxLength: 200}
        - in: query
          name: country
          description: The country code, e.g. `ROU`, `HUN`.
          schema: {type: string, maxLength: 200}
        - in: query
          name: level
          description: The label level, e.g. `gold`, `silver`, `bronze`.
          schema: {type: string, maxLength: 200}
        - in: query
          name: sector
          description: The sector, e.g. `business-services`.
          schema: {type: string, maxLength: 200}
        - in: query
          name: type
          description: The organisation type, e.g. `university`.
          schema: {type: string, maxLength: 200}
        - page
        - per_page
        - page_format
      responses:
        "200":
          description: >-
            One page of matches, the facets' values among all matches, links to the next
            and previous pages.
          content:
            JSON: {schema: SearchResults}
            HTML: {schema: {type: string}}
        "400": BadRequest
        "406": NotAcceptable
    """
    as_json = _wants_json()
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        abort(400, description=f"Query parameter 'q' is {len(q)} characters long; "
                               f"the limit is {MAX_QUERY_CHARS}")
    page, per_page = paging(request.args, DEFAULT_PER_PAGE, MAX_PER_PAGE)
    chosen = _chosen_facets()
    idx = index_of(store())
    found = idx.search(q) if q.strip() else idx.browse()
    hits = [e for e in found if _matches(e, chosen)]
    total = len(hits)
    start = (page - 1) * per_page
    shown = hits[start:start + per_page]

    def url_with(**changes) -> str:
        params = {"q": q, **chosen, "page": page, "per_page": per_page}
        if request.args.get("format"):
            params["format"] = request.args["format"]
        params.update(changes)
        params = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{request.script_root}/search?{urlencode(params)}"

    next_url = url_with(page=page + 1) if start + per_page < total else None
    prev_url = url_with(page=page - 1) if page > 1 else None
    facet_view = {}
    for name, _ in FACETS:
        counts = Counter(key for h in hits for key in h.facets.get(name, ()))
        if name in chosen and chosen[name] not in counts:
            counts[chosen[name]] = 0
        label = lambda key, name=name: idx.value_labels.get((name, key), key)  # noqa: E731
        facet_view[name] = [
            {"value": key, "label": label(key), "count": n, "selected": chosen.get(name) == key,
             "url": url_with(page=1, **{name: None if chosen.get(name) == key else key})}
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], label(kv[0]).lower()))]
    results = [{"iri": h.iri, "label": h.label, "type": h.kind, "kind": h.kind_label,
                "types": list(h.types), "url": href(h.iri)} for h in shown]
    if as_json:
        response = jsonify(query=q, total=total, page=page, per_page=per_page,
                           hits=results, next=next_url, prev=prev_url, filters=chosen,
                           facets={k: [{x: f[x] for x in ("value", "label", "count", "selected")}
                                       for f in v] for k, v in facet_view.items()})
    else:
        response = current_app.response_class(render_template(
            "search.html", q=q, total=total, page=page, per_page=per_page, hits=results,
            next_url=next_url, prev_url=prev_url,
            facets=[(name, title, facet_view[name]) for name, title in FACETS],
            chosen=chosen), mimetype=formats.HTML.media_type)
    response.vary.add("Accept")
    return response
