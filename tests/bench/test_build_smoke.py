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
    assert "clusterkb: warning:" not in done.stderr  # far below the memory budget
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


def test_the_cli_warns_before_a_build_too_large_for_its_memory_budget(tmp_path: Path):
    """60 MB of source (a sparse file: no data is written) needs about 400 MiB + 12 x 60 MB,
    over the 1 GiB budget, so the warning comes first; the file then fails to parse (exit 2)."""
    kb = tmp_path / "kb"
    (kb / "clusters").mkdir(parents=True)
    with (kb / "clusters" / "huge.ttl").open("wb") as handle:
        handle.truncate(60 * 10**6)
    env = {**os.environ, "CLUSTERKB_KB_DIR": str(kb), "CLUSTERKB_VAR_DIR": str(tmp_path / "var")}
    done = subprocess.run([sys.executable, "-m", "clusterkb", "build"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("clusterkb: warning: this build needs about"), done.stderr
    assert "huge.ttl" in done.stderr  # the parse error names the file

