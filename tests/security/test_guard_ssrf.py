"""Issue 13.1: queries the old guard read differently from the engine reach no address.

Each query below hides a ``SERVICE`` to the canary where a second parser could
miss it: in what rdflib took for a string after expanding ``\\u0022`` over the
whole text (the red team's payload), behind a ``<`` the engine reads as a
comparison but the grammar's longest-token rule as an IRI, or glued to the word
before it (Oxigraph's parser backtracks into ``trueSERVICE``). Every one must be
refused with a 4xx, the canary must see no connection, and no answer may carry
what the canary would have said. Run against the rdflib guard (a91b05b^), the
two red-team payloads reached the canary and ``BIND("\u00410042" ...)`` was a
500; the other cases were refused there too, by rdflib's different grammar.
"""

from __future__ import annotations

import time

import pytest
import requests

TIMEOUT = 60

PAYLOADS = [
    # the red team's: "\u0022" is a string holding one quote; the engine sees the SERVICE
    'SELECT * WHERE {{ BIND("\\u0022" AS ?a) SERVICE <{u}> {{ ?s ?p ?o }} # """ AS ?a)\n}}',
    "SELECT * WHERE {{ BIND('\\u0027' AS ?a) SERVICE <{u}> {{ ?s ?p ?o }} # ''' AS ?a)\n}}",
    # "<?a#>": an IRI by the longest-token rule, "< ?a" and a comment to Oxigraph
    'SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?a#>"""\n) SERVICE <{u}> {{ ?s ?p ?o }} #"""\n}}',
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o<'a#>') SERVICE <{u}> {{ ?s ?p ?o }} }}",
    # keywords glued to the word before, and a prefixed name right after SERVICE
    "SELECT * WHERE {{ ?s ?p trueSERVICE <{u}> {{ ?s ?p ?o }} }}",
    "PREFIX : <{u}/> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{u}/> SELECT * WHERE {{ SERVICESILENTex:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{u}/> SELECT * WHERE {{ SERVICE SILENTex:x {{ ?s ?p ?o }} }}",
    # a comment ending at CR (as Oxigraph ends it), not only at LF
    'SELECT * WHERE {{ # x\r SERVICE <{u}> {{ ?s ?p ?o }} }}',
    # a prefixed name with escapes that look like a string or a comment start
    "PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ex:a\\' ?o . SERVICE <{u}> {{ ?s ?p ?o }} "
    "?s ex:b\\' ?o }}",
    "PREFIX ex: <http://e/> SELECT * WHERE {{ ?s ex:a\\#b ?o . SERVICE <{u}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", PAYLOADS)
def test_disguised_service_is_refused_and_nothing_leaves(attack_server, canary, template):
    query = template.format(u=canary.url)
    endpoint = f"{attack_server.url}/sparql"
    responses = [
        requests.get(endpoint, params={"query": query}, timeout=TIMEOUT),
        requests.post(endpoint, data={"query": query}, timeout=TIMEOUT),
        requests.post(endpoint, data=query.encode(), timeout=TIMEOUT,
                      headers={"Content-Type": "application/sparql-query"}),
    ]
    time.sleep(0.3)  # a fetch the engine started would have reached the canary by now
    assert canary.hits == [], f"the server connected to the canary: {canary.hits[:3]}"
    for response in responses:
        assert response.status_code in (400, 403), (response.status_code, response.text[:300])
        assert canary.marker not in response.text
        assert "payload" not in response.text.lower()


def test_harmless_look_alikes_still_run(attack_server):
    """The guard refuses what could be SERVICE, not every mention of the word."""
    queries = [
        'SELECT ?service WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?service) }',
        "SELECT * WHERE { BIND(<http://e/SERVICE> AS ?x) } # SERVICE <http://127.0.0.1:9/>",
        'PREFIX ss: <http://e/> SELECT * WHERE { BIND(ss:BusinessServices AS ?x) }',
        'SELECT * WHERE { BIND("\\u00410042" AS ?x) }',
    ]
    for query in queries:
        response = requests.get(f"{attack_server.url}/sparql", params={"query": query},
                                headers={"Accept": "application/sparql-results+json"},
                                timeout=TIMEOUT)
        assert response.status_code == 200, (query, response.text[:300])
