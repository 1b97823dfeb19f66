"""The result contract: plain classes whose JSON is the public output (field names are public).

Plain dataclasses rather than pydantic models: a result is built and written for every case
(evaluate, batch, the consultation), and building it must not pay for validation it does not
need, nor a cold start for importing pydantic. Every value in a result comes from the validated
knowledge base or from the engine's arithmetic. Pydantic still reads these classes where a
schema or validation is wanted (``result_json_schema``, ``validate_result``), so the published
schema and the output come from the same definitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, Optional, TypeVar, Union, dataclass_transform

from ppp_expert.engine.aggregate import Reason

SettingValue = Union[str, int, float, dict[str, Union[int, float, str]]]


class Out:
    """Base of the contract's classes: unknown fields are refused when pydantic validates one."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}


C = TypeVar("C", bound=type)


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
def contract(cls: C) -> C:
    """A contract class: a dataclass whose ``__doc__`` is its own docstring or none (the
    docstring is the schema's description; the one ``dataclass`` writes would be published)."""
    doc = cls.__dict__.get("__doc__")
    dataclass(cls, kw_only=True)  # makes the class in place (no slots)
    cls.__doc__ = doc
    return cls


@contract
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


@contract
class ConfidenceOut(Out):
    """The one confidence (see ``advice.confidence``)."""

    level: Literal["high", "moderate", "low"]
    margin: float
    fragile_on: list[str]
    could_flip: list[str]


@contract
class Appropriate(Out):
    verdict: Literal["ppp", "traditional", "not_yet", "insufficient_information"]
    certainty: float
    reasons: list[Reason]
    #: the failed gates (the conditions of a not_yet; why a gate ruled a partnership out)
    conditions: list[Condition] = field(default_factory=list)
    #: for insufficient_information: the unanswered questions that could move the outcome most
    questions_first: list[str] = field(default_factory=list)
    confidence: ConfidenceOut


@contract
class Ranked(Out):
    model: str
    score: float
    evidence: list[Reason] = field(default_factory=list)


@contract
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


@contract
class Overridden(Out):
    """A conclusion that lost to a more specific one: kept visible for the explanation."""

    value: Any
    rule: str


@contract
class RiskAllocation(Out):
    risk: str
    title: str
    party: str
    mechanism: str
    rationale: str
    rules: list[str]
    overridden: list[Overridden] = field(default_factory=list)


@contract
class Setting(Out):
    value: SettingValue
    reason: str
    rules: list[str]
    overridden: list[Overridden] = field(default_factory=list)


@contract
class AdviceItem(Out):
    key: str
    text: str
    rules: list[str]


@contract
class TopicAdvice(Out):
    settings: dict[str, Setting] = field(default_factory=dict)
    advice: list[AdviceItem] = field(default_factory=list)
    criteria_weights: Optional[dict[str, int]] = None


@contract
class RedFlag(Out):
    id: str
    title: str
    mitigation: str
    rules: list[str]


@contract
class FiredRule(Out):
    id: str
    source: str
    facts: list[str]
    declared: list[str] = field(default_factory=list)


@contract
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
        return to_json(self)


def plain(value: Any) -> Any:
    """A contract object as JSON data: its fields in declaration order, nested objects likewise."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    return {name: plain(getattr(value, name)) for name in names}


_SCALARS = frozenset([str, int, float, bool, type(None)])
_FIELDS: dict[type, tuple[str, ...]] = {}


def to_json(value: Any) -> str:
    """One line of JSON, as the contract has always been written: no spaces, characters as they
    are (UTF-8), fields in declaration order (a contract object's ``__dict__``: its ``__init__``
    sets the fields in that order, and nothing else is ever set on one)."""
    return _ENCODER.encode(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=vars)


def validate_result(data: Any) -> Advice:
    """A result read back (a batch line, a session's record), validated against the contract."""
    from pydantic import TypeAdapter

    return TypeAdapter(Advice).validate_python(data)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of the result contract (``evaluate --format json``, one batch line), from
    the contract's classes themselves, so the schema and the output cannot drift apart."""
    from pydantic import TypeAdapter
    from pydantic.json_schema import GenerateJsonSchema

    from ppp_expert.schema_parts import SCHEMA

    class Defaults(GenerateJsonSchema):
        """A field defaulting to a fresh empty list or mapping shows that default (``[]``, ``{}``)."""

        def get_default_value(self, schema: Any) -> Any:
            if "default_factory" in schema and "default" not in schema:
                return schema["default_factory"]()
            return super().get_default_value(schema)

    schema = TypeAdapter(Advice).json_schema(schema_generator=Defaults)
    return {**schema, "$schema": SCHEMA, "title": "ppp-expert result",
            "description": "The advice ppp-expert gives for one case (evaluate --format json)."}


@contract
class ErrorResult(Out):
    """A case that could not be evaluated: the contract's ``case`` and ``error`` only."""

    case: str
    error: str

    def to_json(self) -> str:
        return to_json(self)


__all__ = [
    "Advice", "AdviceItem", "Appropriate", "Condition", "ConfidenceOut", "ErrorResult", "FiredRule", "Out",
    "Overridden", "Ranked", "Reason", "Recommendation", "RedFlag", "RiskAllocation", "Setting", "SettingValue",
    "TopicAdvice", "plain", "result_json_schema", "to_json", "validate_result",
]
