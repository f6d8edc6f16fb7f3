"""Validation for ``clusterkb build``: by graph, in parallel, incremental, plus whole-KB checks.

Why not pyshacl over the whole KB at once: its cost grows faster than the data
(17 s at 0.06 M triples, 4 min at 0.29 M; issue #17), and one changed file made
everything run again. Here the KB is cut into *units*, each validated on its own
in the killable workers of ``validation_pool`` (one per core):

* ``ontology``: the ontology and the concept schemes;
* ``shared``: every file of ``kb/shared/`` together (they refer to each other);
* one unit per other KB file (a cluster's graph), validated together with the
  part of the shared graphs it reaches (every shared resource it names, and
  what those name in turn), so ``sh:class``, scheme membership and programme
  hierarchies resolve as they do over the whole KB. The ontology and vocabularies
  are the validators' own context (``validation.get_context``);
* one unit per file of ``kb/curation/`` (curators' statements about resources
  other files describe), validated with the resources it reaches in every
  other KB graph, so a cluster it annotates has its type and the rest of its
  description; its verdict depends on those files, so their hashes are part
  of its own.

Every named graph of a KB unit is typed ``ckbsh:PublishedGraph`` as in
``validation.validate_dataset``, so the provenance rule still applies.

What one unit cannot see is a resource described by two cluster files. Of the
shapes, only ``sh:maxCount`` changes its verdict that way (a second file adds a
second value); those constraints are selected from the shapes graph and run as
SPARQL over the built store (``cross_graph_violations``), for resources whose
values come from more than one graph.

Incremental: ``validated.json`` beside the store generations records the hash of
the context (ontology, vocabularies, shapes, ``kb/shared/``, base IRI and this
validator's code) and of each unit's file that conformed. A unit whose file and
context are unchanged is reused; a change to the context re-validates everything.
The manifest is rewritten every few seconds while units finish (and when the
validation stops, even on an error or Ctrl-C), so a build killed after an hour
of validation resumes where it was rather than from nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from clusterkb.config import Config
from clusterkb.validation import ValidationReport, ValidationResult
from clusterkb.validation_pool import ValidationPool, ValidationUnavailable

MANIFEST = "validated.json"
#: A build is trusted work: one unit may take long (a file with hundreds of member
#: counts), but a worker stuck for this long is stopped rather than waited for.
UNIT_TIMEOUT = 900.0
#: How often (seconds) the manifest is rewritten while units finish, so that a build
#: stopped half way keeps the verdicts it has (each write is a few ms at 10,000 units).
MANIFEST_EVERY = 5.0
SHARED_PREFIX = "shared/"
OVERLAY_PREFIX = "curation/"
_CODE = (Path(__file__), Path(__file__).with_name("validation.py"))


@dataclass
class Unit:
    """What is validated in one worker: the graphs of some files, plus context triples."""

    name: str  # what a person reads: the file (kb/clusters/x.ttl), "ontology" or "kb/shared/"
    graphs: list[str]  # graph IRIs whose triples are the data (each marked PublishedGraph)
    files: list[Path]
    marked: bool = True  # False for the project's own documents (ontology, vocabularies)
    overlay: bool = False  # True for kb/curation/: its context is every other KB graph
    digest: str = ""

    def job(self, graphs: dict[str, list[ox.Triple]],
            context: list[ox.Triple]) -> dict:
        triples = [t for iri in self.graphs for t in graphs.get(iri, [])] + context
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
        return {"kind": "graphs", "ntriples": data,
                "graphs": self.graphs if self.marked else []}


@dataclass
class Summary:
    """What ``validate_units`` did, for the build's one-line summary and its refusal."""

    violations: list[tuple[Unit, ValidationReport]] = field(default_factory=list)
    validated: int = 0
    reused: int = 0
    warnings: int = 0
    seconds: float = 0.0

    def text(self) -> str:
        return (f"{self.validated} graphs validated, {self.reused} reused, "
                f"{self.warnings} warnings ({self.seconds:.1f} s)")


def _digest(paths: Iterable[Path], *extra: str) -> str:
    sha = hashlib.sha256()
    for text in extra:
        sha.update(text.encode() + b"\0")
    for path in sorted(paths):
        sha.update(str(path).encode() + b"\0")
        sha.update(path.read_bytes())
    return sha.hexdigest()


def context_digest(config: Config, context_files: Iterable[Path]) -> str:
    """Everything every unit's verdict depends on: a change re-validates all units."""
    import pyshacl

    shapes = sorted(Path(config.shapes_dir).rglob("*.ttl"))
    return _digest([*context_files, *shapes, *_CODE], config.base_iri, pyshacl.__version__)


def plan(config: Config, sources: list[tuple[str, Path]], iri_of) -> tuple[list[Unit], str]:
    """Units of the build, each with the digest of its files, and the context digest."""
    ontology = Unit("ontology", [], [], marked=False)
    shared = Unit("kb/" + SHARED_PREFIX, [], [])
    units: list[Unit] = []
    kb = Path(config.kb_dir)
    for name, path in sources:
        if name == "shapes":
            continue
        iri = iri_of(name)
        if name == "ontology" or name.startswith("vocab/"):
            target = ontology
        elif name.startswith(SHARED_PREFIX):
            target = shared
        else:
            target = Unit(path.relative_to(kb.parent).as_posix()
                          if path.is_relative_to(kb.parent) else str(path), [], [],
                          overlay=name.startswith(OVERLAY_PREFIX))
            units.append(target)
        target.graphs.append(iri)
        target.files.append(path)
    context = context_digest(config, ontology.files + shared.files)
    kb_files = shared.files + [f for u in units for f in u.files]
    for unit in (ontology, shared, *units):
        unit.digest = _digest(kb_files if unit.overlay else unit.files)
    return [u for u in (ontology, shared) if u.files] + units, context


class _SharedIndex:
    """The shared graphs by subject, to hand each unit the shared resources it reaches."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._by_subject: dict[object, list[ox.Triple]] = {}
        for t in triples:
            self._by_subject.setdefault(t.subject, []).append(t)

    def reached(self, triples: Iterable[ox.Triple]) -> list[ox.Triple]:
        seen: set = set()
        todo = [term for t in triples for term in (t.subject, t.object)]
        out: list[ox.Triple] = []
        while todo:
            term = todo.pop()
            if term in seen or term not in self._by_subject:
                continue
            seen.add(term)
            for t in self._by_subject[term]:
                out.append(t)
                todo.append(t.object)
        return out


def load_digests(path: Path, key: str, expected: str, field: str) -> dict[str, str]:
    """The digests a record file holds under ``field`` (``validated.json``, the build's
    ``built.json``), if its ``key`` is ``expected``; else, or unreadable, none."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get(key) != expected:
        return {}
    digests = record.get(field)
    return digests if isinstance(digests, dict) else {}


def save_digests(path: Path, key: str, value: str, field: str,
                 digests: dict[str, str]) -> None:
    """Written atomically: a crash mid-write must not make a unit look validated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({key: value, field: digests}, indent=1, sort_keys=True),
                   encoding="utf-8")
    os.replace(tmp, path)


def workers() -> int:
    """One validation worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def validate_units(config: Config, units: list[Unit], context: str,
                   graphs: dict[str, list[ox.Triple]], *, progress: bool = False) -> Summary:
    """Validate the units not validated before with the same files and context."""
    started = time.monotonic()
    manifest_path = Path(config.store_path) / MANIFEST
    known = load_digests(manifest_path, "context", context, "units")
    todo = [u for u in units if known.get(u.name) != u.digest]
    summary = Summary(reused=len(units) - len(todo))
    shared_units = [u for u in units if u.name == "kb/" + SHARED_PREFIX]
    index = _SharedIndex(t for u in shared_units for iri in u.graphs for t in graphs[iri])
    overlays = [u for u in todo if u.overlay]
    kb_index = _SharedIndex(t for u in units if u.marked and not u.overlay
                            for iri in u.graphs for t in graphs[iri]) if overlays else None
    passed = {u.name: u.digest for u in units if known.get(u.name) == u.digest}
    if todo:
        pool = ValidationPool(config, min(workers(), len(todo)))

        def run(unit: Unit) -> tuple[Unit, ValidationReport]:
            own = [t for iri in unit.graphs for t in graphs.get(iri, [])]
            if unit in shared_units or not unit.marked:
                context_triples = []
            else:
                context_triples = (kb_index if unit.overlay else index).reached(own)
            return unit, pool.validate(unit.job(graphs, context_triples), UNIT_TIMEOUT)

        saved = time.monotonic()
        failure: ValidationUnavailable | None = None
        try:
            with ThreadPoolExecutor(max_workers=min(workers(), len(todo))) as threads, tqdm(
                    total=len(todo), desc="validate", unit="graph",
                    disable=not progress) as bar:
                for future in as_completed([threads.submit(run, unit) for unit in todo]):
                    try:
                        unit, report = future.result()
                    except ValidationUnavailable as error:
                        # A worker that died or timed out: the other units still finish
                        # and are recorded, then the build stops with this error.
                        failure = failure or error
                        continue
                    bar.update(1)
                    summary.validated += 1
                    summary.warnings += report.counts["Warning"]
                    if report.conforms:
                        passed[unit.name] = unit.digest
                    else:
                        summary.violations.append((unit, report))
                    if time.monotonic() - saved > MANIFEST_EVERY:
                        save_digests(manifest_path, "context", context, "units", passed)
                        saved = time.monotonic()
        finally:
            pool.close()
            # Also when a unit failed or the build was interrupted: what conformed stays known.
            save_digests(manifest_path, "context", context, "units", passed)
        if failure is not None:
            raise failure
    else:
        save_digests(manifest_path, "context", context, "units", passed)
    order = {unit.name: i for i, unit in enumerate(todo)}
    summary.violations.sort(key=lambda found: order[found[0].name])  # stable messages
    summary.seconds = time.monotonic() - started
    return summary


def violations_text(violations: list[tuple[str, list[ValidationResult]]]) -> str:
    """Each file (or check) with its violations: focus node, path, value, message."""
    from rdflib import Graph

    parts = []
    for where, results in violations:
        only = [r for r in results if r.severity == "Violation"]
        body = ValidationReport(only, Graph()).text().split("\n", 1)[1].strip("\n")
        parts.append(f"{where}: {len(only)} violation(s)\n{body}")
    return "\n\n".join(parts)


# --- the whole-KB checks: SPARQL over the built store ---------------------------------------

_MAX_COUNT_SHAPES = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?shape ?path ?max ?message (GROUP_CONCAT(DISTINCT STR(?class); separator=" ") AS ?classes)
WHERE {
  ?node sh:targetClass ?class ; sh:property ?shape .
  ?shape sh:path ?path ; sh:maxCount ?max .
  FILTER (isIRI(?path))
  FILTER NOT EXISTS { ?shape sh:severity ?severity FILTER (?severity != sh:Violation) }
  FILTER NOT EXISTS { ?node sh:severity ?severity FILTER (?severity != sh:Violation) }
  FILTER NOT EXISTS { ?shape sh:deactivated true }
  OPTIONAL { ?shape sh:message ?message }
} GROUP BY ?shape ?path ?max ?message ORDER BY ?shape
"""


def cross_graph_shapes(shapes: Iterable[ox.Triple]) -> list[dict]:
    """The constraints a unit cannot decide alone: ``sh:maxCount`` of a violation shape.

    Selected from the shapes themselves (never a list kept here), so a new
    ``sh:maxCount`` in ``shapes/`` is checked across graphs too.
    """
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in shapes)
    found = []
    for row in store.query(_MAX_COUNT_SHAPES):
        found.append({"shape": row["shape"].value, "path": row["path"].value,
                      "max": int(row["max"].value), "classes": row["classes"].value.split(),
                      "message": row["message"].value if row["message"] else ""})
    return found


def cross_graph_violations(view, checks: list[dict]) -> list[ValidationResult]:
    """Resources over ``sh:maxCount`` only once the values of several graphs are put together.

    ``view`` is the generation being written (union default graph); within one
    graph the unit's validation has already judged the resource.
    """
    results = []
    for check in checks:
        classes = " ".join(f"<{c}>" for c in check["classes"])
        query = f"""
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?focus (COUNT(DISTINCT ?v) AS ?n)
                   (GROUP_CONCAT(DISTINCT STR(?g); separator=" ") AS ?graphs) WHERE {{
              {{ SELECT DISTINCT ?focus WHERE {{
                   VALUES ?class {{ {classes} }} ?focus a/rdfs:subClassOf* ?class }} }}
              GRAPH ?g {{ ?focus <{check['path']}> ?v }}
            }} GROUP BY ?focus
            HAVING (COUNT(DISTINCT ?v) > {check['max']} && COUNT(DISTINCT ?g) > 1)"""
        for row in view.select(query):
            graphs = ", ".join(sorted(str(row["graphs"]).split()))
            results.append(ValidationResult(
                focus=str(row["focus"]), focus_label=None, path=check["path"], value=None,
                constraint="http://www.w3.org/ns/shacl#MaxCountConstraintComponent",
                severity="Violation", shape=check["shape"],
                message=f"{check['message'] or 'too many values'} ({row['n']} values, "
                        f"given in several graphs: {graphs})"))
    return results
