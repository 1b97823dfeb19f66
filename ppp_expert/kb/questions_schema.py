"""The JSON Schema of ``questions --format json`` (``ppp-expert schema --of questions``): the
knowledge base's own question class, read by pydantic only when the schema is asked for."""

from __future__ import annotations

from typing import Any

from ppp_expert.schema_parts import SCHEMA


def questions_json_schema() -> dict[str, Any]:
    """Every question with its allowed answers (``unknown`` is always allowed besides, never listed)."""
    from pydantic import TypeAdapter

    from ppp_expert.kb.schema import Question

    return {"$schema": SCHEMA, "title": "ppp-expert questions --format json",
            **TypeAdapter(list[Question]).json_schema()}
