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

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from ppp_expert.advice.assemble import index, risk_allocation
from ppp_expert.engine.reasoner import reasoner_for
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.loader import KnowledgeBase
from ppp_expert.kb.schema import Question

UNKNOWN = cond.UNKNOWN


@dataclass(frozen=True)
class Outcome:
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
    baseline: Outcome
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


def outcome(kb: KnowledgeBase, answers: Mapping[str, Any]) -> Outcome:
    """Verdict, model and risk owners for an answer set (no full advice assembly)."""
    trace = reasoner_for(kb).run(answers)
    owners = {r.risk: r.party for r in risk_allocation(kb, index(trace.firings))}
    return Outcome(trace.decision.verdict, trace.decision.model, owners)


def alternatives(kb: KnowledgeBase, question: Question, current: Any) -> list[tuple[Any, float]]:
    """(other answer, distance) for one question: every other choice, or for a number the value
    nearest to the current one in every other range the rules can tell apart. ``unknown`` is no
    alternative: forgetting a fact makes almost any verdict undetermined and says nothing about
    which facts the advice turns on."""
    out: list[tuple[Any, float]] = []
    if question.type == "choice":
        values = list(question.answers)
        here = values.index(current) if current in values else None
        for i, value in enumerate(values):
            if value != current:
                out.append((value, 1.0 if here is None else float(abs(i - here))))
    else:
        for low, high in _numeric_ranges(kb, question):
            value = _nearest(low, high, current, question.type == "integer")
            if value is not None and not (current != UNKNOWN and _within(low, high, current)):
                out.append((value, _relative(current, value)))
    return out


def _numeric_ranges(kb: KnowledgeBase, question: Question) -> list[tuple[float, float]]:
    """The ranges of a numeric question inside which every rule condition on it agrees: each bound
    a rule tests is a range of its own ([b, b]), and so is each open interval between bounds."""
    def compute() -> list[tuple[float, float]]:
        bounds: set[float] = set()
        for rule in kb.rules:
            for leaf in cond.leaves(rule.condition):
                if isinstance(leaf, cond.AnswerCompare) and leaf.question == question.id:
                    bounds.update(b for b in (leaf.low, leaf.high) if b is not None)
        low = question.min if question.min is not None else -1e18
        high = question.max if question.max is not None else 1e18
        edges = [low, *sorted(b for b in bounds if low < b < high), high]
        ranges: list[tuple[float, float]] = []
        for a, b in zip(edges, edges[1:]):
            ranges.append((a, a))
            ranges.append((a, b))  # open at both ends (the ends are ranges of their own)
        ranges.append((high, high))
        return ranges

    return kb.derived(("numeric_ranges", question.id), compute)


def _within(low: float, high: float, value: float) -> bool:
    return value == low if low == high else low < value < high


def _nearest(low: float, high: float, current: Any, integer: bool) -> float | None:
    """The value of a range nearest to ``current`` (its middle when ``current`` is unknown)."""
    if low == high:
        return int(low) if integer else low
    if integer:
        first, last = math.floor(low) + 1, math.ceil(high) - 1
        if first > last:
            return None
        target = (first + last) // 2 if current == UNKNOWN else current
        return min(max(int(round(target)), first), last)
    if current == UNKNOWN or not (low < current < high):
        if current != UNKNOWN and current <= low:
            return low + min(1.0, (high - low) / 2)
        if current != UNKNOWN and current >= high:
            return high - min(1.0, (high - low) / 2)
        return (low + high) / 2 if high - low < 1e12 else low + 1.0
    return current


def _relative(current: Any, value: float) -> float:
    if not isinstance(current, (int, float)) or isinstance(current, bool):
        return 1.0
    scale = max(abs(current), abs(value), 1.0)
    return min(abs(value - current) / scale, 1.0)


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


def _difference(question: str, before: Any, after: Any, distance: float, base: Outcome,
                changed: Outcome) -> Flip | None:
    risks = {r: (base.risks.get(r), changed.risks.get(r))
             for r in sorted(set(base.risks) | set(changed.risks)) if base.risks.get(r) != changed.risks.get(r)}
    verdict = (base.verdict, changed.verdict) if base.verdict != changed.verdict else None
    model = (base.model, changed.model) if base.model != changed.model else None
    if not (verdict or model or risks):
        return None
    return Flip(question, before, after, distance, verdict, model, risks)
