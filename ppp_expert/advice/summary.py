"""The bottom line of an advice, for a reader with one screen: what to do and how sure we are.

Computed from the advice and the case's answers (and, when given, a sensitivity sweep); the
renderers (terminal, Markdown, HTML) only lay it out. The confidence is the advice's own
(``advice.confidence``), shown in the same word everywhere; the bottom line is worded here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ppp_expert.advice.confidence import LEVELS
from ppp_expert.advice.contract import Advice, Condition, Reason, RedFlag, RiskAllocation, plain
from ppp_expert.advice.sensitivity import Flip, Sweep
from ppp_expert.kb.conclusions import TRADITIONAL
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: The confidence levels, worded once (``advice.confidence``); every view shows these words.
CONFIDENCE_WORDS = LEVELS
#: How each outcome reads in one phrase (the views share it).
OUTCOME_WORDS = {"ppp": "a PPP", "traditional": "traditional procurement", "not_yet": "not yet",
                 "insufficient_information": "insufficient information"}

NUMBERS_EXPLAINED = (
    "How to read the numbers: the certainty (-1 to +1) says how strongly the evidence favours a PPP "
    "(+) over traditional procurement (-); a model's score (-1 to +1) says how well that partnership "
    "model fits this case compared with the others. Each combines rule weights with diminishing returns."
)


@dataclass(frozen=True)
class OpenQuestion:
    id: str
    text: str


@dataclass(frozen=True)
class Summary:
    """The one-screen view of an advice."""

    case: str
    verdict: str
    certainty: float
    model: str
    model_title: str
    score: float
    determined: bool
    confidence: str  # one of CONFIDENCE_WORDS: appropriate.confidence.level, never recomputed
    bottom_line: str
    runner_up: str | None
    runner_up_title: str | None
    reasons: tuple[Reason, ...]
    key_risks: tuple[RiskAllocation, ...]
    red_flags: tuple[RedFlag, ...]
    more_red_flags: int
    open_questions: tuple[OpenQuestion, ...]
    conditions: tuple[Condition, ...] = ()
    margin: float = 0.0
    fragile_on: tuple[str, ...] = ()
    sensitivity: str | None = None
    fragile: tuple[str, ...] = field(default_factory=tuple)  # "verdict", "model"
    #: The titles of the rules behind ``reasons`` (a short name for each reason, for one screen).
    reason_titles: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case, "confidence": self.confidence, "bottom_line": self.bottom_line,
            "verdict": self.verdict, "certainty": self.certainty, "model": self.model, "score": self.score,
            "determined": self.determined, "runner_up": self.runner_up,
            "reasons": [plain(r) for r in self.reasons],
            "key_risks": [{"risk": r.risk, "title": r.title, "party": r.party} for r in self.key_risks],
            "red_flags": [{"id": f.id, "title": f.title} for f in self.red_flags],
            "open_questions": [q.id for q in self.open_questions],
            "conditions": [{"id": c.id, "title": c.title, "clear": c.clear} for c in self.conditions],
            "margin": self.margin, "fragile_on": list(self.fragile_on),
            "sensitivity": self.sensitivity, "fragile": list(self.fragile),
        }


def summarise(kb: KnowledgeBase, advice: Advice, answers: Mapping[str, Any], sweep: Sweep | None = None,
              max_flags: int = 3) -> Summary:
    """The bottom line, the strongest reasons, the risks that matter most for the model, the top
    red flags, the conditions to meet and the unanswered questions that could still change the
    outcome. The confidence is the advice's own (``appropriate.confidence``)."""
    a, r = advice.appropriate, advice.recommendation
    sure = a.confidence
    title = _title(kb, r.model)
    runner_title = _title(kb, r.runner_up) if r.runner_up else None
    open_questions = tuple(OpenQuestion(q, kb.questions[q].text) for q in sure.could_flip)
    flips = _fragility(sweep)
    return Summary(
        case=advice.case, verdict=a.verdict, certainty=a.certainty, model=r.model, model_title=title,
        score=r.score, determined=r.determined, confidence=sure.level,
        bottom_line=bottom_line(kb, advice),
        runner_up=r.runner_up, runner_up_title=runner_title,
        reasons=_strongest_reasons(advice), key_risks=_key_risks(kb, advice),
        red_flags=tuple(advice.red_flags[:max_flags]), more_red_flags=max(0, len(advice.red_flags) - max_flags),
        open_questions=open_questions, conditions=tuple(a.conditions), margin=sure.margin,
        fragile_on=tuple(sure.fragile_on),
        sensitivity=_sensitivity_line(kb, sweep, flips) if sweep else None,
        fragile=tuple(k for k, v in flips.items() if v),
        reason_titles=tuple(kb.rule(x.rule).title for x in _strongest_reasons(advice)),
    )


def _title(kb: KnowledgeBase, model: str | None) -> str:
    return kb.models[model].title if model in kb.models else str(model)


def clears_with(condition: Condition) -> str:
    """The answers that would clear a condition, as every view writes them ("" when none would)."""
    return "; ".join(f"{q}: {' or '.join(map(str, values))}" for q, values in condition.clear.items())


def _titles(conditions: list[Condition]) -> str:
    return "; ".join(c.title[0].lower() + c.title[1:] for c in conditions)


def bottom_line(kb: KnowledgeBase, advice: Advice) -> str:
    """What to do, in one or two sentences, ending with the shared confidence level. A model is
    named only when recommended (never out of a tie or thin evidence)."""
    a, r = advice.appropriate, advice.recommendation
    level = f" Confidence: {a.confidence.level}."
    model = _title(kb, r.model)
    runner = _title(kb, r.runner_up) if r.runner_up else ""
    if a.verdict == "insufficient_information":
        ask = ", ".join(a.questions_first[:4])
        already = f" Whatever the answers, first: {_titles(a.conditions)}." if a.conditions else ""
        return "Not enough information to advise yet." + (f" Answer first: {ask}." if ask else "") + already + level
    if a.verdict == "not_yet":
        fits = f"; {model} would fit best" if r.determined else ""
        n = len(a.conditions)
        return (f"Not yet: a partnership could fit{fits}, but {n} condition{'s' if n != 1 else ''} must be met "
                f"first: {_titles(a.conditions)}." + level)
    if a.verdict == "traditional":
        gates = [c for c in a.conditions if c.decides == "traditional"]
        why = f": {_titles(gates)} is not met" if gates else ""
        return f"Use traditional procurement rather than a PPP{why}." + level
    if not r.determined:
        return "A PPP fits, but no partnership model leads clearly yet; weigh the top models." + level
    if r.close_call:
        return (f"A PPP fits; {model} and {runner} fit almost equally well (a close call): "
                "weigh the two before deciding." + level)
    return f"A PPP fits, and {model} is the model to use." + level


def _strongest_reasons(advice: Advice, count: int = 3) -> tuple[Reason, ...]:
    """Two reasons behind the verdict and one behind the recommended model (three against a
    partnership for traditional procurement). Weights keep their sign on the PPP certainty (+ for,
    - against), as every other view shows them."""
    a, r = advice.appropriate, advice.recommendation
    sign = -1 if a.verdict == "traditional" else 1
    if r.model == TRADITIONAL or not r.determined:
        return tuple(sorted((x for x in a.reasons if x.weight * sign > 0),
                            key=lambda e: (-abs(e.weight), e.rule))[:count])
    verdict = sorted((x for x in a.reasons if x.weight * sign > 0), key=lambda e: (-abs(e.weight), e.rule))
    ranked = next(x for x in r.ranking if x.model == r.model)
    model = sorted((e for e in ranked.evidence if e.weight > 0), key=lambda e: (-e.weight, e.rule))
    chosen = verdict[:count - 1] + model[:1]
    return tuple(chosen + [x for x in verdict[count - 1:] + model[1:] if x not in chosen][:count - len(chosen)])


def _key_risks(kb: KnowledgeBase, advice: Advice, count: int = 5) -> tuple[RiskAllocation, ...]:
    """The allocations of the model's key risks, then those decided by case-specific rules."""
    by_risk = {x.risk: x for x in advice.risk_allocation}
    model = kb.models.get(advice.recommendation.model)
    chosen = [by_risk[k] for k in (model.key_risks if model else ()) if k in by_risk]
    specific = [x for x in advice.risk_allocation if ".default." not in x.rules[0] and x not in chosen]
    return tuple((chosen + specific)[:count])


def _fragility(sweep: Sweep | None) -> dict[str, list[Flip]]:
    if sweep is None:
        return {}
    return {"verdict": sweep.verdict_flips, "model": sweep.model_flips}


def _sensitivity_line(kb: KnowledgeBase, sweep: Sweep, flips: dict[str, list[Flip]]) -> str:
    first = next(iter(flips["verdict"] or flips["model"]), None)
    if first is None:
        return "Robust: no single change of answer flips the verdict or the model."
    what = " and ".join(k for k in ("verdict", "model") if flips[k])
    count = len({(f.question, str(f.after)) for f in flips["verdict"] + flips["model"]})
    change = f"{first.question}: {first.before} -> {first.after}"
    return (f"Fragile: {count} single change{'s' if count != 1 else ''} of answer can flip the {what}; "
            f"the smallest is {change}.")
