"""Every KB file comes out of the store exactly as it went in (issue 15.1, the data half).

Oxigraph keeps literals by value: an ``xsd:nonNegativeInteger`` comes back as ``xsd:integer``,
a decimal ``12.0`` as ``12``. A KB file that used such forms would be published differently
from how it was validated. Each file is loaded into a real in-memory store, dumped, and
compared with the file as rdflib reads it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic, to_isomorphic

from .test_kb import KB_FILES, ONTOLOGY

FILES = KB_FILES + sorted(ONTOLOGY.rglob("*.ttl"))


def through_the_store(path: Path) -> Graph:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=dumped.decode("utf-8"), format="nt")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_survives_the_store_unchanged(path: Path) -> None:
    original = Graph().parse(path, format="turtle")
    back = through_the_store(path)
    if not isomorphic(original, back):
        a, b = to_isomorphic(original), to_isomorphic(back)
        changed = sorted(str(t) for t in (a - b))[:5]
        pytest.fail(f"{path.name}: the store changes {len(a - b)} triple(s), e.g. {changed}")


def test_a_literal_the_store_rewrites_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('<https://example.org/a> <https://example.org/n> '
                   '"66"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .\n')
    assert not isomorphic(Graph().parse(bad, format="turtle"), through_the_store(bad))
