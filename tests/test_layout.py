"""The layout rules of issue 14, read off the source: one module per mechanism.

Each rule greps or parses ``server/clusterkb`` as a newcomer would check it by hand:
negotiation only in ``web/negotiate.py``, media types only in the format registry,
error bodies only in the error module, no import cycle, no blueprint importing another.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "clusterkb"


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every Python module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports at module level or in functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    # Imports under ``if TYPE_CHECKING:`` only name types for annotations; never run.
    for block in ast.walk(tree):
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING":
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports the submodule, not (for this purpose) pkg.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _blueprints() -> set[str]:
    """Modules that create a Flask ``Blueprint``."""
    return {name for name, path in _modules().items()
            if re.search(r"\bBlueprint\(", path.read_text(encoding="utf-8"))}


def _files_matching(pattern: str) -> set[str]:
    """The Python modules whose text matches ``pattern`` (templates may name a media
    type in prose for people; code that uses one must take it from the registry)."""
    regex = re.compile(pattern)
    return {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
            if regex.search(path.read_text(encoding="utf-8"))}


def test_the_import_reader_sees_known_edges():
    """The rules below are only as good as the import reader: check it on known edges."""
    graph = _graph()
    assert "clusterkb.formats" in graph["clusterkb.web.negotiate"]
    assert "clusterkb.store.base" in graph["clusterkb.store.embedded"]
    assert "clusterkb.web" in _blueprints() or "clusterkb.web.sparql" in _blueprints()


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target in trail:
                cycles.append([*trail[trail.index(target):], target])
            elif state.get(target) is None:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if state.get(module) is None:
            visit(module, [module])
    assert cycles == []


def test_blueprints_are_leaves():
    """Only the app factory (``clusterkb.web``) imports a blueprint: no blueprint imports
    another, and no helper or core module reaches up into one."""
    blueprints = _blueprints()
    graph = _graph()
    edges = sorted((a, b) for a, targets in graph.items() for b in targets & blueprints
                   if a != "clusterkb.web" and b != "clusterkb.web")
    assert edges == []


def test_negotiation_lives_in_one_module():
    assert _files_matching(r"best_match|accept_mimetypes") <= {"web/negotiate.py"}


#: A quoted media type string, e.g. "text/turtle" or 'application/ld+json'.
MEDIA_TYPE = r"[\"'](text|application|multipart|image)/[a-z0-9.+-]+(;[^\"']*)?[\"']"


def test_the_media_type_pattern_finds_media_types():
    regex = re.compile(MEDIA_TYPE)
    assert regex.search('mimetype="text/html"') and regex.search("'application/ld+json'")
    assert not regex.search('"see text/turtle below"') and not regex.search("a/b")


def test_media_types_live_in_the_format_registry():
    assert _files_matching(MEDIA_TYPE) <= {"formats.py"}


def test_templates_take_media_types_from_the_registry():
    """Templates use ``registry.X.media_type``; none writes a media type itself."""
    regex = re.compile(r"\b(text|application|multipart)/[a-z0-9.+-]+")
    named = {str(p.relative_to(PACKAGE)) for p in (PACKAGE / "templates").rglob("*")
             if p.is_file() and regex.search(p.read_text(encoding="utf-8"))}
    assert named == set()


def test_error_bodies_are_built_in_the_error_module():
    """Error bodies come from ``ClientError.to_json`` and ``web/errors``, nowhere else."""
    pattern = r"jsonify\(\s*error=|[\[(=]\s*\{\s*\"error\":|\"error\":\s*(str\(|self\.|message\b)"
    assert _files_matching(pattern) <= {"web/errors.py", "errors.py"}
