"""A SPARQL lexer that reads a query's text the way the engine (Oxigraph) reads it.

Why a lexer and not a parser: the engine's parser must be the only parser of a
query, or the two will disagree (issue 13.1: rdflib expanded ``\\u0022`` over the
whole text, Oxigraph only inside strings and IRIs, and a ``SERVICE`` hidden in
what rdflib took for a string reached the engine). The guard only needs to know
where strings, IRIs and comments are (the regions whose contents must not
count), and the words outside them. Those regions follow the SPARQL grammar's
terminals exactly as Oxigraph implements them:

* strings (``'…'``, ``"…"``, ``'''…'''``, ``\"\"\"…\"\"\"``): a backslash escapes the next
  character, so ``\\u0022`` is an escape inside the string, never its end;
  short strings stop at CR and LF;
* IRIs ``<…>`` by the longest-token rule, with ``\\uXXXX``/``\\UXXXXXXXX``
  inside; a ``<`` that starts no IRI is punctuation;
* comments ``#`` to the next CR or LF;
* prefixed names with their ``\\#`` / ``\\'`` escapes (else ``ex:a\\'b`` would
  open a string the engine does not see).

Everything is one left-to-right pass of anchored regular expressions whose
alternatives cannot overlap, so the work is linear in the text.

Where Oxigraph departs from the longest-token rule the lexer says so instead of
guessing: its parser reads ``?x<?a#>`` inside an expression as ``?x <`` followed
by a comment, where the rule reads the IRI ``<?a#>``. ``Token.ambiguous`` marks
an IRI after an operand whose other reading would skip different text (a ``#``
or ``'`` inside, or ``<?a&&?b>``); the guard refuses those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_ECHAR_OR_CHAR = r"\\[\s\S]"

#: Token kinds, tried in this order at each position (the order only matters
#: where two could start at the same character: long strings before short ones).
_TOKENS = [
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR_OR_CHAR}))*"""'),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR_OR_CHAR}))*'''"),
    ("string", rf'"(?:[^"\\\r\n]|{_ECHAR_OR_CHAR})*"'),
    ("string", rf"'(?:[^'\\\r\n]|{_ECHAR_OR_CHAR})*'"),
    ("iri", r'<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'),
    ("var", f"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("bnode", f"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("word", _PN_PREFIX),
    ("langtag", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("number", r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"),
    ("punct", r"\^\^|&&|\|\||<=|>=|!=|[\s\S]"),
]
_SCANNER = re.compile("|".join(f"(?P<t{i}>{pattern})" for i, (_, pattern) in enumerate(_TOKENS)))
_KINDS = [kind for kind, _ in _TOKENS]

#: After one of these an operator may follow, so a ``<`` there may be a comparison.
_OPERAND_KINDS = frozenset({"var", "number", "string", "iri", "pname", "word", "langtag",
                            "bnode"})
_OPERAND_PUNCT = frozenset({")", "]"})


@dataclass(frozen=True)
class Token:
    """One token: ``kind`` as in ``_TOKENS`` (never ``ws``/``comment``), text and place."""

    kind: str
    text: str
    start: int
    ambiguous: bool = False


class LexError(Exception):
    """The text cannot be split into SPARQL tokens; ``position`` is a character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (whitespace and comments dropped)."""
    found: list[Token] = []
    position, end = 0, len(text)
    previous: Token | None = None
    while position < end:
        match = _SCANNER.match(text, position)
        if match is None:  # cannot happen: "punct" matches any character
            raise LexError("unreadable character", position)
        kind = _KINDS[match.lastindex - 1] if match.lastindex else "punct"
        value = match.group()
        if kind == "punct" and value in "\"'":
            raise LexError("a string that does not end", position)
        if kind not in ("ws", "comment"):
            ambiguous = kind == "iri" and previous is not None and _after_operand(previous) \
                and _other_reading_differs(text, value, match.end())
            token = Token(kind, value, position, ambiguous)
            found.append(token)
            previous = token
        position = match.end()
    return found


def _after_operand(token: Token) -> bool:
    return token.kind in _OPERAND_KINDS or (token.kind == "punct" and token.text in _OPERAND_PUNCT)


def _other_reading_differs(text: str, iri: str, after: int) -> bool:
    """Would reading this ``<`` as less-than make the engine skip other text than we do?

    Inside, ``'`` would open a string and ``#`` a comment to the end of the
    line; ``<?a&&?b>`` is the comparison the W3C's longest-token rule forbids
    (``syn-bad-26``), while ``<?z>`` is a legal IRI (``syntax-general-12``). A
    ``#`` is harmless unless something on the rest of the line (a long string)
    would carry our reading past that line's end.
    """
    inner = iri[1:-1]
    if "'" in inner:
        return True
    if inner[:1] in ("?", "$") and any(part in inner[1:] for part in ("?", "$", "&&", "||")):
        return True  # reads as an expression (syn-bad-26), unlike the legal IRI <?z>
    if "#" not in inner:
        return False
    line_end = min((i for i in (text.find("\n", after), text.find("\r", after)) if i >= 0),
                   default=len(text))
    return '"""' in text[after:line_end] or "'''" in text[after:line_end]


def line_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset, as the engine counts them."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column
