"""The errors a client can cause, free of Flask.

Core modules (the guard, uploads, the workflow, tokens) raise a ``ClientError`` with the
HTTP status it stands for and the fields that locate the problem (``line``, ``column``,
``allowed``, ...). They never build a response: ``clusterkb.web.errors`` turns every one
of them, and every HTTP error of Flask's, into the one body the client asked for.
"""

from __future__ import annotations


class ClientError(Exception):
    """A request the server refuses; ``status`` is the HTTP status to answer with.

    ``fields`` are extra members of the JSON body (``line``, ``column``, ``allowed``...);
    ``headers`` are response headers such as ``Retry-After``.
    """

    status = 400

    def __init__(self, message: str, *, status: int | None = None,
                 headers: dict[str, str] | None = None, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        self.fields = fields

    def to_json(self) -> dict:
        """The JSON body every JSON client gets: ``{"error", "status", ...fields}``."""
        return {"error": self.message, "status": self.status, **self.fields}
