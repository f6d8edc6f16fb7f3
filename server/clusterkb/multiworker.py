"""``clusterkb serve --workers N``: N web worker processes under gunicorn.

Why gunicorn: it forks, supervises and restarts workers, and shares one
listening socket among them. The app is NOT preloaded: each worker opens its
own store after the fork (``load`` runs in the worker), because a pyoxigraph
opener and the query worker processes of the embedded store must not be
shared across a fork. Over the embedded store the workers are independent
readers of the published generation (each reopens when the pointer moves)
and writers take the store's file lock one at a time; over a remote engine
they are stateless.

Each response says which process answered in ``X-Worker`` (its PID), so a
load balancer check or a test can tell the workers apart.

Proxy headers are the app's business (``ProxyFix`` with
``CLUSTERKB_TRUSTED_PROXIES``, as under waitress), so gunicorn trusts no
address with its own ``X-Forwarded-Proto`` handling: a local client could
otherwise switch the scheme of the URLs the app writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from gunicorn.app.base import BaseApplication

from clusterkb.config import Config


class _WorkerHeader:
    """WSGI middleware adding ``X-Worker: <pid>`` to every response."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info=None):
            headers.append(("X-Worker", str(os.getpid())))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class _Gunicorn(BaseApplication):
    def __init__(self, config: Config) -> None:
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        c = self.config
        for key, value in {
            "bind": [f"{c.host}:{c.port}"], "workers": c.workers,
            "worker_class": "gthread", "threads": c.threads, "preload_app": False,
            # a worker busy past this is restarted; leave room for the query limit
            "timeout": max(60, int(c.query_timeout * 2) + 30), "graceful_timeout": 10,
            "proc_name": "clusterkb", "accesslog": None,
            "control_socket_disable": True,  # one fixed path per user: instances would clash
            "forwarded_allow_ips": "",  # see the module docstring
        }.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        """Runs in each worker after the fork: open this worker's own store and app."""
        from clusterkb.store import open_store
        from clusterkb.web import create_app

        return _WorkerHeader(create_app(self.config, open_store(self.config)))


def serve_workers(config: Config) -> None:
    """Run ``config.workers`` gunicorn workers until stopped (SIGTERM, Ctrl-C)."""
    _Gunicorn(config).run()
