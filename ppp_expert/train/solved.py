"""A case the engine has solved, read the way a tutor needs it: which rule decided what, on
which facts of the case, and - for an answer the engine did not give - which rule would have
supported it and which of its conditions failed (WHY-NOT), or which rule overrode it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterable

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import PPP_OUTCOME, TRADITIONAL
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.train.describe import fact_producers, facts_text, failed_conditions, final_state
from ppp_expert.train.items import Backing
from ppp_expert.train.programme import ProgrammeCase

if TYPE_CHECKING:
    from ppp_expert.advice.contract import Advice
    from ppp_expert.engine.reasoner import Trace
    from ppp_expert.engine.recorder import Firing


@dataclass(frozen=True)
class Blocked:
    """A rule that would support a claim: it did not fire (``failed`` conditions) or it fired and
    lost to a more specific rule (``overridden_by``)."""

    rule: Rule
    failed: tuple[str, ...] = ()
    overridden_by: str | None = None
    weight: float | None = None


class Solved:
    """One programme case with the engine's trace and advice, indexed for feedback."""

    def __init__(self, kb: KnowledgeBase, case: ProgrammeCase) -> None:
        self.kb = kb
        self.case = case
        self.trace: "Trace" = case.trace
        self.advice: "Advice" = case.advice
        self.firings: dict[str, "Firing"] = {f.rule.id: f for f in self.trace.firings}

    @cached_property
    def producers(self) -> dict[str, Rule]:
        return fact_producers(self.trace)

    @cached_property
    def state(self) -> cond.State:
        return final_state(self.trace)

    # ------------------------------------------------------------------ backing
    def backing(self, rule_id: str, says: str = "") -> Backing:
        firing = self.firings.get(rule_id)
        return Backing(rule_id, tuple(firing.matched) if firing else (), says)

    def facts(self, backing: Backing, decisions: bool = True) -> list[str]:
        """The facts of this case that made the rule fire, in words."""
        return facts_text(self.kb, backing.facts, self.producers, decisions=decisions)

    def failed(self, rule: Rule) -> tuple[str, ...]:
        return tuple(failed_conditions(self.kb, rule, self.state))

    # ------------------------------------------------------------------ why not
    def supporters(self, target: str, value: Any = None) -> list[Rule]:
        """Rules that conclude ``target`` (with ``value``, for risk owners and settings)."""
        found = []
        for rule in self.kb.rules:
            for c in rule.conclusions:
                if c.target == target and (value is None or c.value == value):
                    found.append(rule)
                    break
        return found

    def why_not_value(self, target: str, value: Any, winner: str | None) -> Blocked | None:
        """Why the engine did not conclude ``target = value``: the nearest rule that would have."""
        rules = self.supporters(target, value)
        fired = [r for r in rules if r.id in self.firings]
        if fired:
            best = min(fired, key=lambda r: r.precedence)
            return Blocked(best, overridden_by=winner)
        return self.nearest(rules)

    def nearest(self, rules: Iterable[Rule], weight: Any = None) -> Blocked | None:
        """The rule among ``rules`` closest to firing in this case: fewest failed conditions, then
        the strongest, then the most specific."""
        candidates = []
        for rule in rules:
            if rule.id in self.firings:
                continue
            failed = self.failed(rule)
            w = weight(rule) if weight else None
            candidates.append((len(failed), -(abs(w) if w else 0.0), rule.precedence, rule, failed, w))
        if not candidates:
            return None
        _, _, _, rule, failed, w = min(candidates, key=lambda c: c[:3])
        return Blocked(rule, failed, weight=w)

    def why_not_verdict(self, verdict: str) -> tuple[Blocked | None, Blocked | None]:
        """(the strongest fired rule against ``verdict``, the nearest rule for it that did not fire)."""
        sign = 1.0 if verdict == "ppp" else -1.0
        def weight(rule: Rule) -> float:
            return sign * ppp_weight(rule)

        against = [(weight(r), r) for r in (f.rule for f in self.trace.firings) if weight(r) < 0]
        strongest = min(against, key=lambda x: (x[0], x[1].position), default=None)
        blocked = self.nearest((r for r in self.kb.rules if weight(r) > 0), weight)
        return (Blocked(strongest[1], weight=strongest[0]) if strongest else None), blocked

    def why_not_model(self, model: str) -> tuple[Blocked | None, Blocked | None]:
        """(the strongest fired rule against ``model``, the nearest rule for it that did not fire)."""
        from ppp_expert.advice.why_not import why_not

        w = why_not(self.kb, self.trace, model)
        against = min(w.fired_against, key=lambda x: (x[1], x[0].position), default=None)
        blocked = None
        if w.not_fired:
            rule, weight, _ = min(w.not_fired, key=lambda x: (len(self.failed(x[0])), -x[1], x[0].position))
            blocked = Blocked(rule, self.failed(rule), weight=weight)
        return (Blocked(against[0], weight=against[1]) if against else None), blocked


def ppp_weight(rule: Rule) -> float:
    """What a rule adds to the PPP certainty (direct evidence for traditional procurement counts against)."""
    total = 0.0
    for c in rule.conclusions:
        for outcome, weight, _ in c.evidence_on():
            if outcome == PPP_OUTCOME:
                total += weight
            elif outcome == TRADITIONAL:
                total -= weight
    return total


def conclusion_reason(rule: Rule, target: str | None = None) -> str:
    """The reason a rule gives for its conclusion about ``target`` (else for its first conclusion)."""
    for c in rule.conclusions:
        if target is not None and c.target != target:
            continue
        text = _reason_of(c)
        if text:
            return text
    return conclusion_reason(rule) if target is not None else rule.title


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def circular(title: str, reason: str) -> bool:
    """A reason that only repeats the rule's title (at most one word more) explains nothing."""
    extra = _words(reason) - _words(title)
    return len(extra) <= 1


def plain_reason(kb: KnowledgeBase, rule: Rule, target: str | None = None) -> str:
    """Why a rule concludes what it does, never its title again: the reason it gives, or, for a
    rule without one (most findings), the conditions it checks, in plain words."""
    reason = conclusion_reason(rule, target)
    if not circular(rule.title, reason):
        return reason
    from ppp_expert.train.describe import condition_statements

    checks = "; ".join(s.rstrip(".") for s in condition_statements(kb, rule.condition))
    return f"It holds when: {checks}." if checks else reason


def _reason_of(conclusion: Any) -> str | None:
    for name in ("evidence", "allocate", "red_flag", "advise", "set", "criteria"):
        payload = getattr(conclusion, name, None)
        if payload is not None:
            for attr in ("reason", "rationale", "mitigation", "text"):
                value = getattr(payload, attr, None)
                if isinstance(value, str):
                    return value
    value = getattr(conclusion, "reason", None)  # a PPP conclusion carries its reason itself
    return value if isinstance(value, str) else None
