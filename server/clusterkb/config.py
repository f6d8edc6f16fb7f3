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
    query_workers: int = 2
    service_allowlist: tuple[str, ...] = ()
    max_query_bytes: int = 256 * 1024  # parsing is linear but slow (~0.4 s per 60 KB)
    # in-process cache of /sparql results and Linked Data pages (bytes; 0 turns it off)
    result_cache_bytes: int = 64 * 1024 * 1024
    # uploads
    max_upload_bytes: int = 5 * 1024 * 1024
    # triples per upload: bounds the memory and time of validating it (profiles have ~500)
    max_upload_triples: int = 5_000
    # validation of uploads (validation_pool.py): seconds per upload before its worker
    # process is killed (503), and how many worker processes validate at once
    validation_timeout: float = 20.0
    validation_workers: int = 2
    # submissions: failed token checks allowed per client (IP) per minute before 429
    auth_failures_per_minute: int = 10
    # submissions: per-token quotas, and how long a browser sign-in lasts (seconds)
    max_pending_per_token: int = 10
    max_upload_bytes_per_token_day: int = 50 * 1024 * 1024
    session_max_age: int = 8 * 3600
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
    # web floor (web/urls.py, web/limits.py): where the server is reached, and what one
    # client may hold. public_url (e.g. https://kb.example.org/) fixes every generated
    # absolute URL; empty: the request's host when it is allowed (loopback names and
    # allowed_hosts), else http://host:port. trusted_proxies: how many reverse proxies
    # in front set X-Forwarded-* (0: those headers are ignored).
    public_url: str = ""
    allowed_hosts: tuple[str, ...] = ()
    trusted_proxies: int = 0
    # concurrent slow requests (queries, uploads) per process (0: threads - 2, at least 1),
    # and requests one client may have in flight at once
    max_slow_requests: int = 0
    max_requests_per_client: int = 4

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
        if config.public_url and not config.public_url.endswith("/"):
            config = replace(config, public_url=config.public_url + "/")
        return config


def _coerce(name: str, raw: str) -> object:
    """Turn an environment string into the type of field ``name``."""
    if name.endswith("_dir"):
        return Path(raw)
    if name in {"port", "threads", "max_result_rows", "query_workers", "max_upload_bytes",
                "catalog_page_size", "max_query_bytes", "max_upload_triples",
                "auth_failures_per_minute", "workers", "max_pending_per_token",
                "max_upload_bytes_per_token_day", "session_max_age",
                "result_cache_bytes", "validation_workers", "trusted_proxies",
                "max_slow_requests", "max_requests_per_client"}:
        return int(raw)
    if name in {"query_timeout", "validation_timeout"}:
        return float(raw)
    if name in ("service_allowlist", "allowed_hosts"):
        return tuple(s for s in raw.split() if s)
    return raw
