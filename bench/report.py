"""Turn ``bench/results.json`` into ``RESULTS.md`` and ``latency-vs-size.png``.

Separate from ``run.py`` so that the report can be rewritten (``python
bench/report.py``) after editing the analysis text, without measuring again.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENGINE = "oxigraph"
OURS = "clusterkb"
#: Targets of issue #9 (reported, never asserted).
LATENCY_RATIO_MAX = 1.2
THROUGHPUT_RATIO_MIN = 0.9
RDFLIB_FACTOR_MIN = 10
SUBMISSION_P50_MS = 50
NOTES = HERE / "NOTES.md"


def _mib(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f}"


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def ratios(size: dict) -> dict[str, dict[str, float | None]]:
    """Per query: clusterkb/engine latency and throughput ratios, and clusterkb/rdflib rps."""
    out = {}
    for query, row in size["queries"].items():
        ours, engine = row.get(OURS, {}), row.get(ENGINE, {})
        peer = row.get("rdflib-endpoint", {})

        def ratio(a: dict, b: dict, key: str) -> float | None:
            if key in a and key in b and b[key]:
                return a[key] / b[key]
            return None
        out[query] = {"latency": ratio(ours, engine, "p50_ms"),
                      "throughput": ratio(ours, engine, "rps"),
                      "vs_rdflib": ratio(ours, peer, "rps") if peer else None,
                      "cached_latency": ratio(row.get("clusterkb-cached", {}), engine, "p50_ms"),
                      "workers2_throughput": ratio(row.get("clusterkb-workers2", {}), engine,
                                                   "rps")}
    return out


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v]
    return statistics.geometric_mean(values) if values else None


def headline(results: dict) -> dict[str, float | None]:
    """Geometric means over the query mix of the last (largest) size."""
    size = results["sizes"][-1]
    r = ratios(size).values()
    return {"latency": _geomean([x["latency"] for x in r if x["latency"]]),
            "throughput": _geomean([x["throughput"] for x in r if x["throughput"]]),
            "vs_rdflib": _geomean([x["vs_rdflib"] for x in r if x["vs_rdflib"]]),
            "cached_latency": _geomean([x["cached_latency"] for x in r if x["cached_latency"]]),
            "clusters": size["clusters"]}


def markdown(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmark results",
        "",
        "Made by `bench/run.py` (settings below) on synthetic KBs from `bench/gen.py`; the query "
        "mix is `bench/queries/*.rq`. All endpoints of one size answer the SAME quads (the "
        "clusterkb store dumped to N-Quads and loaded into each peer) from the same client, in "
        "one run: compare ratios, not absolute numbers, on this shared machine.",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['system']} (shared with other jobs while measuring)",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "- Settings: " + ", ".join(f"{k}={val}" for k, val in results["settings"].items()
                                   if k not in ("work", "out")),
        "",
        "Endpoints: **clusterkb** = `clusterkb serve` (waitress, guarded `/sparql`, query worker "
        "process, result cache OFF); **clusterkb-cached** = the same with the result cache on "
        "(repeats of one query); **clusterkb-workers2** = `clusterkb serve --workers 2` (cache "
        "off); **oxigraph** = `oxigraph serve --union-default-graph` (the engine alone over HTTP); "
        "**pyoxigraph** = the engine in the client's process (no HTTP); **rdflib-endpoint** = "
        "rdflib's SPARQL engine behind FastAPI/uvicorn.",
        "",
    ]
    h = headline(results)
    lines += [
        "## Headline",
        "",
        f"At {h['clusters']:,} clusters, geometric mean over the query mix: clusterkb median "
        f"latency = **{_f(h['latency'], 2)}x** the engine alone over HTTP, throughput "
        f"(4 clients) = **{_f(h['throughput'], 2)}x** the engine, **{_f(h['vs_rdflib'], 0)}x** "
        f"rdflib-endpoint's throughput; with the result cache a repeated query takes "
        f"**{_f(h['cached_latency'], 2)}x** the engine's latency.",
        "",
    ]
    for size in results["sizes"]:
        lines += _size_section(size)
    if NOTES.is_file():
        lines += ["", NOTES.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines) + "\n"


def _size_section(size: dict) -> list[str]:
    n = size["clusters"]
    build, load = size.get("build", {}), size.get("oxigraph_load", {})
    lines = [
        f"## {n:,} clusters ({size.get('store_quads', 0):,} quads in the store, "
        f"{size.get('generated_triples', 0):,} generated triples)",
        "",
        "### Build, load, memory",
        "",
        "| step | seconds | peak RSS (MiB) |",
        "|---|---:|---:|",
        f"| generate (bench/gen.py) | {_f(size.get('generate_s'))} | - |",
        f"| {build.get('mode', 'clusterkb build')} | {_f(build.get('s'))} | "
        f"{_mib(build.get('peak_rss'))} |",
        f"| `oxigraph load` of the same quads | {_f(load.get('s'))} | "
        f"{_mib(load.get('peak_rss'))} |",
        f"| pyoxigraph in-memory bulk load | {_f(size.get('pyoxigraph_load_s'))} | - |",
    ]
    if "rdflib_load_s" in size:
        lines.append(f"| rdflib-endpoint start (parse into rdflib) | {_f(size['rdflib_load_s'])} "
                     f"| {_mib(size.get('rdflib_rss'))} |")
    if "validate_kb" in size:
        vk = size["validate_kb"]
        lines.append(f"| validate whole KB (pyshacl; conforms: {vk['conforms']}) | "
                     f"{_f(vk['s'])} | {_mib(vk['peak_rss'])} |")
    lines += ["", "Peak RSS of each server during the query runs (MiB): " + ", ".join(
        f"{k} {_mib(v)}" for k, v in size.get("server_rss", {}).items()), ""]

    names = sorted({name for row in size["queries"].values() for name in row},
                   key=lambda s: ["clusterkb", "clusterkb-cached", "clusterkb-workers2",
                                  "oxigraph", "pyoxigraph", "rdflib-endpoint"].index(s)
                   if s in ["clusterkb", "clusterkb-cached", "clusterkb-workers2", "oxigraph",
                            "pyoxigraph", "rdflib-endpoint"] else 99)
    lines += ["### Latency: median / p95 (ms), sequential requests", "",
              "| query | " + " | ".join(names) + " |",
              "|---|" + "---:|" * len(names)]
    for query, row in size["queries"].items():
        cells = []
        for name in names:
            r = row.get(name, {})
            cells.append(f"error: {r['error'][:40]}" if "error" in r else
                         f"{_f(r.get('p50_ms'))} / {_f(r.get('p95_ms'))}" if r else "-")
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    lines += ["", "### Throughput (requests/s, 4 concurrent clients, one query at a time)", "",
              "| query | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for query, row in size["queries"].items():
        lines.append(f"| {query} | " + " | ".join(
            _f(row.get(name, {}).get("rps")) for name in names) + " |")
    lines += ["", "### Ratios and targets", "",
              f"Targets: latency ratio <= {LATENCY_RATIO_MAX}, throughput ratio >= "
              f"{THROUGHPUT_RATIO_MIN} (clusterkb / oxigraph serve), >= {RDFLIB_FACTOR_MIN}x "
              "rdflib-endpoint's throughput.", "",
              "| query | latency ratio | throughput ratio | x rdflib rps | cached latency ratio "
              "| workers2 throughput ratio |", "|---|---:|---:|---:|---:|---:|"]
    for query, r in ratios(size).items():
        def mark(value: float | None, ok: bool) -> str:
            return "-" if value is None else f"{value:.2f}{'' if ok else ' (missed)'}"
        lines.append(
            f"| {query} | {mark(r['latency'], (r['latency'] or 0) <= LATENCY_RATIO_MAX)} | "
            f"{mark(r['throughput'], (r['throughput'] or 0) >= THROUGHPUT_RATIO_MIN)} | "
            f"{mark(r['vs_rdflib'], (r['vs_rdflib'] or 0) >= RDFLIB_FACTOR_MIN)} | "
            f"{_f(r['cached_latency'], 2)} | {_f(r['workers2_throughput'], 2)} |")
    vs = size.get("validate_submission")
    if vs:
        lines += ["", "### Validation of one submission", "",
                  f"A generated cluster file of {vs['triples']} triples (conforms: "
                  f"{vs['conforms']}): warm in process p50 {_f(vs['warm_p50_ms'])} ms / p95 "
                  f"{_f(vs['warm_p95_ms'])} ms; through `POST /validate` p50 "
                  f"{_f(vs['http_p50_ms'])} ms / p95 {_f(vs['http_p95_ms'])} ms "
                  f"(target p50 < {SUBMISSION_P50_MS} ms warm)."]
    pages = size.get("pages")
    if pages:
        lines += ["", "### Linked Data pages and dumps (4 clients)", "",
                  "| what | result |", "|---|---|"]
        for key, value in pages.items():
            if "rps" in value:
                lines.append(f"| {key} (distinct clusters) | {value['rps']:.1f} req/s |")
            elif "mb_per_s" in value:
                lines.append(f"| GET /{key} | {value['s']:.2f} s, {value['bytes'] / 1e6:.1f} MB, "
                             f"{value['mb_per_s']:.1f} MB/s |")
            else:
                lines.append(f"| GET /{key} | {value['s']:.2f} s |")
    lines.append("")
    return lines


def chart(results: dict, path: Path) -> None:
    """Median latency (geometric mean over the mix) against store size, per endpoint."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    names = sorted({n for s in results["sizes"] for row in s["queries"].values() for n in row})
    for name in names:
        xs, ys = [], []
        for size in results["sizes"]:
            values = [row[name]["p50_ms"] for row in size["queries"].values()
                      if name in row and "p50_ms" in row[name]]
            if len(values) == len(size["queries"]):
                xs.append(size.get("store_quads", size["clusters"]))
                ys.append(statistics.geometric_mean(values))
        if xs:
            ax.plot(xs, ys, marker="o", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("quads in the store")
    ax.set_ylabel("median latency, geometric mean over the query mix (ms)")
    ax.set_title("Query latency against KB size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict, out: Path) -> None:
    (out / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
    chart(results, out / "latency-vs-size.png")


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    write(json.loads(source.read_text(encoding="utf-8")), source.parent)
