"""RemoteStore without a running engine: errors a user can act on, and query-form detection."""

from __future__ import annotations

import pytest
from tests.support import free_port, public

from clusterkb.config import Config
from clusterkb.store import open_store
from clusterkb.store.base import EngineError, StoreError
from clusterkb.store.remote import RemoteStore


def test_open_store_picks_remote_only_with_an_endpoint(tmp_path):
    assert type(open_store(Config(var_dir=tmp_path, endpoint="http://127.0.0.1:9/q"))) \
        is RemoteStore
    embedded = open_store(Config(var_dir=tmp_path))
    assert type(embedded).__name__ == "EmbeddedStore"
    embedded.close()


def test_an_unreachable_engine_is_an_engine_error_naming_it(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    store = RemoteStore(Config(var_dir=tmp_path, endpoint=url))
    with pytest.raises(EngineError, match="cannot be reached") as caught:
        store.query(public("SELECT * WHERE { ?s ?p ?o }",
                           media_type="application/sparql-results+json"))
    assert url in str(caught.value)


def test_a_missing_password_file_is_reported(tmp_path):
    with pytest.raises(StoreError, match="password file"):
        RemoteStore(Config(var_dir=tmp_path, endpoint="http://127.0.0.1:9/q",
                           endpoint_password_file=str(tmp_path / "missing")))


def test_the_app_starts_while_the_engine_is_down_and_answers_502(tmp_path):
    from clusterkb.web import create_app

    url = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    config = Config(var_dir=tmp_path, endpoint=url)
    client = create_app(config, RemoteStore(config)).test_client()
    assert client.get("/healthz").status_code == 200
    down = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"})
    assert down.status_code == 502
    assert url in down.get_data(as_text=True)
    page = client.get("/id/cluster/rohealth", headers={"Accept": "text/turtle"})
    assert page.status_code == 502
