"""``/healthz``: a cheap liveness check for load balancers and ``make serve`` users."""

from __future__ import annotations

from flask import Blueprint, jsonify

from clusterkb import __version__

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", version=__version__)
