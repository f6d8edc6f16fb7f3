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

import zlib
from collections.abc import Iterator

from flask import Blueprint, Response, abort, request, send_file
from werkzeug.http import is_resource_modified

from clusterkb import formats
from clusterkb.store.base import Store
from clusterkb.web.context import config, store
from clusterkb.web.dump_files import DUMP_FORMATS, DUMP_NAMES, DumpFormat, dump_path, etag_for
from clusterkb.web.storage import classify

bp = Blueprint("dumps", __name__)


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
    """One dump file, from ``var/dumps`` or streamed from the store.
    ---
    get:
      summary: The whole knowledge base as one file
      description: >-
        Turtle, N-Triples or N-Quads (with the named graphs), each also gzipped. Conditional
        (`If-None-Match`, `If-Modified-Since`) and range requests are answered.
      parameters:
        - in: path
          name: ext
          required: true
          schema: {enum: [ttl, ttl.gz, nt, nt.gz, nq, nq.gz]}
      responses:
        "200":
          description: The dump.
          headers: {ETag: ETag, Last-Modified: LastModified}
          content:
            DUMP_FORMATS: {schema: {type: string}}
            GZIP: {schema: {type: string, format: binary}}
        "206": {description: The range asked for.}
        "304": NotModified
        "404": NotFound
        "416": {description: The range is outside the file.}
    """
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
    mimetype = formats.GZIP.media_type if name.endswith(".gz") else fmt.media_type
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
