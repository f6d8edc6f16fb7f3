"""A submission proposes a missing concept (issue 15.5), over HTTP against a real server.

ROHEALTH's example submission (plain JSON) adds a technology field the scheme lacks,
"Biotechnology", as a concept of the proposal namespace. The report lists it as proposed,
the curator's page shows it; accepting publishes it as a concept of the technology-fields
scheme (SPARQL, the scheme's page), and the accepted graph comes back unchanged; rejecting
leaves no trace of it.
"""

from __future__ import annotations

import copy
import html
import json
import re

import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS
from SPARQLWrapper import JSON, SPARQLWrapper

BASE = "https://w3id.org/clusterkb/"
ROHEALTH = f"{BASE}id/cluster/rohealth"
SCHEME = f"{BASE}vocab/technology-fields"
PROPOSED = f"{BASE}vocab/proposed/technology-fields/biotechnology"
JSONLD = {"Content-Type": "application/ld+json"}
TIMEOUT = 60
#: What the report says of the proposal, written by hand from the submission and the scheme.
LISTED = {"iri": PROPOSED, "label": "Biotechnology", "scheme": SCHEME,
          "scheme_label": "Technology fields"}


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def ask(url: str, query: str) -> bool:
    client = SPARQLWrapper(f"{url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.query().convert()["boolean"]


def with_proposal(submission_json: dict) -> dict:
    doc = copy.deepcopy(submission_json)
    doc["@graph"][0]["technologyField"].append("proposed:technology-fields/biotechnology")
    doc["@graph"].append({"id": "proposed:technology-fields/biotechnology", "type": "Concept",
                          "prefLabel": "Biotechnology", "proposedFor": "vocab:technology-fields"})
    return doc


def flagged(page: str) -> list[str]:
    """The IRIs a page flags as proposed (the list items of its proposed-concepts section)."""
    return [html.unescape(m) for m in re.findall(
        r'<span class="flag">proposed</span> <code>&lt;([^<]*)&gt;</code>', page)]


def submit(url: str, secret: str, doc: dict) -> str:
    response = requests.post(f"{url}/submissions", data=json.dumps(doc), timeout=TIMEOUT,
                             headers={**JSONLD, **auth(secret)})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def scheme_page(url: str) -> str:
    response = requests.get(f"{url}/vocab/technology-fields", headers={"Accept": "text/html"},
                            timeout=TIMEOUT)
    assert response.status_code == 200
    return response.text


def test_a_proposed_field_is_flagged_reviewed_accepted_and_then_in_its_scheme(
        kb_server, submission_json):
    server = kb_server()
    url = server.url
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    doc = with_proposal(submission_json)

    # The report, before anything is stored: JSON and HTML list the proposal apart.
    checked = requests.post(f"{url}/validate", data=json.dumps(doc), headers=JSONLD,
                            timeout=TIMEOUT)
    assert checked.status_code == 200, checked.text
    assert checked.json()["conforms"] is True
    assert checked.json()["proposed"] == [LISTED]
    page = requests.post(f"{url}/validate", data=json.dumps(doc), timeout=TIMEOUT,
                         headers={**JSONLD, "Accept": "text/html"}).text
    assert flagged(page) == [PROPOSED] and "Biotechnology" in page

    sub_id = submit(url, submitter, doc)
    record = requests.get(f"{url}/submissions/{sub_id}", headers=auth(curator),
                          timeout=TIMEOUT).json()
    assert record["report"]["proposed"] == [LISTED]
    curator_page = requests.get(f"{url}/submissions/{sub_id}", timeout=TIMEOUT,
                                headers={**auth(curator), "Accept": "text/html"}).text
    assert flagged(curator_page) == [PROPOSED]
    assert "not in their scheme yet" in curator_page
    # Pending: not a concept of anything yet.
    assert not ask(url, f"ASK {{ <{PROPOSED}> ?p ?o }}")
    assert "Biotechnology" not in scheme_page(url)

    accepted = requests.post(f"{url}/submissions/{sub_id}/accept", headers=auth(curator),
                             timeout=TIMEOUT)
    assert accepted.status_code == 200, accepted.text

    assert ask(url, f"""ASK {{ <{PROPOSED}> a <{SKOS.Concept}> ;
        <{SKOS.inScheme}> <{SCHEME}> ; <{SKOS.topConceptOf}> <{SCHEME}> ;
        <{SKOS.prefLabel}> "Biotechnology"@en .
        <{SCHEME}> <{SKOS.hasTopConcept}> <{PROPOSED}> }}""")
    assert ask(url, f"ASK {{ <{ROHEALTH}> <https://w3id.org/clusterkb/ontology#technologyField> "
                    f"<{PROPOSED}> }}")
    assert "Biotechnology" in scheme_page(url)
    scheme = Graph().parse(data=requests.get(f"{url}/vocab/technology-fields.ttl",
                                             timeout=TIMEOUT).text, format="turtle")
    assert (URIRef(SCHEME), SKOS.hasTopConcept, URIRef(PROPOSED)) in scheme
    concept = Graph().parse(data=requests.get(
        f"{url}/vocab/proposed/technology-fields/biotechnology.ttl", timeout=TIMEOUT).text,
        format="turtle")
    assert (URIRef(PROPOSED), SKOS.inScheme, URIRef(SCHEME)) in concept
    assert (URIRef(PROPOSED), RDF.type, SKOS.Concept) in concept
    done = requests.get(f"{url}/submissions/{sub_id}", timeout=TIMEOUT,
                        headers={**auth(curator), "Accept": "text/html"}).text
    assert "now a concept of its scheme" in done

    # The accepted graph, downloaded, validates and comes back unchanged (an empty diff):
    # the server's skos:inScheme is not in the cluster's graph.
    download = requests.get(f"{url}/graph/clusters/rohealth.ttl", timeout=TIMEOUT).text
    published = Graph().parse(data=download, format="turtle")
    assert (URIRef(PROPOSED), SKOS.prefLabel, Literal("Biotechnology", lang="en")) in published
    assert (URIRef(PROPOSED), SKOS.inScheme, None) not in published
    again = requests.post(f"{url}/submissions", data=download.encode(), timeout=TIMEOUT,
                          headers={"Content-Type": "text/turtle", **auth(submitter)})
    assert again.status_code == 201, again.text
    diff = requests.get(f"{url}/submissions/{again.json()['id']}/diff", headers=auth(curator),
                        timeout=TIMEOUT)
    assert (diff.headers["X-Triples-Added"], diff.headers["X-Triples-Removed"]) == ("0", "0")


def test_a_rejected_proposal_leaves_nothing_behind(kb_server, submission_json):
    server = kb_server()
    url = server.url
    submitter, _ = server.token("submitter", ROHEALTH)
    curator, _ = server.token("curator")
    sub_id = submit(url, submitter, with_proposal(submission_json))
    page = requests.get(f"{url}/submissions/{sub_id}", timeout=TIMEOUT,
                        headers={**auth(curator), "Accept": "text/html"}).text
    assert flagged(page) == [PROPOSED]

    rejected = requests.post(f"{url}/submissions/{sub_id}/reject", json={"reason": "not a field"},
                             headers=auth(curator), timeout=TIMEOUT)
    assert rejected.status_code == 200, rejected.text

    assert not ask(url, f"ASK {{ {{ <{PROPOSED}> ?p ?o }} UNION {{ ?s ?p <{PROPOSED}> }} }}")
    assert not ask(url, f"ASK {{ GRAPH ?g {{ ?s ?p <{PROPOSED}> }} }}")
    assert "Biotechnology" not in scheme_page(url)
    assert requests.get(f"{url}/vocab/proposed/technology-fields/biotechnology",
                        timeout=TIMEOUT).status_code == 404
    done = requests.get(f"{url}/submissions/{sub_id}", timeout=TIMEOUT,
                        headers={**auth(curator), "Accept": "text/html"}).text
    assert "none of these was added" in done


def test_another_cluster_uses_an_accepted_proposal_as_it_stands_but_may_not_relabel_it(
        kb_server, submission_json):
    server = kb_server()
    url = server.url
    rohealth, _ = server.token("submitter", ROHEALTH)
    romania_iri = f"{BASE}id/cluster/health-romania"
    romania, _ = server.token("submitter", romania_iri)
    curator, _ = server.token("curator")
    first = submit(url, rohealth, with_proposal(submission_json))
    assert requests.post(f"{url}/submissions/{first}/accept", headers=auth(curator),
                         timeout=TIMEOUT).status_code == 200

    # Health Romania takes the field up: its own graph, plus the value and the proposal
    # restated exactly as the KB publishes it.
    own = requests.get(f"{url}/graph/clusters/health-romania.ttl", timeout=TIMEOUT).text
    restated = f"""
<{romania_iri}> <https://w3id.org/clusterkb/ontology#technologyField> <{PROPOSED}> .
<{PROPOSED}> a <{SKOS.Concept}> ; <{SKOS.prefLabel}> "Biotechnology"@en ;
    <https://w3id.org/clusterkb/ontology#proposedFor> <{SCHEME}> .
"""
    turtle = {"Content-Type": "text/turtle", **auth(romania)}
    relabelled = requests.post(f"{url}/submissions", timeout=TIMEOUT, headers=turtle,
                               data=(own + restated + f'<{PROPOSED}> <{SKOS.altLabel}> '
                                     '"Biotech"@en .\n').encode())
    assert relabelled.status_code == 403, relabelled.text
    assert [r["subject"] for r in relabelled.json()["refused"]] == [PROPOSED]

    response = requests.post(f"{url}/submissions", data=(own + restated).encode(),
                             headers=turtle, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    second = response.json()["id"]
    assert requests.post(f"{url}/submissions/{second}/accept", headers=auth(curator),
                         timeout=TIMEOUT).status_code == 200
    assert ask(url, f"ASK {{ <{romania_iri}> <https://w3id.org/clusterkb/ontology#technologyField>"
                    f" <{PROPOSED}> }}")
    # The scheme's description is ROHEALTH's, unchanged: one label, one proposer.
    concept = Graph().parse(data=requests.get(
        f"{url}/vocab/proposed/technology-fields/biotechnology.ttl", timeout=TIMEOUT).text,
        format="turtle")
    assert set(concept.objects(URIRef(PROPOSED), SKOS.prefLabel)) == {
        Literal("Biotechnology", lang="en")}
    assert set(concept.objects(URIRef(PROPOSED), PROV.wasAttributedTo)) == {URIRef(ROHEALTH)}
    assert not ask(url, f'ASK {{ <{PROPOSED}> <{SKOS.altLabel}> "Biotech"@en }}')
    # And Health Romania's graph, downloaded, comes back unchanged.
    download = requests.get(f"{url}/graph/clusters/health-romania.ttl", timeout=TIMEOUT).text
    again = requests.post(f"{url}/submissions", data=download.encode(), headers=turtle,
                          timeout=TIMEOUT)
    assert again.status_code == 201, again.text
    diff = requests.get(f"{url}/submissions/{again.json()['id']}/diff", headers=auth(curator),
                        timeout=TIMEOUT)
    assert (diff.headers["X-Triples-Added"], diff.headers["X-Triples-Removed"]) == ("0", "0")
