"""Fixtures for attacking a real server: a canary listener, a secret file, tokens.

``canary``
    A TCP listener on 127.0.0.1 that records every connection made to it (and
    answers a minimal HTTP 200 with a marker, so a fetch that happened would
    also show up in a response). Tests point every URL an attacker could make
    the server fetch at it and assert ``canary.hits == []`` afterwards.

``secret_file``
    A temporary file holding a random marker: ``file:`` IRIs point at it and no
    response may ever contain the marker.

``attack_server``
    A real ``clusterkb serve`` over a private copy of the session's built store
    (so accepted submissions do not leak into other tests), with a submitter
    token for ROHEALTH, one for Health Romania, and a curator token.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.security.harness import AttackServer, make_tokens, private_store


@dataclass
class Canary:
    port: int
    marker: str
    hits: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/canary"


@pytest.fixture()
def canary() -> Iterator[Canary]:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    found = Canary(listener.getsockname()[1], "CANARY-" + secrets.token_hex(8))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    found.hits.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    found.hits.append(b"<connected>")
                body = f'{{"@context": {{"x": "http://x/{found.marker}"}}}}'.encode()
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    stop.set()
    thread.join(timeout=5)
    listener.close()


@dataclass
class SecretFile:
    path: Path
    marker: str

    @property
    def iri(self) -> str:
        return self.path.as_uri()


@pytest.fixture()
def secret_file(tmp_path: Path) -> SecretFile:
    marker = "SECRET-" + secrets.token_hex(12)
    path = tmp_path / "secret.ttl"
    # Valid Turtle, JSON-ish and text at once, so any parser that read it would keep the marker.
    path.write_text(f'<urn:x> <urn:y> "{marker}" .\n', encoding="utf-8")
    return SecretFile(path, marker)


@pytest.fixture(scope="session")
def attack_server(start_server, built_store, tmp_path_factory) -> AttackServer:
    store_dir = private_store(tmp_path_factory, built_store)
    submitter, other, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir), CLUSTERKB_QUERY_TIMEOUT="3",
                       CLUSTERKB_AUTH_FAILURES_PER_MINUTE="100000")
    return AttackServer(url, submitter, other, curator, store_dir)


