"""Pydantic schemas of the knowledge-base files (the shape; cross-references are checked in kb.py)."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

GUIDE_SECTIONS = (
    "why-ppp", "applications", "model-types", "model-selection", "phase1-opportunity",
    "phase2-structuring", "phase3-procurement", "phase4-implementation", "governance",
    "performance", "success-factors", "challenges", "takeaways", "faq-when",
    "faq-public-interest", "faq-failures", "faq-term", "faq-data-ip", "faq-political",
)
MODEL_IDS = (
    "concession_bot", "managed_services", "joint_venture", "alliance", "data_partnership",
    "traditional_procurement",
)
PPP_MODELS = MODEL_IDS[:-1]
PARTIES = ("public", "private", "shared")
TOPICS = ("structuring", "governance", "procurement", "implementation")
CRITERIA = (
    "technical_capability", "financial_capacity", "experience_references",
    "approach_innovation", "pricing_value",
)
PHASES = ("need", "drivers", "market", "selection", "structuring")
Party = Literal["public", "private", "shared"]
Topic = Literal["structuring", "governance", "procurement", "implementation"]
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
RULE_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"


def empty_dict() -> dict[str, Any]:
    """A fresh empty mapping. A Python function rather than ``dict``: pydantic inspects a default
    factory's signature, and for a builtin that means tokenising its text signature, which
    costs a cold start 10-15 ms the first time."""
    return {}


def empty_list() -> list[Any]:
    """A fresh empty list (a Python function for the reason given in ``empty_dict``)."""
    return []


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_source(value: str) -> str:
    """A citation is a guide section id or ``practice:<name>``."""
    if value in GUIDE_SECTIONS:
        return value
    if value.startswith("practice:") and len(value) > len("practice:"):
        return value
    raise ValueError(f"expected a guide section id ({', '.join(GUIDE_SECTIONS)}) or practice:<name>")


class Question(Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1)
    help: str = Field(min_length=1)
    guide: list[str] = Field(min_length=1)
    phase: Literal["need", "drivers", "market", "selection", "structuring"] = "structuring"
    #: lever: the authority chooses the answer (term, payment, risk transfer, preferences, preparation
    #: it can do); fact: the answer describes the world it works in (demand, capacity, market, law).
    control: Literal["lever", "fact"] = "fact"
    type: Literal["choice", "number", "integer"] = "choice"
    answers: dict[str, str] = Field(default_factory=empty_dict)
    min: Optional[float] = None
    max: Optional[float] = None

    @field_validator("guide")
    @classmethod
    def _guide(cls, value: list[str]) -> list[str]:
        return [check_source(v) for v in value]


class QuestionsFile(Strict):
    questions: list[Question] = Field(min_length=1)


class Model(Strict):
    id: Literal[MODEL_IDS]  # type: ignore[valid-type]
    title: str
    summary: str
    source: str
    #: The risks whose owner matters most under this model (shown first in summaries).
    key_risks: list[str] = Field(default_factory=empty_list)

    _source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))


class ModelsFile(Strict):
    models: list[Model]


class DefaultAllocation(Strict):
    party: Party
    mechanism: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class Risk(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str
    description: str
    source: str
    defaults: dict[str, DefaultAllocation]

    _source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))


class RisksFile(Strict):
    risks: list[Risk] = Field(min_length=1)


class PracticeSource(Strict):
    """A published document of international practice that ``practice:<id>`` citations name."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2100)
    section: Optional[str] = None
    note: Optional[str] = None
    covers: str = Field(min_length=1)


class PracticeFile(Strict):
    practice: list[PracticeSource] = Field(min_length=1)


class Settings(Strict):
    verdict_threshold: float = Field(gt=0, lt=1)
    close_call_margin: float = Field(ge=0, lt=1)
    criteria_weights: dict[str, float]
    #: A partnership model must score this to be viable and recommended: below it no model is
    #: recommended, and a partnership the evidence favours is "not yet" (no model fits).
    model_threshold: float = Field(default=0.3, ge=0, lt=1)
    #: While fewer than this share of the questions behind the verdict are answered, evidence
    #: that the unanswered ones could still turn to the other side is too thin to advise on.
    thin_information_share: float = Field(default=0.3, ge=0, le=1)


class RuleSpec(Strict):
    """A rule as written in YAML; ``when`` is parsed by condition_syntax.parse in build.py."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    title: str = Field(min_length=1)
    source: str
    salience: int = Field(default=0, ge=-100, le=100)
    when: Any
    then: list[dict[str, Any]] = Field(min_length=1)

    _source = field_validator("source")(classmethod(lambda cls, v: check_source(v)))


class RulesFile(Strict):
    """Each rule is validated on its own (kb.py), so an error can name the rule id."""

    rules: list[dict[str, Any]] = Field(default_factory=empty_list)
