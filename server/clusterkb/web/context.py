"""The app's state, one typed object, and the accessors blueprints use inside a request.

Why one object: what the app factory builds once (configuration, store,
caches, the slow-request limiter) used to live under string keys of
``app.extensions``, each module guessing the key and the type of another's
entry. ``AppState`` names every piece and its type in one place; the factory
(``web.create_app``) makes it, and ``state()`` is the one way to reach it.

Pieces that belong to one surface (the SPARQL guard, the submissions workflow,
its tokens and failure limiter) are fields here too, set by that surface's
setup, so no module reaches another's state by a string key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from clusterkb.config import Config
from clusterkb.store.base import Store

if TYPE_CHECKING:  # only for the annotations: caching and limits import this module
    from clusterkb.sparql import QueryGuard
    from clusterkb.submissions import Workflow
    from clusterkb.tokens import FailureLimiter, TokenStore
    from clusterkb.validation_pool import ValidationPool
    from clusterkb.web.caching import GenerationMemo, ResultCache
    from clusterkb.web.limits import RequestLimiter

_KEY = "clusterkb.state"


@dataclass(eq=False)
class AppState:
    """Everything the app shares between requests, built once by the app factory.

    ``limiter`` is set last, when the WSGI stack around Flask is assembled,
    ``validation_pool`` on first use (an app that never validates starts no
    worker), the guard and the submission fields when their blueprint is set up
    (they stay ``None`` on a read-only deployment without submissions); no field
    changes after ``create_app`` returns.
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
    #: The SPARQL guard and its cache of analyses (``web.sparql``).
    guard: QueryGuard | None = None
    #: The submissions workflow, its tokens and the failed-authentication limiter
    #: (``web.submissions``).
    workflow: Workflow | None = None
    tokens: TokenStore | None = None
    auth_limiter: FailureLimiter | None = None

    def install(self, app: Flask) -> None:
        """Attach to ``app``: from now on ``state(app)`` returns this object."""
        app.extensions[_KEY] = self


def state(app: Flask | None = None) -> AppState:
    """The state of ``app`` (default: the app of the current request)."""
    return (app or current_app).extensions[_KEY]


def config() -> Config:
    return state().config


def store() -> Store:
    return state().store
