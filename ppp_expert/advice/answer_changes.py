"""What-if analysis: change some answers of a case and say what changes in the advice."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from ppp_expert.advice.contract import Advice
from ppp_expert.cases.case import Case, check_answer
from ppp_expert.errors import CaseError
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.sources import suggest
from ppp_expert.yaml_io import plain_scalar


@dataclass
class Change:
    before: Any
    after: Any


@dataclass
class WhatIf:
    """The differences between the advice for a case and for the case with changed answers."""

    case: str
    answers: dict[str, Change]
    verdict: Change | None = None
    model: Change | None = None
    #: the confidence level before and after (always shown: the one confidence of each advice)
    confidence: Change | None = None
    conditions: Change | None = None
    scores: dict[str, Change] = field(default_factory=dict)
    risks: dict[str, Change] = field(default_factory=dict)
    red_flags_added: list[str] = field(default_factory=list)
    red_flags_removed: list[str] = field(default_factory=list)
    settings: dict[str, Change] = field(default_factory=dict)

    @property
    def unchanged(self) -> bool:
        return not (self.verdict or self.model or self.conditions or self.risks or self.red_flags_added
                    or self.red_flags_removed or self.settings)

    def to_dict(self) -> dict[str, Any]:
        def pairs(changes: dict[str, Change]) -> dict[str, Any]:
            return {k: {"from": c.before, "to": c.after} for k, c in changes.items()}

        def single(change: Change | None) -> Any:
            return None if change is None else {"from": change.before, "to": change.after}

        return {
            "case": self.case, "answers": pairs(self.answers), "verdict": single(self.verdict),
            "model": single(self.model), "confidence": single(self.confidence),
            "conditions": single(self.conditions), "scores": pairs(self.scores), "risks": pairs(self.risks),
            "red_flags": {"added": self.red_flags_added, "removed": self.red_flags_removed},
            "settings": pairs(self.settings),
        }


def parse_assignments(kb: KnowledgeBase, assignments: Iterable[str]) -> dict[str, Any]:
    """``question=value`` strings into checked answers (``unknown`` removes an answer).

    VALUE is read exactly as the same answer in a YAML case file (``plain_scalar``) and checked
    by the same ``check_answer``, so ``--set`` accepts what a case file accepts and nothing more:
    ``1_0``, digits of other scripts or `` high`` (a space in front) are refused as in a file.
    """
    parsed: dict[str, Any] = {}
    for raw in assignments:
        question_id, sep, text = raw.partition("=")
        if not sep or not question_id:
            raise CaseError(f"expected question=value, got {raw!r}", field="--set")
        question = kb.questions.get(question_id)
        if question is None:
            raise CaseError(f"unknown question '{question_id}'{suggest(question_id, kb.questions)}",
                            field="--set")
        try:
            value: Any = plain_scalar(text)
        except ValueError as exc:
            raise CaseError(str(exc), field=f"--set {question_id}") from None
        checked = UNKNOWN if (answer := check_answer(question, value, "--set", question_id)) is None else answer
        if question_id in parsed and parsed[question_id] != checked:  # else the order of --set would decide
            raise CaseError(f"{question_id} is set twice ({parsed[question_id]} and {checked}); expected one value",
                            field="--set")
        parsed[question_id] = checked
    return parsed


def apply(case: Case, changes: dict[str, Any]) -> Case:
    """The case with the changed answers (``unknown`` drops the answer)."""
    answers = {q: v for q, v in case.answers.items() if q not in changes}
    answers.update({q: v for q, v in changes.items() if v != UNKNOWN})
    return replace(case, answers=answers)


def recommended(advice: Advice) -> str | None:
    """The recommended model, or None when the advice recommends none."""
    return advice.recommendation.model if advice.recommendation.determined else None


def compare(case: Case, changes: dict[str, Any], before: Advice, after: Advice) -> WhatIf:
    """Everything that differs between two advices, in a stable order."""
    result = WhatIf(case=case.id, answers={
        q: Change(case.answers.get(q, UNKNOWN), v) for q, v in changes.items() if case.answers.get(q, UNKNOWN) != v
    })
    if before.appropriate.verdict != after.appropriate.verdict:
        result.verdict = Change(before.appropriate.verdict, after.appropriate.verdict)
    if recommended(before) != recommended(after):
        result.model = Change(recommended(before), recommended(after))
    result.confidence = Change(before.appropriate.confidence.level, after.appropriate.confidence.level)
    old_conditions = [c.id for c in before.appropriate.conditions]
    new_conditions = [c.id for c in after.appropriate.conditions]
    if old_conditions != new_conditions:
        result.conditions = Change(old_conditions, new_conditions)
    old_scores = {r.model: r.score for r in before.recommendation.ranking}
    for ranked in after.recommendation.ranking:
        if ranked.score != old_scores[ranked.model]:
            result.scores[ranked.model] = Change(old_scores[ranked.model], ranked.score)
    old_risks = {r.risk: r.party for r in before.risk_allocation}
    new_risks = {r.risk: r.party for r in after.risk_allocation}
    for risk in sorted(set(old_risks) | set(new_risks)):
        if old_risks.get(risk) != new_risks.get(risk):
            result.risks[risk] = Change(old_risks.get(risk), new_risks.get(risk))
    old_flags = [f.id for f in before.red_flags]
    new_flags = [f.id for f in after.red_flags]
    result.red_flags_added = [f for f in new_flags if f not in old_flags]
    result.red_flags_removed = [f for f in old_flags if f not in new_flags]
    for topic in ("structuring", "governance", "procurement"):
        old = getattr(before, topic).settings
        new = getattr(after, topic).settings
        for key in sorted(set(old) | set(new)):
            old_value = old[key].value if key in old else None
            new_value = new[key].value if key in new else None
            if old_value != new_value:
                result.settings[f"{topic}.{key}"] = Change(old_value, new_value)
    return result
