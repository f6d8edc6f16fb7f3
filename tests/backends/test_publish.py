"""``clusterkb publish`` into real engines: every graph arrives; a second run changes nothing."""

from __future__ import annotations

import os
import subprocess

import pytest
from tests.backends.conftest import CLUSTERKB, backend_env

from clusterkb.config import Config
from clusterkb.store.remote import RemoteStore


def engine_counts(env: dict[str, str], tmp_path) -> dict[str, int]:
    """Triples per published graph, read back from the engine through the remote store."""
    config = Config.from_env({**env, "CLUSTERKB_VAR_DIR": str(tmp_path)})
    store = RemoteStore(config)
    return {iri: len(store.graph(iri)) for iri in store.graphs()}


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_publish_loads_every_graph_and_is_idempotent(name, engines, tmp_path):
    env = backend_env(name, engines, tmp_path / "var")  # the first publish
    first = engine_counts(env, tmp_path / "probe1")
    graphs = set(first)
    base = "https://w3id.org/clusterkb/graph/"
    for expected in ("ontology", "shapes", "vocab/label-levels",
                     "clusters/rohealth", "clusters/health-romania",
                     "clusters/hungarian-medical-cluster", "shared/organisations"):
        assert f"{base}{expected}" in graphs, expected
    assert f"{base}catalog" not in graphs  # /catalog computes it; no stored copy to go stale
    assert all(n > 0 for n in first.values())

    again = subprocess.run([str(CLUSTERKB), "publish", "--endpoint", env["CLUSTERKB_ENDPOINT"]],
                           env={**os.environ, **env}, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0, again.stderr
    assert engine_counts(env, tmp_path / "probe2") == first
