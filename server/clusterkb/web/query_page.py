"""The SPARQL query page: the form, the example questions of ``kb/questions/`` beside it.

Not a blueprint: the endpoint (``web.sparql``) shows it when a browser comes without a
query, and the HTML results page (``web.sparql_results``) shows it again with results
or an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import render_template, request, url_for

from clusterkb.web.context import config
from clusterkb.web.editor import default_query


@dataclass(frozen=True)
class Example:
    """One example query from ``kb/questions/*.rq``."""

    slug: str
    title: str
    description: str
    query: str


def load_examples(questions_dir: Path) -> list[Example]:
    """Read the example queries from their leading ``#`` comment lines.

    Either ``# title: ...`` / ``# description: ...`` lines, or plain comment
    lines: the first is the title, the rest the description. Read on each
    request of the HTML page: a handful of small files, and edits show up
    without a restart.
    """
    examples = []
    for path in sorted(questions_dir.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        fields: dict[str, list[str]] = {"title": [], "description": []}
        current = "title"
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comment = line.lstrip("#").strip()
            key, sep, value = comment.partition(":")
            if sep and key.strip().lower() in fields:
                current = key.strip().lower()
                comment = value.strip()
            elif fields["title"] and current == "title":
                current = "description"  # plain comments: the first line is the title
            if comment:
                fields[current].append(comment)
        title = " ".join(fields["title"]) or path.stem.replace("-", " ")
        examples.append(Example(path.stem, title, " ".join(fields["description"]), text))
    return examples


def query_page(**context) -> str:
    """The query form with the example questions; ``context`` adds results or an error."""
    examples = load_examples(config().kb_dir / "questions")
    chosen = request.args.get("example")
    query = next((e.query for e in examples if e.slug == chosen), default_query(config()))
    context.setdefault("query", query)
    return render_template(
        "query.html",
        endpoint=url_for("sparql.endpoint"),
        examples=examples,
        chosen=chosen,
        config_timeout=f"{config().query_timeout:g}",
        config_rows=config().max_result_rows,
        **context,
    )
