"""A real server with short limits, for the resource-limit and load tests.

``limited_server``
    ``clusterkb serve`` over a private copy of the built store, with a 3 s
    query limit, two query workers and tokens (see ``tests.security.harness``).
    Session-scoped: the tests here must leave it working (that is the point).
"""

from __future__ import annotations

import pytest
from tests.security.harness import AttackServer, make_tokens, private_store

QUERY_TIMEOUT = 3.0


@pytest.fixture(scope="session")
def limited_server(start_server, built_store, tmp_path_factory) -> AttackServer:
    store_dir = private_store(tmp_path_factory, built_store)
    submitter, other, curator = make_tokens(store_dir)
    url = start_server(CLUSTERKB_STORE_DIR=str(store_dir),
                       CLUSTERKB_QUERY_TIMEOUT=str(QUERY_TIMEOUT),
                       CLUSTERKB_QUERY_WORKERS="2", CLUSTERKB_THREADS="8",
                       CLUSTERKB_AUTH_FAILURES_PER_MINUTE="100000")
    return AttackServer(url, submitter, other, curator, store_dir)
