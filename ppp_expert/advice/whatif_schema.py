"""The JSON Schema of ``whatif --format json``: a comparison (``--set``) or a sweep (``--sweep``).

Written beside the ``to_dict`` methods it describes (``answer_changes.WhatIf``,
``sensitivity.Sweep``); ``ppp-expert schema --of whatif`` prints it, and a test validates real
comparisons and sweeps of library cases against it, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.advice.confidence import LEVELS
from ppp_expert.kb.conclusions import OUTCOMES
from ppp_expert.kb.schema import PARTIES
from ppp_expert.schema_parts import SCHEMA, STRINGS, strict_object


def _change(value: dict[str, Any], description: str = "") -> dict[str, Any]:
    """``{"from": before, "to": after}``."""
    return strict_object(["from", "to"], {"from": value, "to": value}, description)


def _changes(value: dict[str, Any], description: str) -> dict[str, Any]:
    """A mapping of names to changes."""
    return {"type": "object", "additionalProperties": _change(value), "description": description}


def _comparison() -> dict[str, Any]:
    outcome, model = {"enum": list(OUTCOMES)}, {"type": ["string", "null"]}
    return strict_object(["case", "answers", "verdict", "model", "confidence", "conditions", "scores", "risks",
                          "red_flags", "settings"], {
        "case": {"type": "string"},
        "answers": _changes({}, "the answers changed: question -> its answer before and after (unknown when none)"),
        "verdict": {"anyOf": [_change(outcome), {"type": "null"}], "description": "null: unchanged"},
        "model": {"anyOf": [_change(model), {"type": "null"}],
                  "description": "the recommended model's id (null: none recommended); null: unchanged"},
        "confidence": _change({"enum": list(LEVELS)}, "the confidence word before and after, always given"),
        "conditions": {"anyOf": [_change(STRINGS), {"type": "null"}],
                       "description": "the readiness conditions still to meet; null: unchanged"},
        "scores": _changes({"type": "number"}, "model id -> its score before and after, where it changed"),
        "risks": _changes({"enum": [*PARTIES, None]}, "risk id -> its owner before and after, where it changed "
                                                      "(null: not allocated)"),
        "red_flags": strict_object(["added", "removed"], {"added": STRINGS, "removed": STRINGS}),
        "settings": _changes({}, "topic.setting -> its value before and after, where it changed"),
    }, "whatif CASE --set QUESTION=VALUE ...: what changes in the advice.")


def _sweep() -> dict[str, Any]:
    model = {"type": "string", "description": "a model id, or '(no model)' when none is recommended"}
    risks = {"type": "object", "additionalProperties": {"enum": list(PARTIES)}}
    flip = strict_object(["question", "from", "to", "distance", "verdict", "model", "risks"], {
        "question": {"type": "string"}, "from": {}, "to": {},
        "distance": {"type": "number", "minimum": 0, "description": "how far the answer moved (1: the next value)"},
        "verdict": {"anyOf": [_change({"enum": list(OUTCOMES)}), {"type": "null"}]},
        "model": {"anyOf": [_change(model), {"type": "null"}]},
        "risks": _changes({"enum": [*PARTIES, None]}, "risk id -> owner before and after (null: not allocated, "
                                                      "as when no model is recommended)"),
    })
    return strict_object(["case", "baseline", "fragile", "variants", "flips"], {
        "case": {"type": "string"},
        "baseline": strict_object(["verdict", "model", "risks"], {"verdict": {"enum": list(OUTCOMES)}, "model": model,
                                                                "risks": risks}),
        "fragile": strict_object(["verdict", "model"], {"verdict": {"type": "boolean"}, "model": {"type": "boolean"}},
                                 "whether one change of answer can flip the verdict, the model"),
        "variants": {"type": "integer", "minimum": 0, "description": "answer sets tried"},
        "flips": {"type": "array", "items": flip, "description": "every single change that flips something, "
                                                                  "smallest change first"},
    }, "whatif CASE --sweep: every single change of answer that flips the verdict, the model or a risk owner.")


def whatif_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what ``whatif --format json`` prints."""
    return {"$schema": SCHEMA,
            "title": "ppp-expert whatif --format json", "oneOf": [_comparison(), _sweep()]}
