"""Sensitivity: which single change of answer would change the advice.

For a case, every other answer of every question is tried one at a time (answered questions
and unknown ones). A change that alters the verdict, the
recommended model or a risk owner is a *flip*. Flips are ranked by how little has to change:
a step to a neighbouring answer of an ordered scale, or a small relative move of a number, ranks
before a jump across the scale. The verdict or model is *fragile* when some single answer flips it.

Only the outcome is needed per variant, so no variant assembles the whole advice, and none runs
the engine again: the case runs once, and each variant is replayed in Python with the engine's
semantics (``Replay``): the phase-one rules the changed answer cannot reach keep their firing,
the ones it reaches are evaluated again in firing order, ``aggregate.decide`` decides, and the
second-phase rules a risk owner can depend on are evaluated on that decision. Tests check every variant of the shipped
cases and of generated ones against a run of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ppp_expert.advice.assemble import index, risk_allocation
from ppp_expert.advice.variants import alternatives
from ppp_expert.engine.aggregate import decide, decisions_of
from ppp_expert.engine.dependents import dependents
from ppp_expert.engine.reasoner import Trace, open_bounds, reasoner_for
from ppp_expert.engine.recorder import Firing
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule

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
    """Verdict, model and risk owners for an answer set, by a run of the engine."""
    return _outcome_of(kb, reasoner_for(kb).run(answers))


def _outcome_of(kb: KnowledgeBase, trace: Trace) -> SweepOutcome:
    owners = {r.risk: r.party for r in risk_allocation(kb, index(trace.firings))}
    d = trace.decision
    return SweepOutcome(d.verdict, d.model if d.determined else NO_MODEL, owners)


class Replay:
    """The outcome of a case with one answer changed, without running the engine again.

    The engine runs a complete answer set to a fixpoint in a fixed order (producers of a fact
    before its readers), so which rules fire is what evaluating each condition in that order
    gives. Changing one answer can only change the phase-one rules it reaches (``dependents``);
    the decision is then ``aggregate.decide`` on the firings, as in ``Reasoner``, and the
    second-phase rules the risk owners depend on are evaluated again on that decision."""

    def __init__(self, kb: KnowledgeBase, answers: Mapping[str, Any], trace: Trace | None = None) -> None:
        self.kb = kb
        self.trace = trace if trace is not None else reasoner_for(kb).run(answers)  # a caller's run of answers
        self.base = _outcome_of(kb, self.trace)
        self.complete = dict(self.trace.answers)
        self.phase_one = [f.rule for f in self.trace.firings if f.rule.phase == 1]

        self.phase_two: tuple[Rule, ...] = kb.derived("sweep_second_phase", lambda: _owner_rules(kb))

    def outcome(self, question: str, value: Any) -> SweepOutcome:
        """Verdict, model and risk owners with ``question`` answered ``value`` (not unknown)."""
        reached = dependents(self.kb)[question]
        moved = {r.id for r in reached}
        fired = [r for r in self.phase_one if r.id not in moved]
        state = cond.State({**self.complete, question: value}, facts={f for r in fired for f in r.concluded_facts},
                           closed=True)
        facts = state.facts
        assert isinstance(facts, set)
        for rule in reached:
            if rule.condition.truth(state):
                fired.append(rule)
                facts.update(rule.concluded_facts)
        decision = decide(self.kb, [Firing(r, (), ()) for r in fired], lambda: open_bounds(self.kb, state.answers))
        state.decisions = decisions_of(decision)
        for rule in self.phase_two:
            if rule.condition.truth(state):
                fired.append(rule)
                facts.update(rule.concluded_facts)
        owners = {r.risk: r.party for r in risk_allocation(self.kb, index(Firing(r, (), ()) for r in fired))}
        return SweepOutcome(decision.verdict, decision.model if decision.determined else NO_MODEL, owners)


def _owner_rules(kb: KnowledgeBase) -> tuple[Rule, ...]:
    """The second-phase rules a risk owner can depend on, in firing order: those allocating a
    risk and, transitively, the second-phase producers of the facts they read (the sweep
    compares the verdict, the model and the risk owners, and nothing else of the second phase)."""
    second = [r for r in kb.rules if r.phase == 2]
    producers: dict[str, list[Rule]] = {}
    for rule in second:
        for fact in rule.concluded_facts:
            producers.setdefault(fact, []).append(rule)
    needed: dict[str, Rule] = {}
    stack = [r for r in second if any(c.kind == "allocate" for c in r.conclusions)]
    while stack:
        rule = stack.pop()
        if rule.id not in needed:
            needed[rule.id] = rule
            stack.extend(p for fact in cond.facts_of(rule.condition) for p in producers.get(fact, ()))
    return tuple(sorted(needed.values(), key=lambda r: (r.stratum, r.position)))


def sweep(kb: KnowledgeBase, case_id: str, answers: Mapping[str, Any], trace: Trace | None = None) -> Sweep:
    """Try each alternative answer of each question, one at a time; keep those that flip.
    ``trace``: the engine's run of ``answers`` when the caller has one (it is not run again)."""
    given = {q: v for q, v in answers.items() if v != UNKNOWN}
    replay = Replay(kb, given, trace)
    base = replay.base
    flips: list[Flip] = []
    variants = 0
    for qid, question in kb.questions.items():
        current = given.get(qid, UNKNOWN)
        for value, distance in alternatives(kb, question, current):
            variants += 1
            if value == UNKNOWN:  # never an alternative today; the engine would say what forgetting does
                changed = dict(given)
                changed.pop(qid, None)
                after = outcome(kb, changed)
            else:
                after = replay.outcome(qid, value)
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
