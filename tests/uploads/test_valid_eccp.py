"""The ECCP's profile criteria as a second check (``shapes/criteria/eccp.ttl``): warnings in a
section of their own, never violations, never counted in ``conforms`` (#15.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterkb.config import Config
from clusterkb.rdfio import parse_dataset
from clusterkb.validation import check_criteria, validate_parsed

ROOT = Path(__file__).resolve().parents[2]
ECCP = "https://w3id.org/clusterkb/shapes/eccp#"
CLUSTER = "https://w3id.org/clusterkb/id/cluster/baltic-biotech"

PREFIXES = """@prefix ckb: <https://w3id.org/clusterkb/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix orgtype: <https://w3id.org/clusterkb/vocab/organisation-types/> .
@prefix count: <https://w3id.org/clusterkb/id/member-count/> .
"""

#: Every criterion met: 20 members in total, two counted types, a post, a homepage.
ALL_MET = {
    "members": "count:bb-all a ckb:MemberCount ; ckb:memberCount 20 .\n"
               "<{c}> ckb:hasMemberCount count:bb-all .",
    "types": "count:bb-smes a ckb:MemberCount ; ckb:memberCount 12 ;"
             " ckb:countedType orgtype:sme .\n"
             "count:bb-unis a ckb:MemberCount ; ckb:memberCount 3 ;"
             " ckb:countedType orgtype:university .\n"
             "<{c}> ckb:hasMemberCount count:bb-smes , count:bb-unis .",
    "team": "<{c}> org:hasPost <{c}#post-manager> .\n"
            "<{c}#post-manager> a org:Post ; rdfs:label \"Cluster manager\"@en .",
    "site": "<{c}> foaf:homepage <https://example.org/> .",
}
CRITERION = {"members": "CommittedMembers", "types": "MemberTypes", "team": "ManagementTeam",
             "site": "Website"}


def profile(*parts: str) -> bytes:
    body = f"<{CLUSTER}> a ckb:ClusterOrganisation ; rdfs:label \"Baltic Biotech\"@en .\n"
    body += "\n".join(ALL_MET[p].format(c=CLUSTER) for p in parts)
    return (PREFIXES + body).encode()


@pytest.fixture(scope="module")
def config() -> Config:
    return Config(ontology_dir=ROOT / "ontology", kb_dir=ROOT / "kb", shapes_dir=ROOT / "shapes")


def criteria_of(data: bytes, config: Config) -> set[str]:
    results = check_criteria(parse_dataset(data, "turtle"), config)
    assert all(r.severity == "Warning" and r.focus == CLUSTER for r in results)
    return {r.shape.removeprefix(ECCP) for r in results}


def test_a_profile_that_meets_every_criterion_gets_none(config):
    assert criteria_of(profile(*ALL_MET), config) == set()


@pytest.mark.parametrize("missing", sorted(ALL_MET))
def test_each_missing_criterion_is_reported_alone(config, missing):
    parts = [p for p in ALL_MET if p != missing]
    assert criteria_of(profile(*parts), config) == {CRITERION[missing]}


def test_too_few_members_or_one_type_only_do_not_count(config):
    few = profile("types", "team", "site")  # 12 SMEs and 3 universities, but no total
    small_total = PREFIXES.encode() + (
        f"<{CLUSTER}> a ckb:ClusterOrganisation ; ckb:hasMemberCount count:x ;"
        f" ckb:memberType orgtype:sme , orgtype:sme ; org:hasPost <{CLUSTER}#p> ;"
        f" schema:url <https://example.org/> .\n"
        "count:x a ckb:MemberCount ; ckb:memberCount 14 .").encode()
    assert criteria_of(small_total, config) == {"CommittedMembers", "MemberTypes"}
    assert "CommittedMembers" in criteria_of(few, config)  # typed counts are not the total


def test_the_criteria_are_never_violations_and_stay_out_of_the_verdict(config):
    data = parse_dataset(profile(), "turtle")
    report = validate_parsed(data, config)
    criteria = check_criteria(data, config)
    assert len(criteria) == 4
    assert not any(r.shape and r.shape.startswith(ECCP) for r in report.results)
