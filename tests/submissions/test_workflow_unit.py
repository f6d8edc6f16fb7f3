"""The workflow rules without HTTP: scope of a submitter, recovery after a crash, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, RDFS, XSD

from clusterkb import proposals
from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore
from clusterkb.submissions import (
    ACCEPTED,
    PENDING,
    Ownership,
    SubmissionRecords,
    Workflow,
    WorkflowError,
    graph_refusals,
    scope_violations,
    server_provenance,
    strip_provenance,
    submission_graph,
)
from clusterkb.tokens import TokenError, TokenStore

BASE = "https://w3id.org/clusterkb/"
CKB = "https://w3id.org/clusterkb/ontology#"
ROHEALTH = f"{BASE}id/cluster/rohealth"
HEALTH_ROMANIA = f"{BASE}id/cluster/health-romania"


def _cluster(graph: Graph, iri: str, label: str) -> Graph:
    graph.add((URIRef(iri), RDF.type, URIRef(f"{CKB}ClusterOrganisation")))
    graph.add((URIRef(iri), RDFS.label, Literal(label, lang="en")))
    return graph


ORG = "http://www.w3.org/ns/org#"
OWN_GRAPH = f"{BASE}graph/clusters/rohealth"
HR_GRAPH = f"{BASE}graph/clusters/health-romania"
PARTNER = f"{BASE}id/organisation/wellness-serbia"
ESCA = f"{BASE}id/organisation/esca"
HR_AWARD = f"{BASE}id/award/health-romania-bronze-label"
OWN_AWARD = f"{BASE}id/award/rohealth-silver-label"


def _ownership(own: Graph) -> Ownership:
    """ROHEALTH's view of a small KB, written by hand: who describes what."""
    return Ownership(ROHEALTH, BASE, own, {
        ROHEALTH: frozenset({OWN_GRAPH}), OWN_AWARD: frozenset({OWN_GRAPH}),
        PARTNER: frozenset({OWN_GRAPH}),
        HEALTH_ROMANIA: frozenset({HR_GRAPH, OWN_GRAPH}), HR_AWARD: frozenset({HR_GRAPH}),
        ESCA: frozenset({f"{BASE}graph/shared/organisations"}),
        f"{BASE}vocab/label-levels/silver": frozenset({f"{BASE}graph/vocab/label-levels"}),
    }, frozenset({ROHEALTH, HEALTH_ROMANIA, PARTNER}))


def _own() -> Graph:
    own = _cluster(Graph(), ROHEALTH, "ROHEALTH")
    own.add((URIRef(HEALTH_ROMANIA), RDFS.label, Literal("Health Romania", lang="en")))
    _cluster(own, PARTNER, "Wellness Serbia")
    own.add((URIRef(OWN_AWARD), RDFS.label, Literal("Silver label", lang="en")))
    own.add((URIRef(OWN_GRAPH), RDFS.label, Literal("ROHEALTH's graph", lang="en")))
    return own


def _refused(graph: Graph) -> dict[str, str]:
    return {r.subject: r.reason for r in scope_violations(graph, _ownership(_own()))}


def test_scope_own_graph_back_unchanged_is_never_refused():
    assert _refused(_own()) == {}


def test_scope_owned_resources_may_change_and_grow():
    graph = _own()
    graph.set((URIRef(OWN_AWARD), RDFS.label, Literal("Gold label", lang="en")))
    for iri in (ROHEALTH, f"{ROHEALTH}#post-manager", f"{ROHEALTH}/history-note"):
        graph.add((URIRef(iri), RDFS.comment, Literal("ours")))
    minted = URIRef(f"{BASE}id/person/new-manager")
    graph.add((minted, RDFS.label, Literal("A new manager")))
    blank = BNode()
    graph.add((URIRef(ROHEALTH), URIRef(f"{CKB}hasFigure"), blank))
    graph.add((blank, RDFS.label, Literal("a figure")))
    graph.add((URIRef(ROHEALTH), URIRef(f"{CKB}collaboratesWith"), URIRef(HEALTH_ROMANIA)))
    graph.add((URIRef(ROHEALTH), URIRef(f"{CKB}hasAward"), URIRef(OWN_AWARD)))
    assert _refused(graph) == {}


@pytest.mark.parametrize("subject,predicate,obj,why", [
    (HEALTH_ROMANIA, RDFS.label, Literal("renamed"), "another cluster"),
    (PARTNER, RDFS.label, Literal("Wellness Serbia, changed"), "another cluster"),
    (f"{HEALTH_ROMANIA}#post-manager", RDFS.label, Literal("x"), "part of another cluster"),
    (f"{BASE}id/cluster/not-yet-known", RDFS.label, Literal("x"), "another cluster"),
    ("https://example.org/new-cluster", RDF.type, URIRef(f"{CKB}ClusterOrganisation"),
     "another cluster"),
    (HR_AWARD, RDFS.label, Literal("defaced"), "another cluster's graph"),
    (ESCA, RDFS.label, Literal("Evil ESCA"), "shared resource"),
    (f"{CKB}ClusterOrganisation", RDFS.label, Literal("Evil heading"), "ontology"),
    (f"{BASE}vocab/label-levels/silver", RDFS.label, Literal("x"), "vocabulary"),
    (str(RDFS.label), RDFS.comment, Literal("x"), "vocabulary"),
    (OWN_GRAPH, RDFS.label, Literal("renamed graph"), "named graph"),
    (HR_GRAPH, RDFS.label, Literal("x"), "named graph"),
    (f"{BASE}catalog", RDFS.label, Literal("x"), "catalogue"),
    (BASE, RDFS.label, Literal("x"), "catalogue"),
])
def test_scope_refuses_statements_about_what_others_own(subject, predicate, obj, why):
    graph = _own()
    graph.add((URIRef(subject), predicate, obj))
    refused = _refused(graph)
    assert list(refused) == [subject] and why in refused[subject], refused


def test_scope_refuses_owned_resources_joining_or_claiming_another_cluster():
    evil = URIRef(f"{BASE}id/organisation/evil-corp")
    membership = BNode()
    for triples in (
            [(evil, URIRef(f"{ORG}memberOf"), URIRef(HEALTH_ROMANIA))],
            [(membership, URIRef(f"{ORG}organization"), URIRef(HEALTH_ROMANIA)),
             (membership, URIRef(f"{ORG}member"), evil)],
            [(URIRef(ROHEALTH), URIRef(f"{CKB}hasAward"), URIRef(HR_AWARD))]):
        graph = _own()
        for triple in triples:
            graph.add(triple)
        refused = scope_violations(graph, _ownership(_own()))
        assert [r.subject for r in refused] == [str(triples[0][0])], refused
        assert "another cluster" in refused[0].reason


# --- proposed concepts (issue 15.5) --------------------------------------------------------

SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
TECH = f"{BASE}vocab/technology-fields"
OURS = f"{BASE}vocab/proposed/technology-fields/biotechnology"
THEIRS = f"{BASE}vocab/proposed/technology-fields/photonics"
PROPOSALS_GRAPH = f"{BASE}graph/vocab/proposed"


def _proposal(graph: Graph, iri: str, label: str) -> Graph:
    graph.add((URIRef(iri), RDF.type, URIRef(f"{SKOS_NS}Concept")))
    graph.add((URIRef(iri), URIRef(f"{SKOS_NS}prefLabel"), Literal(label, lang="en")))
    graph.add((URIRef(iri), URIRef(f"{CKB}proposedFor"), URIRef(TECH)))
    return graph


def _proposal_ownership(own: Graph) -> Ownership:
    """ROHEALTH proposed (and got accepted) Biotechnology; Health Romania, Photonics."""
    accepted = _proposal(_proposal(Graph(), OURS, "Biotechnology"), THEIRS, "Photonics")
    return Ownership(ROHEALTH, BASE, own, {
        ROHEALTH: frozenset({OWN_GRAPH}), OURS: frozenset({OWN_GRAPH, PROPOSALS_GRAPH}),
        THEIRS: frozenset({HR_GRAPH, PROPOSALS_GRAPH}),
    }, frozenset({ROHEALTH, HEALTH_ROMANIA}), accepted)


def test_scope_a_new_proposed_concept_is_the_submitters_to_mint():
    graph = _proposal(_own(), f"{BASE}vocab/proposed/technology-fields/genomics", "Genomics")
    assert _refused(graph) == {}
    # but not a concept in a scheme's own namespace, nor a scheme
    for iri in (f"{TECH}/genomics", TECH):
        graph = _own()
        graph.add((URIRef(iri), URIRef(f"{SKOS_NS}prefLabel"), Literal("Genomics", lang="en")))
        assert "vocabulary" in _refused(graph)[iri]


def test_scope_an_accepted_proposal_its_proposer_may_relabel_others_only_restate():
    own = _proposal(_own(), OURS, "Biotechnology")
    relabelled = _proposal(_own(), OURS, "Biotechnologies")
    assert scope_violations(relabelled, _proposal_ownership(own)) == []
    restated = _proposal(_own(), THEIRS, "Photonics")
    assert scope_violations(restated, _proposal_ownership(own)) == []
    changed = _proposal(_own(), THEIRS, "Photonics and optics")
    refused = scope_violations(changed, _proposal_ownership(own))
    assert [r.subject for r in refused] == [THEIRS]
    assert "another cluster's graph" in refused[0].reason


def test_accepting_publishes_a_proposal_once_and_only_its_proposer_renews_it():
    skos = {name: URIRef(f"{SKOS_NS}{name}") for name in ("inScheme", "prefLabel",
                                                         "hasTopConcept", "topConceptOf")}
    listed = [{"iri": OURS, "scheme": TECH}]
    first = proposals.accepted(_proposal(Graph(), OURS, "Biotechnology"), listed, BASE,
                               ROHEALTH, "note 1", f"{BASE}graph/submission/1")
    assert (URIRef(OURS), skos["inScheme"], URIRef(TECH)) in first
    assert (URIRef(OURS), skos["topConceptOf"], URIRef(TECH)) in first
    assert (URIRef(TECH), skos["hasTopConcept"], URIRef(OURS)) in first
    assert (URIRef(OURS), PROV.wasAttributedTo, URIRef(ROHEALTH)) in first
    # Not listed by the report (not validated), or outside its scheme's namespace: nothing.
    assert len(proposals.accepted(_proposal(Graph(), OURS, "B"), [], BASE, ROHEALTH, "n",
                                  "s")) == 0
    wrong = f"{BASE}vocab/proposed/s3-priority-areas/biotechnology"
    assert len(proposals.accepted(_proposal(Graph(), wrong, "B"), [{"iri": wrong,
                                  "scheme": TECH}], BASE, ROHEALTH, "n", "s")) == 0
    published = proposals.merged(Graph(), first, ROHEALTH)
    by_others = proposals.accepted(_proposal(Graph(), OURS, "Biotech"), listed, BASE,
                                   HEALTH_ROMANIA, "note 2", f"{BASE}graph/submission/2")
    assert isomorphic(proposals.merged(published, by_others, HEALTH_ROMANIA), published)
    renewed = proposals.accepted(_proposal(Graph(), OURS, "Biotechnologies"), listed, BASE,
                                 ROHEALTH, "note 3", f"{BASE}graph/submission/3")
    again = proposals.merged(published, renewed, ROHEALTH)
    assert set(again.objects(URIRef(OURS), skos["prefLabel"])) == {
        Literal("Biotechnologies", lang="en")}
    assert (URIRef(TECH), skos["hasTopConcept"], URIRef(OURS)) in again


def test_scope_refuses_named_graphs_other_than_the_clusters_own():
    refusals = graph_refusals([OWN_GRAPH, HR_GRAPH, f"{BASE}graph/catalog"], _ownership(_own()))
    assert [r.subject for r in refusals] == [f"{BASE}graph/catalog", HR_GRAPH]


def test_every_published_cluster_graph_is_in_its_own_scope(built_store, tmp_path):
    """The KB's own graphs, read back from the store, pass their cluster's scope rule."""
    cfg = built_store.config
    workflow = Workflow(cfg, built_store, SubmissionRecords(tmp_path / "s.sqlite3"))
    for slug in ("rohealth", "health-romania", "hungarian-medical-cluster"):
        cluster = f"{BASE}id/cluster/{slug}"
        published = built_store.graph(f"{BASE}graph/clusters/{slug}")
        prepared = workflow.prepare(published, cluster, [f"{BASE}graph/clusters/{slug}"])
        assert prepared.refusals == [], (slug, prepared.refusals)
        # Only the generation stamp is left out: everything else is the cluster's to keep.
        assert len(published) - len(prepared.graph) == 1, prepared.notes


def test_server_provenance_is_what_accept_writes_and_nothing_else(config, store):
    tokens = TokenStore.for_config(config)
    submitter, _ = tokens.create("submitter", ROHEALTH, BASE)
    curator, _ = tokens.create("curator", None, BASE)
    workflow = Workflow(config, store)
    submitted = _cluster(Graph(), ROHEALTH, "ROHEALTH")
    submitted.add((URIRef(OWN_GRAPH), PROV.wasDerivedFrom, URIRef(f"{BASE}id/source/eccp")))
    sub = workflow.submit(submitted, submitter, {})
    workflow.accept(sub.id, curator)
    published = store.graph(OWN_GRAPH)
    # accept adds 21 provenance triples (3 on the graph, 7 on the activity, 3 on the
    # qualified association, 4 on the submission, 2 per agent)
    assert len(server_provenance(published, BASE, OWN_GRAPH)) == 21
    assert isomorphic(strip_provenance(published, BASE, OWN_GRAPH), submitted)


@pytest.fixture()
def store(config: Config):
    store = EmbeddedStore(config)
    yield store
    store.close()


def test_reconcile_records_an_accept_published_before_a_crash(config, store):
    tokens = TokenStore.for_config(config)
    submitter, _ = tokens.create("submitter", ROHEALTH, BASE)
    curator, _ = tokens.create("curator", None, BASE)
    old = _cluster(Graph(), ROHEALTH, "ROHEALTH (old)")
    store.replace_graphs({f"{BASE}graph/clusters/rohealth": old})
    workflow = Workflow(config, store)
    sub = workflow.submit(_cluster(Graph(), ROHEALTH, "ROHEALTH (new)"), submitter, {})
    assert workflow.reconcile() == []  # nothing published yet: stays pending

    # Do what accept does up to the store write, then "crash" before the record.
    workflow.records.decide = lambda *a, **k: (_ for _ in ()).throw(SystemExit("killed"))
    with pytest.raises(SystemExit):
        workflow.accept(sub.id, curator)
    assert Workflow(config, store).get(sub.id).status == PENDING

    restarted = Workflow(config, store)
    assert restarted.reconcile() == [sub.id]
    recorded = restarted.get(sub.id)
    assert recorded.status == ACCEPTED and recorded.curator_id == curator.id
    versions = restarted.history("rohealth")
    assert [v.n for v in versions] == [None, 1]
    saved = restarted.version_graph("rohealth", 1)
    assert (URIRef(ROHEALTH), RDFS.label, Literal("ROHEALTH (old)", lang="en")) in saved
    assert restarted.reconcile() == []  # idempotent
    with pytest.raises(WorkflowError) as error:
        restarted.accept(sub.id, curator)
    assert error.value.status == 409


def test_pending_submission_graph_is_not_published(config, store):
    tokens = TokenStore.for_config(config)
    submitter, _ = tokens.create("submitter", ROHEALTH, BASE)
    workflow = Workflow(config, store)
    sub = workflow.submit(_cluster(Graph(), ROHEALTH, "ROHEALTH"), submitter, {})
    assert submission_graph(BASE, sub.id) not in store.graphs()
    assert not store.ask(f"ASK {{ <{ROHEALTH}> ?p ?o }}")
    assert len(workflow.submitted_graph(sub)) == 2


def test_tokens_are_stored_hashed_and_checked(tmp_path: Path):
    tokens = TokenStore(tmp_path / "tokens.sqlite3")
    token, secret = tokens.create("curator", None, BASE)
    assert tokens.authenticate(secret) == token
    assert tokens.authenticate(secret + "x") is None
    assert tokens.authenticate("not-a-token") is None
    assert secret.encode() not in (tmp_path / "tokens.sqlite3").read_bytes()
    assert tokens.revoke(token.id) and tokens.authenticate(secret) is None
    with pytest.raises(TokenError):
        tokens.create("submitter", "https://example.org/not-a-cluster", BASE)
    with pytest.raises(TokenError):
        tokens.create("owner", None, BASE)
    assert json.dumps([t.to_json() for t in tokens.list()])


def test_reconcile_trusts_no_published_provenance(config, store):
    """Forged provenance in a published graph (naming a pending submission, with a
    year -1 date) neither crashes recovery nor records anything."""
    tokens = TokenStore.for_config(config)
    submitter, _ = tokens.create("submitter", ROHEALTH, BASE)
    workflow = Workflow(config, store)
    sub = workflow.submit(_cluster(Graph(), ROHEALTH, "ROHEALTH (new)"), submitter, {})
    forged = _cluster(Graph(), ROHEALTH, "ROHEALTH (forged)")
    g = URIRef(OWN_GRAPH)
    activity = URIRef(f"{BASE}id/acceptance/{sub.id}")
    forged.add((g, PROV.wasDerivedFrom, URIRef(submission_graph(BASE, sub.id))))
    forged.add((g, PROV.generatedAtTime, Literal("-0001-01-01T00:00:00Z", datatype=XSD.dateTime)))
    forged.add((g, PROV.wasGeneratedBy, activity))
    forged.add((activity, PROV.wasAssociatedWith, URIRef(f"{BASE}id/token/curatorabcd")))
    store.replace_graphs({OWN_GRAPH: forged})
    restarted = Workflow(config, store)
    assert restarted.reconcile() == []
    assert restarted.get(sub.id).status == PENDING
    assert [v.n for v in restarted.history("rohealth")] == [None]


def test_decided_submissions_leave_no_pending_graph(config, store):
    tokens = TokenStore.for_config(config)
    submitter, _ = tokens.create("submitter", ROHEALTH, BASE)
    curator, _ = tokens.create("curator", None, BASE)
    workflow = Workflow(config, store)
    one = workflow.submit(_cluster(Graph(), ROHEALTH, "one"), submitter, {})
    two = workflow.submit(_cluster(Graph(), ROHEALTH, "two"), submitter, {})
    assert store.pending_graphs() == sorted([submission_graph(BASE, one.id),
                                             submission_graph(BASE, two.id)])
    workflow.reject(one.id, curator, "no")
    workflow.accept(two.id, curator)
    assert store.pending_graphs() == []  # no earlier version: nothing saved in the history
