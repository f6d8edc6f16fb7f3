"""API tokens for submitters and curators, kept in SQLite under ``config.var_dir``.

Why this shape:

* A token is shown once, when it is created, and only its SHA-256 hash is
  stored, so a copy of the database does not hand out write access.
* A token reads ``<id>.<secret>``: the id (not secret) finds the row, then the
  hashes are compared with ``hmac.compare_digest`` so the comparison takes the
  same time whatever the first differing byte.
* A submitter token is scoped to one cluster IRI; a curator token reviews
  everything. Revoking keeps the row (submissions and provenance refer to its id).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clusterkb.config import Config

SUBMITTER, CURATOR = "submitter", "curator"
ROLES = (SUBMITTER, CURATOR)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('submitter', 'curator')),
    cluster TEXT,
    created TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
)
"""
_ID_RE = re.compile(r"^[0-9a-f]{12}$")


class TokenError(ValueError):
    """A token could not be created or changed as asked (bad role, bad cluster IRI)."""


@dataclass(frozen=True)
class Token:
    """What the server knows about a token (never the secret itself)."""

    id: str
    role: str
    cluster: str | None
    created: datetime
    revoked: bool

    def to_json(self) -> dict:
        return {"id": self.id, "role": self.role, "cluster": self.cluster,
                "created": self.created.isoformat(), "revoked": self.revoked}


def state_dir(config: Config) -> Path:
    """Where the server keeps its own state (tokens, submission records): beside the store.

    By default that is ``config.var_dir`` (the store is ``var_dir/store``). With an
    explicit store directory it is that directory's parent, so ``--store DIR`` on
    ``serve`` and on ``token`` commands always means the same tokens and submissions
    as the pending graphs stored in DIR.
    """
    return config.var_dir if config.store_dir is None else Path(config.store_dir).parent


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def cluster_slug(base_iri: str, cluster: str) -> str | None:
    """The slug of ``{base}id/cluster/{slug}``, or None when ``cluster`` is not of that form."""
    prefix = f"{base_iri}id/cluster/"
    if not cluster.startswith(prefix):
        return None
    slug = cluster[len(prefix):]
    return slug if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) else None


class TokenStore:
    """The token table of one deployment (one SQLite file, safe across processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(_SCHEMA)

    @classmethod
    def for_config(cls, config: Config) -> TokenStore:
        return cls(state_dir(config) / "tokens.sqlite3")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def create(self, role: str, cluster: str | None, base_iri: str) -> tuple[Token, str]:
        """Create a token; returns it and the secret to hand to its holder (shown once)."""
        if role not in ROLES:
            raise TokenError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if role == SUBMITTER:
            if not cluster:
                raise TokenError("a submitter token needs --cluster IRI")
            if cluster_slug(base_iri, cluster) is None:
                raise TokenError(f"--cluster must be a cluster IRI of the form "
                                 f"{base_iri}id/cluster/SLUG, got {cluster!r}")
        elif cluster:
            raise TokenError("a curator token is not scoped to a cluster; drop --cluster")
        token_id = secrets.token_hex(6)
        secret = f"{token_id}.{secrets.token_urlsafe(32)}"
        created = datetime.now(UTC).replace(microsecond=0)
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO tokens (id, hash, role, cluster, created) VALUES (?,?,?,?,?)",
                       (token_id, _hash(secret), role, cluster, created.isoformat()))
        return Token(token_id, role, cluster, created, False), secret

    def list(self) -> list[Token]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT id, role, cluster, created, revoked FROM tokens "
                              "ORDER BY created, id").fetchall()
        return [_token(row) for row in rows]

    def get(self, token_id: str) -> Token | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT id, role, cluster, created, revoked FROM tokens "
                             "WHERE id = ?", (token_id,)).fetchone()
        return _token(row) if row else None

    def revoke(self, token_id: str) -> bool:
        """Revoke a token; False when there is no token with that id."""
        with closing(self._connect()) as db, db:
            cursor = db.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,))
        return cursor.rowcount > 0

    def authenticate(self, secret: str) -> Token | None:
        """The live token whose secret is ``secret``, or None (unknown, wrong or revoked)."""
        token_id, dot, _ = secret.partition(".")
        if not dot or not _ID_RE.fullmatch(token_id):
            # Still hash something so a malformed token costs what a wrong one does.
            hmac.compare_digest(_hash(secret), _hash(""))
            return None
        with closing(self._connect()) as db:
            row = db.execute("SELECT id, role, cluster, created, revoked, hash FROM tokens "
                             "WHERE id = ?", (token_id,)).fetchone()
        stored = row[5] if row else _hash("")
        if not hmac.compare_digest(_hash(secret), stored) or row is None or row[4]:
            return None
        return _token(row[:5])


def _token(row: tuple) -> Token:
    return Token(row[0], row[1], row[2], datetime.fromisoformat(row[3]), bool(row[4]))
