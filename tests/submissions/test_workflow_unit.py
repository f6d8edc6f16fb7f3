"""The workflow rules without HTTP: scope of a submitter, recovery after a crash, tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore
from clusterkb.submissions import (
    ACCEPTED,
    PENDING,
    Workflow,
    WorkflowError,
    scope_violations,
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


def test_scope_allows_pointing_at_other_clusters_but_not_describing_them():
    graph = _cluster(Graph(), ROHEALTH, "ROHEALTH")
    graph.add((URIRef(ROHEALTH), URIRef(f"{CKB}collaboratesWith"), URIRef(HEALTH_ROMANIA)))
    assert scope_violations(graph, ROHEALTH, BASE, {ROHEALTH, HEALTH_ROMANIA}) == []
    # A statement about another KB cluster, even without typing it.
    graph.add((URIRef(HEALTH_ROMANIA), RDFS.comment, Literal("closed")))
    # A new cluster resource somewhere else, typed as a cluster organisation.
    _cluster(graph, "https://example.org/other-cluster", "Other")
    assert set(scope_violations(graph, ROHEALTH, BASE, {ROHEALTH, HEALTH_ROMANIA})) == {
        HEALTH_ROMANIA, "https://example.org/other-cluster"}


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
