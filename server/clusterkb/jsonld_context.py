"""The JSON-LD context that lets a submitter write plain JSON (``ontology/context.jsonld``).

The file is data, written for the default base IRI. A deployment with another
base IRI serves it with the instance and concept prefixes (``{base}id/``,
``{base}vocab/``) rewritten, so compact IRIs such as ``cluster:rohealth`` mean
this deployment's resources. The ontology namespace is fixed and not rewritten.

This is the only loader of the context: the ``/context.jsonld`` route, the
upload parser of ``/validate`` and ``/submissions``, the CLI (``validate``,
``load``) and ``build`` all go through ``load_context`` (``upload_contexts``),
so a context reference is resolved from this file, never fetched over the
network, and expands the same everywhere under any base IRI.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from clusterkb.config import DEFAULT_BASE_IRI, Config

CONTEXT_FILE = "context.jsonld"


def context_url(config: Config) -> str:
    """The IRI submitters put in ``@context``: ``{base}context.jsonld``."""
    return f"{config.base_iri}{CONTEXT_FILE}"


def load_context(config: Config) -> dict:
    """The context document (``{"@context": {...}}``) for ``config``'s base IRI."""
    path = config.ontology_dir / CONTEXT_FILE
    return json.loads(_rebased_text(path, path.stat().st_mtime_ns, config.base_iri))


def upload_contexts(config: Config) -> dict[str, dict]:
    """The contexts an upload may reference (``rdfio``'s ``contexts``): ours, by its IRI.

    Empty when the ontology folder has no context file, so then every context
    reference is refused.
    """
    if not (config.ontology_dir / CONTEXT_FILE).is_file():
        return {}
    return {context_url(config): load_context(config)}


def context_bytes(config: Config) -> bytes:
    """The served form of the context document (UTF-8 JSON)."""
    path = config.ontology_dir / CONTEXT_FILE
    return _rebased_text(path, path.stat().st_mtime_ns, config.base_iri).encode("utf-8")


@lru_cache(maxsize=8)
def _rebased_text(path: Path, _mtime: int, base_iri: str) -> str:
    text = path.read_text(encoding="utf-8")
    if base_iri != DEFAULT_BASE_IRI:
        for part in ("id/", "vocab/", "graph/"):
            text = text.replace(f'"{DEFAULT_BASE_IRI}{part}', f'"{base_iri}{part}')
    return text
