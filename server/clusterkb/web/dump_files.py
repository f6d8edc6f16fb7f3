"""The dump files: which dumps exist, and their cached file per store generation.

Why a helper of its own: the dump routes (``web.dumps``) serve these files and
the catalogue and VoID (``web.catalog``) state their names and byte sizes, so
both read the one list and the one cache here (blueprints do not import each
other). When ``var/dumps`` cannot be written, ``dump_sizes`` is empty and the
routes stream instead (see ``web.dumps``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clusterkb.catalog import DUMP_KINDS
from clusterkb.config import Config
from clusterkb.store.base import Store
from clusterkb.web.storage import classify


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
