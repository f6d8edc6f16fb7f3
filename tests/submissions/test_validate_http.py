"""``POST /validate`` and ``/context.jsonld`` on a real server, plus the example submission."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from clusterkb.config import Config
from clusterkb.jsonld_context import context_url, load_context
from clusterkb.rdfio import parse_graph
from clusterkb.validation import validate_graph

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "valid" / "submission.json"
SH = "http://www.w3.org/ns/shacl#"
CKB = "https://w3id.org/clusterkb/ontology#"
ROHEALTH = "https://w3id.org/clusterkb/id/cluster/rohealth"
LIMIT = 20_000

INVALID_TURTLE = f"""@prefix ckb: <{CKB}> .
<{ROHEALTH}> a ckb:ClusterOrganisation ;
    ckb:organisationType "an NGO" .
"""


@pytest.fixture(scope="module")
def server(start_server, built_store) -> str:
    return start_server(CLUSTERKB_STORE_DIR=str(built_store.config.store_path),
                        CLUSTERKB_MAX_UPLOAD_BYTES=str(LIMIT))


def post(url: str, data, content_type: str | None, accept: str = "application/json",
         **kwargs) -> requests.Response:
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(f"{url}/validate", data=data, headers=headers, timeout=60, **kwargs)


def test_the_example_submission_conforms_in_process():
    config = Config()
    graph = parse_graph(FIXTURE.read_bytes(), "json-ld", base_iri=config.base_iri,
                        contexts={context_url(config): load_context(config)})
    assert (URIRef(ROHEALTH), RDF.type, URIRef(f"{CKB}ClusterOrganisation")) in graph
    report = validate_graph(graph, config)
    assert report.conforms, report.text()


def test_the_readme_shows_the_example_submission():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Submitting data", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    assert json.loads(block) == json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_valid_json_with_the_server_context_conforms(server):
    response = post(server, FIXTURE.read_bytes(), "application/ld+json")
    assert response.status_code == 200
    assert response.json()["conforms"] is True
    assert response.json()["counts"]["Violation"] == 0


def test_invalid_turtle_gets_a_json_report_saying_what_to_fix(server):
    body = post(server, INVALID_TURTLE.encode(), "text/turtle").json()
    assert body["conforms"] is False
    bad = [r for r in body["results"]
           if r["path"] == f"{CKB}organisationType" and r["severity"] == "Violation"]
    assert bad and bad[0]["focus"] == ROHEALTH and bad[0]["value"] == '"an NGO"'
    assert "organisation-types" in bad[0]["message"]


def test_report_as_shacl_turtle_and_jsonld(server):
    turtle = post(server, INVALID_TURTLE.encode(), "text/turtle", accept="text/turtle")
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    report = next(graph.subjects(RDF.type, URIRef(f"{SH}ValidationReport")))
    assert graph.value(report, URIRef(f"{SH}conforms")) == Literal(False)
    jsonld = post(server, INVALID_TURTLE.encode(), "text/turtle", accept="application/ld+json")
    assert jsonld.headers["Content-Type"].startswith("application/ld+json")
    again = Graph().parse(data=jsonld.text, format="json-ld")
    assert (None, URIRef(f"{SH}focusNode"), URIRef(ROHEALTH)) in again


def test_html_report_groups_by_focus_node_with_message_beside_the_value(server):
    page = post(server, INVALID_TURTLE.encode(), "text/turtle", accept="text/html")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    rows = re.findall(r"<tr class=\"violation\">(.*?)</tr>", page.text, re.S)
    row = next(r for r in rows if "an NGO" in r)
    assert "organisation-types" in row  # the message is in the same row as the value
    assert page.text.count("<article class=\"focus\">") >= 1


def test_form_upload_and_pasted_text(server):
    upload = requests.post(f"{server}/validate", timeout=60, headers={"Accept": "application/json"},
                           files={"file": ("profile.jsonld", FIXTURE.read_bytes())})
    assert upload.status_code == 200 and upload.json()["conforms"] is True
    pasted = requests.post(f"{server}/validate", timeout=60, headers={"Accept": "application/json"},
                           data={"data": INVALID_TURTLE, "format": "text/turtle"})
    assert pasted.status_code == 200 and pasted.json()["conforms"] is False
    form = requests.get(f"{server}/validate", timeout=30)
    assert form.status_code == 200 and 'name="file"' in form.text


def test_too_large_is_413_with_and_without_content_length(server):
    big = b"# padding\n" * (LIMIT // 10 + 10)
    assert post(server, big, "text/turtle").status_code == 413

    def chunks():
        for _ in range(LIMIT // 1000 + 5):
            yield b"#" * 999 + b"\n"

    chunked = post(server, chunks(), "text/turtle")
    assert chunked.status_code == 413
    assert "limit" in chunked.json()["error"]
    form = requests.post(f"{server}/validate", timeout=60, headers={"Accept": "application/json"},
                         files={"file": ("big.ttl", b"#" * (LIMIT + 100))})
    assert form.status_code == 413


def test_unsupported_or_missing_type_is_415(server):
    assert post(server, b"%PDF-1.4", "application/pdf").status_code == 415
    no_type = requests.post(f"{server}/validate", data=b"x", timeout=30,
                            headers={"Content-Type": ""})
    assert no_type.status_code == 415


def test_syntax_error_is_400_with_line_and_column(server):
    broken = (b"@prefix ckb: <https://w3id.org/clusterkb/ontology#> .\n"
              b"\n<a> ckb:x \"unterminated .\n")
    response = post(server, broken, "text/turtle")
    assert response.status_code == 400
    assert response.json()["line"] == 3 and response.json()["column"] >= 1


def test_format_parameter_wins_over_accept_for_errors(server):
    broken = b"<a> <b> \"unterminated .\n"
    as_json = requests.post(f"{server}/validate?format=json", data=broken, timeout=60,
                            headers={"Content-Type": "text/turtle", "Accept": "text/html"})
    assert as_json.status_code == 400 and as_json.json()["line"] == 1
    as_html = requests.post(f"{server}/validate?format=html", data=broken, timeout=60,
                            headers={"Content-Type": "text/turtle",
                                     "Accept": "application/json"})
    assert as_html.status_code == 400
    assert as_html.headers["Content-Type"].startswith("text/html")


def test_remote_context_is_refused_naming_it(server):
    doc = {"@context": "https://example.org/evil-context.jsonld", "@id": "x", "name": "y"}
    response = post(server, json.dumps(doc).encode(), "application/ld+json")
    assert response.status_code == 400
    assert "https://example.org/evil-context.jsonld" in response.json()["error"]


def test_context_document_is_served_and_covers_the_ontology(server):
    response = requests.get(f"{server}/context.jsonld", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    context = response.json()["@context"]
    revalidated = requests.get(f"{server}/context.jsonld", timeout=30,
                               headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304

    def expand(value: str) -> str:
        prefix, _, rest = value.partition(":")
        target = context.get(prefix)
        return target + rest if isinstance(target, str) and rest else value

    mapped = {expand(v if isinstance(v, str) else v.get("@id", ""))
              for k, v in context.items() if not k.startswith("@")}
    ontology = Graph().parse(ROOT / "ontology" / "clusterkb.ttl")
    terms = {str(s) for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for s in ontology.subjects(RDF.type, kind) if str(s).startswith(CKB)}
    assert terms and terms <= mapped, sorted(terms - mapped)
