"""Turn ``bench/results.json`` into ``RESULTS.md`` and ``latency-vs-size.png``.

Separate from ``run.py`` so that the report can be rewritten (``python
bench/report.py``) after editing the analysis in ``NOTES.md``, without measuring
again. The targets are those of issue #17, point 2; they are reported here,
never asserted in a test.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTES = HERE / "NOTES.md"
MIB = 2**20

LATENCY_RATIO_MAX = 1.2
THROUGHPUT_RATIO_MIN = 0.9
CACHED_THROUGHPUT_MIN = 2.0
PAGE_GROWTH_MAX = 1.5
PAGE_ENGINE_MAX = 3.0
BUILD_TRIPLES, BUILD_S, BUILD_RSS = 1_000_000, 60.0, 2**30
REBUILD_S = 5.0
VALIDATE_P50_MS = 20.0
STORE_ACCEPT_MS = 1000.0
HEALTHZ_S = 5.0
RSS_MAX = 500 * MIB
#: Engines compared on /sparql, in table order.
ENDPOINTS = ("clusterkb", "oxigraph", "virtuoso", "pyoxigraph", "clusterkb-cached",
             "oxigraph-repeated")
PAGES = ("cluster", "home", "search", "catalog", "void")


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _mib(n: float | None) -> str:
    return "-" if n is None else f"{n / MIB:,.0f}"


def _geomean(values: list[float | None]) -> float | None:
    values = [v for v in values if v]
    return statistics.geometric_mean(values) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def latency_ratio(size: dict, ours: str = "clusterkb", engine: str = "oxigraph") -> float | None:
    """Geometric mean over the mix of per-query median latency ratios."""
    return _geomean([_ratio(row.get(ours, {}).get("p50_ms"), row.get(engine, {}).get("p50_ms"))
                     for row in size.get("queries", {}).values()])


def mix_ratio(size: dict, ours: str, engine: str) -> float | None:
    mix = size.get("mix", {})
    return _ratio(mix.get(ours, {}).get("rps"), mix.get(engine, {}).get("rps"))


def _by(results: dict, clusters: int) -> dict | None:
    return next((s for s in results["sizes"] if s.get("clusters") == clusters), None)


def _page(size: dict | None, kind: str, key: str = "p50_ms", who: str = "clusterkb"):
    if not size:
        return None
    entry = size.get("pages", {}).get(kind, {})
    return entry.get(key) if key == "engine_ms" else entry.get(who, {}).get(key)


def _verdict(value: float | None, ok: bool) -> str:
    return "not measured" if value is None else ("met" if ok else "**missed**")


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, where, measured, verdict) for each target of issue #17 point 2."""
    rows: list[tuple[str, str, str, str]] = []
    sizes = sorted(s["clusters"] for s in results["sizes"] if "clusters" in s)
    big = [n for n in sizes if n >= 1000] or sizes[-1:]
    for n in big:
        size = _by(results, n)
        r = latency_ratio(size)
        rows.append((f"/sparql geometric-mean latency <= {LATENCY_RATIO_MAX}x oxigraph serve "
                     "(cache off, random parameters)", f"{n:,}", _f(r, 2),
                     _verdict(r, (r or 9) <= LATENCY_RATIO_MAX)))
        t = mix_ratio(size, "clusterkb", "oxigraph")
        rows.append((f"/sparql mix throughput, 4 clients, >= {THROUGHPUT_RATIO_MIN}x oxigraph",
                     f"{n:,}", _f(t, 2), _verdict(t, (t or 0) >= THROUGHPUT_RATIO_MIN)))
        c = mix_ratio(size, "clusterkb-cached repeated", "oxigraph repeated")
        rerun = " (measured again after the run, cache warmed first: bench/repeated_mix.py)" \
            if size.get("repeated_mix_rerun") else ""
        rows.append((f"cache on, repeated mix throughput >= {CACHED_THROUGHPUT_MIN}x oxigraph",
                     f"{n:,}", _f(c, 2) + rerun, _verdict(c, (c or 0) >= CACHED_THROUGHPUT_MIN)))
        if "virtuoso" in size.get("mix", {}):
            v = mix_ratio(size, "clusterkb", "virtuoso")
            rows.append(("/sparql mix throughput >= Virtuoso's", f"{n:,}", _f(v, 2),
                         _verdict(v, (v or 0) >= 1.0)))
    small, largest = _by(results, sizes[0]), _by(results, sizes[-1])
    if len(sizes) > 1:
        for kind in PAGES:
            g = _ratio(_page(largest, kind), _page(small, kind))
            limit = PAGE_GROWTH_MAX
            rows.append((f"{kind} page p50 at {sizes[-1]:,} / at {sizes[0]:,} clusters"
                         + (f" <= {limit}" if kind == "cluster" else
                            " (should not grow beyond its output)"),
                         f"{sizes[0]:,} -> {sizes[-1]:,}", _f(g, 2),
                         _verdict(g, (g or 9) <= limit) if kind == "cluster" else
                         ("reported" if g is not None else "not measured")))
    for n in sizes:
        size = _by(results, n)
        e = _ratio(_page(size, "cluster"), _page(size, "cluster", "engine_ms"))
        rows.append((f"cluster page p50 <= {PAGE_ENGINE_MAX}x the engine time of its queries",
                     f"{n:,}", _f(e, 2), _verdict(e, (e or 9) <= PAGE_ENGINE_MAX)))
    validated = [s for s in results["sizes"] if s.get("build", {}).get("validated")]
    if validated:
        best = max(validated, key=lambda s: s["clusters"])
        b = best["build"]
        rate = b["triples"] / b["s"] if b.get("triples") else None
        projected = BUILD_TRIPLES / rate if rate else None
        rows.append((f"validated build: 1 M triples in <= {BUILD_S:.0f} s", f"{best['clusters']:,}",
                     f"{b.get('triples', 0):,} triples in {b['s']:.0f} s = {_f(rate, 0)} "
                     f"triples/s, i.e. {_f(projected, 0)} s per 1 M at that rate",
                     _verdict(projected, (projected or 9e9) <= BUILD_S)))
        rows.append(("validated build peak RSS <= 1 GiB", f"{best['clusters']:,}",
                     f"{_mib(b['peak_rss'])} MiB (tree)",
                     _verdict(b["peak_rss"], b["peak_rss"] <= BUILD_RSS)))
    for n in sizes:
        size = _by(results, n)
        one = size.get("rebuild_one")
        if one:
            rows.append((f"rebuild after one changed file <= {REBUILD_S:.0f} s (at 10,000)",
                         f"{n:,}", f"{one['s']:.1f} s, {one.get('validated', '?')} graph(s) "
                         f"validated", _verdict(one["s"], one["s"] <= REBUILD_S)))
        stages = size.get("rebuild_stages")
        if stages:
            total = sum(stages.get("stages", {}).values()) or None
            rows.append((f"rebuild after one changed file <= {REBUILD_S:.0f} s, stages other "
                         "than validation", f"{n:,}", f"{_f(total)} s "
                         f"({', '.join(f'{k} {v:.1f}' for k, v in stages['stages'].items())})"
                         + ("" if stages.get("returncode") == 0 else " (did not finish)"),
                         _verdict(total, (total or 9e9) <= REBUILD_S)))
    for n in sizes:
        w = _by(results, n).get("writes", {})
        if "warm_p50_ms" in w:
            rows.append((f"submission validated p50 <= {VALIDATE_P50_MS:.0f} ms (warm)",
                         f"{n:,}", f"{w['warm_p50_ms']:.1f} ms in process, "
                         f"{w['http_p50_ms']:.1f} ms POST /validate",
                         _verdict(w["warm_p50_ms"], w["warm_p50_ms"] <= VALIDATE_P50_MS)))
        if "store_accept_max_ms" in w:
            rows.append((f"submission stored and accepted <= {STORE_ACCEPT_MS:.0f} ms",
                         f"{n:,}", f"{w['submit_p50_ms']:.0f} + {w['accept_p50_ms']:.0f} ms "
                         f"(p50), worst sum {w['store_accept_max_ms']:.0f} ms",
                         _verdict(w["store_accept_max_ms"],
                                  w["store_accept_max_ms"] <= STORE_ACCEPT_MS)))
        elif w.get("submit_error") or w.get("accept_error"):
            rows.append(("submission stored and accepted", f"{n:,}",
                         (w.get("submit_error") or w.get("accept_error"))[:120], "**failed**"))
    for n in sizes:
        size = _by(results, n)
        h = size.get("healthz_s", {}).get("clusterkb")
        rows.append((f"serve on the existing store answers /healthz in <= {HEALTHZ_S:.0f} s",
                     f"{n:,}", f"{_f(h)} s", _verdict(h, (h or 99) <= HEALTHZ_S)))
        rss = size.get("server_rss", {}).get("clusterkb", {})
        if rss:
            growth = _ratio(rss.get("late"), rss.get("early"))
            rows.append((f"server RSS <= {RSS_MAX // MIB} MiB under load, no growth",
                         f"{n:,}", f"peak {_mib(rss['peak'])} MiB with its worker processes; "
                         f"median {_mib(rss.get('early'))} -> {_mib(rss.get('late'))} MiB over "
                         f"{_f(rss.get('minutes'))} min; web process alone "
                         f"{_mib(rss.get('own_early'))} -> {_mib(rss.get('own_late'))} MiB",
                         _verdict(rss["peak"], rss["peak"] <= RSS_MAX
                                  and (growth or 1) <= 1.1)))
    return rows


def markdown(results: dict) -> str:
    m, v = results["machine"], results["versions"]
    lines = [
        "# Benchmark results",
        "",
        "Made by `bench/run.py` (settings below) on synthetic KBs from `bench/gen.py`; the query "
        "mix is `bench/queries/*.rq`, with random parameters (a new text on every request, so no "
        "cache answers). All endpoints of one size answer the SAME quads (the clusterkb store "
        "dumped to N-Quads and loaded into each peer) from the same client, in one run: compare "
        "ratios, not absolute numbers, on this shared machine.",
        "",
        f"- Date: {results['date']}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['system']}; load average at the start {m.get('load_average_at_start', '?')} "
        "(shared with other jobs while measuring)",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        "- Settings: " + ", ".join(f"{k}={val}" for k, val in results["settings"].items()
                                   if k not in ("work", "out")),
        "",
        "Endpoints: **clusterkb** = `clusterkb serve` (guarded `/sparql`, query worker process, "
        "result cache OFF); **clusterkb-cached** = the same with the result cache on, sent one "
        "text again and again; **oxigraph** = `oxigraph serve --union-default-graph` (the engine "
        "alone over HTTP; **oxigraph-repeated**: the same repeated text); **virtuoso** = "
        "Virtuoso 7 (Debian), bulk-loaded from the same N-Quads; **pyoxigraph** = the engine in "
        "the client's process (no HTTP).",
        "",
        "## Targets of issue #17 (point 2)",
        "",
        "| target | clusters | measured | verdict |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t} | {w} | {meas} | {verdict} |" for t, w, meas, verdict in targets(results)]
    lines.append("")
    lines.append("Why each missed target is missed, and the next step: see \"Where the time "
                 "goes\" below (from `bench/NOTES.md`).")
    lines.append("")
    for size in results["sizes"]:
        lines += _size_section(size)
    if NOTES.is_file():
        lines += ["", NOTES.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines) + "\n"


def _size_section(size: dict) -> list[str]:
    n = size.get("clusters", 0)
    lines = [f"## {n:,} clusters ({size.get('store_quads', 0):,} quads in the store, "
             f"{size.get('generated_triples', 0):,} generated triples)", ""]
    if "error" in size:
        lines += [f"**This size did not finish:** `{size['error'][:600]}`", ""]
    build, load = size.get("build", {}), size.get("oxigraph_load", {})
    lines += ["### Build, load, memory", "", "| step | seconds | peak RSS (MiB) | note |",
              "|---|---:|---:|---|",
              f"| generate (bench/gen.py) | {_f(size.get('generate_s'))} | - | |"]
    if build:
        note = (f"{build.get('triples', 0):,} triples, {_f(build.get('triples_per_s'), 0)} "
                f"triples/s; validation {build.get('validated', '-')} graphs in "
                f"{_f(build.get('validation_s'))} s" if build.get("triples") else "")
        lines.append(f"| {build.get('mode')} | {_f(build.get('s'))} | "
                     f"{_mib(build.get('peak_rss'))} | {note} |")
    one = size.get("rebuild_one")
    if one:
        lines.append(f"| rebuild after one changed cluster file | {_f(one.get('s'))} | "
                     f"{_mib(one.get('peak_rss'))} | {one.get('validated', '?')} validated, "
                     f"{one.get('reused', '?')} reused; exit {one.get('returncode')} |")
    stages = size.get("rebuild_stages")
    if stages:
        lines.append(f"| rebuild stages without validation (bench/rebuild_stages.py) | "
                     f"{_f(stages.get('s'))} | {_mib(stages.get('peak_rss'))} | "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in stages.get("stages", {}).items())
                     + ("" if stages.get("returncode") == 0 else "; did not finish") + " |")
    if load:
        lines.append(f"| `oxigraph load` of the same quads | {_f(load.get('s'))} | "
                     f"{_mib(load.get('peak_rss'))} | |")
    if "pyoxigraph_load_s" in size:
        lines.append(f"| pyoxigraph in-memory bulk load | {_f(size['pyoxigraph_load_s'])} | - | |")
    virt = size.get("virtuoso")
    if virt:
        lines.append(f"| Virtuoso start + bulk load + checkpoint | {_f(virt.get('load_s'))} | "
                     f"{_mib(virt.get('peak_rss'))} | {virt.get('quads', virt.get('error', ''))} "
                     "quads |")
    healthz = size.get("healthz_s", {})
    if healthz:
        lines += ["", "`clusterkb serve` on the existing store, start to first `/healthz` answer: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in healthz.items()) + "."]
    rss = size.get("server_rss", {})
    if rss:
        lines += ["", "Server RSS over the run (process and children, MiB; early = 2nd fifth of "
                  "the samples, late = last fifth): " + "; ".join(
                      f"{k} peak {_mib(r.get('peak'))}" + (
                          f", {_mib(r['early'])} -> {_mib(r['late'])} over "
                          f"{r['minutes']:.1f} min" if "early" in r else "") + (
                          f" (web process alone: peak {_mib(r['own_peak'])}, "
                          f"{_mib(r['own_early'])} -> {_mib(r['own_late'])})"
                          if "own_peak" in r else "")
                      for k, r in rss.items())]
    lines.append("")
    queries = size.get("queries", {})
    if queries:
        names = [e for e in ENDPOINTS if any(e in row for row in queries.values())]
        lines += ["### /sparql latency: median / p95 (ms), sequential, a new random text each "
                  "request (cached columns: one text repeated)", "",
                  "| query | " + " | ".join(names) + " | clusterkb / oxigraph |",
                  "|---|" + "---:|" * (len(names) + 1)]
        for query, row in queries.items():
            cells = []
            for name in names:
                r = row.get(name, {})
                cells.append(f"error: {r['error'][:40]}" if "error" in r else
                             f"{_f(r.get('p50_ms'))} / {_f(r.get('p95_ms'))}" if r else "-")
            ratio = _ratio(row.get("clusterkb", {}).get("p50_ms"),
                           row.get("oxigraph", {}).get("p50_ms"))
            lines.append(f"| {query} | " + " | ".join(cells) + f" | {_f(ratio, 2)} |")
        lines += ["", f"Geometric mean of the ratios: clusterkb / oxigraph "
                  f"{_f(latency_ratio(size), 2)}"
                  + (f", clusterkb / virtuoso {_f(latency_ratio(size, engine='virtuoso'), 2)}"
                     if "virtuoso" in names else "")
                  + f", cached clusterkb / repeated oxigraph "
                  f"{_f(latency_ratio(size, 'clusterkb-cached', 'oxigraph-repeated'), 2)}.", ""]
    mix = size.get("mix", {})
    if mix:
        lines += ["### /sparql throughput: the whole mix, 4 clients", "",
                  "| endpoint | requests/s | requests | errors |", "|---|---:|---:|---:|"]
        for name, r in mix.items():
            lines.append(f"| {name} | {_f(r.get('rps'))} | {r.get('requests')} | "
                         f"{r.get('errors')}"
                         + (f" ({r['last_error'][:60]})" if r.get("last_error") else "") + " |")
        lines.append("")
    pages = size.get("pages", {})
    if pages:
        lines += ["### Pages: median / p95 (ms), sequential, random parameters", "",
                  "| page | clusterkb (cache off) | cached (same page again) | engine time of its "
                  "queries, pyoxigraph ms: first request; later | queries: first; later "
                  "| page / engine |",
                  "|---|---:|---:|---:|---:|---:|"]
        for kind, e in pages.items():
            plain, cached = e.get("clusterkb", {}), e.get("clusterkb-cached", {})

            def cell(r: dict) -> str:
                return f"error: {r['error'][:40]}" if "error" in r else \
                    f"{_f(r.get('p50_ms'))} / {_f(r.get('p95_ms'))}"
            engine = e.get("engine_ms")
            ratio = (_f(_ratio(plain.get("p50_ms"), engine), 1) if engine and engine > 0.01
                     else "- (no query after the first request)")
            lines.append(f"| {kind} | {cell(plain)} | {cell(cached)} | "
                         f"{_f(e.get('first_engine_ms', engine), 2)}; {_f(engine, 2)} | "
                         f"{e.get('first_queries', '-')}; {_f(e.get('queries'), 0)} | "
                         f"{ratio} |")
        lines.append("")
    w = size.get("writes", {})
    if w:
        lines += ["### Writes", "",
                  f"One cluster file of {w.get('triples')} triples (conforms: {w.get('conforms')})"
                  f": validated warm in process p50 {_f(w.get('warm_p50_ms'))} ms / p95 "
                  f"{_f(w.get('warm_p95_ms'))} ms; `POST /validate` p50 {_f(w.get('http_p50_ms'))}"
                  f" ms. `POST /submissions` p50 {_f(w.get('submit_p50_ms'), 0)} ms, accept p50 "
                  f"{_f(w.get('accept_p50_ms'), 0)} ms"
                  + (f"; error: {w.get('submit_error') or w.get('accept_error')}"
                     if w.get("submit_error") or w.get("accept_error") else "") + ".", ""]
    return lines


def chart(results: dict, path: Path) -> None:
    """Median latency (geometric mean over the mix) and page p50 against store size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.5))
    sizes = [s for s in results["sizes"] if s.get("queries")]
    for name in ENDPOINTS:
        xs, ys = [], []
        for size in sizes:
            values = [row[name]["p50_ms"] for row in size["queries"].values()
                      if name in row and "p50_ms" in row[name]]
            if values and len(values) == len(size["queries"]):
                xs.append(size.get("store_quads", size["clusters"]))
                ys.append(statistics.geometric_mean(values))
        if xs:
            ax.plot(xs, ys, marker="o", label=name)
    for kind in PAGES:
        xs, ys = [], []
        for size in sizes:
            value = _page(size, kind)
            if value:
                xs.append(size.get("store_quads", size["clusters"]))
                ys.append(value)
        if xs:
            bx.plot(xs, ys, marker="o", label=kind)
    for axis, title, ylabel in (
            (ax, "/sparql latency against KB size",
             "median latency, geometric mean over the mix (ms)"),
            (bx, "Pages (cache off) against KB size", "median latency (ms)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("quads in the store")
        axis.set_ylabel(ylabel)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict, out: Path) -> None:
    (out / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
    try:
        chart(results, out / "latency-vs-size.png")
    except ImportError as error:  # matplotlib is in the bench extra; the table is what counts
        print(f"no chart: {error}", file=sys.stderr)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    write(json.loads(source.read_text(encoding="utf-8")), source.parent)
