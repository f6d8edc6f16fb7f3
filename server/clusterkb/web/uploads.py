"""Reading an upload from the request: the HTTP side shared by ``/validate`` and ``/submissions``.

Why a helper: both surfaces take the same bodies and must give the same
verdict on the same bytes (issue #14.7), and blueprints do not import each
other. What this module does:

* the body is RDF whose syntax the ``Content-Type`` names (Turtle, JSON-LD,
  RDF/XML, N-Triples, N-Quads, TriG), or an HTML form (a file upload or
  pasted text, with a ``format`` field; without one, a file's extension and
  else the text itself tell the syntax: ``uploads.sniff_format``);
* a body over ``config.max_upload_bytes`` is refused with 413 before it is read
  (``Content-Length``), and read with a cap when no length is given;
* parsing and validation are ``clusterkb.uploads``'s (validation in a worker
  of the app's ``ValidationPool``); a refusal is an ``uploads.UploadRefused``
  (a ``ClientError`` with the line and column when there is one).
"""

from __future__ import annotations

import atexit
import threading

from flask import request
from rdflib import Dataset
from werkzeug.exceptions import HTTPException

from clusterkb import formats, uploads
from clusterkb.rdfio import RDFTooLarge, format_for_media_type, format_for_path, read_limited
from clusterkb.uploads import CheckedUpload, Upload, UploadRefused
from clusterkb.validation import ValidationReport
from clusterkb.validation_pool import ValidationPool
from clusterkb.web.context import config, state

#: Room for multipart boundaries and the other form fields around an upload.
FORM_OVERHEAD = 64 * 1024
FORM_TYPES = (formats.MULTIPART.media_type, formats.FORM.media_type)
RDF_MEDIA_TYPES = tuple(f.media_type for f in (formats.TURTLE, formats.JSON_LD, formats.RDF_XML,
                                               formats.N_TRIPLES, formats.N_QUADS, formats.TRIG))


def read_upload() -> Upload:
    """The RDF in the current request, or an ``UploadRefused`` (400, 413, 415)."""
    limit = config().max_upload_bytes
    mimetype = request.mimetype
    is_form = mimetype in FORM_TYPES
    length = request.content_length
    if length is not None and length > limit + (FORM_OVERHEAD if is_form else 0):
        raise UploadRefused(413, f"The upload is {length} bytes; the limit is {limit} bytes.")
    if is_form:
        return _read_form(limit)
    if not mimetype:
        raise UploadRefused(415, "No Content-Type: send the RDF with one of "
                               + ", ".join(RDF_MEDIA_TYPES) + " (or an HTML form).")
    fmt = format_for_media_type(mimetype)
    if fmt is None:
        raise UploadRefused(415, f"Unsupported Content-Type {mimetype!r}: use one of "
                               + ", ".join(RDF_MEDIA_TYPES) + ", or an HTML form.")
    try:
        data = read_limited(request.stream, limit)
    except RDFTooLarge:
        raise UploadRefused(413, f"The upload is larger than the limit of {limit} bytes.") \
            from None
    return Upload(data, fmt)


def _read_form(limit: int) -> Upload:
    # Bounds a chunked form (no Content-Length) too: werkzeug stops reading past these.
    request.max_content_length = limit + FORM_OVERHEAD
    request.max_form_memory_size = limit + FORM_OVERHEAD
    try:
        form, files = request.form, request.files
    except HTTPException as error:
        raise UploadRefused(error.code or 400, error.description or "Unreadable form") from None
    fmt_field = (form.get("format") or "").strip()
    upload = files.get("file")
    if upload is not None and upload.filename:
        data = read_limited_or_413(upload.stream, limit)
        name = fmt_field or format_for_path(upload.filename) or ""
    else:
        text = form.get("data", "")
        data = text.encode("utf-8")
        if len(data) > limit:
            raise UploadRefused(413, f"The pasted text is larger than the limit of {limit} bytes.")
        name = fmt_field
    if not data.strip():
        raise UploadRefused(400, "Nothing to validate: choose a file (field 'file') or paste "
                               "RDF (field 'data').")
    if not name:  # the form does not say: the text does
        return Upload(data, uploads.sniff_format(data), sniffed=True)
    fmt = format_for_media_type(name)
    if fmt is None:
        raise UploadRefused(415, f"Unsupported format {name!r} in field 'format': use one of "
                               + ", ".join(RDF_MEDIA_TYPES) + ".")
    return Upload(data, fmt)


def read_limited_or_413(stream, limit: int) -> bytes:
    try:
        return read_limited(stream, limit)
    except RDFTooLarge:
        raise UploadRefused(413, f"The file is larger than the limit of {limit} bytes.") from None


def parse_upload(upload: Upload) -> Dataset:
    """The upload as an rdflib Dataset, or an ``UploadRefused`` (400 with line and column)."""
    return uploads.parse_upload(upload, config())


def validate_upload(upload: Upload, dataset: Dataset) -> ValidationReport:
    """``uploads.validate_upload`` in this app's validation pool; ``UploadRefused`` 503 past the
    time limit. ``/validate`` and ``/submissions`` both validate through here."""
    return uploads.validate_upload(upload, dataset, config(), validation_pool())


def check_request() -> CheckedUpload:
    """The current request's upload, read, parsed and validated (``UploadRefused`` if refused)."""
    upload = read_upload()
    dataset = parse_upload(upload)
    return CheckedUpload(upload, dataset, validate_upload(upload, dataset))


_POOL_LOCK = threading.Lock()


def validation_pool() -> ValidationPool:
    """The app's validation workers (``AppState.validation_pool``), created on first use (so
    an app that never validates starts none) and stopped at exit."""
    app_state = state()
    with _POOL_LOCK:
        if app_state.validation_pool is None:
            cfg = app_state.config
            app_state.validation_pool = ValidationPool(cfg, cfg.validation_workers)
            atexit.register(app_state.validation_pool.close)
        return app_state.validation_pool
