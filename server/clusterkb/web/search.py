"""``GET /search?q=``: find resources by name, as HTML or JSON.

The index lives on the app (``app.extensions``) and is rebuilt when the
store's generation changes, so a search never shows data that is gone.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from clusterkb.search import SearchIndex
from clusterkb.web.context import store
from clusterkb.web.resources import href

bp = Blueprint("search", __name__)

MAX_QUERY_CHARS = 200
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def index() -> SearchIndex:
    """The search index of the store's current generation."""
    holder = current_app.extensions.setdefault("clusterkb.search", {})
    generation = store().generation()
    if holder.get("generation") != generation:
        holder["index"] = SearchIndex.build(store())
        holder["generation"] = generation
    return holder["index"]


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        abort(400, description=f"Query parameter {name!r} must be an integer from {low} "
                               f"to {high}, got {raw!r}")
    return value


def _wants_json() -> bool:
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("json", "html"):
            abort(400, description=f"Query parameter 'format' must be 'json' or 'html', "
                                   f"got {fmt!r}")
        return fmt == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@bp.get("/search")
def search():
    as_json = _wants_json()
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        abort(400, description=f"Query parameter 'q' is {len(q)} characters long; "
                               f"the limit is {MAX_QUERY_CHARS}")
    page = _int_arg("page", 1, 1, 10_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    hits = index().search(q) if q.strip() else []
    total = len(hits)
    start = (page - 1) * per_page
    shown = hits[start:start + per_page]

    def page_url(n: int) -> str:
        params = {"q": q, "page": n, "per_page": per_page}
        if request.args.get("format"):
            params["format"] = request.args["format"]
        return f"{request.script_root}/search?{urlencode(params)}"

    next_url = page_url(page + 1) if start + per_page < total else None
    prev_url = page_url(page - 1) if page > 1 else None
    results = [{"iri": h.iri, "label": h.label, "type": h.types[0] if h.types else None,
                "types": h.types, "url": href(h.iri)} for h in shown]
    if as_json:
        response = jsonify(query=q, total=total, page=page, per_page=per_page,
                           hits=results, next=next_url, prev=prev_url)
    else:
        response = current_app.response_class(render_template(
            "search.html", q=q, total=total, page=page, per_page=per_page, hits=results,
            next_url=next_url, prev_url=prev_url, searched=bool(q.strip())), mimetype="text/html")
    response.vary.add("Accept")
    return response
