"""Turn evidence into a verdict and a model ranking (MYCIN certainty-factor combination).

Why certainty factors: every rule's weight stays readable on its own (-1..1), evidence
accumulates with diminishing returns (ten weak signals never outweigh certainty), and the
combination is commutative, so the order in which rules fire cannot change a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Iterable, Mapping, Optional, Sequence, Union

from ppp_expert.engine.recorder import Firing
from ppp_expert.kb.conclusions import PPP_OUTCOME, TRADITIONAL, GateConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import PPP_MODELS


@dataclass(frozen=True)
class Reason:
    """One piece of evidence: what it says, how strongly (-1..1), which rule gave it.

    Part of the result contract (``Advice.appropriate.reasons``, ranking evidence); defined
    here because the aggregation produces it.
    """

    # Frozen: each is built once per knowledge base (``rule_reasons``) and shared by every case
    # citing it. A plain class: the result contract is plain data (``advice.contract``).
    # (A comment, not the docstring: the docstring is the published schema's text.)
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    reason: str
    weight: float
    rule: str


def combine(weights: Iterable[float]) -> float:
    """MYCIN combination: positives and negatives separately, then reconciled."""
    ordered = sorted(weights)  # sorting makes the floating-point result independent of firing order
    if not ordered:  # the common case of a model no rule spoke on (a hot path of the confidence)
        return 0.0
    positive = negative = 0.0
    for w in ordered:
        if w > 0:
            positive = positive + w * (1 - positive)
        elif w < 0:
            negative = negative + (-w) * (1 - negative)
    if positive == 0 and negative == 0:
        return 0.0
    denominator = 1 - min(positive, negative)
    if denominator <= 0:
        return 0.0
    return round((positive - negative) / denominator, 4)


def combine_steps(weights: Iterable[float]) -> list[str]:
    """The certainty-factor combination written out step by step (the same arithmetic as
    ``combine``): evidence for and against accumulate separately with diminishing returns, then
    the two are reconciled."""
    ordered = sorted(weights)
    lines: list[str] = []
    totals = {}
    for name, sign in (("for", 1), ("against", -1)):
        total = 0.0
        steps = [abs(w) for w in ordered if w * sign > 0]
        lines.append(f"evidence {name}: " + (", ".join(f"{w:.2f}" for w in steps) if steps else "none"))
        for i, w in enumerate(steps):
            if i:
                lines.append(f"  {total:.4g} + {w:.2f} x (1 - {total:.4g}) = {total + w * (1 - total):.4g}")
            total = total + w * (1 - total)
        totals[name] = total
    pos, neg = totals["for"], totals["against"]
    result = combine(ordered)
    if pos == 0 and neg == 0:
        lines.append("combined: no evidence, +0.00")
    else:
        lines.append(f"combined: ({pos:.4g} - {neg:.4g}) / (1 - min({pos:.4g}, {neg:.4g})) = {result:+.4g}")
    return lines


@dataclass(frozen=True)
class FailedGate:
    """A screening condition that is not met: what it is, what clears it, which rule raised it.

    ``rule`` is None for the one gate the aggregation itself checks (a viable partnership model).
    """

    id: str
    title: str
    decides: str  # not_yet | traditional | rescope
    clear: Mapping[str, tuple[Any, ...]]
    reason: str
    rule: str | None


#: The gate the aggregation checks itself: some partnership model must fit well enough.
VIABLE_MODEL_GATE = "viable_model"
#: ... and when every partnership model has more evidence against it than for it, none fits at all.
NO_MODEL_FITS_GATE = "no_model_fits"


@dataclass(frozen=True)
class Decision:
    """The aggregated phase-one outcome the second phase reasons about.

    ``verdict`` is one of the four outcomes (``kb.conclusions.OUTCOMES``); ``model`` is the
    leading model, recommended only when ``determined``; ``gates`` are the failed gates (the
    conditions of a ``not_yet``, the reasons of a gate-decided ``traditional``).
    """

    verdict: str
    certainty: float
    ppp_reasons: tuple[Reason, ...]
    scores: dict[str, float]
    evidence: dict[str, tuple[Reason, ...]]
    model: str
    runner_up: str | None
    close_call: bool
    determined: bool = True
    gates: tuple[FailedGate, ...] = ()

    @property
    def ranking(self) -> list[str]:
        return rank(self.scores)


def rank(scores: dict[str, float]) -> list[str]:
    """Models by score, ties broken by the fixed model order (deterministic)."""
    order = {m: i for i, m in enumerate((*PPP_MODELS, TRADITIONAL))}
    return sorted(scores, key=lambda m: (-scores[m], order[m]))


def outcome(certainty: float, threshold: float, decides: Iterable[str], viable: bool, thin: bool = False,
            fits_none: bool = False) -> str:
    """The one place the four outcomes are decided, from the certainty and the failed gates.

    Gates decide where practice uses gates: nothing affordable -> not yet (rescope); a
    partnership ruled out (value for money; unaffordable payments while a capital budget is at
    hand) -> traditional. Evidence so thin that the unanswered questions could still turn it to
    the opposite side -> insufficient information. Then evidence against a partnership, or
    against every partnership model (``fits_none``: each scores below zero) -> traditional; a
    readiness condition unmet -> not yet; evidence for a partnership -> PPP if some model fits,
    else not yet. Evidence too balanced to call -> insufficient information.
    """
    decides = set(decides)
    if "rescope" in decides:
        return "not_yet"
    if "traditional" in decides:
        return "traditional"
    if thin:
        return "insufficient_information"
    if certainty <= -threshold or fits_none:
        return "traditional"
    if "not_yet" in decides:
        return "not_yet"
    if certainty >= threshold:
        return "ppp" if viable else "not_yet"
    return "insufficient_information"


def thin_possible(kb: KnowledgeBase, known: Mapping[str, Any]) -> bool:
    """Can evidence on these known answers count as thin? Only while fewer than the settings'
    share of the questions behind the verdict are answered (answering more only raises it)."""
    questions = verdict_questions(kb)
    answered = sum(1 for q in questions if q in known)
    return answered < kb.settings.thin_information_share * len(questions)


def thin_evidence(certainty: float, low: float, high: float, threshold: float) -> bool:
    """Is the evidence too thin to stand? It leans one way, but the unanswered questions could
    still add enough to put it past the line on the other side (``low``/``high``: sound bounds of
    the certainty over every answer the unanswered questions could get)."""
    return (certainty >= threshold and low <= -threshold) or (certainty <= -threshold and high >= threshold)


@dataclass(frozen=True)
class Weighed:
    """The numbers of a decision, before any explanation is attached."""

    certainty: float
    scores: dict[str, float]
    leader: str
    second: str
    viable: bool
    verdict: str


#: The certainty bounds thin evidence is judged by (``reasoner.open_bounds``), or a function
#: giving them: they take a three-valued pass over the rules, and are needed only when the
#: evidence is past the line, so a caller may leave them to be worked out then.
OpenBounds = Union[tuple[float, float], None, Callable[[], Optional[tuple[float, float]]]]


def _weigh(kb: KnowledgeBase, pool: list[float], model_weights: Mapping[str, list[float]],
           decides: Iterable[str], open_bounds: OpenBounds) -> Weighed:
    """The one computation of certainty, scores and outcome from weights and failed gates."""
    certainty = combine(pool)
    threshold = kb.settings.verdict_threshold
    scores = {m: combine(model_weights[m]) for m in PPP_MODELS}
    scores[TRADITIONAL] = round(-certainty, 4) + 0.0  # + 0.0: no certainty scores 0.0, not -0.0
    partnership = rank({m: scores[m] for m in PPP_MODELS})
    leader, second = partnership[0], partnership[1]
    viable = scores[leader] >= kb.settings.model_threshold
    thin = False
    if open_bounds is not None and abs(certainty) >= threshold:  # else thin_evidence is False whatever the bounds
        bounds = open_bounds() if callable(open_bounds) else open_bounds
        thin = bounds is not None and thin_evidence(certainty, *bounds, threshold)
    fits_none = scores[leader] < 0
    return Weighed(certainty, scores, leader, second, viable,
                   outcome(certainty, threshold, decides, viable, thin, fits_none))


def weigh_rules(kb: KnowledgeBase, rules: Iterable[Any], open_bounds: OpenBounds = None) -> Weighed:
    """The decision's numbers and outcome for a set of fired rules, without building the
    explanation (``decide`` gives the same numbers with their reasons): for the many variants a
    fragility check tries."""
    return weigh_pooled(kb, pooled(kb, rules), open_bounds)


#: The weights of a set of fired rules: on the PPP certainty, per partnership model, and what
#: their failed gates decide (see ``pooled``).
Pooled = tuple[list[float], dict[str, list[float]], list[str]]


def pooled(kb: KnowledgeBase, rules: Iterable[Any], base: Pooled | None = None) -> Pooled:
    """The weights ``rules`` add, on top of a copy of ``base`` when given (a fragility check
    pools the rules an answer cannot reach once, then adds each variant's own)."""
    pool: list[float] = list(base[0]) if base else []
    models: dict[str, list[float]] = {m: list(base[1][m]) if base else [] for m in PPP_MODELS}
    decides: list[str] = list(base[2]) if base else []
    table = rule_weights(kb)
    for rule in rules:
        weights = table.get(rule.id)
        if weights is None:
            continue
        pool.extend(weights.pool)
        for model, weight in weights.models:
            models[model].append(weight)
        decides.extend(weights.decides)
    return pool, models, decides


def weigh_pooled(kb: KnowledgeBase, weights: Pooled, open_bounds: OpenBounds = None) -> Weighed:
    """``weigh_rules`` on weights already pooled."""
    return _weigh(kb, weights[0], weights[1], weights[2], open_bounds)


@dataclass(frozen=True)
class RuleWeights:
    """What one rule adds to the decision when it fires, read once from its conclusions."""

    pool: tuple[float, ...]  # on the PPP certainty (evidence for traditional negated)
    models: tuple[tuple[str, float], ...]
    decides: tuple[str, ...]  # what its failed gates decide


def rule_weights(kb: KnowledgeBase) -> dict[str, RuleWeights]:
    """rule id -> its ``RuleWeights``, for the rules that add any (cached per knowledge base):
    ``weigh_rules`` runs for every variant a fragility check tries, and asking each conclusion
    again every time cost more than the arithmetic."""
    def compute() -> dict[str, RuleWeights]:
        out = {}
        for rule in kb.rules:
            pool: list[float] = []
            models: list[tuple[str, float]] = []
            decides: list[str] = []
            for c in rule.conclusions:
                for outcome_id, weight, _ in c.evidence_on():
                    if outcome_id == PPP_OUTCOME:
                        pool.append(weight)
                    elif outcome_id == TRADITIONAL:
                        pool.append(-weight)
                    else:
                        models.append((outcome_id, weight))
                if isinstance(c, GateConclusion):
                    decides.append(c.gate.decides)
            if pool or models or decides:
                out[rule.id] = RuleWeights(tuple(pool), tuple(models), tuple(decides))
        return out

    return kb.derived("rule_weights", compute)


def rule_reasons(kb: KnowledgeBase, rule: Any) -> tuple[tuple[str, Reason, Reason], ...]:
    """(outcome, reason, the same reason negated) for each piece of evidence ``rule`` gives, built
    the first time the rule fires and kept on the knowledge base: every case citing a rule shares
    its reasons (built without validation, from the validated knowledge base; ``decide`` used to
    validate ~90 a case). Built on demand so that a single evaluation pays only for its own."""
    table: dict[str, tuple[tuple[str, Reason, Reason], ...]] = kb.derived("rule_reasons", dict)
    items = table.get(rule.id)
    if items is None:
        items = table[rule.id] = tuple(
            (outcome_id, Reason(text, weight, rule.id),
             Reason(text, -weight, rule.id))
            for c in rule.conclusions for outcome_id, weight, text in c.evidence_on())
    return items


def decide(kb: KnowledgeBase, firings: Sequence[Firing], open_bounds: OpenBounds = None) -> Decision:
    """Combine all PPP and model evidence of the firings, and the failed gates, into the decision.

    ``open_bounds``: bounds of the certainty over the answers the unknown questions could get
    (``relevance.Relevance.certainty_bounds``), or a function giving them when asked
    (``OpenBounds``); None when every question is answered."""
    ppp: list[Reason] = []
    ppp_against: list[Reason] = []  # each PPP reason negated: evidence for traditional procurement
    evidence: dict[str, list[Reason]] = {m: [] for m in (*PPP_MODELS, TRADITIONAL)}
    gates: dict[str, FailedGate] = {}
    for firing in firings:
        for outcome_id, reason, negated in rule_reasons(kb, firing.rule):
            if outcome_id == PPP_OUTCOME:
                ppp.append(reason)
                ppp_against.append(negated)
            else:
                evidence[outcome_id].append(reason)
        for c in firing.rule.conclusions:
            gate = c.gate if isinstance(c, GateConclusion) else None
            if gate is not None and gate.id not in gates:
                gates[gate.id] = FailedGate(gate.id, gate.title, gate.decides,
                                            {q: tuple(v) for q, v in gate.clear.items()}, gate.reason, firing.rule.id)
    # Direct evidence for traditional procurement is evidence against a PPP, and vice versa:
    # one pool keeps the verdict and the traditional score consistent.
    pool = [r.weight for r in ppp] + [-r.weight for r in evidence[TRADITIONAL]]
    weighed = _weigh(kb, pool, {m: [r.weight for r in evidence[m]] for m in PPP_MODELS},
                     [g.decides for g in gates.values()], open_bounds)
    certainty, scores, verdict, viable = weighed.certainty, weighed.scores, weighed.verdict, weighed.viable
    leader, second = weighed.leader, weighed.second
    if verdict == "traditional" and scores[leader] < 0 and weighed.certainty > -kb.settings.verdict_threshold \
            and not any(g.decides == "traditional" for g in gates.values()):
        gates[NO_MODEL_FITS_GATE] = FailedGate(
            NO_MODEL_FITS_GATE, "A partnership model with more evidence for it than against", "traditional", {},
            f"Every partnership model scores below zero (the best, {leader}, scores {scores[leader]:+.2f}): the "
            "answers speak against each form of partnership, so buy conventionally, or reshape the project "
            "before considering a partnership again.", None)
    if verdict == "not_yet" and not viable and not any(g.decides == "rescope" for g in gates.values()):
        gates[VIABLE_MODEL_GATE] = FailedGate(
            VIABLE_MODEL_GATE, "A partnership model that fits the case", "not_yet", {},
            f"No partnership model scores {kb.settings.model_threshold:.2f} or more (the best, {leader}, "
            f"scores {scores[leader]:+.2f}): shape the project until one model clearly fits before going "
            "to market.", None)
    if verdict == "traditional":
        model, runner_up = TRADITIONAL, leader
        close = scores[TRADITIONAL] - scores[runner_up] < kb.settings.close_call_margin
        determined = True
    else:
        model, runner_up = leader, second
        close = scores[model] - scores[runner_up] < kb.settings.close_call_margin
        # A model is recommended only for a partnership (now or once its conditions are met), only
        # when it fits well enough, and never out of a tie at the top.
        determined = verdict in ("ppp", "not_yet") and viable and scores[leader] > scores[second]
    evidence[TRADITIONAL] = evidence[TRADITIONAL] + ppp_against
    return Decision(
        verdict=verdict, certainty=certainty, ppp_reasons=tuple(ppp), scores=scores,
        evidence={m: tuple(rs) for m, rs in evidence.items()}, model=model, runner_up=runner_up,
        close_call=close, determined=determined, gates=tuple(gates.values()),
    )


def verdict_questions(kb: KnowledgeBase) -> list[str]:
    """Questions that feed the verdict (PPP evidence or a gate), directly or through derived
    facts; cached per knowledge base."""
    def compute() -> list[str]:
        rules = [r.id for r in kb.rules
                 if any(c.kind == "gate" or any(o == PPP_OUTCOME for o, _, _ in c.evidence_on())
                        for c in r.conclusions)]
        return kb.upstream_questions(rules)

    return kb.derived("verdict_questions", compute)


def decisions_of(decision: Decision) -> dict[str, frozenset[str]]:
    """The decision facts the second phase sees: the verdict, and the model only when one is
    recommended (as ``Reasoner`` declares them), for conditions evaluated in Python."""
    return {"verdict": frozenset([decision.verdict]),
            "model": frozenset([decision.model]) if decision.determined else frozenset()}
