"""HTTP caching and an in-process result cache for a read-mostly KB.

Why: the published data changes only when a build or an accepted submission
switches the store to a new generation, so a response depends on nothing but
the generation and the request (query or path, dataset parameters, format).
That makes two kinds of caching safe and cheap:

* **HTTP**: ``/sparql`` GET responses and Linked Data pages carry an ``ETag``
  computed from the generation and the request, answer ``304 Not Modified`` to
  a matching ``If-None-Match``, and send ``Cache-Control: public, max-age=60``
  with ``Vary: Accept``, so a reverse proxy or CDN can serve repeats.
* **In process**: a ``ResultCache`` (LRU, bounded in bytes and in entries,
  one per app) keeps recent response bodies, so a repeated query never
  reaches the engine. A key (which holds the query text, up to 256 KB) is
  kept only as its SHA-256 digest, so the budget counts everything an entry
  holds: a flood of distinct large queries cannot grow memory past it.

Both are keyed by the generation: a write changes it, so every ETag changes
and every cached entry becomes unreachable (and is dropped) at once. Only
public data is cached (the published union; pending submissions are never
visible to these routes), so nothing can leak between users.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from flask import Response, request
from werkzeug.http import is_resource_modified

from clusterkb.web.context import state, store

#: Seconds a shared cache may reuse a response without asking again.
MAX_AGE = 60
#: Largest response kept in the result cache (see ``ResultCache``).
MAX_ENTRY_BYTES = 128 * 1024
#: Most entries in one cache, whatever their size.
MAX_ENTRIES = 4096
#: What one entry costs besides its body and headers: digest key, objects, LRU links.
ENTRY_OVERHEAD = 256
#: Headers a cached copy does not keep: recomputed per answer, or private.
_NOT_KEPT = frozenset({"content-length", "set-cookie", "etag", "cache-control", "x-cache"})


@dataclass(frozen=True)
class CachedResponse:
    """What is needed to answer again: body, status, headers (the ETag among them)."""

    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + ENTRY_OVERHEAD


def digest(key: Hashable) -> bytes:
    """The fixed-size form of a cache key (its ``repr``'s SHA-256)."""
    return hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).digest()


class ResultCache:
    """A thread-safe LRU of ``CachedResponse`` objects: at most ``max_entries`` of them,
    whose total size (keys included, as 32-byte digests) stays under ``max_bytes``.

    An entry larger than ``max_entry`` (default: the smaller of 128 KiB and a
    quarter of the budget) is not stored: a big result costs more to send than
    to compute, and would evict many small, useful ones. ``max_bytes=0``
    disables the cache.
    """

    def __init__(self, max_bytes: int, max_entry: int | None = None,
                 max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry = (min(MAX_ENTRY_BYTES, self.max_bytes // 4) if max_entry is None
                          else max_entry)
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[bytes, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._generation: str | None = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """Bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, generation: str, key: Hashable) -> CachedResponse | None:
        key = digest(key)
        with self._lock:
            self._drop_if_stale(generation)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, generation: str, key: Hashable, entry: CachedResponse) -> bool:
        """Store ``entry``; returns False when it is too large to keep."""
        size = entry.size
        if size > self.max_entry or size > self.max_bytes:
            return False
        key = digest(key)
        with self._lock:
            self._drop_if_stale(generation)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += size
            while (self._bytes > self.max_bytes
                   or len(self._entries) > self.max_entries) and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size
            return True

    def _drop_if_stale(self, generation: str) -> None:
        """A new generation makes every entry unreachable: free them now (lock held)."""
        if generation != self._generation:
            self._entries.clear()
            self._bytes = 0
            self._generation = generation


class GenerationMemo:
    """A thread-safe LRU of computed objects of one store generation, at most ``max_entries``.

    For values that are costly to build and keyed by request parameters (the
    catalogue's pages, VoID): the keys must come from a small set the server
    controls (never a raw client header), and ``max_entries`` bounds the rest
    (page numbers, ``modified_since`` dates). A new generation drops all.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._generation: str | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_make(self, generation: str, key: Hashable, make):
        """The value for ``key``, made by ``make()`` (outside the lock) when missing."""
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = value
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value


def result_cache() -> ResultCache:
    """The app's result cache (``AppState.result_cache``, sized by ``result_cache_bytes``)."""
    return state().result_cache


def etag(generation: str, *parts: object) -> str:
    """The opaque value of a weak ETag (sent as ``W/"value"``) naming one representation
    of one generation."""
    digest = hashlib.sha256(generation.encode())
    for part in parts:
        digest.update(b"\x00")
        digest.update(repr(part).encode())
    return digest.hexdigest()[:32]


def add_headers(response: Response, tag: str) -> Response:
    """Make ``response`` cacheable by shared caches, validated by ``tag`` and by the
    generation's ``Last-Modified`` (harvesters send either)."""
    response.set_etag(tag, weak=True)
    response.last_modified = store().modified()
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept")
    return response


def not_modified(tag: str) -> Response | None:
    """A 304 when the request's ``If-None-Match`` names ``tag`` (weak comparison), or, without
    ``If-None-Match``, when ``If-Modified-Since`` is not before the generation's time."""
    if request.method not in ("GET", "HEAD"):
        return None
    if not (request.if_none_match or request.if_modified_since):
        return None
    if is_resource_modified(request.environ, etag=tag, last_modified=store().modified()):
        return None
    return add_headers(Response(status=304), tag)


def freeze(response: Response) -> CachedResponse | None:
    """A cacheable copy of a finished 200 response (None for anything else or streams
    that cannot be read twice)."""
    if response.status_code != 200 or response.direct_passthrough:
        return None
    body = response.get_data()
    # get_data() buffered a generator body: keep the response usable after reading it.
    response.set_data(body)
    headers = tuple((k, v) for k, v in response.headers.items()
                    if k.lower() not in _NOT_KEPT)
    return CachedResponse(body, response.status_code, headers)


def thaw(entry: CachedResponse) -> Response:
    response = Response(entry.body, status=entry.status)
    response.headers.clear()
    for key, value in entry.headers:
        response.headers.add(key, value)
    response.headers["Content-Length"] = str(len(entry.body))
    response.headers["X-Cache"] = "hit"
    return response


def lookup(generation: str, key: Hashable, tag: str) -> Response | None:
    """The cached response for ``key`` in ``generation`` (marked ``X-Cache: hit``), or None."""
    entry = result_cache().get(generation, key)
    return None if entry is None else _public(thaw(entry), tag)


def remember(generation: str, key: Hashable, tag: str, response: Response) -> Response:
    """Add the cache headers to a freshly made ``response`` and keep a copy when it is a 200.

    The headers say ``public`` only for GET/HEAD: shared caches do not reuse POST answers.
    """
    frozen = freeze(response)
    if frozen is not None:
        result_cache().put(generation, key, frozen)
    response.headers["X-Cache"] = "miss"
    return _public(response, tag)


def _public(response: Response, tag: str) -> Response:
    if request.method in ("GET", "HEAD"):
        return add_headers(response, tag)
    response.vary.add("Accept")
    return response
