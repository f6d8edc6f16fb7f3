"""The ``clusterkb`` command line.

Exit codes follow one rule across subcommands: 0 ok, 1 invalid data or
violations, 2 usage errors or unreadable input.
"""

from __future__ import annotations

import click

from clusterkb import __version__, formats
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
@click.option("--endpoint", default=None,
              help="SPARQL query endpoint of a remote engine to serve from (no local store).")
@click.option("--update-endpoint", default=None, help="SPARQL Update endpoint [--endpoint].")
@click.option("--gsp-endpoint", default=None, help="Graph Store Protocol endpoint (optional).")
@click.option("--endpoint-user", default=None, help="User for the engine's endpoints.")
@click.option("--endpoint-password-file", type=click.Path(dir_okay=False), default=None,
              help="File holding that user's password.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Web worker processes (gunicorn); 1: one waitress process [1].")
def serve(host: str | None, port: int | None, store_dir: str | None,
          base_iri: str | None, endpoint: str | None, update_endpoint: str | None,
          gsp_endpoint: str | None, endpoint_user: str | None,
          endpoint_password_file: str | None, workers: int | None) -> None:
    """Serve the KB over HTTP with a production WSGI server (waitress, or gunicorn workers)."""
    from pathlib import Path

    from clusterkb.web import create_app

    config = _config(host=host, port=port, base_iri=base_iri,
                     store_dir=Path(store_dir) if store_dir else None,
                     endpoint=endpoint, update_endpoint=update_endpoint,
                     gsp_endpoint=gsp_endpoint, endpoint_user=endpoint_user,
                     endpoint_password_file=endpoint_password_file, workers=workers)
    from clusterkb.web.urls import check_public_url

    try:
        check_public_url(config.public_url)
    except ValueError as error:
        _fail(str(error), EXIT_USAGE)
    if config.workers > 1:
        from clusterkb.multiworker import serve_workers

        _build_in_child(config)  # the master must never open a pyoxigraph store: see below
        click.echo(f"clusterkb serving on http://{config.host}:{config.port}/ "
                   f"with {config.workers} workers", err=True)
        serve_workers(config)
        return
    store = _open_store_built(config)
    app = create_app(config, store)
    click.echo(f"clusterkb serving on http://{config.host}:{config.port}/", err=True)
    from clusterkb.web.serving import serve as serve_app

    serve_app(app, config)  # waitress, with the security headers on its own error answers


# --- store commands: build, load, dump (and serve's first build) -------------------------------

def _fail(message: str, code: int) -> None:
    """Report one clear line on stderr and exit with ``code`` (never a traceback)."""
    click.echo(f"clusterkb: error: {message}", err=True)
    raise SystemExit(code)


def _store_config(store_dir: str | None, base_iri: str | None = None) -> Config:
    from pathlib import Path

    return _config(store_dir=Path(store_dir) if store_dir else None, base_iri=base_iri)


def _run_build(config: Config, store=None) -> None:
    """Build with progress bars, turning every failure into one line and an exit code."""
    from clusterkb.build import BuildError, build, memory_warning
    from clusterkb.store.base import StoreError

    warning = memory_warning(config)
    if warning:
        click.echo(f"clusterkb: warning: {warning}", err=True)
    try:
        result = build(config, store, progress=True)
    except BuildError as error:
        _fail(str(error), error.exit_code)
    except (StoreError, OSError) as error:
        _fail(f"the store at {config.store_path} could not be written: {error}", EXIT_INVALID)
    click.echo(f"built {config.store_path} ({result.generation}): {result.text()}", err=True)


def _open_store_built(config: Config):
    """Open the store ``serve`` uses, building it first when nothing was ever published."""
    from clusterkb.store import open_store

    store = open_store(config)
    if store.is_empty():
        click.echo(f"the store at {config.store_path} is empty: building it first", err=True)
        _run_build(config, store)
    return store


def _build_in_child(config: Config) -> None:
    """Build an empty embedded store in a child process, before gunicorn forks its workers.

    RocksDB (under pyoxigraph) starts background threads when a store is
    opened for writing; a process forked after that inherits their locks but
    not the threads, and its own writes then hang. So the gunicorn master
    only looks at the pointer file and leaves the build to a child.
    """
    import subprocess
    import sys

    if config.endpoint:
        return
    from clusterkb.store.embedded import EmbeddedStore

    store = EmbeddedStore(config)
    empty = store.is_empty()
    store.close()
    if empty:
        click.echo(f"the store at {config.store_path} is empty: building it first", err=True)
        done = subprocess.run([sys.executable, "-m", "clusterkb", "build",
                               "--store", str(config.store_path), "--base-iri", config.base_iri],
                              check=False)
        if done.returncode != 0:
            raise SystemExit(done.returncode)


STORE_OPTION = click.option("--store", "store_dir", type=click.Path(file_okay=False),
                            default=None, help="Store directory [var/store].")


@main.command("build")
@STORE_OPTION
@click.option("--base-iri", default=None, help="Base IRI of the published data.")
def build_command(store_dir: str | None, base_iri: str | None) -> None:
    """Load ontology/, vocabularies, shapes/ and kb/ into the store, as one atomic step."""
    _run_build(_store_config(store_dir, base_iri))


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@STORE_OPTION
@click.option("--graph", "graph", default=None,
              help="Graph IRI for triples [{base}graph/load/{file name}].")
@click.option("--format", "fmt", default=None,
              help="RDF format of every file (turtle, trig, nt, nq, json-ld, rdf/xml) "
                   "[from the extension].")
def load_command(files: tuple[str, ...], store_dir: str | None, graph: str | None,
                 fmt: str | None) -> None:
    """Add RDF files to the store (large files are streamed), as one atomic step."""
    import time
    from pathlib import Path

    from clusterkb.build import LoadError, load_files
    from clusterkb.store.embedded import EmbeddedStore

    config = _store_config(store_dir)
    store = EmbeddedStore(config)
    started = time.monotonic()
    try:
        targets = load_files(store, [Path(f) for f in files], graph=graph, fmt=fmt,
                             progress=True)
        seconds = time.monotonic() - started
        counts = {iri: int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> "
                                        "{ ?s ?p ?o } }")[0]["n"])
                  for iri in dict.fromkeys(targets.values())}
    except LoadError as error:
        _fail(str(error), EXIT_USAGE)
    finally:
        store.close()
    for path, iri in targets.items():
        click.echo(f"{path} -> {iri} ({counts[iri]} triples in the graph)", err=True)
    total = sum(counts.values())
    click.echo(f"loaded into {config.store_path} ({store.generation()}): "
               f"{len(counts)} graphs, {total} triples in {seconds:.1f} s "
               f"({total / seconds if seconds else 0:,.0f} triples/s)", err=True)


@main.command("dump")
@STORE_OPTION
@click.option("--format", "fmt", type=click.Choice([f.name for f in formats.STORE_DUMP_FORMATS]),
              default=formats.N_QUADS.name, show_default=True, help="Serialisation of the dump.")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True),
              default=None, help="File to write [standard output].")
def dump_command(store_dir: str | None, fmt: str, output: str | None) -> None:
    """Write every published graph (Turtle/N-Triples: their union) as a stream."""
    import sys

    from clusterkb.store import open_store

    config = _store_config(store_dir)
    store = open_store(config)
    try:
        target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}", EXIT_USAGE)
    try:
        for chunk in store.dump(fmt):
            target.write(chunk)
        target.flush()
    except BrokenPipeError:
        pass
    finally:
        if output:
            target.close()
        store.close()


@main.command("publish")
@click.option("--endpoint", required=True, help="SPARQL query endpoint URL of the engine.")
@click.option("--update-endpoint", default=None, help="SPARQL Update endpoint [--endpoint].")
@click.option("--gsp-endpoint", default=None,
              help="Graph Store Protocol endpoint; graphs are then sent with PUT.")
@click.option("--endpoint-user", default=None, help="User for the engine's endpoints.")
@click.option("--endpoint-password-file", type=click.Path(dir_okay=False), default=None,
              help="File holding that user's password.")
@click.option("--base-iri", default=None, help="Base IRI of the published data.")
def publish_command(endpoint: str, update_endpoint: str | None, gsp_endpoint: str | None,
                    endpoint_user: str | None, endpoint_password_file: str | None,
                    base_iri: str | None) -> None:
    """Validate, then replace every KB graph in a remote engine, one named graph at a time."""
    from clusterkb.build import BuildError
    from clusterkb.publish import publish
    from clusterkb.store.base import StoreError

    config = _config(endpoint=endpoint, update_endpoint=update_endpoint,
                     gsp_endpoint=gsp_endpoint, endpoint_user=endpoint_user,
                     endpoint_password_file=endpoint_password_file, base_iri=base_iri)
    try:
        result = publish(config, progress=True)
    except BuildError as error:
        _fail(str(error), error.exit_code)
    except StoreError as error:
        _fail(f"publishing to {endpoint} failed: {error}", EXIT_USAGE)
    width = max((len(iri) for iri in result.graphs), default=0)
    for iri, count in result.graphs.items():
        click.echo(f"{iri:<{width}}  {count:>8} triples")
    for iri in result.removed:
        click.echo(f"{iri:<{width}}  removed (no longer built)")
    rate = result.triples / result.seconds if result.seconds else 0.0
    click.echo(f"published {len(result.graphs)} graphs, {result.triples} triples "
               f"to {endpoint} in {result.seconds:.1f} s ({rate:,.0f} triples/s)", err=True)


# --- API tokens for submitters and curators ----------------------------------------------------

@main.group("token")
def token_group() -> None:
    """Create, list and revoke API tokens (shown once; only their hash is kept)."""


@token_group.command("create")
@click.option("--role", type=click.Choice(["submitter", "curator"]), required=True,
              help="submitter: may submit data about one cluster; curator: reviews submissions.")
@click.option("--cluster", default=None, help="Cluster IRI a submitter token is limited to.")
@STORE_OPTION
def token_create(role: str, cluster: str | None, store_dir: str | None) -> None:
    """Create a token and print it once on standard output."""
    from clusterkb.tokens import TokenError, TokenStore

    config = _store_config(store_dir)
    try:
        token, secret = TokenStore.for_config(config).create(role, cluster, config.base_iri)
    except TokenError as error:
        _fail(str(error), EXIT_USAGE)
    click.echo(secret)
    click.echo(f"created {token.role} token {token.id}"
               + (f" for {token.cluster}" if token.cluster else "")
               + " (store it now: it is not shown again)", err=True)


@token_group.command("list")
@STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def token_list(store_dir: str | None, as_json: bool) -> None:
    """List tokens (id, role, cluster, creation date, revoked); never the secrets."""
    import json

    from clusterkb.tokens import TokenStore

    tokens = TokenStore.for_config(_store_config(store_dir)).list()
    if as_json:
        click.echo(json.dumps([t.to_json() for t in tokens], indent=2))
        return
    for t in tokens:
        click.echo(f"{t.id}\t{t.role}\t{t.cluster or '-'}\t{t.created.isoformat()}\t"
                   f"{'revoked' if t.revoked else 'active'}")


@token_group.command("revoke")
@click.argument("token_id")
@STORE_OPTION
def token_revoke(token_id: str, store_dir: str | None) -> None:
    """Revoke the token TOKEN_ID: it is refused from now on."""
    from clusterkb.tokens import TokenStore

    if not TokenStore.for_config(_store_config(store_dir)).revoke(token_id):
        _fail(f"no token with id {token_id!r} (see 'clusterkb token list')", EXIT_USAGE)
    click.echo(f"revoked token {token_id}", err=True)


# --- validate -----------------------------------------------------------------------------------

@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "turtle"]),
              default="text", show_default=True, help="Report format.")
@click.option("--input-format", default=None,
              help="RDF format of the input (turtle, trig, nt, nq, json-ld, rdf/xml); "
                   "by default from each file's extension, turtle for stdin.")
def validate_command(files: tuple[str, ...], output_format: str,
                     input_format: str | None) -> None:
    """Validate RDF FILEs ('-' for stdin) against the shapes; no FILE: the whole KB.

    The files are validated together (so one may refer to resources another
    describes); files with named graphs (TriG, N-Quads) also get the provenance
    check of each graph. Exit 0 when the data conforms (warnings allowed), 1 on
    violations, 2 when an input cannot be read or parsed.
    """
    import sys
    from pathlib import Path

    from rdflib import Dataset

    from clusterkb import validation
    from clusterkb.jsonld_context import upload_contexts
    from clusterkb.rdfio import (
        RDFParseError,
        format_for_path,
        format_name,
        parse_dataset,
        read_limited,
    )

    config = _config()
    try:
        if input_format is not None:
            input_format = format_name(input_format)
        if not files:
            report = validation.validate_kb(config)
        else:
            merged = Dataset()
            for name in files:
                fmt = input_format or ("turtle" if name == "-" else format_for_path(name))
                where = "<stdin>" if name == "-" else name
                if fmt is None:
                    _fail(f"{where}: unknown RDF file extension; give --input-format", EXIT_USAGE)
                try:
                    if name == "-":
                        data = read_limited(sys.stdin.buffer, config.max_upload_bytes)
                    else:
                        with Path(name).open("rb") as stream:
                            data = read_limited(stream, config.max_upload_bytes)
                    parsed = parse_dataset(data, fmt, base_iri=config.base_iri,
                                           max_bytes=config.max_upload_bytes,
                                           contexts=upload_contexts(config))
                except RDFParseError as error:
                    _fail(f"{where}: {error}", EXIT_USAGE)
                except OSError as error:
                    _fail(f"{where}: cannot read: {error.strerror or error}", EXIT_USAGE)
                for graph in parsed.graphs():
                    target = (merged.default_graph
                              if graph.identifier == parsed.default_graph.identifier
                              else merged.graph(graph.identifier))
                    target += graph
            report = validation.validate_parsed(merged, config)
    except RDFParseError as error:  # the KB itself, the shapes or the ontology
        _fail(str(error), EXIT_USAGE)
    if output_format == "json":
        click.echo(validation.report_json(report))
    elif output_format == "turtle":
        click.echo(report.to_turtle())
    else:
        click.echo(report.text(), nl=False)
    raise SystemExit(EXIT_OK if report.conforms else EXIT_INVALID)
