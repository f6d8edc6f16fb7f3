"""The app's state, one typed object, and the accessors blueprints use inside a request.

Why one object: what the app factory builds once (configuration, store,
caches, the slow-request limiter) used to live under string keys of
``app.extensions``, each module guessing the key and the type of another's
entry. ``AppState`` names every piece and its type in one place; the factory
(``web.create_app``) makes it, and ``state()`` is the one way to reach it.

The legacy keys (``clusterkb.config``, ``clusterkb.store``,
``clusterkb.limiter``, ``clusterkb.result_cache``, ``clusterkb.catalog_memo``)
are still filled with the same objects for modules that have not moved to
``state()`` yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from clusterkb.config import Config
from clusterkb.store.base import Store

if TYPE_CHECKING:  # only for the annotations: caching and limits import this module
    from clusterkb.validation_pool import ValidationPool
    from clusterkb.web.caching import GenerationMemo, ResultCache
    from clusterkb.web.limits import RequestLimiter

_KEY = "clusterkb.state"


@dataclass(eq=False)
class AppState:
    """Everything the app shares between requests, built once by the app factory.

    ``limiter`` is set last, when the WSGI stack around Flask is assembled, and
    ``validation_pool`` on first use (an app that never validates starts no
    worker); the other fields never change after ``create_app`` returns.
    """

    config: Config
    store: Store
    #: Recent public responses (``web.caching``), bounded by ``config.result_cache_bytes``.
    result_cache: ResultCache
    #: Catalogue pages and VoID graphs of the current generation (``web.catalog``).
    catalog_memo: GenerationMemo
    #: The slow-request limiter wrapping the app (``web.limits``); ``/healthz`` reads it.
    limiter: RequestLimiter | None = None
    #: The upload validation workers, started on first use (``web.uploads.validation_pool``).
    validation_pool: ValidationPool | None = None

    def install(self, app: Flask) -> None:
        """Attach to ``app`` (and fill the legacy ``app.extensions`` keys)."""
        app.extensions[_KEY] = self
        self.refresh_legacy_keys(app)

    def refresh_legacy_keys(self, app: Flask) -> None:
        legacy = {"clusterkb.config": self.config, "clusterkb.store": self.store,
                  "clusterkb.result_cache": self.result_cache,
                  "clusterkb.catalog_memo": self.catalog_memo}
        if self.limiter is not None:
            legacy["clusterkb.limiter"] = self.limiter
        app.extensions.update(legacy)


def state(app: Flask | None = None) -> AppState:
    """The state of ``app`` (default: the app of the current request)."""
    return (app or current_app).extensions[_KEY]


def config() -> Config:
    return state().config


def store() -> Store:
    return state().store
