"""``ckbsh:TypedCountsWithinTotal`` still reports correctly on an upload with many counts.

The constraint used to pair every typed count with every other one and walk ``skos:broader+``
for each pair (cubic in the number of counts: 100 counts took minutes). It now walks the
broader concepts of each count once and stops at the first wider count (issue 13.2). These
tests build a cluster with 200 typed member counts and check what the rule reports; they
assert no time (the machine is shared), but at the old cost they would not finish.
"""

from __future__ import annotations

from clusterkb.validation import validate_bytes

RULE = "https://w3id.org/clusterkb/shapes#TypedCountsWithinTotal"
CLUSTER = "https://w3id.org/clusterkb/id/cluster/many-counts"

HEADER = """
@prefix ckb:     <https://w3id.org/clusterkb/ontology#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix orgtype: <https://w3id.org/clusterkb/vocab/organisation-types/> .
@prefix count:   <https://w3id.org/clusterkb/id/member-count/> .
@prefix cluster: <https://w3id.org/clusterkb/id/cluster/> .

cluster:many-counts a ckb:ClusterOrganisation ;
    rdfs:label "Many Counts Cluster"@en .
"""


def profile(total: int, universities: int, start_ups: int, smes: int) -> bytes:
    """A cluster whose total is ``total`` and that has one count of 1 per typed member.

    Start-ups are narrower than SMEs in the organisation-types scheme, so while an SME count
    exists at the same date the start-up counts must not be added to the sum.
    """
    lines = [HEADER, f'count:total a ckb:MemberCount ; ckb:memberCount {total} .',
             "cluster:many-counts ckb:hasMemberCount count:total ."]
    kinds = ["university"] * universities + ["start-up"] * start_ups + ["sme"] * smes
    for i, kind in enumerate(kinds):
        lines.append(f"count:c{i} a ckb:MemberCount ; ckb:memberCount 1 ; "
                     f"ckb:countedType orgtype:{kind} .")
        lines.append(f"cluster:many-counts ckb:hasMemberCount count:c{i} .")
    return "\n".join(lines).encode()


def rule_results(data: bytes, config) -> list:
    return [r for r in validate_bytes(data, "turtle", config).results if r.shape == RULE]


def test_200_typed_counts_over_the_total_are_reported_once(repo_config):
    # 100 universities + 1 SME = 101 > 100; the 99 start-ups are inside the SME count.
    results = rule_results(profile(100, universities=100, start_ups=99, smes=1), repo_config)
    assert [(r.focus, r.severity) for r in results] == [(CLUSTER, "Violation")]
    assert "add up to 101" in results[0].message and "total of 100" in results[0].message


def test_200_typed_counts_within_the_total_pass(repo_config):
    assert rule_results(profile(101, universities=100, start_ups=99, smes=1), repo_config) == []


def test_narrower_counts_are_added_when_no_wider_count_exists(repo_config):
    # Without the SME count, the 199 start-ups count on their own: 100 + 199 = 299 > 250.
    results = rule_results(profile(250, universities=100, start_ups=199, smes=0), repo_config)
    assert len(results) == 1 and "add up to 299" in results[0].message
