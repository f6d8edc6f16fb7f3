"""``clusterkb publish``: push what ``clusterkb build`` builds to a remote SPARQL engine.

Why reuse the build: the graphs (ontology, concept schemes, shapes, every KB
file) must be exactly what a local build publishes. So the build runs as usual
(parse, validate, the whole-KB checks) into a throw-away embedded store, and
each of its graphs is then sent to the engine, one named graph at a time, each
replacing the graph of the same name (Graph Store Protocol PUT when a GSP
endpoint is given, else one SPARQL Update ``DROP`` + ``INSERT``). A last
update registers them as published, drops the graphs an earlier publish made
that no longer exist and bumps the generation marker. Running it twice leaves
the engine in the same state.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from clusterkb.build import BUILD_ORIGIN, build
from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore
from clusterkb.store.remote import RemoteStore


@dataclass
class PublishResult:
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples sent
    removed: list[str] = field(default_factory=list)  # graphs of an earlier publish, dropped
    seconds: float = 0.0  # the whole publish: build, then sending every graph

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def publish(config: Config, *, progress: bool = False) -> PublishResult:
    """Build locally (raises ``BuildError`` on invalid data), then replace the engine's graphs."""
    started = time.monotonic()
    remote = RemoteStore(config)
    result = PublishResult()
    with tempfile.TemporaryDirectory(prefix="clusterkb-publish-") as tmp:
        local_config = replace(config, endpoint="", store_dir=Path(tmp) / "store")
        local = EmbeddedStore(local_config)
        try:
            built = build(local_config, local, progress=progress)
            previous = remote.graphs_from(BUILD_ORIGIN)
            for iri in tqdm(list(built.graphs), desc="publish", unit="graph",
                            disable=not progress):
                graph = local.graph(iri)
                if remote.gsp_endpoint:
                    remote.put_graph(iri, graph)
                    remote.write_graphs({iri: (None, "published", BUILD_ORIGIN)})
                else:
                    remote.write_graphs({iri: (graph, "published", BUILD_ORIGIN)})
                result.graphs[iri] = len(graph)
        finally:
            local.close()
    result.removed = sorted(previous - set(result.graphs))
    remote.write_graphs({}, delete=result.removed)
    result.seconds = time.monotonic() - started
    return result
