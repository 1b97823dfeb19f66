"""The JSON Schema of case files, generated from the knowledge base's questions."""

from __future__ import annotations

from typing import Any

from ppp_expert.cases.case import MAX_ASKED
from ppp_expert.cases.currencies import CURRENCIES
from ppp_expert.cases.finance import LARGEST, LARGEST_RATE, UNITS, YEARS
from ppp_expert.kb.conclusions import OUTCOMES
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import MODEL_IDS, PARTIES
from ppp_expert.schema_parts import SCHEMA


def _answer_schema(question: Any) -> dict[str, Any]:
    if question.type == "choice":
        return {"enum": [*question.answers, "unknown"], "description": question.text}
    schema: dict[str, Any] = {"type": "integer" if question.type == "integer" else "number",
                              "description": question.text}
    if question.min is not None:
        schema["minimum"] = question.min
    if question.max is not None:
        schema["maximum"] = question.max
    return {"anyOf": [schema, {"const": "unknown"}], "description": question.text}


def _finance_schema() -> dict[str, Any]:
    """The optional business-case figures (cases/finance.py checks the same)."""
    amount = {"type": "number", "minimum": 0, "maximum": LARGEST}
    by_year = {"type": "object", "propertyNames": {"pattern": "^[0-9]{4}$"}, "additionalProperties": amount,
               "description": f"Year ({YEARS[0]}-{YEARS[1]}) -> amount in the case's currency and unit."}
    return {
        "type": "object", "additionalProperties": False, "required": ["currency"],
        "description": "The business case's own figures; the memo shows them and never fills one in.",
        "properties": {
            "currency": {"enum": sorted(CURRENCIES), "description": "ISO 4217 code of every amount."},
            "unit": {"enum": list(UNITS), "default": "million", "description": "The unit of every amount."},
            "capital_cost": {**amount, "description": "Capital cost of the investment."},
            "annual_payments": {**by_year, "description": "Payments the authority would make, per year."},
            "budget_envelope": {**by_year, "description": "Budget available for the payments, per year "
                                                          "(the medium-term envelope)."},
            "public_sector_comparator": {**amount, "description": "Whole-life cost of public delivery."},
            "market_estimate": {**amount, "description": "Shadow bid or market estimate of the same scope."},
            "contingent_liabilities": {
                "type": "array", "description": "Guarantees and other contingent liabilities.",
                "items": {"type": "object", "additionalProperties": False, "required": ["title"],
                          "properties": {"title": {"type": "string", "minLength": 1},
                                         "amount": {"anyOf": [amount, {"const": "unknown"}]}}},
            },
            "usd_rate": {"type": "number", "exclusiveMinimum": 0, "maximum": LARGEST_RATE,
                         "description": "US dollars per one unit of the currency, at the business case's rate: "
                                        "with it the capital cost answers capital_cost_musd when the answers "
                                        "leave that open."},
            "source": {"type": "string", "description": "Where the figures come from."},
        },
    }


def case_json_schema(kb: KnowledgeBase) -> dict[str, Any]:
    """A draft 2020-12 schema: id, title, narrative, answers (per question), expected, consultation."""
    return {
        "$schema": SCHEMA,
        "title": "ppp-expert case file",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "description": "Case id; defaults to the file name without suffix."},
            "title": {"type": "string"},
            "narrative": {"type": "string"},
            "answers": {
                "type": "object",
                "additionalProperties": False,
                "description": "Question id -> answer; omitted questions are unknown.",
                "properties": {q.id: _answer_schema(q) for q in kb.questions.values()},
            },
            "expected": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "appropriate": {"enum": [*OUTCOMES, "undetermined"],
                                    "description": "ppp, traditional, not_yet or insufficient_information "
                                                   "(undetermined, retired, reads as insufficient_information)"},
                    "model": {"enum": list(MODEL_IDS)},
                    "risks": {"type": "object", "propertyNames": {"enum": list(kb.risks)},
                              "additionalProperties": {"enum": list(PARTIES)}},
                },
            },
            "finance": _finance_schema(),
            "consultation": {
                "type": "object",
                "additionalProperties": False,
                "description": "Written by `ppp-expert ask`: how many questions the consultation has asked, so "
                               "that the count continues after --resume. Evaluation ignores it.",
                "properties": {"asked": {"type": "integer", "minimum": 0, "maximum": MAX_ASKED}},
            },
        },
    }
