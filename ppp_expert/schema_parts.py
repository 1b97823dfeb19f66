"""The pieces every JSON Schema of a machine output is built from (one place for all layers)."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
#: A share or score, 0 to 1; a count, 0 or more.
SHARE: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": 1}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}


def strict_object(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties (no undeclared field passes), these required."""
    data: dict[str, Any] = {"type": "object", "required": required, "additionalProperties": False,
                            "properties": properties}
    if description:
        data["description"] = description
    return data


def event(name: str, required: list[str], properties: dict[str, Any], description: str) -> dict[str, Any]:
    """One event of a JSON-lines protocol (``ask``, ``train``): ``{"event": name, ...}``."""
    return strict_object(["event", *required], {"event": {"const": name}, **properties}, description)
