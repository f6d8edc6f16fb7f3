"""Shared fixtures of the shape tests: the repository's configuration and fixture folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterkb.config import Config

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo_config() -> Config:
    """The repository's own ontology, shapes and KB (not affected by CLUSTERKB_* variables)."""
    return Config(ontology_dir=ROOT / "ontology", kb_dir=ROOT / "kb", shapes_dir=ROOT / "shapes")
