"""The ``clusterkb`` command line.

Exit codes follow one rule across subcommands: 0 ok, 1 invalid data or
violations, 2 usage errors or unreadable input.
"""

from __future__ import annotations

import click

from clusterkb import __version__
from clusterkb.config import Config

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _config(**overrides: object) -> Config:
    """The configuration: defaults, then ``CLUSTERKB_*`` variables, then the options given."""
    return Config.from_env(**overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clusterkb")
def main() -> None:
    """Publish a knowledge base of European cluster organisations as Linked Data."""


@main.command()
@click.option("--host", default=None, help="Interface to listen on [127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port to listen on [8080].")
@click.option("--store", "store_dir", type=click.Path(file_okay=False), default=None,
              help="Store directory [var/store].")
@click.option("--base-iri", default=None, help="Base IRI of the published data.")
def serve(host: str | None, port: int | None, store_dir: str | None,
          base_iri: str | None) -> None:
    """Serve the KB over HTTP with a production WSGI server (waitress)."""
    from pathlib import Path

    import waitress

    from clusterkb.web import create_app

    config = _config(host=host, port=port, base_iri=base_iri,
                     store_dir=Path(store_dir) if store_dir else None)
    app = create_app(config)
    click.echo(f"clusterkb serving on http://{config.host}:{config.port}/", err=True)
    waitress.serve(app, host=config.host, port=config.port, threads=config.threads,
                   ident="clusterkb")
