"""The Flask application factory: one blueprint per HTTP surface."""

from __future__ import annotations

from flask import Flask

from clusterkb.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Create the WSGI app for ``config`` (from the environment when omitted)."""
    config = config or Config.from_env()
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config["CLUSTERKB"] = config

    from clusterkb.web import health, home

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    return app
