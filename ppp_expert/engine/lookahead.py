"""What one more answer would do to the decision: the consultation's look one step ahead.

For an open question and one of its possible answers, ``Lookahead.prospect`` gives

- the *projected* decision: the outcome and model ``evaluate`` would give on the answers so far
  plus this one (every other open question unknown), the engine's own semantics and arithmetic
  (``aggregate.weigh_rules``, thin evidence included);
- what could still happen after it: the verdicts and models the sound bounds of the relevance
  analysis still allow, and how wide the certainty interval remains.

Only the phase-one rules the question reaches (``dependents``) are evaluated again; every other
rule keeps its state from the analysis of the answers so far, so looking at every answer of
every open question costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ppp_expert.engine.aggregate import thin_possible, weigh_rules
from ppp_expert.engine.bounds import Bounds, DecisionSets, Pools
from ppp_expert.engine.dependents import dependents
from ppp_expert.engine.relevance import NO_MODEL, Relevance
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import TRADITIONAL
from ppp_expert.kb.knowledge_base import Rule

Truth = cond.Truth


@dataclass(frozen=True)
class Projection:
    """The decision ``evaluate`` would give: the outcome and the recommended model ('' for none)."""

    verdict: str
    model: str


@dataclass(frozen=True)
class Prospect:
    """What answering ``value`` would do."""

    value: Any
    projected: Projection
    possible: DecisionSets


@dataclass
class _Phase:
    """One evaluation of the phase-one rules: their states and the facts they make sure/possible."""

    answers: dict[str, Any]
    closed: bool
    status: dict[str, Truth]
    facts: set[str]
    possible: set[str]


@dataclass
class _Kept:
    """What of a ``_Phase`` stays when one question's answer changes: the facts and weights of
    the rules the question cannot reach."""

    facts: set[str]
    possible: set[str]
    pools: Pools


class Lookahead:
    """The decision now, and after any one more answer, for the answers so far."""

    def __init__(self, relevance: Relevance, answers: Mapping[str, Any]) -> None:
        self.relevance = relevance
        self.kb = relevance.kb
        self.answers = dict(answers)
        self.known = {q: v for q, v in answers.items() if v != cond.UNKNOWN}
        self._open = self._evaluate(self.answers, closed=False)   # unknown is an answer
        self._closed = self._evaluate(self.answers, closed=True)  # unanswered reads as unknown
        # Thin evidence is judged with unknown answers open; needed only while it is possible.
        self._thin = self._evaluate(self.known, closed=False) if thin_possible(self.kb, self.known) else None
        thin_bounds = self._thin_bounds(self._thin, relevance.pools(self._thin.status) if self._thin else None,
                                        self.known)
        self.now = self._project(self._closed, thin_bounds)
        self.possible = relevance.decision_sets(self.answers, self._open.status, thin_bounds)

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, answers: dict[str, Any], closed: bool) -> _Phase:
        state = cond.State(answers, facts=set(), possible_facts=set(), closed=closed)
        status: dict[str, Truth] = {}
        self.relevance._evaluate(self.relevance.phase_one, state, status)
        assert isinstance(state.facts, set) and isinstance(state.possible_facts, set)
        return _Phase(answers, closed, status, state.facts, state.possible_facts)

    def _kept(self, base: _Phase, moved: frozenset[str]) -> _Kept:
        producers = self.kb.fact_producers
        facts = {f for f in base.facts if any(p not in moved and base.status[p] for p in producers.get(f, ()))}
        possible = {f for f in base.possible
                    if any(p not in moved and base.status[p] is None for p in producers.get(f, ()))} - facts
        return _Kept(facts, possible, self.relevance.pools(base.status, skip=moved))

    def _again(self, base: _Phase, kept: _Kept, question: str, value: Any,
               reached: tuple[Rule, ...]) -> tuple[_Phase, Pools]:
        """``base`` with ``question`` answered ``value``: only the rules it reaches are evaluated
        again; with the weights of all the decision rules in that state."""
        answers = {**base.answers, question: value}
        state = cond.State(answers, facts=set(kept.facts), possible_facts=set(kept.possible), closed=base.closed)
        status = dict(base.status)
        self.relevance._evaluate(list(reached), state, status)
        deciding = self.relevance.decision_rule_set
        pools = kept.pools.plus(self.relevance.pools(status, [r.id for r in reached if r.id in deciding]))
        assert isinstance(state.facts, set) and isinstance(state.possible_facts, set)
        return _Phase(answers, base.closed, status, state.facts, state.possible_facts), pools


    # ------------------------------------------------------------------ judgements
    def _thin_bounds(self, thin: _Phase | None, pools: Pools | None, known: Mapping[str, Any]) -> Bounds | None:
        if thin is None or pools is None or not thin_possible(self.kb, known):
            return None
        return pools.bounds()[0]

    def _project(self, closed: _Phase, thin_bounds: Bounds | None) -> Projection:
        status = closed.status
        fired = [self.kb.rule(rid) for rid in self.relevance.deciding if status[rid]]
        weighed = weigh_rules(self.kb, fired, None if thin_bounds is None else (thin_bounds.lo(), thin_bounds.hi()))
        if weighed.verdict == "traditional":
            return Projection("traditional", TRADITIONAL)
        determined = (weighed.verdict in ("ppp", "not_yet") and weighed.viable
                      and weighed.scores[weighed.leader] > weighed.scores[weighed.second])
        return Projection(weighed.verdict, weighed.leader if determined else NO_MODEL)

    # ------------------------------------------------------------------ one step ahead
    def prospects(self, question: str, values: Iterable[Any]) -> list[Prospect]:
        """What each of ``values`` as the answer to ``question`` would do."""
        reached = dependents(self.kb)[question]
        moved = frozenset(r.id for r in reached)
        kept_open, kept_closed = self._kept(self._open, moved), self._kept(self._closed, moved)
        kept_thin = self._kept(self._thin, moved) if self._thin is not None else None
        thin_now = self.relevance.pools(self._thin.status) if self._thin is not None else None
        out = []
        for value in values:
            known = self.known if value == cond.UNKNOWN else {**self.known, question: value}
            thin, thin_pools = self._thin, thin_now
            if self._thin is not None and kept_thin is not None and value != cond.UNKNOWN:
                thin, thin_pools = self._again(self._thin, kept_thin, question, value, reached)
            thin_bounds = self._thin_bounds(thin, thin_pools, known)
            open_, open_pools = self._again(self._open, kept_open, question, value, reached)
            closed, _ = self._again(self._closed, kept_closed, question, value, reached)
            possible = self.relevance.decision_sets(open_.answers, open_.status, thin_bounds, open_pools)
            out.append(Prospect(value, self._project(closed, thin_bounds), possible))
        return out
