"""How many slow requests the server runs at once, and how many one client may hold.

Why: the WSGI server has a fixed number of threads (``CLUSTERKB_THREADS``).
A SPARQL query may run until the query time limit and a validation or an
accept takes seconds, so a handful of them once filled every thread and
``/healthz``, pages and cheap queries waited behind them. This middleware
sits in front of Flask and counts, per process:

* **slow requests** — ``/sparql`` with a query (GET with ``query=``, or any
  POST), ``POST /validate``, and ``POST`` under ``/submissions``: at most
  ``max_slow_requests`` run at once (default: the threads less two, so two
  threads stay free for health checks, pages and static files). One more
  waits for a slot at most ``SLOT_WAIT`` seconds — a burst of quick queries
  then goes through — and only as many wait as there are reserve threads,
  so a flood borrows the reserve for a second at most; past that it is
  answered ``503`` with ``Retry-After``;
* **per client** — one client address (``REMOTE_ADDR``, which ``ProxyFix``
  sets from the trusted proxies' ``X-Forwarded-For``) may have at most
  ``max_requests_per_client`` slow requests in flight; one more waits the
  same way, then is ``429`` with ``Retry-After``, so a single client cannot
  take every slot.

Cheap requests are never counted, so a browser loading a page with its
stylesheet and script in parallel is never refused. A slot is given back
when the response has been sent (the WSGI iterable is closed), since a
streamed answer still holds its thread. Under ``serve --workers N`` each
worker process keeps its own counts.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from werkzeug.wsgi import ClosingIterator

from clusterkb import formats
from clusterkb.config import Config
from clusterkb.errors import ClientError
from clusterkb.web.security import BASE_HEADERS

#: Seconds a refused client is asked to wait before trying again.
RETRY_AFTER = 2
#: Threads kept free of slow requests when ``max_slow_requests`` is not set.
RESERVED_THREADS = 2
#: Seconds a slow request may wait for a free slot before it is refused.
SLOT_WAIT = 1.0


def slow_slots(config: Config) -> int:
    """How many slow requests may run at once under ``config``."""
    if config.max_slow_requests > 0:
        return config.max_slow_requests
    return max(1, config.threads - RESERVED_THREADS)


def is_slow(environ: dict) -> bool:
    """Whether a request may take seconds of a thread (see the module docstring)."""
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if path == "/sparql":
        return method == "POST" or (
            method in ("GET", "HEAD") and "query" in parse_qs(environ.get("QUERY_STRING", "")))
    if method != "POST":
        return False
    return path == "/validate" or path == "/submissions" or path.startswith("/submissions/")


class RequestLimiter:
    """WSGI middleware enforcing the two limits above around ``app``."""

    def __init__(self, app: Callable, *, slots: int, per_client: int, max_waiting: int = 0,
                 wait: float = SLOT_WAIT) -> None:
        self.app = app
        self.slots = max(1, slots)
        self.per_client = max(1, per_client)
        self.max_waiting = max(0, max_waiting)
        self.wait = wait
        self._free = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._by_client: Counter[str] = Counter()

    @classmethod
    def for_config(cls, app: Callable, config: Config) -> RequestLimiter:
        slots = slow_slots(config)
        return cls(app, slots=slots, per_client=config.max_requests_per_client,
                   max_waiting=config.threads - slots)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not is_slow(environ):
            return self.app(environ, start_response)
        client = environ.get("REMOTE_ADDR") or "-"
        refusal = self._enter(client)
        if refusal is not None:
            return _refuse(environ, start_response, *refusal)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._leave(client)
            raise
        return ClosingIterator(result, lambda: self._leave(client))

    def _enter(self, client: str) -> tuple[int, str] | None:
        """Take a slot for ``client`` (waiting briefly when none is free), or say why not."""
        with self._free:
            if not self._admissible(client) and (
                    self._waiting >= self.max_waiting or not self._wait_for(client)):
                if self._by_client[client] >= self.per_client:
                    return self._too_many()
                return 503, (f"The server is running as many queries and uploads as it "
                             f"can ({self.slots}). Try again in a few seconds.")
            self._running += 1
            self._by_client[client] += 1
            return None

    def _admissible(self, client: str) -> bool:
        return self._running < self.slots and self._by_client[client] < self.per_client

    def _wait_for(self, client: str) -> bool:
        """Wait (lock held) at most ``self.wait`` seconds until ``client`` may start."""
        self._waiting += 1
        try:
            deadline = time.monotonic() + self.wait
            while not self._admissible(client):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._free.wait(remaining)
            return True
        finally:
            self._waiting -= 1

    def _too_many(self) -> tuple[int, str]:
        return 429, (f"Too many requests in flight from your address: at most "
                     f"{self.per_client} queries or uploads at once. Wait for one to finish.")

    def _leave(self, client: str) -> None:
        with self._free:
            self._running -= 1
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]
            self._free.notify_all()  # a waiter may be waiting on its own client's count

    @property
    def running(self) -> int:
        """Slow requests in flight now."""
        return self._running


def _refuse(environ: dict, start_response: Callable, status: int,
            message: str) -> list[bytes]:
    """A short answer built here (Flask never sees the request): JSON or plain text."""
    reason = {429: "Too Many Requests", 503: "Service Unavailable"}[status]
    if "json" in environ.get("HTTP_ACCEPT", ""):
        body = json.dumps(ClientError(message, status=status).to_json()).encode()
        media_type = formats.JSON.media_type
    else:
        body = f"{message}\n".encode()
        media_type = f"{formats.TEXT.media_type}; charset=utf-8"
    start_response(f"{status} {reason}", [
        ("Content-Type", media_type), ("Content-Length", str(len(body))),
        ("Retry-After", str(RETRY_AFTER)), *BASE_HEADERS])
    return [body]
