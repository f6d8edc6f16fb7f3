"""``/healthz``: a cheap liveness check for load balancers and ``make serve`` users.

It is never counted as a slow request (``web.limits``), so it answers while
every query slot is busy, and it says how busy: ``slow_requests`` running of
``slow_slots`` (this process's counts).
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from clusterkb import __version__
from clusterkb.web.context import state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Alive, and how busy the slow-request slots are.
    ---
    get:
      summary: Liveness and load
      responses:
        "200":
          description: Alive.
          content:
            JSON: {schema: Health}
    """
    limiter = state().limiter
    busy = {} if limiter is None else {"slow_requests": limiter.running,
                                       "slow_slots": limiter.slots}
    return jsonify(status="ok", version=__version__, **busy)
