"""A read-only or full state directory is a clear 503 or 507, never a bare 500.

Why: the server keeps state under ``CLUSTERKB_VAR_DIR`` (store generations,
dump files, tokens, submissions). Operators mount it read-only on purpose (a
published snapshot) or it fills up; either way reading the KB still works, and
what cannot be written must say so:

* read-only file system, or no permission: ``503 Service Unavailable`` —
  the server can read but not record anything right now;
* no space left, or quota exceeded: ``507 Insufficient Storage``.

SQLite reports the same conditions as ``sqlite3.OperationalError`` with a
message instead of an errno, so both are mapped here. ``register`` installs
the handlers for the whole app; ``refuse_paths`` answers the routes of a
part that could not start for the same reason (the submissions workflow opens
its database at start), so the rest of the site still starts.
"""

from __future__ import annotations

import errno
import re
import sqlite3

from flask import Flask, Response, request

from clusterkb.errors import ClientError
from clusterkb.web import errors

READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_READ_ONLY = ("readonly database", "unable to open database file", "read-only")
_SQLITE_FULL = ("database or disk is full",)

READ_ONLY_MESSAGE = ("The server's data directory is read-only: the knowledge base can be read, "
                     "but nothing can be recorded now (submissions, tokens, dump files). "
                     "Try again later or tell the operator.")
FULL_MESSAGE = ("The server's data directory is full: nothing more can be recorded until "
                "space is freed. Reading the knowledge base still works.")


def classify(error: BaseException) -> int | None:
    """503 (read-only), 507 (full) or None (some other failure) for ``error``."""
    if isinstance(error, OSError):
        if error.errno in READ_ONLY_ERRNOS:
            return 503
        if error.errno in FULL_ERRNOS:
            return 507
        return None
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        if any(marker in text for marker in _SQLITE_READ_ONLY):
            return 503
        if any(marker in text for marker in _SQLITE_FULL):
            return 507
    return None


def storage_response(status: int) -> Response:
    """The 503 (read-only, retry later) or 507 (full) answer, through the one error module."""
    message = READ_ONLY_MESSAGE if status == 503 else FULL_MESSAGE
    headers = {"Retry-After": "60"} if status == 503 else {}
    return errors.error_response(ClientError(message, status=status, headers=headers))


def _handle(error: Exception):
    status = classify(error)
    if status is None:
        raise error
    return storage_response(status)


def register(app: Flask) -> None:
    """Answer storage failures anywhere in ``app`` as 503/507."""
    app.register_error_handler(OSError, _handle)
    app.register_error_handler(sqlite3.OperationalError, _handle)


def refuse_paths(app: Flask, pattern: str, status: int) -> None:
    """Answer every request whose path matches ``pattern`` (a regex) with ``status``."""
    paths = re.compile(pattern)

    @app.before_request
    def _refuse():
        if paths.match(request.path):
            return storage_response(status)
        return None
