"""Which unanswered questions can still change the advice, and is the advice settled?

Every rule is evaluated three-valued against the answers so far (an unanswered question is
open, an explicit ``unknown`` is not): it fires for every completion of the answers (True),
for none (False), or it depends (None, "open"). Facts are definite when a surely-firing rule
concludes them and possible while an open rule could. From the rule states follow sound
bounds for every outcome the consultation tracks:

- the PPP certainty and each model's score lie between the certainty-factor combination of
  the sure evidence plus all open negative evidence and plus all open positive evidence (the
  MYCIN combination is monotone in each added weight), which bounds the verdict band and the
  set of models that can still be recommended;
- a risk's owner is the party of the first rule, in precedence order, that fires: the open
  rules ahead of the first sure one give the possible owners;
- a red flag is raised or not depending on its open rules.

The advice is *settled* when every tracked outcome has one possible value: no answer to the
remaining questions, ``unknown`` included, can change it. A question is *needed* when it is an
open input (directly or through facts) of an open rule that can change an unsettled outcome, or
a question behind the verdict while thin evidence may hold. Both are conservative: a question
may be asked that cannot change anything, never settled while some answer could.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ppp_expert.engine.aggregate import thin_evidence, thin_possible, verdict_questions
from ppp_expert.engine.bounds import (
    CERTAINTY,
    Bounds,
    DecisionSets,
    Pools,
    fits_none,
    may_be_thin,
    model_contenders,
    possible_outcomes,
    viability,
)
from ppp_expert.engine.contests import Contest, first_firing, still_open
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import PPP_OUTCOME, TRADITIONAL, GateConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.kb.schema import PHASES, PPP_MODELS

Truth = cond.Truth

#: The outcomes a consultation settles: verdict, model, risk owners, red flags.
CORE_TARGETS = frozenset({"verdict", "model", "risks", "red_flags"})
#: Also settle the structuring / governance / procurement / implementation details.
ALL_TARGETS = CORE_TARGETS | {"settings", "advice", "criteria"}


@dataclass(frozen=True)
class Outlook:
    """The state of a consultation: what is settled, what is still needed, and why."""

    settled: bool
    open_targets: tuple[str, ...]
    needed: tuple[str, ...]
    needed_by: Mapping[str, tuple[str, ...]]
    moves: Mapping[str, tuple[str, ...]]
    refinable: tuple[str, ...]
    verdicts: frozenset[str]
    models: frozenset[str]
    certainty: Bounds
    scores: Mapping[str, Bounds]
    status: Mapping[str, Truth] = field(repr=False)

    @property
    def leader(self) -> str:
        """The model leading on the evidence that is already sure."""
        if self.verdicts == {"traditional"}:
            return TRADITIONAL
        if self.models == {NO_MODEL}:
            return NO_MODEL
        order = {m: i for i, m in enumerate(PPP_MODELS)}
        candidates = [m for m in PPP_MODELS if m in self.models] or list(PPP_MODELS)
        return min(candidates, key=lambda m: (-self.scores[m].sure, order[m]))


#: In ``Outlook.models``: the outcome may recommend no model at all.
NO_MODEL = ""


#: Outcome groups whose rules compete for a conclusion other than a score, in tracking order.
COMPETING_GROUPS = ("risks", "red_flags", "settings", "advice", "criteria")


@dataclass
class _Needs:
    """What the open outcomes need: question -> open rules, open rule -> outcomes it can change."""

    needed_by: dict[str, dict[str, None]] = field(default_factory=dict)  # ordered sets: a rule once
    moves: dict[str, list[str]] = field(default_factory=dict)
    decisions: set[str] = field(default_factory=set)  # decisions some open rule waits on
    #: open rule -> the questions and decisions it waits on, through the producers of the facts
    #: it waits on (``Relevance._open_inputs``): within one analysis they never change, and
    #: many open rules wait on the same producers.
    open_inputs: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)


class Relevance:
    """The relevance analysis for one knowledge base (built once, used after every answer).

    Rules are evaluated in (phase, stratum, position) order: a fact's producers before its
    readers, and the decision rules after the scores they depend on.
    """

    def __init__(self, kb: KnowledgeBase, targets: Iterable[str] = CORE_TARGETS) -> None:
        self.kb = kb
        self.targets = frozenset(targets)
        unknown = self.targets - ALL_TARGETS
        if unknown:
            raise ValueError(f"unknown targets {sorted(unknown)}; expected some of {sorted(ALL_TARGETS)}")
        self.rules = sorted(kb.rules, key=lambda r: (r.phase, r.stratum, r.position))
        self.phase_one = [r for r in self.rules if r.phase == 1]
        self.phase_two = [r for r in self.rules if r.phase != 1]
        self.rank = {q.id: (PHASES.index(q.phase), i) for i, q in enumerate(kb.questions.values())}
        # Certainty evidence: rule -> weights on the PPP certainty (a rule with two such
        # conclusions counts each, as aggregate.decide does), rule -> [(model, weight)].
        self.pool_weights: dict[str, list[float]] = {}
        self.evidence: dict[str, list[tuple[str, float]]] = {}
        #: Gate rules: rule -> what its failed gates decide (aggregate.outcome).
        self.gates: dict[str, frozenset[str]] = {}
        self.contests: dict[str, dict[str, Contest]] = {group: {} for group in COMPETING_GROUPS}
        for rule in kb.rules:
            for c in rule.conclusions:
                if c.competition == "certainty":
                    self._add_evidence(rule, c.evidence_on())
                elif isinstance(c, GateConclusion):
                    self.gates[rule.id] = self.gates.get(rule.id, frozenset()) | {c.gate.decides}
                elif c.group in self.contests:
                    contest = self.contests[c.group].setdefault(
                        c.slot, Contest(c.slot.split("\0")[0], c.competition))
                    if contest.competition == "precedence" or all(r is not rule for r, _ in contest.entries):
                        contest.entries.append((rule, c.value))
        for group in self.contests.values():
            for contest in group.values():
                if contest.competition == "precedence":
                    contest.entries.sort(key=lambda entry: entry[0].precedence)
        #: Every rule with certainty or model evidence.
        self.decision_rules: list[str] = list(dict.fromkeys([*self.pool_weights, *self.evidence]))
        self.decision_rule_set = frozenset(self.decision_rules)
        #: rule -> its (score, weight) pairs: CERTAINTY for the PPP certainty, else the model.
        self.weights: dict[str, tuple[tuple[str, float], ...]] = {
            rid: (*((CERTAINTY, w) for w in self.pool_weights.get(rid, ())), *self.evidence.get(rid, ()))
            for rid in self.decision_rules}
        #: The rules the decision reads: evidence and gates (what ``aggregate.weigh_rules`` weighs).
        self.deciding: list[str] = list(dict.fromkeys([*self.decision_rules, *self.gates]))
        #: Every rule that can move the verdict: certainty evidence and gates.
        self.verdict_rules: list[str] = list(dict.fromkeys([*self.pool_weights, *self.gates]))
        self.producers = {fact: [kb.rule(rid) for rid in ids] for fact, ids in kb.fact_producers.items()}
        self.questions_of = {r.id: set(r.questions) for r in kb.rules}
        #: question -> the verdict rules it reaches, directly or through derived facts
        self.verdict_readers: dict[str, list[str]] = {}
        for rid, q in ((rid, q) for rid in self.verdict_rules for q in kb.upstream_questions([rid])):
            self.verdict_readers.setdefault(q, []).append(rid)

    def _add_evidence(self, rule: Rule, items: Iterable[tuple[str, float, str]]) -> None:
        for target, weight, _ in items:
            if target == PPP_OUTCOME:
                self.pool_weights.setdefault(rule.id, []).append(weight)
            elif target == TRADITIONAL:  # evidence for traditional procurement is against a PPP
                self.pool_weights.setdefault(rule.id, []).append(-weight)
            else:
                self.evidence.setdefault(rule.id, []).append((target, weight))

    def decisiveness(self, rule_id: str) -> float:
        """How much one rule can move the outcome: a gate decides it outright (1.0), evidence by
        its largest weight."""
        if rule_id in self.gates:
            return 1.0
        weights = [abs(w) for w in self.pool_weights.get(rule_id, ())]
        weights += [abs(w) for _, w in self.evidence.get(rule_id, ())]
        return max(weights, default=0.0)

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, rules: list[Rule], state: cond.State, status: dict[str, Truth]) -> None:
        """Each rule's state in order; facts of sure rules become facts, of open rules possible."""
        facts, possible = state.facts, state.possible_facts
        assert isinstance(facts, set) and isinstance(possible, set)
        for rule in rules:
            value = rule.condition.truth(state)
            status[rule.id] = value
            if value is False:
                continue
            for fact in rule.concluded_facts:
                if value:
                    facts.add(fact)
                    possible.discard(fact)
                elif fact not in facts:
                    possible.add(fact)

    def pools(self, status: Mapping[str, Truth], rule_ids: Iterable[str] | None = None,
              skip: frozenset[str] = frozenset()) -> Pools:
        """The weights of the decision rules (all, or ``rule_ids``; never those in ``skip``) that
        fire for sure and of those still open."""
        out = Pools()
        ids = self.decision_rules if rule_ids is None else rule_ids
        weights = self.weights
        for rid in ids:
            state = status[rid]
            if state is False or rid in skip:
                continue
            target = out.sure if state else out.open
            for key, weight in weights[rid]:
                if key in target:
                    target[key].append(weight)
                else:
                    target[key] = [weight]
        return out

    def _score_bounds(self, status: Mapping[str, Truth]) -> tuple[Bounds, dict[str, Bounds]]:
        """Bounds of the PPP certainty and of each partnership model's score."""
        return self.pools(status).bounds()

    def certainty_bounds(self, answers: Mapping[str, Any]) -> Bounds:
        """Sound bounds of the PPP certainty over every answer the questions missing from
        ``answers`` could get (the first phase only)."""
        state = cond.State(answers, facts=set(), possible_facts=set(), closed=False)
        status: dict[str, Truth] = {}
        self._evaluate(self.phase_one, state, status)
        return self._score_bounds(status)[0]

    def decision_sets(self, answers: Mapping[str, Any], status: Mapping[str, Truth],
                      thin_bounds: Bounds | None = None, pools: Pools | None = None) -> DecisionSets:
        """The verdicts and models still possible, given the phase-one rule states ``status`` for
        ``answers`` (the decision depends on the first phase only). ``thin_bounds``: the certainty
        bounds with unknown answers open, and ``pools`` the weights of ``status``, when the caller
        has them (else computed here)."""
        certainty, scores = (pools or self.pools(status)).bounds()
        sure_gates = frozenset(e for rid, es in self.gates.items() if status[rid] for e in es)
        open_gates = frozenset(e for rid, es in self.gates.items() if status[rid] is None for e in es)
        viable = viability(scores.values(), self.kb.settings.model_threshold)
        known = {q: v for q, v in answers.items() if v != cond.UNKNOWN}
        thin = frozenset([False])
        if thin_possible(self.kb, known):
            # Thin evidence is judged with every unknown answer open (as the final evaluation does).
            threshold = self.kb.settings.verdict_threshold
            if thin_bounds is None:
                thin_bounds = certainty if len(known) == len(answers) else self.certainty_bounds(known)
            if certainty.exact and all(q in answers for q in self.kb.questions):
                # Nothing left to ask: the final evaluation judges exactly these bounds.
                thin = frozenset([thin_evidence(certainty.sure, thin_bounds.lo(), thin_bounds.hi(), threshold)])
            else:
                thin = may_be_thin(thin_bounds, threshold)
        none_fit = fits_none(scores.values())
        verdicts = possible_outcomes(certainty, self.kb.settings.verdict_threshold, sure_gates, open_gates, viable,
                                     thin, none_fit)
        contenders = model_contenders(scores)
        models: set[str] = set()
        if verdicts & {"ppp", "not_yet"}:
            if True in viable:
                models.update(contenders)
            if False in viable or len(contenders) > 1:  # no model fits, or a tie at the top
                models.add(NO_MODEL)
        if "traditional" in verdicts:
            models.add(TRADITIONAL)
        if "insufficient_information" in verdicts:
            models.add(NO_MODEL)
        return DecisionSets(verdicts, frozenset(models), certainty, scores, contenders, viable, none_fit)

    def analyse(self, answers: Mapping[str, Any]) -> Outlook:
        """The outlook after ``answers`` (question -> value; ``unknown`` counts as answered)."""
        status, decided, movers, needs = self._outlook(answers, second_phase=True)
        refinable = {q for rule in self.rules if status[rule.id] is None for q in self.questions_of[rule.id]
                     if q not in answers}
        order = self.rank.__getitem__
        return Outlook(
            settled=not movers, open_targets=tuple(movers), needed=tuple(sorted(needs.needed_by, key=order)),
            needed_by={q: tuple(v) for q, v in needs.needed_by.items()},
            moves={r: tuple(v) for r, v in needs.moves.items()}, refinable=tuple(sorted(refinable, key=order)),
            verdicts=decided.verdicts, models=decided.models, certainty=decided.certainty, scores=decided.scores,
            status=status)

    def needed_by(self, answers: Mapping[str, Any]) -> dict[str, dict[str, None]]:
        """``analyse(answers).needed_by``, without the second phase when no target reads it."""
        return self._outlook(answers, second_phase=not self.targets <= {"verdict", "model"})[3].needed_by

    def _outlook(self, answers: Mapping[str, Any], second_phase: bool) -> tuple[dict[str, Truth], DecisionSets,
                                                                                dict[str, list[str]], _Needs]:
        """Rule states, the possible decisions, the open outcomes with their movers, and what they need."""
        state = cond.State(answers, facts=set(), possible_facts=set(), closed=False)
        status: dict[str, Truth] = {}
        self._evaluate(self.phase_one, state, status)
        decided = self.decision_sets(answers, status)
        state.decisions = {"verdict": decided.verdicts, "model": decided.models}
        if second_phase:
            self._evaluate(self.phase_two, state, status)
        movers = self._open_outcomes(status, decided.verdicts, set(decided.models), decided.contenders,
                                     decided.viable, decided.none_fit)
        needs = self._needs(movers, state, status, decided.verdicts, decided.contenders)
        if "verdict" in movers and "insufficient_information" in decided.verdicts:
            self._thin_needs(answers, needs)
        return status, decided, movers, needs

    def _thin_needs(self, answers: Mapping[str, Any], needs: _Needs) -> None:
        """While evidence may count as thin, any known answer to another question behind the verdict
        can end that (it counts toward ``aggregate.thin_possible``'s share): each such question is needed."""
        if not thin_possible(self.kb, {q: v for q, v in answers.items() if v != cond.UNKNOWN}):
            return
        for question in (q for q in verdict_questions(self.kb) if q not in answers and q not in needs.needed_by):
            needs.needed_by[question] = dict.fromkeys(self.verdict_readers.get(question, ()))
            for rule_id in needs.needed_by[question]:
                moved = needs.moves.setdefault(rule_id, [])
                moved += [] if "verdict" in moved else ["verdict"]

    def _open_outcomes(self, status: Mapping[str, Truth], verdicts: frozenset[str], models: set[str],
                       contenders: list[str], viable: frozenset[bool],
                       none_fit: frozenset[bool] = frozenset([False])) -> dict[str, list[str]]:
        """Each tracked outcome that still has several possible values -> the open rules able to move it."""
        movers: dict[str, list[str]] = {}

        def track(target: str, rules: Iterable[str]) -> None:
            movers[target] = [r for r in rules if status[r] is None]

        if "verdict" in self.targets and len(verdicts) > 1:
            # Model evidence moves the verdict too while every model may still end below zero.
            track("verdict", [*self.verdict_rules, *(self.evidence if len(none_fit) > 1 else ())])
        if "model" in self.targets and len(models) > 1:
            model_movers = list(self.verdict_rules) if len(verdicts) > 1 else []
            if len(none_fit) > 1:
                model_movers += list(self.evidence)
            if len(contenders) > 1 or len(viable) > 1:  # which model leads, or whether it fits at all
                model_movers += [rid for rid, pairs in self.evidence.items() if any(m in contenders for m, _ in pairs)]
            track("model", model_movers)
        for group in COMPETING_GROUPS:
            if group not in self.targets:
                continue
            for contest in self.contests[group].values():
                rules = [rule for rule, _ in contest.entries]
                if contest.competition == "precedence":
                    values, ahead = first_firing(contest.entries, status)
                    if len(values) > 1:
                        track(contest.label, ahead)
                elif contest.competition == "union":
                    if still_open(rules, status):
                        track(contest.label, [r.id for r in rules])
                elif any(status[r.id] is None for r in rules):  # "sum": any open shift can move it
                    track(contest.label, [r.id for r in rules])
        return movers

    def _needs(self, movers: Mapping[str, list[str]], state: cond.State, status: Mapping[str, Truth],
               verdicts: frozenset[str], contenders: list[str]) -> _Needs:
        """The questions the open rules wait on, following possible facts to their producers."""
        needs = _Needs()
        for target, rules in movers.items():
            for rid in rules:
                self._need(needs, rid, target, state, status)
        # An open rule waiting on the decision makes the decision's own evidence needed.
        for kind in sorted(needs.decisions):
            if kind == "verdict" or len(verdicts) > 1:
                for rid in self.verdict_rules:
                    if status[rid] is None:
                        self._need(needs, rid, kind, state, status, follow_decisions=False)
            if kind == "model":
                for rid, pairs in self.evidence.items():
                    if status[rid] is None and any(m in contenders for m, _ in pairs):
                        self._need(needs, rid, kind, state, status, follow_decisions=False)
        return needs

    def _need(self, needs: _Needs, rid: str, target: str, state: cond.State, status: Mapping[str, Truth],
              follow_decisions: bool = True) -> None:
        moves = needs.moves.setdefault(rid, [])
        if target not in moves:
            moves.append(target)
        questions, decisions = self._open_inputs(rid, state, status, needs.open_inputs)
        if follow_decisions:
            needs.decisions |= decisions
        for question in questions:
            needs.needed_by.setdefault(question, {})[rid] = None

    def _open_inputs(self, rule_id: str, state: cond.State, status: Mapping[str, Truth],
                     memo: dict[str, tuple[frozenset[str], frozenset[str]]]) -> tuple[frozenset[str], frozenset[str]]:
        """Unanswered questions and undecided decisions an open rule waits on, following the facts
        it waits on to their open producers (transitively; memoised per analysis in ``memo``)."""
        known = memo.get(rule_id)
        if known is not None:
            return known
        memo[rule_id] = (frozenset(), frozenset())  # facts are stratified: no rule reaches itself
        inputs = cond.OpenInputs()
        self.kb.rule(rule_id).condition.collect_open(state, inputs)
        questions, decisions = set(inputs.questions), set(inputs.decisions)
        for fact in inputs.facts:
            for producer in self.producers.get(fact, ()):
                if status.get(producer.id) is None:
                    more_questions, more_decisions = self._open_inputs(producer.id, state, status, memo)
                    questions |= more_questions
                    decisions |= more_decisions
        memo[rule_id] = result = (frozenset(questions), frozenset(decisions))
        return result


def relevance_for(kb: KnowledgeBase, targets: Iterable[str] = CORE_TARGETS) -> Relevance:
    """The relevance analysis for ``kb`` and ``targets``, built once and kept on the knowledge base."""
    key = frozenset(targets)
    return kb.derived((Relevance, key), lambda: Relevance(kb, key))
