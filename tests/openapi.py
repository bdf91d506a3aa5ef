"""Real responses checked against the OpenAPI schema drf-spectacular generates for Parley.

The schema is OpenAPI 3.0; its `nullable` is turned into JSON Schema's null type, and objects
with listed properties take no others (a hand-built dict with a stray or misspelt key fails),
then `jsonschema` validates the body against the operation's schema for the response status.
"""

import functools
import io
import re
from typing import Any

import yaml
from django.core.management import call_command
from jsonschema import Draft202012Validator


@functools.cache
def openapi() -> dict[str, Any]:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items()}
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _components() -> dict[str, Any]:
    return _strict(openapi()["components"])


def _operation(path: str, method: str) -> dict[str, Any]:
    """The operation whose templated path matches the concrete `path`."""
    for template, operations in openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method in operations:
            return operations[method]
    raise AssertionError(f"{method.upper()} {path} is not in the schema")


def assert_matches_schema(response, method: str = "get") -> Any:
    """The response's JSON body, after checking it against the schema of its operation and
    status; fails if the status is not documented for the operation."""
    path = response.wsgi_request.path
    operation = _operation(path, method.lower())
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (path, response.status_code, sorted(operation["responses"]))
    body = response.json()
    schema = documented["content"]["application/json"]["schema"]
    Draft202012Validator({"components": _components(), **_strict(schema)}).validate(body)
    return body
