"""The pieces every JSON Schema of a machine output is built from (one place for all layers)."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


def strict_object(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties (no undeclared field passes), these required."""
    data: dict[str, Any] = {"type": "object", "required": required, "additionalProperties": False,
                            "properties": properties}
    if description:
        data["description"] = description
    return data
