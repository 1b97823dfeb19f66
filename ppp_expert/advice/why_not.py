"""WHY-NOT: why the advice does not conclude a model, a risk owner, a red flag, a setting or a verdict.

HOW follows the explanation graph back from what fired (``explain``); WHY-NOT has to look at
what did not fire, so it re-reads the rules against the final state of the case: the rules that
could have given the claimed value, whether each fired (and was overridden) or which of its
conditions failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ppp_expert.advice.contract import Advice
from ppp_expert.advice.explain import precedence_winners, winning_values
from ppp_expert.engine.aggregate import decisions_of
from ppp_expert.engine.reasoner import Trace
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import OUTCOMES, PPP_OUTCOME, TRADITIONAL, GateConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule

# --- WHY NOT, for a model -----------------------------------------------------------------


@dataclass(frozen=True)
class WhyNot:
    model: str
    fired_for: list[tuple[Rule, float]]
    fired_against: list[tuple[Rule, float]]
    not_fired: list[tuple[Rule, float, list[str]]]


def failed_leaves(rule: Rule, state: cond.State) -> list[str]:
    """The conditions of a rule that are false in the final state (what blocked it)."""
    return [("none of: " + " | ".join(p.describe() for p in node.parts)) if isinstance(node, cond.Any_)
            else node.describe() + _actual(node, state) for node in cond.failing(rule.condition, state)]


def _actual(node: cond.Condition, state: cond.State) -> str:
    """What the case had instead, for a leaf (``not`` and ``any`` say nothing)."""
    actual = _ACTUAL.get(type(node))
    return actual(node, state) if actual else ""


def _answer(leaf: cond.AnswerIn | cond.AnswerCompare, state: cond.State) -> str:
    return f" (answer: {state.answers.get(leaf.question, cond.UNKNOWN)})"


#: What a failed leaf's case had instead, per leaf kind.
_ACTUAL: dict[type, Callable[[Any, cond.State], str]] = {
    cond.AnswerIn: _answer,
    cond.AnswerCompare: _answer,
    cond.FactIs: lambda leaf, state: " (not concluded)",
    cond.DecisionIn: lambda leaf, state: "",
}


def why_not(kb: KnowledgeBase, trace: Trace, model: str) -> WhyNot:
    """Which rules would have favoured ``model``, which fired, and what blocked the others."""
    fired = {f.rule.id for f in trace.firings}
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    state = cond.State(answers=trace.answers, facts=facts,
                       decisions=decisions_of(trace.decision))
    for_: list[tuple[Rule, float]] = []
    against: list[tuple[Rule, float]] = []
    blocked: list[tuple[Rule, float, list[str]]] = []
    for rule in kb.rules:
        weight = _weight_for(rule, model)
        if weight is None:
            continue
        if rule.id in fired:
            (for_ if weight > 0 else against).append((rule, weight))
        elif weight > 0:
            blocked.append((rule, weight, failed_leaves(rule, state)))
    return WhyNot(model, for_, against, blocked)


def _weight_for(rule: Rule, model: str) -> float | None:
    """What a rule adds to ``model``'s score (evidence for a PPP counts against traditional)."""
    total = None
    for c in rule.conclusions:
        for outcome, weight, _ in c.evidence_on():
            if outcome == model:
                total = (total or 0.0) + weight
            elif outcome == PPP_OUTCOME and model == TRADITIONAL:
                total = (total or 0.0) - weight
    return total


# --- WHY NOT, for any conclusion ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A rule that could conclude the claimed value: fired (and maybe overridden) or blocked."""

    rule: Rule
    fired: bool
    overridden_by: str | None
    failed: list[str]


@dataclass(frozen=True)
class ClaimWhyNot:
    claim: str
    holds: bool
    actual: str
    candidates: list[Candidate]
    note: str = ""


def _shown(c: object) -> str | None:
    """The value a conclusion would give its target, as users write it (risk owner, setting)."""
    if c.competition != "precedence":  # type: ignore[attr-defined]
        return None
    value = getattr(c, "allocate", None)
    if value is not None:
        return value.party
    setting = c.set.value  # type: ignore[attr-defined]
    if isinstance(setting, dict) and set(setting) == {"min", "max"}:
        return f"{setting['min']}-{setting['max']} years"
    return str(setting)


def why_not_claim(kb: KnowledgeBase, trace: Trace, advice: Advice, claim: str) -> ClaimWhyNot:
    """Why the advice does not conclude ``claim``: ``risk:demand=private``, ``red_flag:single_bidder``,
    ``structuring:payment_mechanism=user_fees`` or ``verdict=traditional``."""
    from ppp_expert.errors import CaseError
    from ppp_expert.kb.sources import suggest

    target, sep, wanted = claim.partition("=")
    target, wanted = target.strip(), wanted.strip()
    if target in kb.risks:
        target = f"risk:{target}"
    if target == "verdict" or target in (*OUTCOMES, "undetermined"):
        return _why_not_verdict(kb, trace, advice, wanted or target)
    state = _final_state(trace)
    fired = {f.rule.id for f in trace.firings}
    winners = precedence_winners(advice)
    known = {c.target for r in kb.rules for c in r.conclusions}
    if target not in known:
        hint = suggest(target, kb.models) or suggest(target, known)
        raise CaseError(f"no conclusion '{target}'{hint} in the knowledge base; expected a risk "
                        "(risk:demand=private), a red flag (red_flag:single_bidder), a setting "
                        "(structuring:payment_mechanism=user_fees), a model id or verdict=...", field="--why-not")
    rules = [(r, c) for r in kb.rules for c in r.conclusions if c.target == target]
    precedence_kind = rules[0][1].competition == "precedence"
    if precedence_kind and not sep:
        choices = sorted({_shown(c) or "" for _, c in rules})
        raise CaseError(f"say which value: {target}=VALUE, with VALUE one of {', '.join(choices)}", field="--why-not")
    if precedence_kind:
        values = {_shown(c) for _, c in rules}
        if wanted not in values:
            raise CaseError(f"no rule concludes {target} = '{wanted}'{suggest(wanted, [v for v in values if v])}; "
                            f"expected one of {', '.join(sorted(v for v in values if v))}", field="--why-not")
        rules = [(r, c) for r, c in rules if _shown(c) == wanted]
    actual = winning_values(advice).get(target)
    if not precedence_kind:
        actual = "raised" if any(r.id in fired for r, _ in rules) else "not raised"
    holds = (actual == wanted) if precedence_kind else actual == "raised"
    candidates = []
    for rule, _ in sorted(rules, key=lambda pair: pair[0].precedence):
        is_fired = rule.id in fired
        winner = winners.get(target)
        candidates.append(Candidate(rule, is_fired,
                                    winner if is_fired and precedence_kind and winner != rule.id else None,
                                    [] if is_fired else failed_leaves(rule, state)))
    shown = f"{target}={wanted}" if precedence_kind else target
    return ClaimWhyNot(shown, holds, actual or "not concluded", candidates)


def _final_state(trace: Trace) -> cond.State:
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    return cond.State(answers=trace.answers, facts=facts, decisions=decisions_of(trace.decision))


def _why_not_verdict(kb: KnowledgeBase, trace: Trace, advice: Advice, wanted: str) -> ClaimWhyNot:
    from ppp_expert.errors import CaseError

    wanted = "insufficient_information" if wanted == "undetermined" else wanted
    if wanted not in OUTCOMES:
        raise CaseError(f"'{wanted}' is not an outcome; expected one of {', '.join(OUTCOMES)}", field="--why-not")
    d = trace.decision
    threshold = kb.settings.verdict_threshold
    gates = ", ".join(g.title for g in d.gates) or "none"
    need = {
        "ppp": f"a certainty of at least {threshold:+.2f}, no failed gate and a partnership model that fits",
        "traditional": f"a certainty of at most {-threshold:+.2f}, or a gate that rules a partnership out",
        "not_yet": "a failed readiness gate (or no affordable route, or no partnership model that fits) "
                   "while the evidence does not rule a partnership out",
        "insufficient_information": f"a certainty between {-threshold:+.2f} and {threshold:+.2f} and no failed gate",
    }[wanted]
    sign = {"ppp": 1, "traditional": -1, "not_yet": 0,
            "insufficient_information": -1 if d.certainty > 0 else 1}[wanted]
    state = _final_state(trace)
    fired = {f.rule.id for f in trace.firings}
    candidates = []
    for rule in kb.rules:
        if rule.id in fired:
            continue
        weight = sum(w if o == PPP_OUTCOME else -w if o == TRADITIONAL else 0.0
                     for c in rule.conclusions for o, w, _ in c.evidence_on())
        decides = {c.gate.decides for c in rule.conclusions if isinstance(c, GateConclusion)}
        gate_helps = (wanted == "not_yet" and decides & {"not_yet", "rescope"}) or (
            wanted == "traditional" and "traditional" in decides)
        if gate_helps:
            candidates.append((1.0, Candidate(rule, False, None, failed_leaves(rule, state))))
        elif sign and weight * sign > 0:
            candidates.append((abs(weight), Candidate(rule, False, None, failed_leaves(rule, state))))
    candidates.sort(key=lambda pair: (-pair[0], pair[1].rule.position))
    note = (f"The outcome {wanted} needs {need}; the evidence combines to {d.certainty:+.2f} and the failed "
            f"gates are: {gates}.")
    return ClaimWhyNot(f"verdict={wanted}", d.verdict == wanted, d.verdict, [c for _, c in candidates[:10]], note)
