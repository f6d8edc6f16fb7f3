"""Configuration: defaults, CLUSTERKB_* variables, and the precedence of CLI options."""

from __future__ import annotations

from pathlib import Path

from clusterkb.config import DEFAULT_BASE_IRI, Config

REPO = Path(__file__).resolve().parents[1]


def test_defaults_find_the_data_folders_of_the_source_tree_whatever_the_cwd(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = Config.from_env({})
    assert config.base_iri == DEFAULT_BASE_IRI
    assert config.ontology_dir == REPO / "ontology"
    assert config.kb_dir == REPO / "kb"
    assert config.shapes_dir == REPO / "shapes"
    assert config.store_path == REPO / "var" / "store"


def test_environment_overrides_defaults_with_typed_values(tmp_path):
    config = Config.from_env({
        "CLUSTERKB_PORT": "9090",
        "CLUSTERKB_QUERY_TIMEOUT": "2.5",
        "CLUSTERKB_STORE_DIR": str(tmp_path / "s"),
        "CLUSTERKB_SERVICE_ALLOWLIST": "https://a.example/sparql https://b.example/sparql",
    })
    assert config.port == 9090
    assert config.query_timeout == 2.5
    assert config.store_path == tmp_path / "s"
    assert config.service_allowlist == ("https://a.example/sparql", "https://b.example/sparql")


def test_explicit_options_win_over_the_environment_and_none_falls_through():
    config = Config.from_env({"CLUSTERKB_PORT": "9090", "CLUSTERKB_HOST": "0.0.0.0"},
                             port=7070, host=None)
    assert config.port == 7070
    assert config.host == "0.0.0.0"


def test_base_iri_gets_a_trailing_slash():
    assert Config.from_env({"CLUSTERKB_BASE_IRI": "http://example.org/kb"}).base_iri == \
        "http://example.org/kb/"
