"""The JSON Schema of ``train progress --format json``: one trainee's report, or the cohort's rows.

Written beside ``progress.Report`` and ``progress.cohort``, which it describes; ``ppp-expert
schema --of train-progress`` prints it and a test validates both shapes from real sessions.
"""

from __future__ import annotations

from typing import Any

_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_COUNT = {"type": "integer", "minimum": 0}


def _object(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {"type": "object", "required": required, "additionalProperties": False,
                            "properties": properties}
    if description:
        data["description"] = description
    return data


def train_progress_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what ``train progress --format json`` prints."""
    row = _object(["key", "title", "mastery", "attempts"], {
        "key": {"type": "string"}, "title": {"type": "string"},
        "mastery": {**_SHARE, "description": "never above what the answers support (see attempts)"},
        "attempts": {"type": "integer", "description": "answers it rests on (weakest rules: negated, as sorted)"},
    })
    exam = _object(["started", "finished", "score", "passed"], {
        "started": {"type": "string"}, "finished": {"type": ["string", "null"]},
        "score": {"anyOf": [_SHARE, {"type": "null"}]}, "passed": {"type": "boolean"},
    })
    report = _object(["trainee", "topics", "sections", "weakest_rules", "review_rows", "due_now", "due_week",
                      "cases_done", "attempts", "exams"], {
        "trainee": {"type": "string"},
        "topics": {"type": "array", "items": row, "description": "mastery per curriculum topic"},
        "sections": {"type": "array", "items": row, "description": "mastery per guide section answered on"},
        "weakest_rules": {"type": "array", "items": row},
        "review_rows": {**_COUNT, "description": "item rows with a review schedule of their own (FSRS)"},
        "due_now": _COUNT, "due_week": _COUNT, "cases_done": _COUNT, "attempts": _COUNT,
        "exams": {"type": "array", "items": exam},
    }, "train progress --trainee NAME (or the only trainee): one trainee's report.")
    cohort = {"type": "array", "description": "train progress without --trainee, several trainees: one row each.",
              "items": _object(["trainee", "cases", "answers", "mastery", "weakest_topic", "due", "last_exam"], {
                  "trainee": {"type": "string"}, "cases": _COUNT, "answers": _COUNT, "mastery": _SHARE,
                  "weakest_topic": {"type": "string", "description": "'' before any answer"}, "due": _COUNT,
                  "last_exam": {"anyOf": [_SHARE, {"type": "null"}]},
              })}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "ppp-expert train progress --format json", "oneOf": [report, cohort]}
