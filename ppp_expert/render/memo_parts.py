"""Parts of the decision memo written in plain words: why an option was not chosen, the decision
sought, the assumptions, the next steps and the approvals. Only wording: every value comes from
the advice, the summary, the switching values and the affordability view, computed elsewhere."""

from __future__ import annotations

from typing import Any, Callable

from ppp_expert.advice.affordability import Affordability
from ppp_expert.advice.contract import Advice
from ppp_expert.advice.summary import Summary, clears_with
from ppp_expert.advice.why_not import why_not
from ppp_expert.engine.aggregate import decisions_of
from ppp_expert.engine.reasoner import Trace
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: Who signs a submission, in the order a board paper carries them.
APPROVALS = ("Prepared by", "Reviewed by (PPP unit or finance)", "Approved by (accounting officer or board)")


def decision_sought(title: str, summary: Summary) -> str:
    """The question the paper puts to the board, worded from the outcome it carries."""
    name = title or summary.case
    if summary.verdict == "ppp" and summary.determined:
        return (f"To approve procuring {name} as a public-private partnership under the {summary.model_title} "
                "model, and to proceed to detailed structuring and procurement on the basis set out below.")
    if summary.verdict == "ppp":
        return (f"To approve procuring {name} as a public-private partnership, and to choose between the "
                "leading partnership models set out below.")
    if summary.verdict == "traditional":
        return f"To agree that {name} is procured traditionally rather than as a public-private partnership."
    if summary.verdict == "not_yet":
        return (f"To agree that a partnership for {name} is not yet ready for approval, and to commission the "
                "work that must be done first (the conditions below) before the board decides.")
    return (f"To note that {name} cannot yet be appraised, and to commission the answers listed below before "
            "a decision is sought.")


def _answer_in_words(kb: KnowledgeBase, leaf: Any, state: cond.State) -> str:
    """A blocked test of a choice answer, as the question a board member would read."""
    if leaf.question not in kb.questions:
        return ""
    wanted = " or ".join(sorted(v.replace("_", " ") for v in leaf.values))
    actual = str(state.answers.get(leaf.question, cond.UNKNOWN)).replace("_", " ")
    need = f"not {wanted}" if leaf.negate else wanted
    return f"it needs the answer to \u201c{kb.questions[leaf.question].text}\u201d to be {need}; the case says {actual}"


def _compare_words(kb: KnowledgeBase, leaf: Any, state: cond.State) -> str:
    """A blocked test of a number, as the range the question's answer would need."""
    if leaf.question not in kb.questions:
        return ""
    low = "" if leaf.low is None else f"{'more than' if leaf.low_strict else 'at least'} {leaf.low:g}"
    high = "" if leaf.high is None else f"{'less than' if leaf.high_strict else 'at most'} {leaf.high:g}"
    actual = state.answers.get(leaf.question, cond.UNKNOWN)
    return (f"it needs the answer to \u201c{kb.questions[leaf.question].text}\u201d to be "
            f"{' and '.join(x for x in (low, high) if x)}; the case says {actual}")


def _said_by_the_title(kb: KnowledgeBase, leaf: Any, state: cond.State) -> str:
    """A derived fact or a decision: the rule's title already says it in words."""
    return ""


#: Blocked conditions worded for a reader, per leaf class.
_PLAIN: dict[type, Callable[[KnowledgeBase, Any, cond.State], str]] = {
    cond.AnswerIn: _answer_in_words, cond.AnswerCompare: _compare_words, cond.FactIs: _said_by_the_title,
    cond.DecisionIn: _said_by_the_title,
}


def _plain_leaf(kb: KnowledgeBase, leaf: Any, state: cond.State) -> str:
    words = _PLAIN.get(type(leaf))
    return words(kb, leaf, state) if words else ""


def why_not_chosen(kb: KnowledgeBase, trace: Trace, advice: Advice, model: str, score: float) -> str:
    """Why an option was not chosen, in sentences a board member can read (no rule syntax)."""
    rec = advice.recommendation
    chosen = kb.models[rec.model].title if rec.model in kb.models else rec.model
    lead = (f"It scores {score:+.2f} against {rec.score:+.2f} for {chosen}." if rec.determined
            else f"It scores {score:+.2f}; no model leads clearly enough to be recommended.")
    ranked = next(r for r in rec.ranking if r.model == model)
    against = sorted((e for e in ranked.evidence if e.weight < 0), key=lambda e: e.weight)[:2]
    parts = [lead]
    if against:
        parts.append("Against it here: " + " ".join(e.reason.rstrip(".") + "." for e in against))
    result = why_not(kb, trace, model)
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    state = cond.State(answers=trace.answers, facts=facts, decisions=decisions_of(trace.decision))
    missing = []
    for rule, _, _ in sorted(result.not_fired, key=lambda x: (-x[1], x[0].id))[:2]:
        words = [w for w in (_plain_leaf(kb, leaf, state) for leaf in cond.failing(rule.condition, state)) if w]
        missing.append(rule.title + (f" ({words[0]})" if words else ""))
    if missing:
        parts.append("What would favour it does not hold: " + "; ".join(missing) + ".")
    return " ".join(parts)


def next_steps(summary: Summary, advice: Advice, afford: Affordability, brief: bool = False) -> list[str]:
    """What the authority does next, most urgent first: conditions, questions, mitigations, figures.
    ``brief``: the conditions and red flags in one step each (the brief lists them just above)."""
    steps = []
    if brief and summary.conditions:
        n = len(summary.conditions)
        steps.append(f"Meet the {n} condition{'s' if n != 1 else ''} above.")
    for c in () if brief else summary.conditions:
        how = clears_with(c)
        steps.append(f"Meet the condition \u201c{c.title}\u201d" + (f" (it clears with {how})" if how else "") + ".")
    if summary.verdict == "insufficient_information" and advice.appropriate.questions_first:
        steps.append("Answer first: " + ", ".join(advice.appropriate.questions_first[:6]) + ".")
    elif summary.open_questions:
        steps.append("Answer the open questions that could still change the outcome: "
                     + ", ".join(q.id for q in summary.open_questions) + ".")
    if advice.red_flags:
        steps.append("Mitigate the red flags above (the full memo gives each mitigation)." if brief else
                     "Mitigate the red flags as the executive summary sets out: "
                     + "; ".join(f.title for f in advice.red_flags) + ".")
    if afford.missing:
        steps.append("Complete the financial case: " + "; ".join(afford.missing) + "."
                     if afford.given else "Complete the financial case: state the figures in the case file's "
                     "finance block (capital cost, payments, budget envelope, comparator, estimate, liabilities).")
    if afford.years_over:
        steps.append("Close the affordability gap in " + ", ".join(map(str, afford.years_over))
                     + " (payments above the envelope) or secure a larger envelope.")
    if summary.verdict in ("ppp", "not_yet") and summary.determined:
        steps.append(f"Prepare the outline business case for {summary.model_title} and take it to the approval "
                     "route the law sets for partnerships.")
    elif summary.verdict == "traditional":
        steps.append("Prepare the procurement of the traditional contract through the usual approvals.")
    return steps
