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
    config = config or Config.from_env()
    if store is None:
        from clusterkb.store import open_store

        store = open_store(config)
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.extensions["clusterkb.config"] = config
    app.extensions["clusterkb.store"] = store

    from clusterkb.web import health, home, logs

    logs.init_app(app)

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    from clusterkb.web import sparql as sparql_web

    app.register_blueprint(sparql_web.bp)
    from clusterkb.web import catalog as catalog_web
    from clusterkb.web import dumps, resources
    from clusterkb.web import search as search_web

    for blueprint in (resources.bp, dumps.bp, catalog_web.bp, search_web.bp):
        app.register_blueprint(blueprint)
    from clusterkb.web import context_doc, openapi, submissions, validate

    for blueprint in (validate.bp, context_doc.bp, openapi.bp):
        app.register_blueprint(blueprint)
    submissions.init_app(app)  # also records accepts a crash interrupted
    from clusterkb.web import security

    security.init_app(app)  # CSP, nosniff, frame and referrer policy on every response
    return app
