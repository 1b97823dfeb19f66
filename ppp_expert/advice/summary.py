"""The bottom line of an advice, for a reader with one screen: what to do and how sure we are.

Computed from the advice and the case's answers (and, when given, a sensitivity sweep); the
renderers (terminal, Markdown, HTML) only lay it out. The wording of confidence is fixed here
so that every output says the same thing in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ppp_expert.advice.contract import Advice, Reason, RedFlag, RiskAllocation
from ppp_expert.advice.relevance import relevance_for
from ppp_expert.advice.sensitivity import Flip, Sweep
from ppp_expert.kb.conclusions import TRADITIONAL
from ppp_expert.kb.loader import KnowledgeBase

#: A verdict certainty at least this far from zero, with a model margin at least CLEAR_MARGIN,
#: reads as "clear"; weaker evidence "leaning". Close calls and thin evidence have their own words.
CLEAR_CERTAINTY = 0.5
CLEAR_MARGIN = 0.25
CONFIDENCE_WORDS = ("clear", "leaning", "close call", "not enough information")

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
    confidence: str  # one of CONFIDENCE_WORDS
    bottom_line: str
    runner_up: str | None
    runner_up_title: str | None
    reasons: tuple[Reason, ...]
    key_risks: tuple[RiskAllocation, ...]
    red_flags: tuple[RedFlag, ...]
    more_red_flags: int
    open_questions: tuple[OpenQuestion, ...]
    sensitivity: str | None = None
    fragile: tuple[str, ...] = field(default_factory=tuple)  # "verdict", "model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case, "confidence": self.confidence, "bottom_line": self.bottom_line,
            "verdict": self.verdict, "certainty": self.certainty, "model": self.model, "score": self.score,
            "determined": self.determined, "runner_up": self.runner_up,
            "reasons": [r.model_dump() for r in self.reasons],
            "key_risks": [{"risk": r.risk, "title": r.title, "party": r.party} for r in self.key_risks],
            "red_flags": [{"id": f.id, "title": f.title} for f in self.red_flags],
            "open_questions": [q.id for q in self.open_questions],
            "sensitivity": self.sensitivity, "fragile": list(self.fragile),
        }


def confidence(advice: Advice) -> str:
    """Plain words for how sure the advice is."""
    a, r = advice.appropriate, advice.recommendation
    if not r.determined:
        return "not enough information"
    if r.close_call:
        return "close call"
    runner = next((x.score for x in r.ranking if x.model == r.runner_up), None)
    margin = r.score - runner if runner is not None else 1.0
    if abs(a.certainty) >= CLEAR_CERTAINTY and margin >= CLEAR_MARGIN:
        return "clear"
    return "leaning"


def summarise(kb: KnowledgeBase, advice: Advice, answers: Mapping[str, Any], sweep: Sweep | None = None,
              max_flags: int = 3) -> Summary:
    """The bottom line, the strongest reasons, the risks that matter most for the model, the top
    red flags and the unanswered questions that could still change the verdict or the model."""
    a, r = advice.appropriate, advice.recommendation
    word = confidence(advice)
    title = _title(kb, r.model)
    runner_title = _title(kb, r.runner_up) if r.runner_up else None
    open_questions = _open_questions(kb, answers) if word != "clear" or advice.unknown_questions else ()
    flips = _fragility(sweep)
    return Summary(
        case=advice.case, verdict=a.verdict, certainty=a.certainty, model=r.model, model_title=title,
        score=r.score, determined=r.determined, confidence=word,
        bottom_line=_bottom_line(advice, word, title, runner_title, open_questions),
        runner_up=r.runner_up, runner_up_title=runner_title,
        reasons=_strongest_reasons(advice), key_risks=_key_risks(kb, advice),
        red_flags=tuple(advice.red_flags[:max_flags]), more_red_flags=max(0, len(advice.red_flags) - max_flags),
        open_questions=open_questions, sensitivity=_sensitivity_line(kb, sweep, flips) if sweep else None,
        fragile=tuple(k for k, v in flips.items() if v),
    )


def _title(kb: KnowledgeBase, model: str | None) -> str:
    return kb.models[model].title if model in kb.models else str(model)


def _bottom_line(advice: Advice, word: str, title: str, runner_title: str | None,
                 open_questions: tuple[OpenQuestion, ...]) -> str:
    a, r = advice.appropriate, advice.recommendation
    if word == "not enough information":
        ask = ", ".join(q.id for q in open_questions[:4])
        lead = "" if a.verdict == "traditional" else f" If a partnership goes ahead, {title} fits best so far."
        first = f" Answer first: {ask}." if ask else ""
        return f"Not enough information to advise yet.{lead}{first}"
    if r.model == TRADITIONAL:
        base = "Use traditional procurement rather than a PPP"
        tail = {"clear": ": the evidence is clear.", "leaning": ": the evidence leans that way but is not strong.",
                "close call": f"; it is a close call against {runner_title}, so weigh both."}[word]
        return base + tail
    if word == "close call":
        return (f"A PPP fits; {title} and {runner_title} fit almost equally well (a close call): "
                "weigh the two before deciding.")
    if word == "clear":
        return f"A PPP fits, and {title} is the model to use: the evidence is clear."
    return f"A PPP is likely to fit, and {title} leads; the evidence leans that way but is not strong."


def _strongest_reasons(advice: Advice, count: int = 3) -> tuple[Reason, ...]:
    """Two reasons behind the verdict and one behind the model (three for traditional procurement)."""
    a, r = advice.appropriate, advice.recommendation
    if r.model == TRADITIONAL:
        ranked = next(x for x in r.ranking if x.model == TRADITIONAL)
        return tuple(sorted((e for e in ranked.evidence if e.weight > 0), key=lambda e: (-e.weight, e.rule))[:count])
    sign = 1 if a.verdict == "ppp" else -1
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


def _open_questions(kb: KnowledgeBase, answers: Mapping[str, Any]) -> tuple[OpenQuestion, ...]:
    """Unanswered questions whose answer could still change the verdict or the model."""
    known = {q: v for q, v in answers.items() if v != "unknown"}
    outlook = relevance_for(kb, {"verdict", "model"}).analyse(known)
    return tuple(OpenQuestion(q, kb.questions[q].text) for q in outlook.needed)


def _fragility(sweep: Sweep | None) -> dict[str, list[Flip]]:
    if sweep is None:
        return {}
    return {"verdict": sweep.verdict_flips, "model": sweep.model_flips}


def _sensitivity_line(kb: KnowledgeBase, sweep: Sweep, flips: dict[str, list[Flip]]) -> str:
    first = (flips["verdict"] or flips["model"] or [None])[0]
    if first is None:
        return "Robust: no single change of answer flips the verdict or the model."
    what = " and ".join(k for k in ("verdict", "model") if flips[k])
    count = len({(f.question, str(f.after)) for f in flips["verdict"] + flips["model"]})
    change = f"{first.question}: {first.before} -> {first.after}"
    return (f"Fragile: {count} single change{'s' if count != 1 else ''} of answer can flip the {what}; "
            f"the smallest is {change}.")
