"""Dotted paths into JSON (``data.list[].url``): how JSON list pages, API items and pagination are read."""

from __future__ import annotations

import copy
from typing import Any


def values_at(doc: Any, path: str) -> list[Any]:
    """Values at a dotted path; ``name[]`` steps into every element of an array. Empty values are left out."""
    values = [doc]
    for step in path.split("."):
        many = step.endswith("[]")
        key = step.removesuffix("[]")
        values = [v.get(key) for v in values if isinstance(v, dict)]
        if many:
            values = [item for v in values if isinstance(v, list) for item in v]
    return [v for v in values if v not in (None, "")]


def value_at(doc: Any, path: str) -> Any:
    """The first value at a path, or None."""
    found = values_at(doc, path)
    return found[0] if found else None


def text_at(doc: Any, path: str) -> str:
    """A field of an API item as text: strings as they are, numbers printed, lists joined by lines."""
    parts = []
    for value in values_at(doc, path):
        if isinstance(value, bool):
            parts.append("是" if value else "否")
        elif isinstance(value, str | int | float):
            parts.append(str(value))
        elif isinstance(value, list):
            parts.extend(str(v) for v in value if isinstance(v, str | int | float) and not isinstance(v, bool))
    return "\n".join(p.strip() for p in parts if str(p).strip())


def with_value(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with ``value`` set at a dotted path (no ``[]``), creating the objects on the way."""
    result = copy.deepcopy(doc)
    node = result
    *parents, last = path.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[last] = value
    return result
