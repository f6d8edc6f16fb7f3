"""Uploads over real HTTP: the time limit per upload, one verdict for /validate and /submissions,
reports in the submitter's terms, sniffed pastes and the profile template (#13.2, #14.7, #15.4).
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, URIRef
from tests.submissions.conftest import BASE, FIXTURES, ROHEALTH

from clusterkb.config import Config
from clusterkb.jsonld_context import upload_contexts
from clusterkb.rdfio import parse_graph

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = f"{BASE}context.jsonld"
SLOW = "http://example.org/slow#"

#: A constraint of our own that cannot finish (a cube of every triple, about 10^8 rows in
#: rdflib), on subjects of ex:slow only: a stand-in for any shape that an upload makes
#: expensive, so the test does not depend on how fast the project's shapes are.
SLOW_SHAPES = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <{SLOW}> .
ex:NeverEnding a sh:NodeShape ;
    sh:targetSubjectsOf ex:slow ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "never reported" ;
        sh:select \"\"\"SELECT $this WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i .
            FILTER (CONCAT(STR(?c), STR(?f), STR(?i)) = "no such text") }}\"\"\" ] .
"""

SLOW_UPLOAD = f"<{ROHEALTH}> <{SLOW}slow> true .\n".encode()
CHEAP_UPLOAD = (f"<{ROHEALTH}> <http://www.w3.org/2000/01/rdf-schema#label> "
                '"ROHEALTH"@en .\n').encode()
#: A typed person with a name: conforms to every shape, and costs the engine next to nothing.
CONFORMING_UPLOAD = (f"<{BASE}id/person/ana-pop> a <http://xmlns.com/foaf/0.1/Person> ; "
                     '<http://www.w3.org/2000/01/rdf-schema#label> "Ana Pop"@en .\n').encode()


@pytest.fixture(scope="module")
def server(start_server, built_store) -> str:
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path))


def validate(url: str, body: bytes, content_type: str = "text/turtle",
             **kwargs) -> requests.Response:
    return requests.post(f"{url}/validate", data=body, timeout=120,
                         headers={"Content-Type": content_type, "Accept": "application/json"},
                         **kwargs)


@pytest.fixture()
def slow_server(kb_server, tmp_path):
    shapes = tmp_path / "shapes"
    shutil.copytree(ROOT / "shapes", shapes)
    (shapes / "zz-never-ending.ttl").write_text(SLOW_SHAPES, encoding="utf-8")
    return kb_server(CLUSTERKB_SHAPES_DIR=str(shapes), CLUSTERKB_VALIDATION_TIMEOUT="15",
                     CLUSTERKB_VALIDATION_WORKERS="2")


def test_a_slow_upload_is_stopped_at_its_limit_while_others_are_answered(slow_server):
    url = slow_server.url
    assert validate(url, CONFORMING_UPLOAD).status_code == 200  # both workers started and warm
    slow: dict = {}

    def send_slow() -> None:
        slow["response"] = validate(url, SLOW_UPLOAD)

    thread = threading.Thread(target=send_slow)
    thread.start()
    try:
        # The slow upload can only end by its limit (15 s); meanwhile the server answers.
        for _ in range(3):
            cheap = validate(url, CONFORMING_UPLOAD)
            assert cheap.status_code == 200 and cheap.json()["counts"]["Violation"] == 0
            assert requests.get(f"{url}/healthz", timeout=30).status_code == 200
        assert thread.is_alive(), "the slow upload finished before the cheap ones"
    finally:
        thread.join(timeout=120)
    response = slow["response"]
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and "limit of 15 s" in body["error"]
    # Its worker was replaced: validation still works afterwards.
    assert validate(url, CONFORMING_UPLOAD).json()["conforms"] is True


def test_a_slow_submission_is_stopped_too(slow_server):
    secret, _ = slow_server.token("submitter", ROHEALTH)
    response = requests.post(f"{slow_server.url}/submissions", data=SLOW_UPLOAD, timeout=120,
                             headers={"Content-Type": "text/turtle",
                                      "Authorization": f"Bearer {secret}"})
    assert response.status_code == 503
    assert "limit of 15 s" in response.json()["error"]
    curator, _ = slow_server.token("curator")
    listing = requests.get(f"{slow_server.url}/submissions", timeout=30,
                           headers={"Authorization": f"Bearer {curator}",
                                    "Accept": "application/json"}).json()
    assert listing["submissions"] == []  # nothing was stored


def _trig_without_provenance() -> bytes:
    """The README's valid example as one named graph that lacks its prov:wasDerivedFrom."""
    config = Config()
    graph = parse_graph((FIXTURES / "valid" / "submission.json").read_bytes(), "json-ld",
                        base_iri=config.base_iri, contexts=upload_contexts(config))
    dataset = Dataset()
    named = dataset.graph(URIRef(f"{BASE}graph/clusters/rohealth"))
    for triple in graph:
        named.add(triple)
    return dataset.serialize(format="trig").encode()


def test_validate_and_submissions_give_the_same_verdict_on_a_trig_upload(kb_server):
    server = kb_server()
    body = _trig_without_provenance()
    checked = validate(server.url, body, "application/trig").json()
    assert checked["conforms"] is False
    missing = [r for r in checked["results"] if r["severity"] == "Violation"]
    assert [(r["focus"], r["path"]) for r in missing] == [
        (f"{BASE}graph/clusters/rohealth", "http://www.w3.org/ns/prov#wasDerivedFrom")]
    secret, _ = server.token("submitter", ROHEALTH)
    submitted = requests.post(f"{server.url}/submissions", data=body, timeout=120,
                              headers={"Content-Type": "application/trig",
                                       "Authorization": f"Bearer {secret}",
                                       "Accept": "application/json"})
    assert submitted.status_code == 422  # was 201: /submissions flattened the graphs
    assert submitted.json()["report"]["results"] == checked["results"]


JSON_UPLOAD = """{
  "@context": "https://w3id.org/clusterkb/context.jsonld",
  "id": "cluster:rohealth",
  "type": "ClusterOrganisation",
  "label": "ROHEALTH",
  "organisationType": "organisation-types:an-ngo",
  "foundingDate": "28 May 2015"
}
"""


def test_a_json_report_names_the_key_the_value_as_written_and_where(server):
    results = validate(server, JSON_UPLOAD.encode(),
                       "application/ld+json").json()["results"]
    by_field = {r["field"]: r for r in results if r["severity"] == "Violation"}
    kind = by_field["organisationType"]
    assert kind["written"] == '"organisation-types:an-ngo"'
    assert (kind["line"], kind["column"]) == (6, 23)
    assert kind["scheme"] == f"{BASE}vocab/organisation-types"
    allowed = {a["value"]: a["label"] for a in kind["allowed"]}
    assert allowed["organisation-types:association-ngo"]  # short name with its label
    assert allowed["organisation-types:sme"]
    assert '"organisationType"' in kind["message"] and "ckb:" not in kind["message"]
    dates = [r for r in results if r["field"] == "foundingDate"]
    assert dates and all(r["written"] == '"28 May 2015"' and (r["line"], r["column"]) == (7, 19)
                         for r in dates)
    assert not any("^^" in r["message"] for r in dates)  # no Turtle syntax for JSON
    assert any('"YYYY-MM-DD"' in r["message"] for r in dates)


def test_the_same_mistake_in_turtle_keeps_turtle_hints(server):
    turtle = (f"@prefix ckb: <https://w3id.org/clusterkb/ontology#> .\n"
              f"<{ROHEALTH}> a ckb:ClusterOrganisation ;\n"
              f"  <https://schema.org/foundingDate> \"28 May 2015\" .\n").encode()
    results = validate(server, turtle).json()["results"]
    date = next(r for r in results if r["path"] == "https://schema.org/foundingDate"
                and r["severity"] == "Violation")
    assert "^^xsd:date" in date["message"] and date["field"] is None


@pytest.mark.parametrize("text, fmt", [
    (JSON_UPLOAD, "application/ld+json"),
    (f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
     f' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description rdf:about='
     f'"{ROHEALTH}"><rdfs:label xml:lang="en">ROHEALTH</rdfs:label></rdf:Description>'
     f"</rdf:RDF>", "application/rdf+xml"),
    (CHEAP_UPLOAD.decode(), "text/turtle"),
])
def test_pasted_text_is_read_in_the_syntax_it_is_written_in(server, text, fmt):
    response = requests.post(f"{server}/validate", data={"data": text}, timeout=120,
                             headers={"Accept": "text/html"})
    assert response.status_code == 200  # JSON and RDF/XML were parsed as Turtle: 400
    assert f"it was read as <code>{fmt}</code>" in response.text


def test_the_profile_template_validates_once_its_placeholders_are_filled(server):
    url = server
    response = requests.get(f"{url}/validate/template.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "attachment" in response.headers["Content-Disposition"]
    template = response.text
    assert json.loads(template)["@context"] == CONTEXT
    unfilled = validate(url, template.encode(), "application/ld+json").json()
    assert unfilled["conforms"] is False
    filled = template
    for placeholder, value in {
            "REPLACE-slug": "baltic-biotech", "REPLACE-name": "Baltic Biotech Cluster",
            "REPLACE-acronym": "BBC", "REPLACE-founding-date": "2012-03-01",
            "REPLACE-country-code": "LTU", "REPLACE-organisation-type": "association-ngo",
            "REPLACE-mission": "Connecting the biotech companies of the Baltic states.",
            "REPLACE-website": "https://example.org/", "REPLACE-number-of-members": "42",
            "REPLACE-date-of-the-count": "2024-01-01", "REPLACE-member-type": "sme",
            "REPLACE-another-member-type": "university",
            "REPLACE-managing-organisation": "baltic-biotech-association"}.items():
        filled = filled.replace(placeholder, value)
    assert "REPLACE" not in filled  # every placeholder of the template was named above
    report = validate(url, filled.encode(), "application/ld+json").json()
    assert report["conforms"] is True, report["results"]
    assert report["criteria"] == []  # and it meets the ECCP's profile criteria


def test_the_eccp_criteria_are_a_section_of_warnings_that_never_block(server):
    body = validate(server, CHEAP_UPLOAD.replace(
        b" <http://www.w3.org/2000/01/rdf-schema#label>",
        b" a <https://w3id.org/clusterkb/ontology#ClusterOrganisation> ;"
        b" <http://www.w3.org/2000/01/rdf-schema#label>")).json()
    eccp = "https://w3id.org/clusterkb/shapes/eccp#"
    assert {c["shape"] for c in body["criteria"]} == {
        f"{eccp}CommittedMembers", f"{eccp}MemberTypes", f"{eccp}ManagementTeam",
        f"{eccp}Website"}
    assert all(c["severity"] == "Warning" for c in body["criteria"])
    assert not any(r["shape"].startswith(eccp) for r in body["results"])
    assert sum(body["counts"].values()) == len(body["results"])  # criteria are not counted
