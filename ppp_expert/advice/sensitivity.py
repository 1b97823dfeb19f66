"""Sensitivity: which single change of answer would change the advice.

For a case, every other answer of every question is tried one at a time (answered questions
and unknown ones). A change that alters the verdict, the
recommended model or a risk owner is a *flip*. Flips are ranked by how little has to change:
a step to a neighbouring answer of an ordered scale, or a small relative move of a number, ranks
before a jump across the scale. The verdict or model is *fragile* when some single answer flips it.

Only the outcome is needed per variant, so each variant runs the engine and reads the decision
and the risk owners from the firings, without assembling the whole advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ppp_expert.advice.assemble import index, risk_allocation
from ppp_expert.advice.variants import alternatives
from ppp_expert.engine.reasoner import reasoner_for
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

UNKNOWN = cond.UNKNOWN


#: The model of an outcome that recommends none.
NO_MODEL = "(no model)"


@dataclass(frozen=True)
class SweepOutcome:
    """The parts of the advice a sweep compares."""

    verdict: str
    model: str
    risks: Mapping[str, str]


@dataclass(frozen=True)
class Flip:
    """One answer changed, and what it changes."""

    question: str
    before: Any
    after: Any
    distance: float  # how big the change is: 1 = a neighbouring answer; 0..1 for numbers
    verdict: tuple[str, str] | None = None
    model: tuple[str, str] | None = None
    risks: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        return [k for k, v in (("verdict", self.verdict), ("model", self.model), ("risks", self.risks)) if v]

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "from": self.before, "to": self.after, "distance": round(self.distance, 3),
            "verdict": None if self.verdict is None else {"from": self.verdict[0], "to": self.verdict[1]},
            "model": None if self.model is None else {"from": self.model[0], "to": self.model[1]},
            "risks": {r: {"from": a, "to": b} for r, (a, b) in self.risks.items()},
        }


@dataclass(frozen=True)
class Sweep:
    """Every flip found for one case, smallest change first."""

    case: str
    baseline: SweepOutcome
    flips: tuple[Flip, ...]
    variants: int  # answer sets evaluated

    @property
    def verdict_flips(self) -> list[Flip]:
        return [f for f in self.flips if f.verdict]

    @property
    def model_flips(self) -> list[Flip]:
        return [f for f in self.flips if f.model]

    @property
    def risk_flips(self) -> list[Flip]:
        return [f for f in self.flips if f.risks]

    @property
    def fragile_verdict(self) -> bool:
        return bool(self.verdict_flips)

    @property
    def fragile_model(self) -> bool:
        return bool(self.model_flips)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "baseline": {"verdict": self.baseline.verdict, "model": self.baseline.model,
                         "risks": dict(self.baseline.risks)},
            "fragile": {"verdict": self.fragile_verdict, "model": self.fragile_model},
            "variants": self.variants,
            "flips": [f.to_dict() for f in self.flips],
        }


def outcome(kb: KnowledgeBase, answers: Mapping[str, Any]) -> SweepOutcome:
    """Verdict, model and risk owners for an answer set (no full advice assembly)."""
    trace = reasoner_for(kb).run(answers)
    owners = {r.risk: r.party for r in risk_allocation(kb, index(trace.firings))}
    d = trace.decision
    return SweepOutcome(d.verdict, d.model if d.determined else NO_MODEL, owners)


def sweep(kb: KnowledgeBase, case_id: str, answers: Mapping[str, Any]) -> Sweep:
    """Try each alternative answer of each question, one at a time; keep those that flip."""
    given = {q: v for q, v in answers.items() if v != UNKNOWN}
    base = outcome(kb, given)
    flips: list[Flip] = []
    variants = 0
    for qid, question in kb.questions.items():
        current = given.get(qid, UNKNOWN)
        for value, distance in alternatives(kb, question, current):
            changed = dict(given)
            if value == UNKNOWN:
                changed.pop(qid, None)
            else:
                changed[qid] = value
            variants += 1
            after = outcome(kb, changed)
            flip = _difference(qid, current, value, distance, base, after)
            if flip is not None:
                flips.append(flip)
    order = {q: i for i, q in enumerate(kb.questions)}
    flips.sort(key=lambda f: (f.distance, order[f.question], str(f.after)))
    # Of several values of one question with the same effect, the smallest change is enough.
    seen: set[tuple[str, Any, Any, tuple[Any, ...]]] = set()
    kept = []
    for f in flips:
        effect = (f.question, f.verdict, f.model, tuple(sorted(f.risks.items())))
        if effect not in seen:
            seen.add(effect)
            kept.append(f)
    return Sweep(case_id, base, tuple(kept), variants)


def _difference(question: str, before: Any, after: Any, distance: float, base: SweepOutcome,
                changed: SweepOutcome) -> Flip | None:
    risks = {r: (base.risks.get(r), changed.risks.get(r))
             for r in sorted(set(base.risks) | set(changed.risks)) if base.risks.get(r) != changed.risks.get(r)}
    verdict = (base.verdict, changed.verdict) if base.verdict != changed.verdict else None
    model = (base.model, changed.model) if base.model != changed.model else None
    if not (verdict or model or risks):
        return None
    return Flip(question, before, after, distance, verdict, model, risks)
