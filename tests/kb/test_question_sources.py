"""Every competency question's expected answer is traced to the lines of a source document.

``kb/questions/sources.json`` names, per question, the seed file, the line numbers and a quote
those lines hold. The quotes were copied by hand from the seeds; this test checks that each
one really stands on the lines given, so a citation cannot drift from its source.
"""

from __future__ import annotations

import json

import pytest

from .test_kb import EXPECTED, QUESTIONS, SEEDS, SEEDS_DIR

SOURCES = json.loads((QUESTIONS / "sources.json").read_text(encoding="utf-8"))
CITATIONS = [(question, n, cite) for question, entry in SOURCES.items()
             if not question.startswith("_") for n, cite in enumerate(entry["sources"])]


def _fold(text: str) -> str:
    return " ".join(text.split())


def test_every_question_has_its_sources() -> None:
    assert {q for q in SOURCES if not q.startswith("_")} == {q for q in EXPECTED
                                                              if not q.startswith("_")}
    for question, entry in SOURCES.items():
        if not question.startswith("_"):
            assert entry["sources"], f"{question} cites no source"


@pytest.mark.parametrize("question, n, cite", CITATIONS,
                         ids=[f"{q}-{n}" for q, n, _ in CITATIONS])
def test_quote_stands_on_the_cited_lines(question: str, n: int, cite: dict) -> None:
    assert cite["seed"] in {seed for seed, _ in SEEDS.values()}
    path = SEEDS_DIR / cite["seed"]
    assert path.is_file(), f"the seeds are needed here: set CLUSTERKB_SEEDS_DIR ({path})"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all(1 <= i <= len(lines) for i in cite["lines"]), cite
    cited = _fold(" ".join(lines[i - 1] for i in cite["lines"]))
    assert _fold(cite["quote"]) in cited, f"{question}: {cite['quote']!r} is not on {cite}"


def test_a_wrong_line_number_is_caught() -> None:
    # Control: the check above is not vacuous; the same quote on a neighbouring line fails.
    cite = SOURCES["01-clusters-silver-or-better"]["sources"][0]
    lines = (SEEDS_DIR / cite["seed"]).read_text(encoding="utf-8").splitlines()
    shifted = _fold(" ".join(lines[i] for i in cite["lines"]))
    assert _fold(cite["quote"]) not in shifted
