"""The Flask application factory: one blueprint per HTTP surface."""

from __future__ import annotations

from flask import Flask

from clusterkb.config import Config
from clusterkb.store.base import Store


def create_app(config: Config | None = None, store: Store | None = None) -> Flask:
    """Create the WSGI app for ``config`` (from the environment when omitted).

    ``store`` defaults to the backend ``open_store(config)`` picks; tests pass
    their own. The app owns what it opened and closes it at exit.
    """
    # Imported here, not at module level, so that importing the package (as the
    # CLI does for every command) does not pull in the whole web stack.
    from clusterkb.web import (
        catalog,
        context_doc,
        dumps,
        errors,
        health,
        home,
        logs,
        openapi,
        resources,
        search,
        security,
        sparql,
        submissions,
        validate,
    )

    config = config or Config.from_env()
    if store is None:
        from clusterkb.store import open_store

        store = open_store(config)
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.extensions["clusterkb.config"] = config
    app.extensions["clusterkb.store"] = store

    logs.init_app(app)  # one JSON line per request
    errors.init_app(app)  # every error body, for every route
    for module in (health, home, sparql, resources, dumps, catalog, search, validate,
                   context_doc, openapi):
        app.register_blueprint(module.bp)
    submissions.init_app(app)  # also records accepts a crash interrupted
    security.init_app(app)  # CSP, nosniff, frame and referrer policy on every response
    return app
