"""The kinds of conclusion a rule can draw, each carrying its own behaviour.

A kind says, in one place, how it is written in YAML (its key and payload), what it concludes
(its *target*: ``risk:demand``, ``red_flag:scope_creep``, ``structuring:term_years`` ...), how
rules concluding the same target compete, how it reads in one line, and how it appears in the
explanation graph. The loader, the engine, assembly, explanations, lint and the consultation's
relevance analysis ask a conclusion these questions instead of testing its class, so a new kind
is added here (and, if it adds a section to the result, in the advice assembly).

How rules compete for a target (``competition``):

- ``derived``: the first firing declares a fact; later ones add nothing;
- ``certainty``: every firing adds a weight, combined by certainty factors (``evidence_on``);
- ``precedence``: one winner, the most specific rule (then salience, then knowledge-base
  order); the losers are kept as *overridden*;
- ``union``: every firing is kept (red flags, advice items);
- ``sum``: every firing shifts a number (procurement criteria weights).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Mapping, Protocol, Union

from ppp_expert.kb.constraints import Rules
from ppp_expert.kb.schema import CRITERIA, MODEL_IDS, Id, Party, Text, Topic, strict

Weight = Annotated[float, Rules(ge=-1, le=1)]

TRADITIONAL = "traditional_procurement"
#: The outcome ``evidence_on`` names for the PPP-or-not verdict.
PPP_OUTCOME = "ppp"
Competition = Literal["derived", "certainty", "precedence", "union", "sum"]
#: The four outcomes of "is a partnership appropriate?" (``appropriate.verdict``).
OUTCOMES: tuple[str, ...] = ("ppp", "traditional", "not_yet", "insufficient_information")
#: What a failed gate decides (see ``GateConclusion``).
GateEffect = Literal["not_yet", "traditional", "rescope"]
GATE_EFFECTS: tuple[str, ...] = ("not_yet", "traditional", "rescope")


class TitleCatalogue(Protocol):
    """What describing a conclusion needs from the knowledge base: titles of models and risks."""

    models: Mapping[str, Any]
    risks: Mapping[str, Any]


# --- payloads ------------------------------------------------------------------------------
# What a conclusion carries, as written in the rule files (`Spec`: a knowledge-base payload, not the
# result contract of the same name in advice/contract.py).


@strict
class EvidenceSpec:
    model: Literal[MODEL_IDS]  # type: ignore[valid-type]
    weight: Weight
    reason: Text


@strict
class AllocationSpec:
    risk: str
    party: Party
    mechanism: Text
    rationale: Text


@strict
class RedFlagSpec:
    id: Id
    title: Text
    mitigation: Text


@strict
class GateSpec:
    """A screening condition practice treats as a gate, failed in this case.

    ``decides`` says what the failure means: ``not_yet`` (a partnership could fit once the
    condition is met), ``traditional`` (a partnership is ruled out; conventional delivery, where
    that is itself feasible) or ``rescope`` (no route is feasible as the project stands).
    ``clear`` names the answers that would clear it: question -> the answers that pass.
    """

    id: Id
    title: Text
    decides: GateEffect = "not_yet"
    clear: Annotated[dict[str, list[Union[str, int, float]]], Rules(min_length=1)]
    reason: Text


@strict
class AdviceItemSpec:
    topic: Topic
    key: Id
    text: Text


@strict
class SettingValueSpec:
    topic: Topic
    key: Id
    value: Union[str, int, float, dict[str, Union[int, float, str]]]
    reason: Text


@strict
class CriterionShiftSpec:
    criterion: Literal[CRITERIA]  # type: ignore[valid-type]
    delta: float
    reason: Text


# --- kinds ---------------------------------------------------------------------------------


class ConclusionKind:
    """Behaviour every kind provides; the defaults suit a kind that concludes nothing special."""

    kind: ClassVar[str]
    competition: ClassVar[Competition]
    #: The consultation outcome group it belongs to (``risks``, ``red_flags`` ...), if any.
    group: ClassVar[str | None] = None

    @property
    def target(self) -> str:
        """The outcome this conclusion is about; rules with equal targets compete."""
        raise NotImplementedError

    @property
    def slot(self) -> str:
        """What competing rules share: the target, unless one target holds several items."""
        return self.target

    @property
    def value(self) -> Any:
        """What the winner of a ``precedence`` competition decides."""
        return None

    @property
    def declares_fact(self) -> str | None:
        """The derived fact this conclusion adds to working memory, if any."""
        return None

    def evidence_on(self) -> tuple[tuple[str, float, str], ...]:
        """(outcome, weight, reason) for certainty kinds: outcome ``ppp`` or a model id."""
        return ()

    def references(self) -> Mapping[str, str]:
        """Catalogue entries it names, checked at load: ``{"risk": id}``."""
        return {}

    def describe(self, kb: TitleCatalogue) -> str:
        """One line saying what this conclusion would add to the advice."""
        raise NotImplementedError

    def node_label(self) -> str:
        """Label of its node in the explanation graph."""
        return self.target.replace(":", " ")

    def edge(self) -> dict[str, Any]:
        """Attributes of the edge from the firing rule to its node in the explanation graph."""
        return {}


@strict
class FactConclusion(ConclusionKind):
    kind: ClassVar[str] = "fact"
    competition: ClassVar[Competition] = "derived"
    fact: Id

    @property
    def target(self) -> str:
        return f"fact:{self.fact}"

    @property
    def declares_fact(self) -> str | None:
        return self.fact

    def describe(self, kb: TitleCatalogue) -> str:
        return f"finding {self.fact}"

    def node_label(self) -> str:
        return self.fact


@strict
class PPPConclusion(ConclusionKind):
    kind: ClassVar[str] = "ppp"
    competition: ClassVar[Competition] = "certainty"
    group: ClassVar[str | None] = "verdict"
    ppp: Weight
    reason: Text

    @property
    def target(self) -> str:
        return "verdict"

    def evidence_on(self) -> tuple[tuple[str, float, str], ...]:
        return ((PPP_OUTCOME, self.ppp, self.reason),)

    def describe(self, kb: TitleCatalogue) -> str:
        return f"{self.ppp:+.2f} on whether a PPP is appropriate"

    def edge(self) -> dict[str, Any]:
        return {"weight": self.ppp}


@strict
class GateConclusion(ConclusionKind):
    """A failed gate: it changes the outcome, never the certainty (it carries no weight)."""

    kind: ClassVar[str] = "gate"
    competition: ClassVar[Competition] = "union"
    group: ClassVar[str | None] = "gates"
    gate: GateSpec

    @property
    def target(self) -> str:
        return f"gate:{self.gate.id}"

    def describe(self, kb: TitleCatalogue) -> str:
        return f"gate failed: {self.gate.title} ({self.gate.decides.replace('_', ' ')})"

    def node_label(self) -> str:
        return f"gate {self.gate.id}"


@strict
class EvidenceConclusion(ConclusionKind):
    kind: ClassVar[str] = "evidence"
    competition: ClassVar[Competition] = "certainty"
    group: ClassVar[str | None] = "model"
    evidence: EvidenceSpec

    @property
    def target(self) -> str:
        return f"score:{self.evidence.model}"

    def evidence_on(self) -> tuple[tuple[str, float, str], ...]:
        e = self.evidence
        return ((e.model, e.weight, e.reason),)

    def describe(self, kb: TitleCatalogue) -> str:
        return f"{self.evidence.weight:+.2f} for {kb.models[self.evidence.model].title}"

    def edge(self) -> dict[str, Any]:
        return {"weight": self.evidence.weight}


@strict
class AllocateConclusion(ConclusionKind):
    kind: ClassVar[str] = "allocate"
    competition: ClassVar[Competition] = "precedence"
    group: ClassVar[str | None] = "risks"
    allocate: AllocationSpec

    @property
    def target(self) -> str:
        return f"risk:{self.allocate.risk}"

    @property
    def value(self) -> Any:
        return self.allocate.party

    def references(self) -> Mapping[str, str]:
        return {"risk": self.allocate.risk}

    def describe(self, kb: TitleCatalogue) -> str:
        return f"{kb.risks[self.allocate.risk].title} risk -> {self.allocate.party}"

    def edge(self) -> dict[str, Any]:
        return {"party": self.allocate.party}


@strict
class RedFlagConclusion(ConclusionKind):
    kind: ClassVar[str] = "red_flag"
    competition: ClassVar[Competition] = "union"
    group: ClassVar[str | None] = "red_flags"
    red_flag: RedFlagSpec

    @property
    def target(self) -> str:
        return f"red_flag:{self.red_flag.id}"

    def describe(self, kb: TitleCatalogue) -> str:
        return f"red flag: {self.red_flag.title}"

    def node_label(self) -> str:
        return f"red flag {self.red_flag.id}"


@strict
class AdviseConclusion(ConclusionKind):
    kind: ClassVar[str] = "advise"
    competition: ClassVar[Competition] = "union"
    group: ClassVar[str | None] = "advice"
    advise: AdviceItemSpec

    @property
    def target(self) -> str:
        return f"{self.advise.topic}:{self.advise.key}"

    @property
    def slot(self) -> str:
        # Items with one key but different texts are separate pieces of advice.
        return f"{self.target} (advice)\0{self.advise.text}"

    def describe(self, kb: TitleCatalogue) -> str:
        return f"{self.advise.topic} advice on {self.advise.key.replace('_', ' ')}"


@strict
class SetConclusion(ConclusionKind):
    kind: ClassVar[str] = "set"
    competition: ClassVar[Competition] = "precedence"
    group: ClassVar[str | None] = "settings"
    set: SettingValueSpec

    @property
    def target(self) -> str:
        return f"{self.set.topic}:{self.set.key}"

    @property
    def value(self) -> Any:
        return repr(self.set.value)

    def describe(self, kb: TitleCatalogue) -> str:
        return f"{self.set.topic} {self.set.key} = {self.set.value}"


@strict
class CriteriaConclusion(ConclusionKind):
    kind: ClassVar[str] = "criteria"
    competition: ClassVar[Competition] = "sum"
    group: ClassVar[str | None] = "criteria"
    criteria: CriterionShiftSpec

    @property
    def target(self) -> str:
        return "procurement:criteria_weights"

    def describe(self, kb: TitleCatalogue) -> str:
        return f"evaluation criterion {self.criteria.criterion} {self.criteria.delta:+g}"

    def node_label(self) -> str:
        return "procurement criteria weights"

    def edge(self) -> dict[str, Any]:
        return {"delta": self.criteria.delta}


CONCLUSION_KINDS: dict[str, type[ConclusionKind]] = {
    k.kind: k for k in (
        FactConclusion, PPPConclusion, GateConclusion, EvidenceConclusion, AllocateConclusion, RedFlagConclusion,
        AdviseConclusion, SetConclusion, CriteriaConclusion,
    )
}
Conclusion = ConclusionKind
