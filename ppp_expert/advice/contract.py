"""The result contract: pydantic models whose JSON is the public output (field names are public)."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict

from ppp_expert.engine.aggregate import Reason

SettingValue = Union[str, int, float, dict[str, Union[int, float, str]]]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")




class Condition(Out):
    """A failed gate: what must be true first, the answers that would clear it, who raised it."""

    id: str
    title: str
    #: not_yet (a readiness condition), traditional (rules a partnership out) or rescope
    decides: Literal["not_yet", "traditional", "rescope"]
    #: question -> the answers that would clear the condition (empty when no single answer does)
    clear: dict[str, list[Union[str, int, float]]]
    reason: str
    #: the rule that raised it (None for the aggregation's own check of a viable model)
    rule: Optional[str]


class ConfidenceOut(Out):
    """The one confidence (see ``advice.confidence``)."""

    level: Literal["high", "moderate", "low"]
    margin: float
    fragile_on: list[str]
    could_flip: list[str]


class Appropriate(Out):
    verdict: Literal["ppp", "traditional", "not_yet", "insufficient_information"]
    certainty: float
    reasons: list[Reason]
    #: the failed gates (the conditions of a not_yet; why a gate ruled a partnership out)
    conditions: list[Condition] = []
    #: for insufficient_information: the unanswered questions that could move the outcome most
    questions_first: list[str] = []
    confidence: ConfidenceOut


class Ranked(Out):
    model: str
    score: float
    evidence: list[Reason] = []


class Recommendation(Out):
    model: str
    score: float
    close_call: bool
    runner_up: Optional[str] = None
    ranking: list[Ranked]
    #: False when no model is recommended (insufficient information, a tie at the top, or no
    #: partnership model scoring the model threshold): ``model`` is then only the first of the
    #: ranking, and no view names it as the leader.
    determined: bool = True


class Overridden(Out):
    """A conclusion that lost to a more specific one: kept visible for the explanation."""

    value: Any
    rule: str


class RiskAllocation(Out):
    risk: str
    title: str
    party: str
    mechanism: str
    rationale: str
    rules: list[str]
    overridden: list[Overridden] = []


class Setting(Out):
    value: SettingValue
    reason: str
    rules: list[str]
    overridden: list[Overridden] = []


class AdviceItem(Out):
    key: str
    text: str
    rules: list[str]


class TopicAdvice(Out):
    settings: dict[str, Setting] = {}
    advice: list[AdviceItem] = []
    criteria_weights: Optional[dict[str, int]] = None


class RedFlag(Out):
    id: str
    title: str
    mitigation: str
    rules: list[str]


class FiredRule(Out):
    id: str
    source: str
    facts: list[str]
    declared: list[str] = []


class Advice(Out):
    """Everything ppp-expert concludes about one case."""

    case: str
    appropriate: Appropriate
    recommendation: Recommendation
    risk_allocation: list[RiskAllocation]
    structuring: TopicAdvice
    governance: TopicAdvice
    procurement: TopicAdvice
    implementation: TopicAdvice
    red_flags: list[RedFlag]
    fired_rules: list[FiredRule]
    unknown_questions: list[str]

    def to_json(self) -> str:
        """The canonical one-line JSON of the contract."""
        return self.model_dump_json()


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of the result contract (``evaluate --format json``, one batch line), from
    the pydantic models themselves, so the schema and the output cannot drift apart."""
    schema = Advice.model_json_schema()
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "ppp-expert result",
            "description": "The advice ppp-expert gives for one case (evaluate --format json)."}


class ErrorResult(Out):
    """A case that could not be evaluated: the contract's ``case`` and ``error`` only."""

    case: str
    error: str

    def to_json(self) -> str:
        return self.model_dump_json()


__all__ = [
    "Advice", "AdviceItem", "Appropriate", "Condition", "ConfidenceOut", "ErrorResult", "FiredRule", "Out",
    "Overridden", "Ranked", "Reason", "Recommendation", "RedFlag", "RiskAllocation", "Setting", "SettingValue",
    "TopicAdvice", "result_json_schema",
]
