"""``GET /search?q=``: find resources by name, as HTML or JSON, narrowed by facets.

The index lives on the app (``app.extensions``) and is rebuilt when the
store's generation changes, so a search never shows data that is gone. So are
the facet values (country, excellence label level, sector, organisation type)
of every resource, read with one trusted query: a person can start from a
name, or from a facet alone (``/search?country=ROU``) to browse.

Facet parameters take the last segment of the value's IRI (``country=HUN``,
``level=silver``, ``sector=business-services``, ``type=university``); the JSON
answer keeps its round-1 keys and adds ``facets`` and ``filters``.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from clusterkb.labels import add_labels, country_name, pick_label, short_name
from clusterkb.namespaces import CKB, COUNTRY
from clusterkb.search import Hit, SearchIndex
from clusterkb.web.context import store
from clusterkb.web.resources import href

bp = Blueprint("search", __name__)

MAX_QUERY_CHARS = 200
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

#: (parameter, heading) of each facet, in the order the page shows them.
FACETS = (("country", "Country"), ("level", "Label level"), ("sector", "Sector"),
          ("type", "Organisation type"))


class Facets:
    """Facet values per resource IRI, and a display label per (facet, key)."""

    def __init__(self, values: dict[str, dict[str, set[str]]], labels: dict[tuple[str, str], str]):
        self.values = values
        self.labels = labels

    @classmethod
    def build(cls, store_) -> Facets:
        rows = store_.select(f"""
            SELECT DISTINCT ?s ?facet ?v WHERE {{
              {{ ?s <{DCTERMS.spatial}> ?v FILTER(STRSTARTS(STR(?v), "{COUNTRY}"))
                 BIND("country" AS ?facet) }}
              UNION {{ ?s <{CKB.hasAward}>/<{CKB.awardLevel}> ?v BIND("level" AS ?facet) }}
              UNION {{ ?s <{CKB.sectoralIndustry}> ?v BIND("sector" AS ?facet) }}
              UNION {{ ?s <{CKB.organisationType}> ?v BIND("type" AS ?facet) }}
              FILTER(isIRI(?s) && isIRI(?v)) }}""")
        labels_graph = Graph()
        for r in rows:
            labels_graph.add((r["v"], RDF.type, r["v"]))
        add_labels(store_, labels_graph)
        values: dict[str, dict[str, set[str]]] = {}
        labels: dict[tuple[str, str], str] = {}
        for r in rows:
            facet, iri = str(r["facet"]), str(r["v"])
            key = _key(iri)
            values.setdefault(str(r["s"]), {}).setdefault(facet, set()).add(key)
            if (facet, key) not in labels:
                labels[(facet, key)] = (country_name(iri) if facet == "country" else None) \
                    or pick_label(labels_graph, URIRef(iri)) or short_name(iri)
        return cls(values, labels)

    def matches(self, iri: str, chosen: dict[str, str]) -> bool:
        mine = self.values.get(iri, {})
        return all(key in mine.get(facet, ()) for facet, key in chosen.items())


def _key(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def index() -> tuple[SearchIndex, Facets]:
    """The search index and facets of the store's current generation."""
    holder = current_app.extensions.setdefault("clusterkb.search", {})
    generation = store().generation()
    if holder.get("generation") != generation or "facets" not in holder:
        holder["index"] = SearchIndex.build(store())
        holder["facets"] = Facets.build(store())
        holder["generation"] = generation
    return holder["index"], holder["facets"]


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


def _chosen_facets() -> dict[str, str]:
    chosen = {}
    for name, _ in FACETS:
        value = request.args.get(name, "").strip()
        if len(value) > MAX_QUERY_CHARS:
            abort(400, description=f"Query parameter {name!r} is too long")
        if value:
            chosen[name] = value
    return chosen


@bp.get("/search")
def search():
    as_json = _wants_json()
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY_CHARS:
        abort(400, description=f"Query parameter 'q' is {len(q)} characters long; "
                               f"the limit is {MAX_QUERY_CHARS}")
    page = _int_arg("page", 1, 1, 10_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    chosen = _chosen_facets()
    idx, facets = index()
    if q.strip():
        hits = idx.search(q)
    elif chosen:  # browsing by facet alone
        hits = [Hit(e.iri, e.label, e.types, 0) for e in idx.entries]
    else:
        hits = []
    hits = [h for h in hits if facets.matches(h.iri, chosen)]
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
        counts = Counter(key for h in hits for key in facets.values.get(h.iri, {}).get(name, ()))
        if name in chosen and chosen[name] not in counts:
            counts[chosen[name]] = 0
        facet_view[name] = [
            {"value": key, "label": facets.labels.get((name, key), key), "count": n,
             "selected": chosen.get(name) == key,
             "url": url_with(page=1, **{name: None if chosen.get(name) == key else key})}
            for key, n in sorted(counts.items(),
                                 key=lambda kv: facets.labels.get((name, kv[0]), kv[0]).lower())]
    results = [{"iri": h.iri, "label": h.label, "type": h.types[0] if h.types else None,
                "types": h.types, "url": href(h.iri)} for h in shown]
    if as_json:
        response = jsonify(query=q, total=total, page=page, per_page=per_page,
                           hits=results, next=next_url, prev=prev_url, filters=chosen,
                           facets={k: [{x: f[x] for x in ("value", "label", "count", "selected")}
                                       for f in v] for k, v in facet_view.items()})
    else:
        response = current_app.response_class(render_template(
            "search.html", q=q, total=total, page=page, per_page=per_page, hits=results,
            next_url=next_url, prev_url=prev_url, searched=bool(q.strip() or chosen),
            facets=[(name, title, facet_view[name]) for name, title in FACETS],
            chosen=chosen), mimetype="text/html")
    response.vary.add("Accept")
    return response
