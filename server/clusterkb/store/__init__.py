"""Store backends behind one interface (see ``store.base.Store``).

``open_store(config)`` picks the backend: the remote SPARQL engine
(``store.remote``) when ``config.endpoint`` is set, else the embedded
Oxigraph store. Callers never name a backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the query worker imports this package: keep it free of rdflib
    from clusterkb.config import Config
    from clusterkb.store.base import Store


def open_store(config: Config) -> Store:
    """The remote store when an endpoint is configured, else the embedded one."""
    if config.endpoint:
        from clusterkb.store.remote import RemoteStore

        return RemoteStore(config)
    from clusterkb.store.embedded import EmbeddedStore

    return EmbeddedStore(config)
