"""What the query page's editor starts from: the KB's prefixes and the default query.

Why: a newcomer's first query should already name the KB's vocabularies, and
the editor (``static/editor.js``, shipped with the package, no CDN) offers to
declare any known prefix a query uses but does not declare. Both read the
prefixes from one place — the submitters' JSON-LD context
(``ontology/context.jsonld``, rebased to the deployment's base IRI) — so the
query page, uploads and ``/context.jsonld`` never disagree on what
``cluster:`` or ``ckb:`` mean.
"""

from __future__ import annotations

from clusterkb.config import Config
from clusterkb.jsonld_context import load_context
from clusterkb.web.context import state

#: The prefixes the default query declares (in this order), when the context has them.
DEFAULT_PREFIXES = ("ckb", "skos", "rdfs", "dct", "org", "schema", "country", "cluster", "xsd")

_DEFAULT_BODY = """\
# The cluster organisations of the knowledge base, with their country
SELECT ?cluster ?name ?country
WHERE {
  ?cluster a ckb:ClusterOrganisation ;
           skos:prefLabel ?name .
  OPTIONAL { ?cluster dct:spatial ?country .
             FILTER(STRSTARTS(STR(?country), STR(country:))) }
}
ORDER BY ?name
LIMIT 25
"""


def prefixes(config: Config) -> dict[str, str]:
    """Prefix -> namespace IRI of every namespace term of the JSON-LD context, sorted."""
    try:
        context = load_context(config).get("@context", {})
    except (OSError, ValueError):
        return {}
    found = {name: value for name, value in context.items()
             if isinstance(value, str) and not name.startswith("@")
             and value.endswith(("/", "#"))}
    return dict(sorted(found.items()))


def default_query(config: Config) -> str:
    """The query the page shows first: the KB's main prefixes declared, then a simple SELECT."""
    known = prefixes(config)
    lines = [f"PREFIX {name}: <{known[name]}>" for name in DEFAULT_PREFIXES if name in known]
    return "\n".join(lines) + ("\n\n" if lines else "") + _DEFAULT_BODY


def init_app(app) -> None:
    """Templates can call ``editor_prefixes()`` (the query page puts them in a data attribute)."""
    config = state(app).config
    app.add_template_global(lambda: prefixes(config), "editor_prefixes")
