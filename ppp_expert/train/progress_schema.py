"""The JSON Schemas of the trainer's outputs: ``train progress``, ``train cases`` and ``train
export`` with ``--format json`` (``ppp-expert schema --of train-progress|train-cases|train-export``).

Written beside what they describe (``progress.Report``, ``progress.cohort``, ``cohort`` and
``trainer_cases.programme_rows``); a test validates real output of each against them.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.schema_parts import COUNT, SCHEMA, SHARE, STRINGS, strict_object


def train_progress_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what ``train progress --format json`` prints."""
    row = strict_object(["key", "title", "mastery", "attempts"], {
        "key": {"type": "string"}, "title": {"type": "string"},
        "mastery": {**SHARE, "description": "never above what the answers support (see attempts)"},
        "attempts": {"type": "integer", "description": "answers it rests on (weakest rules: negated, as sorted)"},
    })
    exam = strict_object(["started", "finished", "score", "passed"], {
        "started": {"type": "string"}, "finished": {"type": ["string", "null"]},
        "score": {"anyOf": [SHARE, {"type": "null"}]}, "passed": {"type": "boolean"},
    })
    report = strict_object(["trainee", "topics", "sections", "weakest_rules", "review_rows", "due_now", "due_week",
                            "cases_done", "attempts", "exams"], {
        "trainee": {"type": "string"},
        "topics": {"type": "array", "items": row, "description": "mastery per curriculum topic"},
        "sections": {"type": "array", "items": row, "description": "mastery per guide section answered on"},
        "weakest_rules": {"type": "array", "items": row},
        "review_rows": {**COUNT, "description": "item rows with a review schedule of their own (FSRS)"},
        "due_now": COUNT, "due_week": COUNT, "cases_done": COUNT, "attempts": COUNT,
        "exams": {"type": "array", "items": exam},
    }, "train progress --trainee NAME (or the only trainee): one trainee's report.")
    cohort = {"type": "array", "description": "train progress without --trainee, several trainees: one row each.",
              "items": _cohort_row()}
    return {"$schema": SCHEMA, "title": "ppp-expert train progress --format json", "oneOf": [report, cohort]}


def _cohort_row() -> dict[str, Any]:
    return strict_object(["trainee", "cases", "answers", "mastery", "weakest_topic", "due", "last_exam"], {
        "trainee": {"type": "string"}, "cases": COUNT, "answers": COUNT, "mastery": SHARE,
        "weakest_topic": {"type": "string", "description": "'' before any answer"}, "due": COUNT,
        "last_exam": {"anyOf": [SHARE, {"type": "null"}]},
    })


def train_cases_json_schema() -> dict[str, Any]:
    """``train cases --format json``: the programme, clearest case first."""
    row = strict_object(["id", "title", "origin", "level", "difficulty", "model_margin", "overridden_allocations",
                         "red_flags"], {
        "id": {"type": "string"}, "title": {"type": "string"}, "origin": {"enum": ["shipped", "trainer"]},
        "level": {"type": "string"}, "difficulty": {"type": "number"}, "model_margin": {"type": "number"},
        "overridden_allocations": COUNT, "red_flags": COUNT,
    })
    return {"$schema": SCHEMA, "title": "ppp-expert train cases --format json", "type": "array", "items": row}


def train_export_json_schema() -> dict[str, Any]:
    """``train export --format json [--attempts]``: the cohort, mastery, exams, item analysis (and attempts)."""
    nullable_share = {"anyOf": [SHARE, {"type": "null"}]}
    mastery = strict_object(["trainee", "scope", "key", "mastery", "attempts"], {
        "trainee": {"type": "string"}, "scope": {"enum": ["topic", "section"]}, "key": {"type": "string"},
        "mastery": {**nullable_share, "description": "null: not attempted yet (never counted as zero)"},
        "attempts": COUNT})
    exam = strict_object(["trainee", "exam", "seed", "started", "finished", "score", "pass_mark", "passed", "items",
                          "answered", "skipped", "not_reached"], {
        "trainee": {"type": "string"}, "exam": {"type": "string"}, "seed": {"type": ["integer", "null"]},
        "started": {"type": "string"}, "finished": {"type": ["string", "null"]}, "score": nullable_share,
        "pass_mark": nullable_share, "passed": {"type": ["boolean", "null"]}, "items": COUNT, "answered": COUNT,
        "skipped": COUNT, "not_reached": COUNT})
    item = strict_object(["item", "type", "topic", "trainees", "attempts", "difficulty", "discrimination"], {
        "item": {"type": "string"}, "type": {"type": "string"}, "topic": {"type": "string"}, "trainees": COUNT,
        "attempts": COUNT, "difficulty": {**SHARE, "description": "share of the score obtained (p-value)"},
        "discrimination": {"type": ["number", "null"],
                           "description": "item-rest correlation; null with too few trainees"}})
    attempt = strict_object(["trainee", "exercise_id", "exercise_kind", "item_id", "item_type", "case_id", "topic",
                             "sections", "answer", "score", "correct", "skipped", "hints", "seconds", "kb_fingerprint",
                             "created"], {
        "trainee": {"type": "string"}, "exercise_id": {"type": "string"}, "exercise_kind": {"type": "string"},
        "item_id": {"type": "string"}, "item_type": {"type": "string"}, "case_id": {"type": ["string", "null"]},
        "topic": {"type": "string"}, "sections": STRINGS, "answer": {},
        "score": SHARE, "correct": {"type": "boolean"}, "skipped": {"type": "boolean"}, "hints": COUNT,
        "seconds": {"type": ["number", "null"]}, "kb_fingerprint": {"type": "string"}, "created": {"type": "string"}})
    return {"$schema": SCHEMA, "title": "ppp-expert train export --format json",
            **strict_object(["trainees", "mastery", "exams", "items"], {
                "trainees": {"type": "array", "items": _cohort_row()},
                "mastery": {"type": "array", "items": mastery}, "exams": {"type": "array", "items": exam},
                "items": {"type": "array", "items": item},
                "attempts": {"type": "array", "items": attempt, "description": "with --attempts"}})}
