"""The wheel ships the data folders and the installed package finds them.

A user who installs the wheel (not the source tree) must get the ontology, KB
and shapes as package data, found through ``clusterkb.config`` and never via
the working directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_installed_wheel_finds_ontology_kb_and_shapes_inside_the_package(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(wheels), str(REPO)], check=True, timeout=300)
    wheel = next(wheels.glob("clusterkb-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    probe = ("import json, clusterkb.config as c; cfg = c.Config.from_env({}); "
             "print(json.dumps({k: str(getattr(cfg, k)) for k in "
             "('ontology_dir', 'kb_dir', 'shapes_dir')} | {'module': c.__file__}))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    found = json.loads(out)
    package = target / "clusterkb"
    assert Path(found["module"]).parent == package
    for key, marker in (("ontology_dir", "clusterkb.ttl"), ("kb_dir", "clusters"),
                        ("shapes_dir", "clusterkb-shapes.ttl")):
        folder = Path(found[key])
        assert folder.parent == package / "data", key
        assert (folder / marker).exists(), (key, marker)
