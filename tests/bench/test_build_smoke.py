"""Bench smoke test: a 20-cluster synthetic KB goes through the real ``clusterkb build`` command.

The command line, the validation workers, the store and the catalogue all run,
as ``bench/run.py`` drives them; no timing is asserted (the machine is shared).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.bench.test_gen import _load_gen

CLUSTERS = 20


def test_a_20_cluster_kb_builds_through_the_cli_and_prints_its_summary(tmp_path: Path):
    triples = _load_gen().generate(CLUSTERS, tmp_path / "kb")
    env = {**os.environ, "CLUSTERKB_KB_DIR": str(tmp_path / "kb"),
           "CLUSTERKB_VAR_DIR": str(tmp_path / "var")}
    store = tmp_path / "store"
    done = subprocess.run([sys.executable, "-m", "clusterkb", "build", "--store", str(store)],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    summary = done.stderr.strip().splitlines()[-1]
    # 20 clusters + 6 shared files + ontology, vocabularies, shapes and catalogue graphs
    match = re.search(r"(\d+) graphs, (\d+) triples in [\d.]+ s \([\d,]+ triples/s\); "
                      r"validation: (\d+) graphs validated, 0 reused", summary)
    assert match, summary
    assert int(match[2]) > triples  # the KB plus the ontology, vocabularies and shapes
    assert int(match[3]) == CLUSTERS + 2  # each cluster, kb/shared/, ontology + vocabularies
    assert (store / "current.json").exists()
    again = subprocess.run([sys.executable, "-m", "clusterkb", "build", "--store", str(store)],
                           env=env, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert f"0 graphs validated, {CLUSTERS + 2} reused" in again.stderr
