"""The JSON Schema of one line of ``train --format json`` (and ``train exam --format json``).

A learning platform drives the tutor by reading these events and writing the lines a trainee
would type; this schema is that contract (``ppp-expert schema --of train-events``). It is
written beside ``events.py``, whose ``to_json`` methods it describes, and a test validates every
line of real practice sessions and exams against it, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.schema_parts import COUNT, SCHEMA, SHARE, STRINGS, event, strict_object
from ppp_expert.train.items import KINDS
from ppp_expert.train.step_parts import CURRICULUM_TOPICS

#: The roles of a block of lines (``events.Lines``), each written as its own event name.
LINE_ROLES = {
    "hint": "the facts of the case that matter for this item (asked with 'hint')",
    "why": "how the engine decides this kind of step ('why')",
    "help": "the commands ('help', or after grading)",
    "brief": "the scenario again ('brief')",
    "primer": "the primer's page on a topic, phase or question ('primer')",
    "guide": "a guide section's page in our own words ('guide')",
    "terms": "the glossary terms a case uses, before its first step",
    "example": "a worked example on another case, before a trainee's first case",
}
RESULTS = ("right", "partly right", "wrong", "skipped")


def _feedback() -> dict[str, Any]:
    rule = strict_object(["rule", "title", "reason", "facts", "section", "section_title", "fired", "failed"], {
        "rule": {"type": "string"}, "title": {"type": "string"}, "reason": {"type": "string"},
        "facts": STRINGS, "section": {"type": "string"}, "section_title": {"type": "string"},
        "fired": {"type": "boolean"},
        "failed": {**STRINGS, "description": "when the rule did not fire: its conditions that are false here"},
    }, "A rule that decides the item, in plain words.")
    why_not = strict_object(["claim", "rule", "title", "section", "section_title", "failed", "overridden_by",
                             "against"], {
        "claim": {"type": "string"}, "rule": {"type": "string"}, "title": {"type": "string"},
        "section": {"type": "string"}, "section_title": {"type": "string"}, "failed": STRINGS,
        "overridden_by": {"type": ["string", "null"]}, "against": {"type": ["string", "null"]},
    }, "Why the engine did not conclude what the trainee claimed.")
    claim = strict_object(["key", "label", "verdict", "given", "note", "hint", "rules", "why_not", "answer", "terms"], {
        "key": {"type": "string"}, "label": {"type": "string"}, "verdict": {"enum": list(RESULTS)},
        "given": {"type": "string"}, "note": {"type": "string"}, "hint": STRINGS,
        "rules": {"type": "array", "items": rule}, "why_not": {"anyOf": [why_not, {"type": "null"}]},
        "answer": {"type": "string"}, "terms": STRINGS,
    })
    return strict_object(["item", "verdict", "score", "claims", "terms"], {
        "item": {"type": "string"}, "verdict": {"enum": list(RESULTS)}, "score": SHARE,
        "claims": {"type": "array", "items": claim}, "terms": STRINGS,
    }, "Every level of feedback at once: the hint, the deciding rules (more) and the answer.")


def _prompt_fields() -> dict[str, Any]:
    choice = strict_object(["number", "value", "label"], {"number": {"type": "integer", "minimum": 1},
                                                          "value": {"type": "string"}, "label": {"type": "string"}})
    return {
        "item": {"type": "string", "description": "the item's id (stable: review cards store it)"},
        "type": {"type": "string", "description": "the item type (verdict, model, risks, red_flags, setting, "
                                                  "advice, match, mc, ar, seq ...)"},
        "topic": {"enum": list(CURRICULUM_TOPICS)}, "sections": {**STRINGS, "description": "guide sections cited"},
        "number": {"type": "integer", "minimum": 1}, "total": {"type": "integer", "minimum": 1},
        "kind": {"enum": list(KINDS), "description": "single: one choice; rank: a choice and optionally a "
                                                     "runner-up; multi: several; matrix: one per row; order: all, "
                                                     "in order"},
        "title": {"type": "string"}, "question": {"type": "string"},
        "choices": {"type": "array", "items": choice, "description": "answer with a number or a value"},
        "rows": {"type": "array", "items": strict_object(["key", "label"], {"key": {"type": "string"},
                                                                          "label": {"type": "string"}}),
                 "description": "matrix prompts: the rows, each then asked by a row event"},
        "context": {**STRINGS, "description": "the facts an item outside a case states"},
        "seconds_left": {"type": "integer", "description": "in an exam: the time left"},
    }


def _graded() -> dict[str, Any]:
    claim = strict_object(["key", "label", "given", "expected", "score", "note", "accepted"], {
        "key": {"type": "string"}, "label": {"type": "string"}, "given": {}, "expected": {}, "score": SHARE,
        "note": {"type": "string"},
        "accepted": {"type": "array", "items": strict_object(["value", "credit"], {"value": {"type": "string"},
                                                                                   "credit": SHARE}),
                     "description": "other defensible answers and their partial credit"},
    })
    return event("graded", ["item", "type", "case", "topic", "sections", "rules", "answer", "result", "score",
                             "hints", "seconds", "recorded"], {
        "exercise": {"type": "string", "description": "the case exercise, review round or exam the item is in"},
        "item": {"type": "string"}, "type": {"type": "string"}, "case": {"type": ["string", "null"]},
        "topic": {"enum": list(CURRICULUM_TOPICS)}, "sections": STRINGS,
        "rules": {**STRINGS, "description": "the rules whose conclusions the item grades"},
        "answer": {"description": "the answer as given: a value, a list, a row -> value mapping, or null"},
        "result": {"enum": list(RESULTS)}, "score": SHARE, "hints": COUNT, "seconds": {"type": "number"},
        "recorded": {"type": "boolean", "description": "false when the answer did not count (e.g. after an "
                                                       "exam's time)"},
        "claims": {"type": "array", "items": claim, "description": "practice only: each claim's grade"},
        "feedback": _feedback(),
    }, "A graded answer; in an exam only the result and score (feedback follows in the debrief).")


def _summary_and_debrief() -> list[dict[str, Any]]:
    row = strict_object(["title", "result", "score"], {"title": {"type": "string"}, "result": {"enum": list(RESULTS)},
                                                      "score": SHARE})
    entry = strict_object(["title", "result", "score", "answer", "rules", "sections"], {
        "title": {"type": "string"}, "result": {"enum": list(RESULTS)}, "score": SHARE,
        "answer": {"type": "string"},
        "rules": {"type": "array", "items": strict_object(["rule", "title", "why"], {
            "rule": {"type": "string"}, "title": {"type": "string"}, "why": {"type": "string"}})},
        "sections": {"type": "array", "items": strict_object(["section", "title"], {
            "section": {"type": "string"}, "title": {"type": "string"}})},
    })
    return [
        event("summary", ["title", "score", "finished", "items"], {
            "title": {"type": "string"}, "score": SHARE, "finished": {"type": "boolean"},
            "items": {"type": "array", "items": row}, "note": {"type": "string"},
            "passed": {"type": "boolean"}, "pass_mark": SHARE,
            "topics": {"type": "object", "additionalProperties": strict_object(["score", "items"], {
                "score": SHARE, "items": COUNT}), "description": "exam: the score per topic"},
        }, "The end of an exercise or exam: each item's result and the overall score."),
        event("debrief", ["items"], {"items": {"type": "array", "items": entry}},
               "After an exam: per item the right answer, the deciding rules in plain words, the guide section."),
    ]


def train_events_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line ``train --format json`` writes."""
    lines = [event(role, ["title", "lines"], {"title": {"type": "string"}, "lines": STRINGS}, what)
             for role, what in LINE_ROLES.items()]
    return {
        "$schema": SCHEMA,
        "title": "ppp-expert train --format json: one event per line",
        "description": "Reply to a prompt or row event with one line, as a trainee would type it: a number "
                       "or value, or a command (hint, why, brief, help, glossary TERM, primer, guide, skip, "
                       "quit). The end of input keeps every answer given so far.",
        "oneOf": [
            event("note", ["text"], {"text": {"type": "string"}}, "Said in passing (resuming, time up ...)."),
            event("brief", ["case", "title", "level", "scenario", "facts", "steps", "unknown"], {
                "case": {"type": "string"}, "title": {"type": "string"}, "level": {"type": "string"},
                "scenario": {"type": "string", "description": "the story, with the outcome words withheld"},
                "facts": {"type": "object", "additionalProperties": STRINGS,
                          "description": "group title -> the case's facts in words"},
                "steps": STRINGS, "unknown": {**STRINGS, "description": "questions the case leaves open"},
            }, "A case's scenario, before its first step."),
            event("prompt", ["item", "type", "topic", "sections", "number", "total", "kind", "title",
                              "question", "choices"], _prompt_fields(), "An item to answer."),
            event("row", ["item", "row", "label", "number", "total"], {
                "item": {"type": "string"}, "row": {"type": "string"}, "label": {"type": "string"},
                "number": {"type": "integer", "minimum": 1}, "total": {"type": "integer", "minimum": 1},
            }, "One row of a matrix prompt (a risk whose owner is asked)."),
            event("retry", ["message"], {"message": {"type": "string"}},
                   "The reply was not an answer here; the same prompt or row waits for another line."),
            *lines,
            event("glossary", ["term", "id", "definition", "why_it_matters", "see_also", "sources"], {
                "term": {"type": "string"}, "id": {"type": "string"}, "definition": {"type": "string"},
                "why_it_matters": {"type": "string"}, "see_also": STRINGS, "sources": STRINGS,
            }, "A glossary entry ('glossary TERM')."),
            _graded(),
            event("feedback", ["level", "item", "feedback"], {
                "level": {"enum": ["hint", "more", "answer"]}, "item": {"type": "string"}, "feedback": _feedback(),
            }, "One level of feedback asked for after grading (terminal sessions)."),
            *_summary_and_debrief(),
        ],
    }
