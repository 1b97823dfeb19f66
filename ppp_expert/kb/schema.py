"""The knowledge-base files' shapes: plain frozen dataclasses (cross-references are checked in loader.py).

Plain classes, so that a loaded knowledge base is used without pydantic; pydantic validates the
files into them (``sources.validate``) through the ``Annotated`` markers of ``constraints``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, TypeVar, dataclass_transform

from ppp_expert.kb.constraints import After, Rules

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


C = TypeVar("C", bound=type)


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
def strict(cls: C) -> C:
    """A knowledge-base class: frozen, fields by keyword, and (when pydantic validates a file
    into it) no field the class does not declare."""
    cls.__pydantic_config__ = {"extra": "forbid"}  # type: ignore[attr-defined]
    dataclass(frozen=True, kw_only=True)(cls)
    return cls


def check_source(value: str) -> str:
    """A citation is a guide section id or ``practice:<name>``."""
    if value in GUIDE_SECTIONS:
        return value
    if value.startswith("practice:") and len(value) > len("practice:"):
        return value
    raise ValueError(f"expected a guide section id ({', '.join(GUIDE_SECTIONS)}) or practice:<name>")


Id = Annotated[str, Rules(pattern=ID_PATTERN)]
Text = Annotated[str, Rules(min_length=1)]
Source = Annotated[str, After(check_source)]


@strict
class Question:
    id: Id
    text: Text
    help: Text
    guide: Annotated[list[Source], Rules(min_length=1)]
    phase: Literal["need", "drivers", "market", "selection", "structuring"] = "structuring"
    #: lever: the authority chooses the answer (term, payment, risk transfer, preferences, preparation
    #: it can do); fact: the answer describes the world it works in (demand, capacity, market, law).
    control: Literal["lever", "fact"] = "fact"
    type: Literal["choice", "number", "integer"] = "choice"
    answers: dict[str, str] = field(default_factory=dict)
    min: Optional[float] = None
    max: Optional[float] = None


@strict
class QuestionsFile:
    questions: Annotated[list[Question], Rules(min_length=1)]


@strict
class Model:
    id: Literal[MODEL_IDS]  # type: ignore[valid-type]
    title: str
    summary: str
    source: Source
    #: The risks whose owner matters most under this model (shown first in summaries).
    key_risks: list[str] = field(default_factory=list)


@strict
class ModelsFile:
    models: list[Model]


@strict
class DefaultAllocation:
    party: Party
    mechanism: Text
    rationale: Text


@strict
class Risk:
    id: Id
    title: str
    description: str
    source: Source
    defaults: dict[str, DefaultAllocation]


@strict
class RisksFile:
    risks: Annotated[list[Risk], Rules(min_length=1)]


@strict
class PracticeSource:
    """A published document of international practice that ``practice:<id>`` citations name."""

    id: Annotated[str, Rules(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Text
    publisher: Text
    year: Annotated[int, Rules(ge=1900, le=2100)]
    section: Optional[str] = None
    note: Optional[str] = None
    covers: Text


@strict
class PracticeFile:
    practice: Annotated[list[PracticeSource], Rules(min_length=1)]


@strict
class Settings:
    verdict_threshold: Annotated[float, Rules(gt=0, lt=1)]
    close_call_margin: Annotated[float, Rules(ge=0, lt=1)]
    criteria_weights: dict[str, float]
    #: A partnership model must score this to be viable and recommended: below it no model is
    #: recommended, and a partnership the evidence favours is "not yet" (no model fits).
    model_threshold: Annotated[float, Rules(ge=0, lt=1)] = 0.3
    #: While fewer than this share of the questions behind the verdict are answered, evidence
    #: that the unanswered ones could still turn to the other side is too thin to advise on.
    thin_information_share: Annotated[float, Rules(ge=0, le=1)] = 0.3


@strict
class RuleSpec:
    """A rule as written in YAML; ``when`` is parsed by condition_syntax.parse in build.py."""

    id: Annotated[str, Rules(pattern=RULE_ID_PATTERN)]
    title: Text
    source: Source
    salience: Annotated[int, Rules(ge=-100, le=100)] = 0
    when: Any
    then: Annotated[list[dict[str, Any]], Rules(min_length=1)]


@strict
class RulesFile:
    """Each rule is validated on its own (loader.py), so an error can name the rule id."""

    rules: list[dict[str, Any]] = field(default_factory=list)
