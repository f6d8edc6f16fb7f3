"""The OpenAPI document, generated from the app: its routes and the views' docstrings.

Why generated: a hand-written document drifts from the routes (the old one lacked
the search facets and the sign-in routes). Here the paths, methods and path
parameters come from the Flask ``url_map`` itself, and each operation from the
YAML after ``---`` in its view's docstring (read with apispec's
``load_operations_from_docstring``), so a route and its description sit side by
side and a route without one is noticed (``tests/web/test_openapi_generated.py``
walks the ``url_map``). What several operations share (schemas, error answers,
parameters) is data, in ``openapi.yaml`` beside this module.

apispec (core) assembles and checks the document: it turns a string given as a
schema, response, parameter or header into a ``$ref`` to the component of that
name and refuses duplicate parameters or unknown methods. Its Flask plugin is not
used: it assumes one rule per view (``/catalog`` and ``/catalog.<ext>`` share
one) and describes no path parameters.

Media types are never written in the YAML: a ``content`` key is the name of a
format (``TURTLE``) or a tuple of formats (``GRAPH_FORMATS``) in
``clusterkb.formats``, expanded here to their media types.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml
from apispec import APISpec
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask
from werkzeug.routing import Rule

from clusterkb import __version__, formats

COMPONENTS = Path(__file__).with_name("openapi.yaml")
#: Routes that serve files of a folder (the site's and the API page's assets): no API.
STATIC_ENDPOINT = re.compile(r"(^|\.)static$")
#: ``<converter(args):name>`` or ``<name>`` in a werkzeug rule.
_RULE_PART = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
#: What a werkzeug converter matches, as a JSON Schema.
_CONVERTER_SCHEMAS = {
    "default": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "string": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "path": {"type": "string", "minLength": 1},
    "int": {"type": "integer", "minimum": 0},
}


class SpecError(ValueError):
    """The docstrings or ``openapi.yaml`` say something the generator cannot use."""


def media_types(name: str) -> list[str]:
    """The media types a ``content`` key names: a format or a tuple of formats."""
    found = getattr(formats, name, None) if name.isupper() else None
    if isinstance(found, formats.Format):
        return [found.media_type]
    if isinstance(found, tuple) and found and all(isinstance(f, formats.Format)
                                                  for f in found):
        return list(dict.fromkeys(f.media_type for f in found))
    raise SpecError(f"content key {name!r} is not a format (or tuple of formats) "
                    "of clusterkb.formats")


def expand_content(node: object) -> object:
    """``node`` with every ``content`` mapping's format names replaced by media types."""
    if isinstance(node, list):
        return [expand_content(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "content" and isinstance(value, dict):
            out[key] = {media: expand_content(copy.deepcopy(body or {}))
                        for name, body in value.items() for media in media_types(name)}
        else:
            out[key] = expand_content(value)
    return out


def openapi_path(rule: Rule) -> tuple[str, list[dict]]:
    """The OpenAPI path template of ``rule`` and its path parameters, from its converters."""
    parameters = []

    def template(match: re.Match) -> str:
        converter = match["converter"] or "default"
        schema = _CONVERTER_SCHEMAS.get(converter)
        if schema is None:
            raise SpecError(f"{rule.rule}: no schema for the converter {converter!r}")
        parameters.append({"name": match["name"], "in": "path", "required": True,
                           "schema": dict(schema)})
        return "{" + match["name"] + "}"

    return _RULE_PART.sub(template, rule.rule), parameters


def rule_methods(rule: Rule) -> list[str]:
    """The methods a rule's view answers, less HEAD (GET's) and an automatic OPTIONS."""
    methods = set(rule.methods or ()) - {"HEAD"}
    if getattr(rule, "provide_automatic_options", False):
        methods.discard("OPTIONS")
    return sorted(m.lower() for m in methods)


def documented_rules(app: Flask) -> list[Rule]:
    """Every rule of ``app`` that belongs in the document (all but the asset folders)."""
    return sorted((r for r in app.url_map.iter_rules() if not STATIC_ENDPOINT.search(r.endpoint)),
                  key=lambda r: (r.rule, r.endpoint))


def _operation_id(given: str | None, rule: Rule, method: str, shared: bool,
                  taken: set[str]) -> str:
    base = given or f"{method}_{rule.endpoint.replace('.', '_')}"
    if shared:  # one view, several rules: name the rule too
        base += "_" + (re.sub(r"\W+", "_", rule.rule).strip("_") or "root")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _components(spec: APISpec, data: dict) -> None:
    registrars = {"schemas": spec.components.schema, "responses": spec.components.response,
                  "parameters": lambda name, value: spec.components.parameter(
                      name, value["in"], {k: v for k, v in value.items() if k != "in"}),
                  "headers": spec.components.header,
                  "securitySchemes": spec.components.security_scheme}
    for kind, entries in data.get("components", {}).items():
        if kind == "requestBodies":
            continue  # copied into the operations that name them (``build``)
        if kind not in registrars:
            raise SpecError(f"openapi.yaml: unknown component kind {kind!r}")
        for name, value in entries.items():
            registrars[kind](name, value)


def _applies(parameter: dict | str, path_names: set[str], shared: dict) -> bool:
    """Whether an operation's parameter belongs on a rule: a path parameter only where the
    rule has it (``/catalog`` and ``/catalog.<ext>`` share one docstring)."""
    found = shared.get(parameter, {}) if isinstance(parameter, str) else parameter
    return found.get("in") != "path" or found.get("name") in path_names


def build(app: Flask, server_url: str) -> dict:
    """The OpenAPI 3.1 document of ``app``, served from ``server_url``."""
    data = expand_content(yaml.safe_load(COMPONENTS.read_text(encoding="utf-8")))
    spec = APISpec(title=data["info"]["title"], version=__version__, openapi_version="3.1.0",
                   info={"description": data["info"]["description"]},
                   servers=[{"url": server_url}], tags=data.get("tags", []))
    _components(spec, data)
    shared_parameters = data.get("components", {}).get("parameters", {})
    bodies = data.get("components", {}).get("requestBodies", {})
    rules = documented_rules(app)
    per_view: dict[str, int] = {}
    for rule in rules:
        per_view[rule.endpoint] = per_view.get(rule.endpoint, 0) + 1
    taken: set[str] = set()
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        described = expand_content(load_operations_from_docstring(view.__doc__ or ""))
        path, parameters = openapi_path(rule)
        names = {p["name"] for p in parameters}
        operations = {}
        for method in rule_methods(rule):
            operation = copy.deepcopy(described.get(method))
            if not isinstance(operation, dict) or not operation.get("responses"):
                continue  # undocumented: the route test names it
            operation["parameters"] = [p for p in operation.get("parameters", [])
                                       if _applies(p, names, shared_parameters)]
            body = operation.get("requestBody")
            if isinstance(body, str):  # apispec resolves no requestBody reference
                if body not in bodies:
                    raise SpecError(f"{rule.rule}: no request body {body!r} in openapi.yaml")
                operation["requestBody"] = copy.deepcopy(bodies[body])
            operation["operationId"] = _operation_id(operation.get("operationId"), rule, method,
                                                     per_view[rule.endpoint] > 1, taken)
            # by code (a ``<<:`` merge of the common answers puts them first)
            operation["responses"] = dict(sorted(operation["responses"].items(),
                                                 key=lambda item: str(item[0])))
            operation.setdefault("tags", [rule.endpoint.partition(".")[0]])
            operations[method] = operation
        if operations:
            spec.path(path=path, operations=operations, parameters=parameters)
    return spec.to_dict()
