"""Run the app under waitress, whose own error answers carry our security headers.

Why: waitress answers some requests without ever calling the app — a body
over ``max_request_body_size`` (413, sent before the body is read, which is
the point), a malformed request line or header (400), a chunked body that
breaks the rules. Those answers are built by waitress's ``ErrorTask``, so
Flask's ``after_request`` hook never adds ``nosniff`` and the other headers.
A subclass of that task adds ``security.BASE_HEADERS`` to each, and a channel
class that uses it is set on every listening server waitress made.

Proxy headers: waitress drops every ``X-Forwarded-*`` header by default. With
``CLUSTERKB_TRUSTED_PROXIES`` > 0 it keeps them, and the app's ``ProxyFix``
(the same under gunicorn) reads as many hops as are trusted.
"""

from __future__ import annotations

from collections.abc import Callable

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from clusterkb.config import Config
from clusterkb.web.security import BASE_HEADERS, max_request_body


class _SecureErrorTask(ErrorTask):
    """Waitress's error answer, plus the headers every response of ours carries."""

    def execute(self) -> None:
        self.response_headers.extend(BASE_HEADERS)
        super().execute()


class _SecureChannel(HTTPChannel):
    error_task_class = _SecureErrorTask


def create_server(app: Callable, config: Config, **adjustments: object):
    """A waitress server for ``app`` on ``config.host``/``port`` (not yet running)."""
    server = waitress.create_server(
        app, host=config.host, port=config.port, threads=config.threads, ident="clusterkb",
        # waitress buffers a body before the app sees it: it must refuse oversized ones itself.
        max_request_body_size=max_request_body(config),
        clear_untrusted_proxy_headers=config.trusted_proxies == 0, **adjustments)
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        d for d in server.map.values() if isinstance(d, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = _SecureChannel
    return server


def serve(app: Callable, config: Config) -> None:
    """Serve ``app`` until stopped."""
    create_server(app, config).run()
