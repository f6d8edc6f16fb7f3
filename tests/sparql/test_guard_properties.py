"""Property (issue 16.1): the guard's verdict does not depend on comments, string
contents, IRI contents, keyword case or whitespace.

Each template is a query with holes; hypothesis fills them with any comment
text, any string content (including quotes, ``#``, ``\\u0022`` escapes and the
word SERVICE, escaped as SPARQL requires), any IRI characters (``\\uXXXX``
included) and any whitespace, and flips the case of every keyword. The verdict
(refused how, the query form, how many SERVICE calls) must be the template's.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusterkb.sparql import GuardError, QueryGuard

_TRICKY = ['"', "'", '"""', "'''", "#", "<", ">", "{", "}", "SERVICE <http://127.0.0.1:9/>",
           "\\u0022", "\\u0027", "\\U00000022", "\\", "\n", "\r", "FROM <file:///etc/passwd>"]


def _escape_string(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")
    return out.replace("\n", "\\n").replace("\r", "\\r")


#: string contents: free text plus codepoint escapes left for the engine to expand
string_content = st.lists(
    st.one_of(st.sampled_from(_TRICKY).map(_escape_string), st.text(max_size=8).map(
        _escape_string), st.sampled_from(["\\u0022", "\\u0027", "\\u005C", "\\U0001F600"])),
    max_size=6).map("".join)
_iri_part = st.lists(st.one_of(
    st.text(alphabet="abcXYZ019:/.-_~'()*+,;@!$&=", max_size=10),
    st.sampled_from(["%41", "\\u0041", "\\u00E9", "\\U0001F600"])), max_size=4).map("".join)
#: valid IRIs (an invalid one is an error of its own), with query and fragment parts
iri_content = st.tuples(_iri_part, st.one_of(st.just(""), _iri_part.map("?".__add__)),
                        st.one_of(st.just(""), _iri_part.map("#".__add__))).map(
    lambda parts: "http://e/" + "".join(parts))
comment = st.text(max_size=20).map(lambda t: "#" + t.replace("\n", " ").replace("\r", " "))
space = st.lists(st.one_of(st.sampled_from([" ", "\t", "\n", "\r", "\r\n"]), comment.map(
    lambda c: c + "\n")), min_size=1, max_size=3).map("".join)

# Holes: {W} whitespace (required), {S} string content, {I} IRI content; keywords in
# capitals are re-cased at random.
TEMPLATES = [
    ('SELECT{W}*{W}WHERE{W}{{{W}BIND(<{I}>{W}AS{W}?x){W}BIND("{S}"{W}AS{W}?y){W}}}',
     ("ok", "SELECT", 0)),
    ("SELECT{W}*{W}WHERE{W}{{{W}BIND('{S}'{W}AS{W}?a){W}SERVICE{W}<http://127.0.0.1:9/x>"
     "{W}{{{W}?s{W}?p{W}?o{W}}}{W}}}", ("QueryRefused", "SERVICE", 0)),
    ('ASK{W}{{{W}FILTER(?x{W}={W}"""{S}"""){W}}}', ("ok", "ASK", 0)),
    ('INSERT{W}DATA{W}{{{W}<{I}>{W}<http://e/p>{W}"{S}"{W}}}', ("UpdateRefused", "This", 0)),
    ("CONSTRUCT{W}WHERE{W}{{{W}?s{W}?p{W}'''{S}'''{W}}}", ("ok", "CONSTRUCT", 0)),
    ("SELECT{W}*{W}FROM{W}<{I}>{W}WHERE{W}{{}}", ("QueryRefused", "FROM", 0)),
]
KEYWORDS = ["SELECT", "WHERE", "BIND", "AS", "SERVICE", "ASK", "FILTER", "INSERT", "DATA",
            "CONSTRUCT", "FROM"]


def verdict(text: str) -> tuple[str, str, int]:
    try:
        info = QueryGuard().check(text, published_graphs=lambda: [])
    except GuardError as error:  # what refused it: the first word of the message
        return type(error).__name__, error.message.split()[0], 0
    return "ok", info.form, len(info.services)


@st.composite
def filled(draw, template: str) -> str:
    text = re.sub("|".join(KEYWORDS), lambda m: "".join(
        c.lower() if draw(st.booleans()) else c for c in m.group()), template)
    for hole, strategy in (("{W}", space), ("{S}", string_content), ("{I}", iri_content)):
        while hole in text:
            text = text.replace(hole, draw(strategy), 1)
    return text.replace("{{", "{").replace("}}", "}")


@pytest.mark.parametrize(("template", "expected"), TEMPLATES)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_verdict_ignores_comments_strings_iris_case_and_space(template, expected, data):
    text = data.draw(filled(template))
    got = verdict(text)
    assert got == expected, text
