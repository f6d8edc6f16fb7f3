"""API tokens for submitters and curators, kept in SQLite under ``config.var_dir``.

Why this shape:

* A token is shown once, when it is created, and only its SHA-256 hash is
  stored, so a copy of the database does not hand out write access.
* A token reads ``<id>.<secret>``: the id (not secret) finds the row, then the
  hashes are compared with ``hmac.compare_digest`` so the comparison takes the
  same time whatever the first differing byte.
* A submitter token is scoped to one cluster IRI; a curator token reviews
  everything. Revoking keeps the row (submissions and provenance refer to its id).
* A browser never holds the token itself: signing in starts a server-side
  session (a random id, stored hashed, with an expiry) that signing out or
  revoking the token ends.
* Failed checks are counted here, in the same database, so the limit holds
  across threads and web workers: an attempt takes its slot in one
  transaction before the token is checked and gives it back if the token
  was right (see ``FailureLimiter``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time
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
);
CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_attempts_by_key ON auth_attempts (key, at);
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
            db.executescript(_SCHEMA)

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

    # --- browser sessions ---------------------------------------------------------
    def start_session(self, token: Token, max_age: int) -> str:
        """A new session for ``token``, valid ``max_age`` seconds; returns its id (secret)."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute("INSERT INTO sessions VALUES (?,?,?)",
                       (_hash(session_id), token.id, now + max_age))
        return session_id

    def session_token(self, session_id: str) -> Token | None:
        """The live token of a live session, or None (unknown, expired, signed out, revoked)."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT token_id, expires FROM sessions WHERE hash = ?",
                             (_hash(session_id),)).fetchone()
        if row is None or row[1] < time.time():
            return None
        token = self.get(row[0])
        return token if token is not None and not token.revoked else None

    def end_session(self, session_id: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM sessions WHERE hash = ?", (_hash(session_id),))


def limiter_key(client: str, secret: str, *, session: bool = False) -> str:
    """Whose failures an attempt counts against: the address and the token id it names
    (for a session cookie, the session it names).

    So failures with made-up tokens from one address lock out only that address's
    guesses at those ids, never the valid tokens of other users behind it.
    """
    if session:
        return f"{client}|session:{_hash(secret)[:16]}"
    token_id, dot, _ = secret.partition(".")
    return f"{client}|{token_id if dot and _ID_RE.fullmatch(token_id) else '-'}"


class FailureLimiter:
    """At most ``limit`` failed token checks per key in any ``window`` seconds.

    ``take`` reserves a slot atomically (one SQLite write transaction), so
    concurrent attempts cannot all pass a check made before any of them failed;
    ``give_back`` frees it when the token turned out right.
    """

    def __init__(self, tokens: TokenStore, limit: int, window: float = 60.0) -> None:
        self.tokens, self.limit, self.window = tokens, max(1, limit), window

    def take(self, key: str) -> tuple[int | None, float]:
        """(a reservation id, 0); past the limit (None, seconds until a slot frees)."""
        now = time.time()
        with closing(self.tokens._connect()) as db:
            db.isolation_level = None
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM auth_attempts WHERE at <= ?", (now - self.window,))
                count, oldest = db.execute("SELECT COUNT(*), MIN(at) FROM auth_attempts "
                                           "WHERE key = ?", (key,)).fetchone()
                if count >= self.limit:
                    db.execute("COMMIT")
                    return None, max(1.0, oldest + self.window - now)
                cursor = db.execute("INSERT INTO auth_attempts (key, at) VALUES (?,?)",
                                    (key, now))
                db.execute("COMMIT")
                return int(cursor.lastrowid or 0), 0.0
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def give_back(self, reservation: int) -> None:
        with closing(self.tokens._connect()) as db, db:
            db.execute("DELETE FROM auth_attempts WHERE id = ?", (reservation,))


def _token(row: tuple) -> Token:
    return Token(row[0], row[1], row[2], datetime.fromisoformat(row[3]), bool(row[4]))
