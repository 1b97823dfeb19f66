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

The advice is *settled* when every tracked outcome has exactly one possible value; then no
answer to the remaining questions, ``unknown`` included, can change it. A question is
*needed* when it is an open input of an open rule that can change an unsettled outcome,
directly or through the facts it can conclude. Both judgements are conservative: the bounds
ignore correlations between rules, so a question may be asked that could not in fact change
anything, but the advice is never declared settled while some answer could still change it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ppp_expert.kb import conditions as cond
from ppp_expert.engine.aggregate import TRADITIONAL, combine
from ppp_expert.advice.assemble import precedence
from ppp_expert.kb.loader import KnowledgeBase, Rule
from ppp_expert.kb.schema import (
    PHASES,
    PPP_MODELS,
    AdviseConclusion,
    AllocateConclusion,
    CriteriaConclusion,
    EvidenceConclusion,
    PPPConclusion,
    RedFlagConclusion,
    SetConclusion,
)

Truth = cond.Truth
_MISSING = object()
#: combine() rounds to 4 decimals; an interval that may still move is widened by more than
#: one rounding step so that float noise can never make a bound unsound.
EPS = 1.5e-4

#: The outcomes a consultation settles (issue 4): verdict, model, risk owners, red flags.
CORE_TARGETS = frozenset({"verdict", "model", "risks", "red_flags"})
#: Also settle the structuring / governance / procurement / implementation details.
ALL_TARGETS = CORE_TARGETS | {"settings", "advice", "criteria"}


class _Ctx:
    """What the compiled conditions read: answers, fact states, possible decisions."""

    __slots__ = ("answers", "decisions", "facts", "possible")

    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers
        self.facts: set[str] = set()
        self.possible: set[str] = set()
        self.decisions: dict[str, frozenset[str]] = {}


@dataclass(frozen=True)
class _Node:
    """A condition node with its compiled three-valued test."""

    test: Callable[[_Ctx], Truth]
    children: tuple[_Node, ...] = ()
    question: str | None = None
    fact: str | None = None
    decision: str | None = None


def _compile(node: cond.Condition) -> _Node:
    if isinstance(node, (cond.AnswerIn, cond.AnswerCompare)):
        q, holds = node.question, node.holds

        def answer(ctx: _Ctx) -> Truth:
            value = ctx.answers.get(q, _MISSING)
            return None if value is _MISSING else holds(value)

        return _Node(answer, question=q)
    if isinstance(node, cond.FactIs):
        name = node.name

        def fact(ctx: _Ctx) -> Truth:
            if name in ctx.facts:
                return True
            return None if name in ctx.possible else False

        return _Node(fact, fact=name)
    if isinstance(node, cond.DecisionIn):
        kind, values = node.kind, node.values

        def decision(ctx: _Ctx) -> Truth:
            possible = ctx.decisions.get(kind)
            if possible is None:
                return None
            if possible <= values:
                return True
            return False if not (possible & values) else None

        return _Node(decision, decision=kind)
    if isinstance(node, (cond.All, cond.Any_)):
        children = tuple(_compile(p) for p in node.parts)
        tests = tuple(c.test for c in children)
        stop = node.__class__ is cond.Any_  # the value that decides the combination

        def combination(ctx: _Ctx) -> Truth:
            result: Truth = not stop
            for test in tests:
                value = test(ctx)
                if value is stop:
                    return stop
                if value is None:
                    result = None
            return result

        return _Node(combination, children)
    if isinstance(node, cond.Not):
        child = _compile(node.part)
        inner = child.test

        def negation(ctx: _Ctx) -> Truth:
            value = inner(ctx)
            return None if value is None else not value

        return _Node(negation, (child,))
    raise TypeError(f"not a condition: {node!r}")  # pragma: no cover


def _open_inputs(node: _Node, ctx: _Ctx, questions: set[str], facts: set[str], decisions: set[str]) -> None:
    """The unanswered questions, possible facts and open decisions an open node still waits on."""
    if node.test(ctx) is not None:
        return
    if node.question is not None:
        questions.add(node.question)
    elif node.fact is not None:
        facts.add(node.fact)
    elif node.decision is not None:
        decisions.add(node.decision)
    for child in node.children:
        _open_inputs(child, ctx, questions, facts, decisions)


@dataclass(frozen=True)
class Bounds:
    """A score interval; ``exact`` when no open rule can move it."""

    low: float
    high: float
    sure: float
    exact: bool

    def lo(self) -> float:
        return self.low if self.exact else self.low - EPS

    def hi(self) -> float:
        return self.high if self.exact else self.high + EPS


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
        order = {m: i for i, m in enumerate(PPP_MODELS)}
        candidates = [m for m in PPP_MODELS if m in self.models] or list(PPP_MODELS)
        return min(candidates, key=lambda m: (-self.scores[m].sure, order[m]))


def _verdicts(b: Bounds, threshold: float) -> frozenset[str]:
    lo, hi = b.lo(), b.hi()
    out = set()
    if hi >= threshold:
        out.add("ppp")
    if lo <= -threshold:
        out.add("traditional")
    if lo < threshold and hi > -threshold:
        out.add("undetermined")
    return frozenset(out)


def _bounds(sure: list[float], open_: list[float]) -> Bounds:
    positive = [w for w in open_ if w > 0]
    negative = [w for w in open_ if w < 0]
    return Bounds(combine(sure + negative), combine(sure + positive), combine(sure), not (positive or negative))


class Relevance:
    """The relevance analysis for one knowledge base (built once, used after every answer)."""

    def __init__(self, kb: KnowledgeBase, targets: Iterable[str] = CORE_TARGETS) -> None:
        self.kb = kb
        self.targets = frozenset(targets)
        unknown = self.targets - ALL_TARGETS
        if unknown:
            raise ValueError(f"unknown targets {sorted(unknown)}; expected some of {sorted(ALL_TARGETS)}")
        self.rules = sorted(kb.rules, key=lambda r: (r.phase, r.stratum, r.position))
        self.nodes = {r.id: _compile(r.condition) for r in self.rules}
        self.phase_one = [r for r in self.rules if r.phase == 1]
        self.phase_two = [r for r in self.rules if r.phase != 1]
        self.rank = {q.id: (PHASES.index(q.phase), i) for i, q in enumerate(kb.questions.values())}
        self.pool: dict[str, float] = {}          # rule -> weight on the PPP certainty
        self.evidence: dict[str, list[tuple[str, float]]] = {}  # rule -> [(model, weight)]
        self.by_risk: dict[str, list[Rule]] = {}
        self.by_flag: dict[str, list[Rule]] = {}
        self.by_setting: dict[tuple[str, str], list[Rule]] = {}
        self.by_item: dict[tuple[str, str, str], list[Rule]] = {}
        self.criteria_rules: list[Rule] = []
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, PPPConclusion):
                    self.pool[rule.id] = self.pool.get(rule.id, 0.0) + c.ppp
                elif isinstance(c, EvidenceConclusion):
                    if c.evidence.model == TRADITIONAL:
                        self.pool[rule.id] = self.pool.get(rule.id, 0.0) - c.evidence.weight
                    else:
                        self.evidence.setdefault(rule.id, []).append((c.evidence.model, c.evidence.weight))
                elif isinstance(c, AllocateConclusion):
                    self.by_risk.setdefault(c.allocate.risk, []).append(rule)
                elif isinstance(c, RedFlagConclusion):
                    self.by_flag.setdefault(c.red_flag.id, []).append(rule)
                elif isinstance(c, SetConclusion):
                    self.by_setting.setdefault((c.set.topic, c.set.key), []).append(rule)
                elif isinstance(c, AdviseConclusion):
                    self.by_item.setdefault((c.advise.topic, c.advise.key, c.advise.text), []).append(rule)
                elif isinstance(c, CriteriaConclusion):
                    self.criteria_rules.append(rule)
        # A rule with two PPP conclusions counts once per weight in aggregate.decide; keep the
        # individual weights so the bounds combine exactly the same numbers.
        self.pool_weights = {
            r.id: [c.ppp for c in r.conclusions if isinstance(c, PPPConclusion)]
            + [-c.evidence.weight for c in r.conclusions
               if isinstance(c, EvidenceConclusion) and c.evidence.model == TRADITIONAL]
            for r in kb.rules if r.id in self.pool
        }
        for rules in (*self.by_risk.values(), *self.by_setting.values()):
            rules.sort(key=precedence)
        self.settings_values: dict[str, dict[tuple[str, str], Any]] = {
            r.id: {(c.set.topic, c.set.key): c.set.value for c in r.conclusions if isinstance(c, SetConclusion)}
            for rules in self.by_setting.values() for r in rules
        }
        self.parties = {
            r.id: {c.allocate.risk: c.allocate.party for c in r.conclusions if isinstance(c, AllocateConclusion)}
            for rules in self.by_risk.values() for r in rules
        }
        self.producers = {fact: [kb.rule(rid) for rid in ids] for fact, ids in kb.fact_producers.items()}
        self.questions_of = {r.id: set(r.questions) for r in kb.rules}

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, rules: list[Rule], ctx: _Ctx, status: dict[str, Truth]) -> None:
        for rule in rules:
            value = self.nodes[rule.id].test(ctx)
            status[rule.id] = value
            if value is False:
                continue
            for fact in rule.concluded_facts:
                if value:
                    ctx.facts.add(fact)
                    ctx.possible.discard(fact)
                elif fact not in ctx.facts:
                    ctx.possible.add(fact)

    def analyse(self, answers: Mapping[str, Any]) -> Outlook:
        """The outlook after ``answers`` (question -> value; ``unknown`` counts as answered)."""
        ctx = _Ctx(answers)
        status: dict[str, Truth] = {}
        self._evaluate(self.phase_one, ctx, status)

        sure_pool: list[float] = []
        open_pool: list[float] = []
        sure_ev: dict[str, list[float]] = {m: [] for m in PPP_MODELS}
        open_ev: dict[str, list[float]] = {m: [] for m in PPP_MODELS}
        for rid, weights in self.pool_weights.items():
            state = status[rid]
            if state is not False:
                (sure_pool if state else open_pool).extend(weights)
        for rid, pairs in self.evidence.items():
            state = status[rid]
            if state is not False:
                pools = sure_ev if state else open_ev
                for model, weight in pairs:
                    pools[model].append(weight)
        certainty = _bounds(sure_pool, open_pool)
        scores = {m: _bounds(sure_ev[m], open_ev[m]) for m in PPP_MODELS}
        verdicts = _verdicts(certainty, self.kb.settings.verdict_threshold)
        contenders = _contenders(scores)
        models = set(contenders) if verdicts - {"traditional"} else set()
        if "traditional" in verdicts:
            models.add(TRADITIONAL)
        ctx.decisions = {"verdict": verdicts, "model": frozenset(models)}
        self._evaluate(self.phase_two, ctx, status)

        # Which outcomes are still open, and the open rules that can change each of them.
        open_targets: list[str] = []
        movers: dict[str, list[str]] = {}  # target -> open rules able to move it

        def track(target: str, rules: Iterable[str]) -> None:
            open_targets.append(target)
            movers[target] = [r for r in rules if status[r] is None]

        if "verdict" in self.targets and len(verdicts) > 1:
            track("verdict", self.pool_weights)
        if "model" in self.targets and len(models) > 1:
            model_movers = list(self.pool_weights) if "traditional" in verdicts else []
            if len(contenders) > 1:
                model_movers += [rid for rid, pairs in self.evidence.items() if any(m in contenders for m, _ in pairs)]
            track("model", model_movers)
        if "risks" in self.targets:
            for risk, candidates in self.by_risk.items():
                values, ahead = _first_firing(candidates, status, self._party_of(risk))
                if len(values) > 1:
                    track(f"risk:{risk}", ahead)
        if "red_flags" in self.targets:
            for flag, candidates in self.by_flag.items():
                if _still_open(candidates, status):
                    track(f"red_flag:{flag}", [r.id for r in candidates])
        if "settings" in self.targets:
            for setting, candidates in self.by_setting.items():
                values, ahead = _first_firing(candidates, status, self._setting_of(setting))
                if len(values) > 1:
                    track(f"{setting[0]}:{setting[1]}", ahead)
        if "advice" in self.targets:
            for (topic, key, _text), candidates in self.by_item.items():
                if _still_open(candidates, status):
                    track(f"{topic}:{key} (advice)", [r.id for r in candidates])
        if "criteria" in self.targets:
            opened = [r.id for r in self.criteria_rules if status[r.id] is None]
            if opened:
                track("procurement:criteria_weights", opened)

        needed_by: dict[str, list[str]] = {}
        moves: dict[str, list[str]] = {}  # open rule -> the open outcomes it can change

        def need(rid: str, target: str, decisions: set[str]) -> None:
            moves.setdefault(rid, [])
            if target not in moves[rid]:
                moves[rid].append(target)
            for question in self._open_questions(rid, ctx, status, decisions):
                needed_by.setdefault(question, [])
                if rid not in needed_by[question]:
                    needed_by[question].append(rid)

        seen_decision: set[str] = set()
        for target in open_targets:
            for rid in movers[target]:
                need(rid, target, seen_decision)
        # An open rule waiting on the decision makes the decision's own evidence needed.
        for kind in sorted(seen_decision):
            if kind == "verdict" or "traditional" in verdicts:
                for rid in self.pool_weights:
                    if status[rid] is None:
                        need(rid, kind, set())
            if kind == "model":
                for rid, pairs in self.evidence.items():
                    if status[rid] is None and any(m in contenders for m, _ in pairs):
                        need(rid, kind, set())

        refinable: set[str] = set()
        for rule in self.rules:
            if status[rule.id] is None:
                refinable.update(q for q in self.questions_of[rule.id] if q not in answers)
        order = self.rank.__getitem__
        return Outlook(
            settled=not open_targets,
            open_targets=tuple(open_targets),
            needed=tuple(sorted(needed_by, key=order)),
            needed_by={q: tuple(v) for q, v in needed_by.items()},
            moves={r: tuple(v) for r, v in moves.items()},
            refinable=tuple(sorted(refinable, key=order)),
            verdicts=verdicts, models=frozenset(models), certainty=certainty, scores=scores, status=status,
        )

    def _party_of(self, risk: str) -> Callable[[Rule], Any]:
        return lambda rule: self.parties[rule.id][risk]

    def _setting_of(self, setting: tuple[str, str]) -> Callable[[Rule], Any]:
        return lambda rule: repr(self.settings_values[rule.id][setting])

    def _open_questions(self, rule_id: str, ctx: _Ctx, status: Mapping[str, Truth],
                        decisions: set[str]) -> set[str]:
        """Unanswered questions an open rule waits on, following possible facts to their producers."""
        questions: set[str] = set()
        facts: set[str] = set()
        _open_inputs(self.nodes[rule_id], ctx, questions, facts, decisions)
        done: set[str] = set()
        while facts:
            fact = facts.pop()
            if fact in done:
                continue
            done.add(fact)
            for producer in self.producers.get(fact, ()):
                if status.get(producer.id) is None:
                    _open_inputs(self.nodes[producer.id], ctx, questions, facts, decisions)
        return questions


def _still_open(candidates: Iterable[Any], status: Mapping[str, Any]) -> bool:
    """A conclusion several rules can give is open while none fired for sure and one may still."""
    states = {status[r.id] for r in candidates}
    return True not in states and None in states


def _first_firing(rules: list[Rule], status: Mapping[str, Truth],
                  value_of: Callable[[Rule], Any]) -> tuple[set[Any], list[str]]:
    """Possible winning values of a precedence-ordered rule list, and the open rules ahead of a sure one."""
    values: set[Any] = set()
    movers: list[str] = []
    for rule in rules:
        state = status[rule.id]
        if state is False:
            continue
        values.add(value_of(rule))
        if state:
            return values, movers
        movers.append(rule.id)
    values.add(None)  # possibly no rule fires at all
    return values, movers


def _contenders(scores: Mapping[str, Bounds]) -> list[str]:
    """Partnership models that rank first for at least one combination of the bounds."""
    order = {m: i for i, m in enumerate(PPP_MODELS)}

    def can_beat(a: str, b: str) -> bool:
        hi, lo = scores[a].hi(), scores[b].lo()
        return hi > lo or (hi == lo and order[a] < order[b])

    return [m for m in PPP_MODELS if all(can_beat(m, other) for other in PPP_MODELS if other != m)]
