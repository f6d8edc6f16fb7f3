"""Store backends behind one interface (see ``store.base.Store``).

``open_store(config)`` picks the backend: the embedded Oxigraph store by
default. A remote SPARQL backend slots in here, chosen by a config field
(e.g. ``sparql_endpoint``), without callers changing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the query worker imports this package: keep it free of rdflib
    from clusterkb.config import Config
    from clusterkb.store.base import Store


def open_store(config: Config) -> Store:
    """The store backend ``config`` asks for (today: always the embedded one)."""
    from clusterkb.store.embedded import EmbeddedStore

    return EmbeddedStore(config)
