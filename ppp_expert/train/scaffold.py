"""Scaffolding for a trainee's first case: a worked example on another clear case of the
programme, walked the way the steps will ask it, with the engine's answers and the rules that
decide them in plain words. Shown once, before the first case's brief."""

from __future__ import annotations

from ppp_expert.train.describe import VERDICT_WORDS, model_title
from ppp_expert.train.solved import Solved, plain_reason


def worked_example(solved: Solved) -> tuple[str, ...]:
    """The example's lines: the verdict and the model with their strongest rule, two risk owners."""
    kb, advice = solved.kb, solved.advice
    a, r = advice.appropriate, advice.recommendation
    title = solved.case.case.title or solved.case.id
    lines = [f"How a case is worked, on another case ({title}); yours follows.",
             f"1. The outcome: {VERDICT_WORDS[a.verdict]}. "
             + _strongest(solved, [x.rule for x in sorted(a.reasons, key=lambda x: -abs(x.weight))][:1])]
    if r.determined:
        top = r.ranking[0]
        evidence = [e.rule for e in sorted(top.evidence, key=lambda e: -e.weight) if e.weight > 0][:1]
        lines.append(f"2. The model: {model_title(kb, r.model)}. " + _strongest(solved, evidence))
    owners = [f"{x.title}: {x.party}" for x in advice.risk_allocation[:2]]
    if owners:
        lines.append(f"3. Risk owners follow from the model and the facts ({'; '.join(owners)}): the party best "
                     "able to manage a risk carries it.")
    lines.append("At each step: 'hint' gives the facts that matter, 'why' how the engine decides, 'glossary TERM' "
                 "a definition, 'guide' what the guide section behind the step teaches; after an answer, 'more' "
                 "shows the deciding rule.")
    return tuple(lines)


def _strongest(solved: Solved, rules: list[str]) -> str:
    if not rules:
        return ""
    rule = solved.kb.rule(rules[0])
    return f"Deciding rule: {rule.title} - {plain_reason(solved.kb, rule)}"
