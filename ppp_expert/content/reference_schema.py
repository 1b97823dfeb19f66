"""JSON Schemas of the content's outputs: ``glossary`` and ``guide`` with ``--format json``
(``ppp-expert schema --of glossary|guide``).

Glossary terms and primer pages are the content's own classes, so their schemas come from those
classes through pydantic (only here, when a schema is asked for); the guide page and the listings
are small shapes written out.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.schema_parts import SCHEMA, strict_object


def _adapted(kind: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    return TypeAdapter(kind).json_schema()


def glossary_json_schema() -> dict[str, Any]:
    """``glossary --format json``: one term, a list of terms, a primer entry or the primer's index."""
    from ppp_expert.content.texts import PrimerEntry, Term

    term, entry = _adapted(Term), _adapted(PrimerEntry)
    names = {"type": "array", "items": {"type": "string"}}
    index = strict_object(["topics", "phases", "questions"], {"topics": names, "phases": names, "questions": names},
                          "glossary --primer: the primer's pages by kind")
    return {"$schema": SCHEMA, "title": "ppp-expert glossary --format json",
            "oneOf": [{**term, "description": "glossary TERM: one entry"},
                      {"type": "array", "items": term, "description": "glossary [--topic T]: the entries"},
                      {**entry, "description": "glossary --primer NAME: one primer page"}, index]}


def guide_json_schema() -> dict[str, Any]:
    """``guide --format json``: the list of sections, or one section's page."""
    section = strict_object(["section", "title"], {"section": {"type": "string"}, "title": {"type": "string"}})
    page = strict_object(["section", "title", "summary", "key_points", "terms", "see_also"], {
        "section": {"type": "string"}, "title": {"type": "string"},
        "summary": {"type": "string", "description": "what the section teaches, in the project's own words"},
        "key_points": {"type": "array", "items": {"type": "string"}},
        "terms": {"type": "array", "items": strict_object(["id", "term"], {"id": {"type": "string"},
                                                                           "term": {"type": "string"}})},
        "see_also": {"type": "array", "items": section},
    }, "guide SECTION: one section's page")
    return {"$schema": SCHEMA, "title": "ppp-expert guide --format json",
            "oneOf": [{"type": "array", "items": section, "description": "guide: the sections"}, page]}
