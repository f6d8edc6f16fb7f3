"""What guarding one query costs, beside what the engine spends on it (issue 16, bench).

For each query (the KB's competency questions, and a long ``IN (...)`` list like
the red team's) it measures, uncached and in process:

* ``lexer``: today's guard, ``clusterkb.sparql.analyse_query`` (tokens, SERVICE,
  FROM, prefixes);
* ``rdflib``: what the old guard paid at least, rdflib's ``parseQuery`` of the
  text (it then also translated the prologue and walked the tree);
* ``engine``: pyoxigraph answering the query over the ontology and the KB in an
  in-memory store (parse, evaluate, read every row).

Run: ``.venv/bin/python bench/guard_cost.py`` (under a minute; ``--no-rdflib``
skips the old guard, which dominates the run time). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from clusterkb.sparql import analyse_query

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/clusterkb/"


def _best_ms(run, repeat: int) -> float:
    """Median of ``repeat`` timings, in milliseconds (median: the machine is shared)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _store() -> ox.Store:
    store = ox.Store()
    for path in sorted([*ROOT.glob("ontology/**/*.ttl"), *ROOT.glob("kb/**/*.ttl")]):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE,
                   to_graph=ox.NamedNode(path.as_uri()))
    return store


def _queries() -> dict[str, str]:
    queries = {p.stem[:32]: p.read_text(encoding="utf-8")
               for p in sorted((ROOT / "kb" / "questions").glob("*.rq"))}
    queries["IN list, 10 KB"] = ("SELECT * WHERE { ?s ?p ?o FILTER(?o IN ("
                                 + ",".join(["1"] * 5000) + ")) } LIMIT 1")
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-rdflib", action="store_true", help="skip the old guard")
    args = parser.parse_args()
    store = _store()
    parse_query = None
    if not args.no_rdflib:
        from rdflib.plugins.sparql.parser import parseQuery as parse_query
    print("| query | bytes | lexer guard ms | rdflib parse ms | engine ms |")
    print("|---|---:|---:|---:|---:|")
    for name, text in _queries().items():
        lexer = _best_ms(lambda t=text: analyse_query(t, BASE), 20)

        def engine(t=text):
            result = store.query(t, base_iri=BASE, use_default_graph_as_union=True)
            if not isinstance(result, ox.QueryBoolean):
                for _ in result:
                    pass

        engine_ms = _best_ms(engine, 5)
        old = "-"
        if parse_query is not None:
            repeat = 1 if len(text) > 5000 else 5
            old = f"{_best_ms(lambda t=text: parse_query(t), repeat):.2f}"
        print(f"| {name} | {len(text.encode())} | {lexer:.3f} | {old} | {engine_ms:.2f} |")


if __name__ == "__main__":
    main()
