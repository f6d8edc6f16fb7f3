"""Build the published store from the data folders, in one atomic step.

What goes where (graph IRIs are ``{base}graph/{name}``):

=================================  =========================================
``ontology/clusterkb.ttl``          ``graph/ontology``
``ontology/vocabularies/X.ttl``     ``graph/vocab/X``
``shapes/*.ttl``                    ``graph/shapes`` (all files together)
``kb/A/B.ttl`` (not kb/questions)   ``graph/A/B``
=================================  =========================================

The DCAT-AP catalogue is not stored: ``/catalog`` computes it from the current
generation (``clusterkb.catalog``, memoised per generation), so an accept can
never leave a second, stale copy with another ``dct:modified`` in SPARQL.

Every file is parsed first (a syntax error stops the build before anything
is written), the data is validated graph by graph in parallel, reusing the
verdicts of unchanged files (``build_validation``), then all graphs are
written into ONE new store generation, the whole-KB checks run over it as
SPARQL, and it is published by switching a pointer: readers see the old data
or the new, never a mix.
Graphs a previous build made that no longer have a file are removed; pending
submissions and graphs written by other means are kept.

When ``CLUSTERKB_BASE_IRI`` differs from the default, IRIs under the default
base are moved under the configured one while loading, except the ontology
namespace, which is a permanent vocabulary IRI that code and other data use.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from tqdm import tqdm

from clusterkb.build_validation import (
    Summary,
    cross_graph_shapes,
    cross_graph_violations,
    load_digests,
    plan,
    save_digests,
    validate_units,
    violations_text,
)
from clusterkb.config import DEFAULT_BASE_IRI, Config
from clusterkb.jsonld_context import upload_contexts
from clusterkb.namespaces import graph_iri
from clusterkb.rdfio import (
    RDFParseError,
    check_xml,
    engine_format,
    format_for_path,
    format_name,
    from_syntax_error,
    parse_quads,
)
from clusterkb.store.embedded import EmbeddedStore, StoreWriter
from clusterkb.store.terms import IriMap, base_iri_map, map_ox_term
from clusterkb.validation_pool import ValidationUnavailable

BUILD_ORIGIN = "build"
#: IRIs under the default base that never move when the base IRI is configured.
STABLE_PREFIXES = (f"{DEFAULT_BASE_IRI}ontology",)


class BuildError(Exception):
    """The build was refused; ``exit_code`` is 1 for invalid data, 2 for unreadable input."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class BuildResult:
    generation: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triple count
    validation: Summary | None = None
    seconds: float = 0.0
    rewritten: int = 0  # graphs written into the new generation (the others were unchanged)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def text(self) -> str:
        """The one-line summary the commands print: sizes, time, rate, validation."""
        rate = self.triples / self.seconds if self.seconds else 0.0
        line = (f"{len(self.graphs)} graphs, {self.triples} triples in {self.seconds:.1f} s "
                f"({rate:,.0f} triples/s)")
        line += f"; validation: {self.validation.text()}" if self.validation else ""
        return line + f"; {self.rewritten} graphs written"


def sources(config: Config) -> list[tuple[str, Path]]:
    """``(graph name, file)`` for every data file a build loads, in a stable order."""
    found: list[tuple[str, Path]] = []
    ontology = Path(config.ontology_dir)
    if (ontology / "clusterkb.ttl").is_file():
        found.append(("ontology", ontology / "clusterkb.ttl"))
    found += [(f"vocab/{p.stem}", p) for p in sorted((ontology / "vocabularies").glob("*.ttl"))]
    found += [("shapes", p) for p in sorted(Path(config.shapes_dir).glob("*.ttl"))]
    kb = Path(config.kb_dir)
    for path in sorted(kb.rglob("*.ttl")):
        relative = path.relative_to(kb)
        if relative.parts[0] == "questions":
            continue
        found.append((relative.with_suffix("").as_posix(), path))
    return found


def _parse_file(path: Path, base_iri: str, iri_map: IriMap) -> list[ox.Triple]:
    try:
        quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri,
                         rename_blank_nodes=True, without_named_graphs=True)
        return [ox.Triple(map_ox_term(q.subject, iri_map), map_ox_term(q.predicate, iri_map),
                          map_ox_term(q.object, iri_map)) for q in quads]
    except SyntaxError as error:
        raise BuildError(_located(path, from_syntax_error(error))) from None
    except OSError as error:
        raise BuildError(f"{path}: cannot read: {error.strerror or error}") from None


def _located(path: Path, error: RDFParseError) -> str:
    """``file:line:column: message``, the form editors and terminals link to."""
    if error.line is None:
        return f"{path}: {error.message}"
    return f"{path}:{error.line}:{error.column or 1}: {error.message}"


def parse_sources(config: Config, *, progress: bool = False) -> dict[str, list[ox.Triple]]:
    """Parse every source file into triples per graph IRI (nothing is written)."""
    iri_map = base_iri_map(DEFAULT_BASE_IRI, config.base_iri, keep=STABLE_PREFIXES)
    graphs: dict[str, list[ox.Triple]] = {}
    for name, path in tqdm(sources(config), desc="parse", unit="file", disable=not progress):
        graphs.setdefault(graph_iri(config.base_iri, name), []).extend(
            _parse_file(path, config.base_iri, iri_map))
    return graphs


def validate(config: Config, graphs: dict[str, list[ox.Triple]], *,
             progress: bool = False) -> Summary:
    """Validate the data by graph (``build_validation``); ``BuildError`` on any violation.

    Each cluster file is its own unit (with the shared graphs it reaches), units
    run in parallel worker processes, and a unit whose file and context did not
    change since a build that accepted it is reused.
    """
    units, context = plan(config, sources(config), lambda name: graph_iri(config.base_iri, name))
    try:
        summary = validate_units(config, units, context, graphs, progress=progress)
    except ValidationUnavailable as error:
        raise BuildError(f"validation could not run: {error}") from None
    if summary.violations:
        raise BuildError("the data does not conform to the shapes:\n" + violations_text(
            [(unit.name, report.results) for unit, report in summary.violations]), exit_code=1)
    return summary


def check_cross_graph(config: Config, graphs: dict[str, list[ox.Triple]],
                      writer: StoreWriter) -> None:
    """The whole-KB checks (a resource described by several files) over the new generation."""
    checks = cross_graph_shapes(graphs.get(graph_iri(config.base_iri, "shapes"), []))
    found = cross_graph_violations(writer.view(), checks)
    if found:
        raise BuildError("the data does not conform to the shapes (across graphs):\n"
                         + violations_text([("whole KB", found)]), exit_code=1)


# --- memory: say before a build starts that it cannot fit ------------------------------------

#: Peak RSS of a build (the parent and its validation workers together) is about
#: ``MEMORY_FIXED + MEMORY_PER_BYTE x`` the bytes of its source files; both were
#: measured on bench/gen.py KBs of 100 and 1,000 clusters (bench/NOTES.md).
MEMORY_FIXED = 400 * 2**20
MEMORY_PER_BYTE = 12
#: The build's memory budget (issue #17: 1 M triples within 1 GiB).
MEMORY_BUDGET = 2**30


def estimated_peak(config: Config) -> int:
    """Bytes of memory the build of ``config``'s folders is expected to need at its peak."""
    size = sum(path.stat().st_size for _, path in sources(config))
    return MEMORY_FIXED + MEMORY_PER_BYTE * size


def available_memory() -> int | None:
    """What this process may still use: MemAvailable, or the cgroup's limit when lower."""
    found: list[int] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            found.append(int(limit))
    except OSError:
        pass
    return min(found) if found else None


def memory_warning(config: Config) -> str | None:
    """A sentence for stderr when the build is expected to exceed the memory it has."""
    need = estimated_peak(config)
    have = available_memory()
    mib = 2**20
    if have is not None and need > have:
        return (f"this build needs about {need // mib} MiB at its peak, but only "
                f"{have // mib} MiB are available: it will probably fail or swap")
    if need > MEMORY_BUDGET:
        return (f"this build needs about {need // mib} MiB at its peak, more than its "
                f"budget of {MEMORY_BUDGET // mib} MiB")
    return None


# --- what the last build wrote: graphs whose files did not change are not written again ------

#: Beside ``validated.json``: the generation a build published and, per graph it wrote,
#: the digest of its files. Only trusted while that generation is still the current one.
BUILT = "built.json"


def graph_digests(config: Config) -> dict[str, str]:
    """Graph IRI -> digest of the files it is made of (and the base IRI they are read with)."""
    files: dict[str, list[Path]] = {}
    for name, path in sources(config):
        files.setdefault(graph_iri(config.base_iri, name), []).append(path)
    digests = {}
    for iri, paths in files.items():
        sha = hashlib.sha256(config.base_iri.encode() + b"\0")
        for path in sorted(paths):
            sha.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
        digests[iri] = sha.hexdigest()
    return digests


def build(config: Config, store: EmbeddedStore | None = None, *,
          progress: bool = False) -> BuildResult:
    """Parse, validate and publish the data folders as one new store generation.

    Nothing is published when a file does not parse or the data has a violation
    (in one graph, or across graphs: the generation being written is dropped).

    A graph whose files are unchanged since the build that published the current
    generation is already in the new one (it starts as a copy) and is not written
    again; any other write since (an accepted submission, a load) makes every
    graph be written, as the record then no longer describes the store.
    """
    started = time.monotonic()
    graphs = parse_sources(config, progress=progress)
    summary = validate(config, graphs, progress=progress)
    own_store = store is None
    store = store or EmbeddedStore(config)
    result = BuildResult(generation="", validation=summary)
    digests = graph_digests(config)
    try:
        known = load_digests(Path(config.store_path) / BUILT, "generation", store.generation(),
                             "graphs")
        with store.write() as writer:
            previous = writer.graphs_from(BUILD_ORIGIN)
            for iri, triples in tqdm(graphs.items(), desc="store", unit="graph",
                                     disable=not progress):
                if iri in previous and iri in digests and known.get(iri) == digests[iri]:
                    result.graphs[iri] = len(triples)
                    continue
                result.graphs[iri] = writer.replace_graph(iri, triples, origin=BUILD_ORIGIN)
                result.rewritten += 1
            check_cross_graph(config, graphs, writer)
            for iri in previous - set(result.graphs):
                writer.delete_graph(iri)
        result.generation = store.generation()
        save_digests(Path(config.store_path) / BUILT, "generation", result.generation, "graphs",
                     digests)
    finally:
        if own_store:
            store.close()
    result.seconds = time.monotonic() - started
    return result


# --- clusterkb load: add RDF files, streaming the big ones ------------------------------------

class LoadError(Exception):
    """A file could not be loaded (unreadable, unknown format, syntax error): exit code 2."""


class _Progress(io.RawIOBase):
    """A binary reader that advances a tqdm bar by the bytes the engine reads."""

    def __init__(self, raw: BinaryIO, bar: tqdm) -> None:
        self._raw, self._bar = raw, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._bar.update(len(data))
        return len(data)


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115


def load_files(store: EmbeddedStore, paths: list[Path], *, graph: str | None = None,
               fmt: str | None = None, progress: bool = False) -> dict[Path, str]:
    """Add RDF files to the store in one new generation; returns file -> graph of its triples.

    Triples go to ``graph`` or ``{base}graph/load/{file stem}``; quads keep
    their graph. Files are streamed into the engine's bulk loader, which never
    fetches anything; JSON-LD goes through ``rdfio`` so only the local context
    can be used, and RDF/XML is checked for DTDs first.
    """
    config = store.config
    plan: list[tuple[Path, str, str]] = []
    for path in paths:
        if not path.is_file():
            raise LoadError(f"{path}: no such file")
        plain = path.with_suffix("") if path.suffix == ".gz" else path
        try:
            name = format_name(fmt) if fmt else format_for_path(plain)
        except RDFParseError as error:
            raise LoadError(str(error)) from None
        if name is None:
            raise LoadError(f"{path}: cannot tell the RDF format from the extension; "
                            "use --format")
        target = graph or graph_iri(config.base_iri, f"load/{plain.stem}")
        plan.append((path, name, target))
    targets: dict[Path, str] = {}
    with store.write() as writer:
        for path, name, target in plan:
            node = ox.NamedNode(target)
            try:
                if name == "json-ld":
                    with _open(path) as handle:
                        quads = parse_quads(handle.read(), name,
                                            contexts=upload_contexts(config))
                    writer.ox.extend(q if not isinstance(q.graph_name, ox.DefaultGraph)
                                     else ox.Quad(q.subject, q.predicate, q.object, node)
                                     for q in quads)
                else:
                    if name == "rdf/xml":
                        with _open(path) as handle:
                            check_xml(handle)
                    with _open(path) as handle, tqdm(
                            total=path.stat().st_size if path.suffix != ".gz" else None,
                            desc=path.name, unit="B", unit_scale=True,
                            disable=not progress) as bar:
                        writer.ox.bulk_load(input=io.BufferedReader(_Progress(handle, bar)),
                                            format=engine_format(name), to_graph=node)
            except RDFParseError as error:
                raise LoadError(_located(path, error)) from None
            except SyntaxError as error:
                raise LoadError(_located(path, from_syntax_error(error))) from None
            except (OSError, EOFError) as error:
                raise LoadError(f"{path}: cannot read: {error}") from None
            writer.mark_loaded([target])
            targets[path] = target
    return targets
