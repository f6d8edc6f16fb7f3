"""All configuration in one place.

Every setting has a default, can be overridden by a ``CLUSTERKB_*`` environment
variable, and the CLI overrides both. A ``Config`` is immutable and is passed
explicitly (to the app factory, the store, the builder), so nothing reads the
environment behind anyone's back and tests can run several configurations side
by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/clusterkb/"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    """Find a data folder (``ontology``, ``kb``, ``shapes``).

    In a source checkout (editable install) it sits at the repository root, two
    levels above the package; an installed wheel ships it under
    ``clusterkb/data/``. Neither depends on the caller's working directory.
    """
    source_tree = _PACKAGE_DIR.parent.parent / name
    if source_tree.is_dir():
        return source_tree
    return _PACKAGE_DIR / "data" / name


def _default_var_dir() -> Path:
    source_root = _PACKAGE_DIR.parent.parent
    if (source_root / "pyproject.toml").is_file():
        return source_root / "var"
    return Path.cwd() / "var"


@dataclass(frozen=True)
class Config:
    """Settings of one clusterkb deployment. Field names map to ``CLUSTERKB_<NAME>``."""

    base_iri: str = DEFAULT_BASE_IRI
    ontology_dir: Path = field(default_factory=lambda: _data_dir("ontology"))
    kb_dir: Path = field(default_factory=lambda: _data_dir("kb"))
    shapes_dir: Path = field(default_factory=lambda: _data_dir("shapes"))
    var_dir: Path = field(default_factory=_default_var_dir)
    store_dir: Path | None = None  # default: <var_dir>/store
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8
    # SPARQL guard
    query_timeout: float = 30.0
    max_result_rows: int = 10_000
    max_result_bytes: int = 16 * 1024 * 1024  # a result over it is cut (X-SPARQL-Truncated)
    query_workers: int = 2
    service_allowlist: tuple[str, ...] = ()
    max_query_bytes: int = 256 * 1024
    # in-process cache of /sparql results and Linked Data pages (bytes; 0 turns it off)
    result_cache_bytes: int = 64 * 1024 * 1024
    # uploads
    max_upload_bytes: int = 5 * 1024 * 1024
    # triples per upload: bounds the memory and time of validating it (profiles have ~500)
    max_upload_triples: int = 5_000
    # submissions: failed token checks allowed per client (IP) per minute before 429
    auth_failures_per_minute: int = 10
    # catalogue
    catalog_page_size: int = 50
    publisher_name: str = "clusterkb project"
    publisher_type: str = "NonProfitOrganisation"  # a term of http://purl.org/adms/publishertype/
    contact_email: str = ""
    # remote SPARQL engine (store/remote.py); empty endpoint: the embedded store
    endpoint: str = ""
    update_endpoint: str = ""  # default: endpoint
    gsp_endpoint: str = ""  # Graph Store Protocol; optional
    endpoint_user: str = ""
    endpoint_password_file: str = ""
    endpoint_auth: str = "digest"  # or "basic": how the credentials are sent
    # web worker processes of ``clusterkb serve`` (1: one waitress process)
    workers: int = 1

    @property
    def store_path(self) -> Path:
        return self.store_dir if self.store_dir is not None else self.var_dir / "store"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Config:
        """Build a Config from defaults, then ``CLUSTERKB_*`` variables, then ``overrides``.

        ``overrides`` whose value is None are ignored, so CLI options that were
        not given fall through to the environment.
        """
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"CLUSTERKB_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)  # type: ignore[arg-type]
        if not config.base_iri.endswith(("/", "#")):
            config = replace(config, base_iri=config.base_iri + "/")
        return config


def _coerce(name: str, raw: str) -> object:
    """Turn an environment string into the type of field ``name``."""
    if name.endswith("_dir"):
        return Path(raw)
    if name in {"port", "threads", "max_result_rows", "query_workers", "max_upload_bytes",
                "catalog_page_size", "max_query_bytes", "max_upload_triples",
                "auth_failures_per_minute", "workers", "max_result_bytes",
                "result_cache_bytes"}:
        return int(raw)
    if name == "query_timeout":
        return float(raw)
    if name == "service_allowlist":
        return tuple(s for s in raw.split() if s)
    return raw
