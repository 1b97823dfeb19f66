"""How sure the advice is: one definition, computed here and only here.

Every view (summary, ``--full``, explain, whatif, memo, training) shows the level word and the
numbers of ``Confidence`` as computed by ``assess``; none recomputes or rewords them.

The ingredients:

- **margin**: how far the weight of evidence is past the line that would change the outcome,
  ``|certainty| - verdict threshold`` (negative inside the undecided band), and, when a model is
  recommended for a partnership, no more than its lead over the runner-up. Gate-decided outcomes
  are not decided by weight, so for them the margin is the model's lead alone (0 with no model);
- **fragile_on**: the answered questions for which a neighbouring answer (the next value on its
  scale, or a number just across a bound a rule tests) changes the outcome, each tried one at a
  time with the engine's own decision (a sound bound first skips the questions that cannot);
- **could_flip**: the unanswered questions whose answer could still change the outcome (the
  sound bounds of the relevance analysis), most decisive first;
- **red flags** raised for the case.

The level: ``low`` when information is insufficient, no model can be recommended for a
partnership, the margin is under ``THIN_MARGIN``, ``MANY_OPEN`` or more answers are fragile, or
more than ``MANY_OPEN`` open questions could flip the outcome;
``high`` when the margin is at least ``SOLID_MARGIN`` (or gates decided), nothing is fragile or
open, and a partnership carries fewer than ``MANY_RED_FLAGS`` red flags; ``moderate`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from ppp_expert.advice.variants import alternatives
from ppp_expert.engine.aggregate import Decision, Weighed, pooled, thin_possible, weigh_pooled
from ppp_expert.engine.bounds import bounds, fits_none, possible_outcomes, viability
from ppp_expert.engine.dependents import dependents
from ppp_expert.engine.reasoner import open_bounds
from ppp_expert.engine.relevance import relevance_for
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.kb.schema import PPP_MODELS

LEVELS: tuple[str, ...] = ("high", "moderate", "low")
#: Under this margin the outcome or the model could go either way on a small change of evidence.
THIN_MARGIN = 0.1
#: From this margin on, the evidence is well past the line.
SOLID_MARGIN = 0.3
#: This many fragile answers (or more than this many open questions) make an outcome low-confidence.
MANY_OPEN = 3
#: A partnership with this many red flags is not advised with high confidence.
MANY_RED_FLAGS = 3

LEVEL_MEANING = {
    "high": "the evidence is well past the line, and no single answer, given or open, changes it",
    "moderate": "the outcome holds on the evidence given, but a few answers or a thin margin could change it",
    "low": "the outcome could change with one or more answers, or the information is too thin to advise",
}


@dataclass(frozen=True)
class Confidence:
    """The one confidence of an advice (``appropriate.confidence`` in the result JSON)."""

    level: str
    margin: float
    fragile_on: tuple[str, ...]
    could_flip: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "margin": self.margin, "fragile_on": list(self.fragile_on),
                "could_flip": list(self.could_flip)}


def gate_decided(decision: Decision) -> bool:
    """Did a failed gate, rather than the weight of evidence, decide the outcome?"""
    if decision.verdict == "not_yet":
        return True
    return decision.verdict == "traditional" and any(g.decides == "traditional" for g in decision.gates)


def margin(kb: KnowledgeBase, decision: Decision) -> float:
    """See the module docstring: evidence past the line, capped by a recommended model's lead."""
    lead = None
    if decision.determined and decision.verdict != "traditional" and decision.runner_up is not None:
        lead = decision.scores[decision.model] - decision.scores[decision.runner_up]
    if gate_decided(decision):
        value = lead if lead is not None else 0.0
    else:
        value = abs(decision.certainty) - kb.settings.verdict_threshold
        if lead is not None:
            value = min(value, lead)
    return round(value, 4) + 0.0


@dataclass(frozen=True)
class _Effect:
    """What one phase-one rule adds to the decision when it fires."""

    rule: str
    pool: tuple[float, ...]  # weights on the PPP certainty (evidence for traditional negated)
    models: tuple[tuple[str, float], ...]
    gates: frozenset[str]  # what its failed gates decide


def _effects(kb: KnowledgeBase) -> dict[str, _Effect]:
    def compute() -> dict[str, _Effect]:
        relevance = relevance_for(kb, {"verdict"})
        out = {}
        for rule in kb.rules:
            pool = tuple(relevance.pool_weights.get(rule.id, ()))
            models = tuple(relevance.evidence.get(rule.id, ()))
            gates = relevance.gates.get(rule.id, frozenset())
            if pool or models or gates:
                out[rule.id] = _Effect(rule.id, pool, models, gates)
        return out

    return kb.derived("confidence_effects", compute)


def _reach(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """question -> the decision rules (evidence or gates) whose firing can depend on it."""
    def compute() -> dict[str, frozenset[str]]:
        effects = _effects(kb)
        return {q: frozenset(r.id for r in rules if r.id in effects) for q, rules in dependents(kb).items()}

    return kb.derived("confidence_reach", compute)


@dataclass(frozen=True)
class _Open:
    """What the decision rules a question reaches could add between them, whatever the case."""

    pool: list[float]
    gates: frozenset[str]
    models: dict[str, list[float]]


def _open_side(kb: KnowledgeBase, reach: frozenset[str]) -> _Open:
    """The ``_Open`` of a set of reached decision rules, worked out once per knowledge base."""
    table: dict[frozenset[str], _Open] = kb.derived("confidence_open", dict)
    known = table.get(reach)
    if known is None:
        effects = _effects(kb)
        open_ = [effects[r] for r in reach]
        models: dict[str, list[float]] = {m: [] for m in PPP_MODELS}
        for e in open_:
            for m, w in e.models:
                models[m].append(w)
        known = table[reach] = _Open([w for e in open_ for w in e.pool], frozenset(g for e in open_ for g in e.gates),
                                     models)
    return known


def _outcome_can_move(kb: KnowledgeBase, decision: Decision, fired_effects: list[_Effect], reach: frozenset[str],
                      thin: frozenset[bool]) -> bool:
    """Can any answer to the question whose reach is ``reach`` change the outcome? Rules it cannot
    reach keep their firing (``fired_effects``); the ones it reaches may each fire or not (the
    relevance bounds). ``thin``: whether the evidence may count as thin for some answer."""
    sure = [e for e in fired_effects if e.rule not in reach]
    open_ = _open_side(kb, reach)
    certainty = bounds([w for e in sure for w in e.pool], open_.pool)
    sure_gates = frozenset(g for e in sure for g in e.gates)
    threshold = kb.settings.verdict_threshold
    # First with a model that may or may not fit: when even that cannot move the outcome, the
    # model scores need no bounds of their own.
    either = frozenset([True, False])
    if possible_outcomes(certainty, threshold, sure_gates, open_.gates, either, thin, either) == {decision.verdict}:
        return False
    sure_scores: dict[str, list[float]] = {m: [] for m in PPP_MODELS}
    for e in sure:
        for m, w in e.models:
            sure_scores[m].append(w)
    scores = [bounds(sure_scores[model], open_.models[model]) for model in PPP_MODELS]
    possible = possible_outcomes(certainty, threshold, sure_gates, open_.gates,
                                 viability(scores, kb.settings.model_threshold), thin, fits_none(scores))
    return possible != {decision.verdict}


def _decision_with(kb: KnowledgeBase, answers: Mapping[str, Any], fired: Iterable[Rule], question: str,
                   value: Any) -> Weighed:
    """The decision's numbers once ``question`` is answered ``value``, the rest unchanged: the rules
    the question cannot reach keep their firing, the ones it can are evaluated again in order (the
    engine's own semantics on a complete answer set), and ``aggregate`` weighs them."""
    reached = dependents(kb)[question]
    moved = {r.id for r in reached}
    kept = [r for r in fired if r.id not in moved and r.phase == 1]
    return _Variants(kb, answers, kept, reached, question).weigh(value, open_bounds)


class _Variants:
    """One question's other answers weighed in turn: what the rules it cannot reach contribute
    (the kept rules' facts and weights) is worked out once, each answer adds its own."""

    def __init__(self, kb: KnowledgeBase, answers: Mapping[str, Any], kept: list[Rule], reached: Iterable[Rule],
                 question: str) -> None:
        self.kb, self.answers, self.reached, self.question = kb, answers, reached, question
        self.facts = frozenset(f for r in kept for f in r.concluded_facts)
        self.base = pooled(kb, kept)

    def weigh(self, value: Any, bounds_of: Callable[[KnowledgeBase, Mapping[str, Any]], Any]) -> Weighed:
        """The decision's numbers with the question answered ``value``; ``bounds_of`` gives the
        thin-evidence bounds of an answer set (``reasoner.open_bounds``)."""
        state = cond.State({**self.answers, self.question: value}, facts=set(self.facts), closed=True)
        facts = state.facts
        assert isinstance(facts, set)
        now = []
        for rule in self.reached:
            if rule.condition.truth(state):
                now.append(rule)
                facts.update(rule.concluded_facts)
        return weigh_pooled(self.kb, pooled(self.kb, now, self.base), lambda: bounds_of(self.kb, state.answers))


def _no_bounds(kb: KnowledgeBase, answers: Mapping[str, Any]) -> None:
    """``open_bounds`` where thin evidence is impossible whatever the answer (it returns None)."""
    return None


def fragile_on(kb: KnowledgeBase, answers: Mapping[str, Any], decision: Decision,
               fired: Iterable[Rule]) -> tuple[str, ...]:
    """Answered questions for which a neighbouring answer (the next one on its scale, or the
    nearest value across a bound a rule tests) changes the outcome."""
    complete = {q: answers.get(q, cond.UNKNOWN) for q in kb.questions}
    fired_rules = list(fired)
    phase_one = [r for r in fired_rules if r.phase == 1]
    effects, reaches, reached_by = _effects(kb), _reach(kb), dependents(kb)
    fired_effects = [effects[r.id] for r in fired_rules if r.id in effects]
    # Changing one known answer leaves the share answered as it is: thin evidence stays impossible
    # when it is impossible now, and may come or go otherwise.
    known = {q: v for q, v in complete.items() if v != cond.UNKNOWN}
    may_be_thin = thin_possible(kb, known)
    thin = frozenset([True, False]) if may_be_thin else frozenset([False])
    bounds_of = open_bounds if may_be_thin else _no_bounds
    movable: dict[frozenset[str], bool] = {}  # questions reaching the same decision rules share the answer
    fragile = []
    for qid, question in kb.questions.items():
        current = complete[qid]
        if current == cond.UNKNOWN:
            continue
        reach = reaches.get(qid, frozenset())
        if reach not in movable:
            movable[reach] = _outcome_can_move(kb, decision, fired_effects, reach, thin)
        if not movable[reach]:
            continue
        reached = reached_by[qid]
        moved = {r.id for r in reached}
        variants = _Variants(kb, complete, [r for r in phase_one if r.id not in moved], reached, qid)
        for value, distance in alternatives(kb, question, current):
            if distance <= 1 and variants.weigh(value, bounds_of).verdict != decision.verdict:
                fragile.append(qid)
                break
    return tuple(fragile)


def could_flip(kb: KnowledgeBase, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Unanswered questions whose answer could still change the outcome, most decisive first
    (by all the open evidence and gates they can still move: a gate counts 1, a weight its size;
    ties in the guide's order)."""
    known = {q: v for q, v in answers.items() if v != cond.UNKNOWN}
    if kb.questions.keys() <= known.keys():  # nothing is open: the outlook would find nothing to need
        return ()
    relevance = relevance_for(kb, {"verdict"})
    needed_by = relevance.needed_by(known)  # the outlook's needed questions, no more of it

    def reach(question: str) -> float:  # all it could still move: each gate 1, each weight its size
        return sum(relevance.decisiveness(rid) for rid in needed_by[question])

    return tuple(sorted(needed_by, key=lambda q: (-reach(q), relevance.rank[q])))


def level(decision: Decision, margin_value: float, fragile: Iterable[str], open_: Iterable[str],
          red_flags: int) -> str:
    """The level word, from the quantities the views show (see the module docstring)."""
    fragile, open_ = tuple(fragile), tuple(open_)
    partnership = decision.verdict in ("ppp", "not_yet")
    if decision.verdict == "insufficient_information" or (decision.verdict == "ppp" and not decision.determined):
        return "low"
    by_gate = gate_decided(decision)
    if (not by_gate and margin_value < THIN_MARGIN) or len(fragile) >= MANY_OPEN or len(open_) > MANY_OPEN:
        return "low"
    solid = by_gate or margin_value >= SOLID_MARGIN
    if solid and not fragile and not open_ and not (partnership and red_flags >= MANY_RED_FLAGS):
        return "high"
    return "moderate"


def assess(kb: KnowledgeBase, answers: Mapping[str, Any], decision: Decision, fired: Iterable[Rule],
           red_flags: int) -> Confidence:
    """The confidence of the decision for ``answers`` (question -> answer; unknown or absent
    questions are open) whose evaluation fired the rules ``fired``."""
    value = margin(kb, decision)
    fragile = fragile_on(kb, answers, decision, fired)
    open_ = could_flip(kb, answers)
    return Confidence(level(decision, value, fragile, open_, red_flags), value, fragile, open_)
