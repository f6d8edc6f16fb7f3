"""The Flask application factory: one blueprint per HTTP surface.

Around Flask, in the order a request meets them: ``ProxyFix`` (only with
``CLUSTERKB_TRUSTED_PROXIES`` > 0: the client address, scheme, host and prefix
the proxies forwarded), then the slow-request limiter (``web.limits``), then
the app.

What the app shares between requests is one ``web.context.AppState``, made
here; blueprints reach it through ``web.context.state()``.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from clusterkb import formats
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
        caching,
        catalog,
        context_doc,
        cors,
        dumps,
        editor,
        errors,
        health,
        home,
        limits,
        logs,
        openapi,
        resources,
        search,
        security,
        sparql,
        storage,
        submissions,
        urls,
        validate,
    )
    from clusterkb.web.context import AppState

    config = config or Config.from_env()
    urls.check_public_url(config.public_url)
    if store is None:
        from clusterkb.store import open_store

        store = open_store(config)
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app_state = AppState(config=config, store=store,
                         result_cache=caching.ResultCache(config.result_cache_bytes),
                         catalog_memo=caching.GenerationMemo(catalog.MEMO_ENTRIES))
    app_state.install(app)
    # Templates name media types from the registry too (``registry.TURTLE.media_type``).
    app.jinja_env.globals["registry"] = formats

    logs.init_app(app)  # one JSON line per request
    errors.init_app(app)  # every error body, for every route
    editor.init_app(app)  # the query editor's prefixes, for templates
    for module in (health, home, sparql, resources, dumps, catalog, search, validate,
                   context_doc, openapi):
        app.register_blueprint(module.bp)
    try:
        submissions.init_app(app)  # also records accepts a crash interrupted
    except Exception as error:
        status = storage.classify(error)
        if status is None:
            raise
        # A read-only (or full) var directory: serve the KB; the workflow answers 503/507.
        app.logger.warning("submissions unavailable (%s): serving read-only", error)
        storage.refuse_paths(app, r"^/(submissions(/|$)|id/cluster/[^/]+/history)", status)
    storage.register(app)  # a read-only or full var directory: 503/507, not 500
    cors.init_app(app)  # Access-Control-Allow-Origin on every public route
    security.init_app(app)  # CSP, nosniff, frame and referrer policy on every response
    limiter = limits.RequestLimiter.for_config(app.wsgi_app, config)
    app_state.limiter = limiter  # /healthz reports its occupancy
    app.wsgi_app = limiter  # type: ignore[method-assign]
    if config.trusted_proxies > 0:
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n,  # type: ignore[method-assign]
                                x_host=n, x_port=n, x_prefix=n)
    return app

