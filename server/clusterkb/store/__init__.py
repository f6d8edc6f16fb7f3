"""Store backends behind one interface (see ``store.base.Store``).

``open_store(config)`` picks the backend: the embedded Oxigraph store by
default, a remote SPARQL engine when an endpoint is configured.
"""
