"""``clusterkb serve --workers 2`` over one embedded store, and writers in several processes.

Several gunicorn workers read the same store generations; an accepted
submission (written by whichever worker got the request, under the store's
file lock) must reach every worker, and no reader may see an error or a mix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from rdflib import Graph, Literal, URIRef
from tests.backends.conftest import Backend
from tests.backends.test_e2e_backends import CKB, FIXTURES, NEW_MISSION, ROHEALTH

from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore

MISSION_QUERY = f"SELECT ?m WHERE {{ <{ROHEALTH}> <{CKB}mission> ?m }}"


def missions(url: str) -> tuple[set[str], str]:
    response = requests.get(f"{url}/sparql", params={"query": MISSION_QUERY},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, (response.status_code, response.text[:300])
    values = {row["m"]["value"] for row in response.json()["results"]["bindings"]}
    return values, response.headers["X-Worker"]


def test_two_workers_serve_old_or_new_and_all_see_the_accept(start_server, tmp_path):
    var = tmp_path / "var"
    url = start_server(CLUSTERKB_VAR_DIR=str(var), CLUSTERKB_WORKERS="2")
    server = Backend("embedded", url, {"CLUSTERKB_VAR_DIR": str(var)})
    old, _ = missions(url)
    assert old and NEW_MISSION not in old
    submitter = server.token("submitter", ROHEALTH)
    curator = server.token("curator")
    created = requests.post(f"{url}/submissions", timeout=120,
                            data=(FIXTURES / "valid" / "submission.json").read_bytes(),
                            headers={"Content-Type": "application/ld+json",
                                     "Authorization": f"Bearer {submitter}"})
    assert created.status_code == 201, created.text

    def accept() -> int:
        return requests.post(f"{url}/submissions/{created.json()['id']}/accept", timeout=120,
                             headers={"Authorization": f"Bearer {curator}"}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        readers = [pool.submit(missions, url) for _ in range(40)]
        accepted = pool.submit(accept)
        readers += [pool.submit(missions, url) for _ in range(40)]
        assert accepted.result() == 200
        answers = [f.result() for f in readers]
    for values, _ in answers:
        assert values in (old, {NEW_MISSION})  # the old state or the new, never a mix
    seen: dict[str, set[str]] = {}
    for _ in range(200):  # bounded: gunicorn spreads connections over both workers
        values, pid = missions(url)
        assert values == {NEW_MISSION}  # after the accept, every worker has the new data
        seen.setdefault(pid, set()).update(values)
        if len(seen) == 2:
            break
    assert len(seen) == 2, f"only worker(s) {sorted(seen)} answered"


WRITER = """
import sys
from pathlib import Path
from rdflib import Graph, Literal, URIRef
from clusterkb.config import Config
from clusterkb.store.embedded import EmbeddedStore
store = EmbeddedStore(Config(var_dir=Path(sys.argv[1])))
for n in range(6):
    g = Graph()
    g.add((URIRef("urn:x:s"), URIRef("urn:x:n"), Literal(f"{sys.argv[2]}-{n}")))
    store.replace_graphs({f"https://w3id.org/clusterkb/graph/test/{sys.argv[2]}-{n}": g})
store.close()
"""


def test_writers_in_different_processes_are_serialised(tmp_path: Path):
    """Concurrent writers each publish on top of the latest generation: no write is lost."""
    var = tmp_path / "var"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(var), name],
                                env=os.environ.copy())
               for name in ("a", "b", "c")]
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0]
    store = EmbeddedStore(Config(var_dir=var))
    try:
        graphs = set(store.graphs())
        expected = {f"https://w3id.org/clusterkb/graph/test/{w}-{n}"
                    for w in "abc" for n in range(6)}
        assert expected <= graphs
        one = store.graph("https://w3id.org/clusterkb/graph/test/b-5")
        assert (URIRef("urn:x:s"), URIRef("urn:x:n"), Literal("b-5")) in one
        assert isinstance(one, Graph)
    finally:
        store.close()
