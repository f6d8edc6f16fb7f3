"""The query guard: what reaches the engine and what is refused, and why."""

from __future__ import annotations

import pytest

from clusterkb.sparql import (
    MalformedQuery,
    QueryGuard,
    QueryRefused,
    UpdateRefused,
    analyse_query,
)

G = "https://w3id.org/clusterkb/graph/"
PUBLISHED = [G + "clusters/rohealth", G + "ontology"]


def check(text: str, **kwargs):
    kwargs.setdefault("published_graphs", lambda: PUBLISHED)
    return QueryGuard(kwargs.pop("allow", ()), base_iri="https://w3id.org/clusterkb/").check(
        text, **kwargs)


@pytest.mark.parametrize(
    ("text", "form", "kind"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT", "solutions"),
        ("ask { ?s ?p ?o }", "ASK", "boolean"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", "graph"),
        ("DESCRIBE <https://w3id.org/clusterkb/id/cluster/rohealth>", "DESCRIBE", "graph"),
    ],
)
def test_query_forms_are_recognised(text, form, kind):
    info = check(text)
    assert (info.form, info.kind) == (form, kind)


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a/s> <http://a/p> <http://a/o> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "LOAD <file:///etc/passwd> INTO GRAPH <http://a/g>",
        "CLEAR ALL",
        "DROP GRAPH <http://a/g>",
        "CREATE GRAPH <http://a/g>",
        "COPY DEFAULT TO <http://a/g>",
        "PREFIX ex: <http://a/>\n"
        "WITH ex:g DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
        "insert data { <http://a/s> <http://a/p> 1 } ; clear default",
    ],
)
def test_every_update_is_refused_as_read_only(text):
    with pytest.raises(UpdateRefused) as caught:
        check(text)
    assert caught.value.status == 403
    assert "read-only" in caught.value.message


def test_syntax_is_left_to_the_engine():
    # The guard has no grammar: a query that is merely malformed passes it, and the
    # engine (in the worker) reports the error; see test_guard_engine.py for the 400s.
    for text in ("SELECT * WHERE { ?s ?p }", "SELECT * WHERE { ?s ?p ?o } LOAD <http://e/>",
                 "SELECT * WHERE { " + "{ " * 400 + "?s ?p ?o" + " }" * 400 + " }"):
        assert check(text).form == "SELECT"


@pytest.mark.parametrize("open_, close", [("{ ", " }"), ("(", ")"), ("[ <urn:p> ", " ]")])
def test_nesting_that_would_overflow_the_engines_stack_is_400(open_, close):
    # 5000 levels of { } or ( ) killed the engine's worker (reliability/test_limits.py)
    text = "SELECT * WHERE { ?s ?p " + open_ * 5000 + "1" + close * 5000 + " }"
    with pytest.raises(MalformedQuery, match="nested more than 500 levels"):
        check(text)


def test_empty_query_and_unterminated_string_are_400_with_the_place():
    with pytest.raises(MalformedQuery, match="empty"):
        check("   \n# only a comment\n")
    with pytest.raises(MalformedQuery, match="line 2, column 15"):
        check("ASK {\n  FILTER(?x = 'abc) }")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/>\nSELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
        "BASE <http://example.org/>\nSELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o { SELECT ?s WHERE { SERVICE <http://x.org/> { ?s ?q ?r } } } }",
        "ASK { OPTIONAL { SERVICE <http://x.org/> { ?s ?q ?r } } }",
        "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://x.org/> { ?s ?q ?r } } }",
        "ASK { ?s ?p ?o MINUS { GRAPH ?g { SERVICE <http://x.org/> { ?s ?q ?r } } } }",
        "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <http://x.org/> { ?s ?p ?o } } }",
        "SELECT (EXISTS { SERVICE <http://x.org/> {} } AS ?e) WHERE {}",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x.org/> { ?s ?p ?o } }",
        # Oxigraph's parser backtracks: keywords glued to the word before still count.
        "SELECT * WHERE { ?s ?p trueSERVICE <http://x.org/> { ?s ?p ?o } }",
        "PREFIX : <http://x.org/> SELECT * WHERE { SERVICE:e { ?s ?p ?o } }",
        "PREFIX ex: <http://x.org/> SELECT * WHERE { SERVICESILENTex:e { ?s ?p ?o } }",
        "SELECT * WHERE { sErViCe <http://x.org/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(text):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check(text)


def test_service_with_a_variable_is_refused_even_with_an_allow_list():
    with pytest.raises(QueryRefused, match="variable"):
        check("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", allow=["http://x.org/"])


def test_allow_listed_service_passes_and_others_still_fail():
    allow = ["https://query.wikidata.org/sparql"]
    info = check(
        "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
        allow=allow,
    )
    assert info.services == ("https://query.wikidata.org/sparql",)
    with pytest.raises(QueryRefused):
        check("SELECT * WHERE { SERVICE <https://query.wikidata.org/other> {} }", allow=allow)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "ASK FROM <https://w3id.org/clusterkb/graph/submission/42> { ?s ?p ?o }",
        "DESCRIBE ?s FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } FROM <relative> WHERE { ?s ?p ?o }",
    ],
)
def test_from_clauses_naming_foreign_graphs_are_refused(text):
    with pytest.raises(QueryRefused, match="not a graph of this knowledge base"):
        check(text)


def test_from_clauses_naming_published_graphs_pass_resolved_against_prefixes():
    info = check(
        "PREFIX g: <https://w3id.org/clusterkb/graph/>\n"
        "SELECT * FROM g:ontology FROM NAMED <https://w3id.org/clusterkb/graph/clusters/rohealth>"
        " WHERE { ?s ?p ?o }"
    )
    assert info.from_graphs == (G + "ontology",)
    assert info.from_named == (G + "clusters/rohealth",)


def test_protocol_dataset_parameters_are_checked_like_from():
    text = "SELECT * WHERE { ?s ?p ?o }"
    check(text, default_graph_uris=[G + "ontology"], named_graph_uris=[G + "clusters/rohealth"])
    with pytest.raises(QueryRefused, match="default-graph-uri <file:///etc/passwd>"):
        check(text, default_graph_uris=["file:///etc/passwd"])
    with pytest.raises(QueryRefused, match="named-graph-uri <http://example.org/>"):
        check(text, named_graph_uris=["http://example.org/"])


def test_published_graphs_are_listed_only_when_a_query_names_graphs():
    calls = []

    def published():
        calls.append(1)
        return PUBLISHED

    guard = QueryGuard()
    guard.check("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", published_graphs=published)
    assert calls == []
    guard.check(f"SELECT * FROM <{G}ontology> WHERE {{ ?s ?p ?o }}", published_graphs=published)
    assert calls == [1]


def test_analyses_are_cached_per_text_and_the_cache_is_bounded(monkeypatch):
    import clusterkb.sparql as module

    parsed = []
    real = module.analyse_query

    def counting(text, base_iri=None):
        parsed.append(text)
        return real(text, base_iri)

    monkeypatch.setattr(module, "analyse_query", counting)
    guard = QueryGuard(cache_size=2)
    for _ in range(3):
        guard.analyse("ASK { ?s ?p ?o }")
    assert parsed == ["ASK { ?s ?p ?o }"]
    # A cached refusal is raised again, not forgotten.
    for _ in range(2):
        with pytest.raises(UpdateRefused):
            guard.analyse("CLEAR ALL")
    assert parsed.count("CLEAR ALL") == 1
    guard.analyse("ASK { ?a ?b ?c }")
    guard.analyse("ASK { ?d ?e ?f }")
    guard.analyse("ASK { ?s ?p ?o }")  # evicted by the two above: parsed again
    assert parsed.count("ASK { ?s ?p ?o }") == 2


def test_analysis_does_not_depend_on_the_guard():
    assert analyse_query("ASK {}").kind == "boolean"


@pytest.mark.parametrize(("text", "needle"), [
    # Virtuoso pragmas (behind a remote store) could make the engine fetch a URL
    ('DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }',
     "expected SELECT"),
    # Virtuoso's undeclared bif: functions read files; SPARQL (and Oxigraph) refuse them
    ('SELECT (bif:file_to_string("/etc/passwd") AS ?x) WHERE {}', "bif:file_to_string"),
])
def test_what_only_some_engines_accept_is_refused(text, needle):
    with pytest.raises(MalformedQuery, match=needle):
        check(text)


def test_prefixes_are_case_sensitive_and_keywords_may_be_prefixes():
    # W3C syntax-keywords-01: FILTER is a valid prefix name
    info = check("PREFIX FILTER: <http://e/> SELECT * WHERE { ?x FILTER:foo ?z FILTER (?z) }")
    assert info.form == "SELECT"
    with pytest.raises(MalformedQuery, match="filter:foo"):
        check("PREFIX FILTER: <http://e/> SELECT * WHERE { ?x filter:foo ?z }")


def test_longest_token_rule_cases_of_the_w3c_suite():
    # syn-bad-26 (negative): <?a&&?b> is an IRI by the rule, a comparison to Oxigraph
    with pytest.raises(QueryRefused, match="longest-token"):
        check("SELECT * WHERE { ?x ?p ?y FILTER (?x<?a&&?b>?y) }")
    # syntax-general-12 (positive): <?z> is a legal, if unusual, IRI
    assert check("SELECT * WHERE { <a> <b> <?z> }").form == "SELECT"


def test_select_star_order_is_the_order_of_first_mention():
    """What the store reorders ``SELECT *`` columns by (the engine sorts them by name)."""
    text = 'SELECT DISTINCT * WHERE { ?zeta ?p $alpha # ?commented\n FILTER(?zeta != "?quoted") ' \
           "{ SELECT ?inner WHERE { ?inner ?q ?zeta } } } VALUES ?b { 1 }"
    assert analyse_query(text).variable_order == ("zeta", "p", "alpha", "inner", "q", "b")
    assert analyse_query("SELECT ?b ?a WHERE { ?a ?p ?b }").variable_order == ()
    assert analyse_query("CONSTRUCT WHERE { ?s ?p ?o }").variable_order == ()
