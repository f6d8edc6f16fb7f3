"""Full dumps (``/dump.ttl``, ``/dump.nt``, ``/dump.nq`` and ``.gz``) for harvesters.

A dump is serialised once per store generation into ``var/dumps`` and served
from that file: the length is known (``Content-Length``, ``dcat:byteSize``),
repeated downloads cost a file copy, and werkzeug answers conditional and
range requests from the ``ETag`` (generation + format) and ``Last-Modified``.

When ``var/dumps`` cannot be written (a read-only or full state directory)
the dump is streamed from the store instead, compressed on the fly for
``.gz``: slower and without ``Content-Length``, but the KB stays downloadable,
and the catalogue leaves out the byte sizes it cannot know.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file
from werkzeug.http import is_resource_modified

from clusterkb.catalog import DUMP_KINDS
from clusterkb.config import Config
from clusterkb.store.base import Store
from clusterkb.web.context import config, store
from clusterkb.web.storage import classify

bp = Blueprint("dumps", __name__)


@dataclass(frozen=True)
class DumpFormat:
    """One dump: file extension (without ``.gz``), media type, EU file-type code."""

    ext: str
    media_type: str
    eu_file_type: str
    label: str


#: The catalogue describes the same dumps, so both read one list (``catalog.DUMP_KINDS``).
DUMP_FORMATS: dict[str, DumpFormat] = {kind[0]: DumpFormat(*kind) for kind in DUMP_KINDS}
#: Every dump file name served, e.g. ``dump.ttl`` and ``dump.ttl.gz``.
DUMP_NAMES: tuple[str, ...] = tuple(
    f"dump.{ext}{gz}" for ext in DUMP_FORMATS for gz in ("", ".gz"))


def _key(generation: str) -> str:
    """A file-name-safe token for a generation (whatever characters the backend uses)."""
    return hashlib.sha256(generation.encode("utf-8")).hexdigest()[:16]


def etag_for(generation: str, name: str) -> str:
    return f"{_key(generation)}-{name}"


def dump_path(cfg: Config, st: Store, name: str) -> Path:
    """The cached file of dump ``name`` for the store's current generation, made if missing.

    Files of older generations are removed when a new one is written. Writing
    goes to a temporary file renamed into place, so concurrent requests never
    see half a dump.
    """
    ext, gz = (name[5:-3], True) if name.endswith(".gz") else (name[5:], False)
    fmt = DUMP_FORMATS[ext]
    folder = cfg.var_dir / "dumps"
    folder.mkdir(parents=True, exist_ok=True)
    key = _key(st.generation())
    path = folder / f"{key}.{name}"
    if path.exists():
        return path
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as raw:
            if gz:
                plain = dump_path(cfg, st, f"dump.{ext}")
                # mtime=0 and no file name: the same dump always compresses to the same bytes.
                with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out, \
                        plain.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            else:
                for chunk in st.dump(fmt.media_type):
                    raw.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in folder.glob("*.dump.*"):
        if not old.name.startswith(key):
            old.unlink(missing_ok=True)
    return path


def dump_sizes(cfg: Config, st: Store) -> dict[str, int]:
    """Byte size of every dump of the current generation (made when missing); empty when
    the dump files cannot be written (see the module docstring)."""
    try:
        return {name: dump_path(cfg, st, name).stat().st_size for name in DUMP_NAMES}
    except OSError as error:
        if classify(error) is None:
            raise
        return {}


def _streamed(st: Store, fmt: DumpFormat, gz: bool) -> Iterator[bytes]:
    """The dump straight from the store, gzip-compressed on the fly when ``gz``."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31) if gz else None  # 31: gzip framing
    for chunk in st.dump(fmt.media_type):
        out = packer.compress(chunk) if packer else chunk
        if out:
            yield out
    if packer:
        yield packer.flush()


@bp.get("/dump.<path:ext>")
def dump(ext: str):
    name = f"dump.{ext}"
    if name not in DUMP_NAMES:
        abort(404, description=f"No dump {name}; available: {', '.join(DUMP_NAMES)}")
    st, cfg = store(), config()
    etag = etag_for(st.generation(), name)
    modified = st.modified()
    if not is_resource_modified(request.environ, etag=etag, last_modified=modified):
        response = Response(status=304)
        response.set_etag(etag)
        response.last_modified = modified
        return response
    fmt = DUMP_FORMATS[ext.removesuffix(".gz")]
    mimetype = "application/gzip" if name.endswith(".gz") else fmt.media_type
    try:
        path = dump_path(cfg, st, name)
    except OSError as error:
        if classify(error) is None:
            raise
        response = Response(_streamed(st, fmt, name.endswith(".gz")), mimetype=mimetype)
        response.set_etag(etag, weak=True)  # the same data; the gzip bytes may differ
        response.last_modified = modified
        response.headers["Cache-Control"] = "no-cache"
        return response
    response = send_file(path, mimetype=mimetype, as_attachment=False, etag=etag,
                         last_modified=modified, conditional=True, max_age=0,
                         download_name=name)
    response.headers["Cache-Control"] = "no-cache"
    return response
