"""Plain-text lines for explanations and reference listings: HOW, WHY-NOT, what-if, questions.

Returned as lists of lines so the commands only print them and tests can read them.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.advice.answer_changes import WhatIf
from ppp_expert.advice.contract import Advice
from ppp_expert.advice.sensitivity import NO_MODEL, Flip, Sweep
from ppp_expert.advice.summary import OUTCOME_WORDS
from ppp_expert.advice.why_not import ClaimWhyNot, WhyNot
from ppp_expert.kb.knowledge_base import KnowledgeBase


def how_lines(target: str, case_id: str, lines: list[str]) -> list[str]:
    return [f"HOW {target} ({case_id}):", *("  " + line for line in lines)]


def why_not_lines(result: WhyNot, advice: Advice) -> list[str]:
    rec = advice.recommendation
    score = next(r.score for r in rec.ranking if r.model == result.model)
    if result.model == rec.model:
        out = [f"WHY NOT {result.model}: it IS the recommendation (score {score:+.2f})."]
    else:
        out = [f"WHY NOT {result.model}: it scored {score:+.2f} against {rec.model} at {rec.score:+.2f}."]
    if result.fired_for:
        out.append("  Rules that favoured it and fired:")
        out.extend(f"    {w:+.2f} {rule.id} [{rule.source}] {rule.title}" for rule, w in result.fired_for)
    if result.fired_against:
        out.append("  Rules that counted against it:")
        out.extend(f"    {w:+.2f} {rule.id} [{rule.source}] {rule.title}" for rule, w in result.fired_against)
    if result.not_fired:
        out.append("  Rules that would have favoured it but did not fire (failed conditions):")
        for rule, w, failed in result.not_fired:
            out.append(f"    {w:+.2f} {rule.id} [{rule.source}] {rule.title}")
            out.extend(f"          x {leaf}" for leaf in failed)
    return out


def whatif_lines(result: WhatIf, kb: KnowledgeBase, titles: dict[str, str] | None = None) -> list[str]:
    """The differences in titles, ids in brackets. ``titles`` names the red flags (id -> title)."""
    titles = titles or {}
    changed = ", ".join(f"{q}: {c.before} -> {c.after}" for q, c in result.answers.items()) or "no answer changed"
    out = [f"WHAT IF {changed} ({result.case}):"]
    if result.unchanged:
        out.append("  The verdict, the model, the risk owners, the red flags and the settings stay the same.")
    if result.verdict:
        out.append(f"  verdict: {VERDICT_WORDS[result.verdict.before]} -> {VERDICT_WORDS[result.verdict.after]}")
    if result.conditions:
        out.append(f"  conditions to meet first: {', '.join(result.conditions.before) or 'none'} -> "
                   f"{', '.join(result.conditions.after) or 'none'}")
    if result.confidence:
        c = result.confidence
        out.append(f"  confidence: {c.before}" + (f" -> {c.after}" if c.after != c.before else " (unchanged)"))
    if result.model:
        out.append(f"  recommended model: {model_title(kb, result.model.before)} -> "
                   f"{model_title(kb, result.model.after)}")
    out.extend(f"  score of {model_title(kb, model)}: {c.before:+.2f} -> {c.after:+.2f}"
               for model, c in result.scores.items())
    out.extend(f"  {kb.risks[risk].title if risk in kb.risks else risk} risk [{risk}]: {c.before} -> {c.after}"
               for risk, c in result.risks.items())
    out.extend(f"  + red flag: {titles.get(flag, flag)} [{flag}]" for flag in result.red_flags_added)
    out.extend(f"  - red flag: {titles.get(flag, flag)} [{flag}]" for flag in result.red_flags_removed)
    out.extend(f"  {key.replace('.', ' ').replace('_', ' ')}: {_short(c.before)} -> {_short(c.after)}"
               for key, c in result.settings.items())
    return out


def _short(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"min", "max"}:
        return f"{value['min']}-{value['max']} years"
    return str(value)


def question_lines(kb: KnowledgeBase) -> list[str]:
    out = []
    for q in kb.questions.values():
        out.append(f"{q.id}  ({q.phase}; guide: {', '.join(q.guide)})")
        out.append(f"  {q.text}")
        if q.type == "choice":
            out.extend(f"    {value:<24} {meaning}" for value, meaning in q.answers.items())
        else:
            bounds = " ".join(x for x in (f"min {q.min:g}" if q.min is not None else "",
                                          f"max {q.max:g}" if q.max is not None else "") if x)
            out.append(f"    <{q.type}> {bounds}")
        out.append("    unknown                  not known yet (same as leaving it out)")
    return out


VERDICT_WORDS = OUTCOME_WORDS


def model_title(kb: KnowledgeBase, model: str | None) -> str:
    return kb.models[model].title if model in kb.models else "no model" if model in (None, NO_MODEL) else str(model)


def answer_text(kb: KnowledgeBase, question: str, value: Any) -> str:
    """An answer as an official reads it: the choice's meaning is long, so the value in words."""
    if value == "unknown":
        return "unknown"
    return str(value).replace("_", " ")


def flip_line(kb: KnowledgeBase, flip: Flip) -> str:
    """One change and its effect, in titles (ids in brackets)."""
    effects = []
    if flip.verdict:
        effects.append(f"verdict {VERDICT_WORDS[flip.verdict[0]]} -> {VERDICT_WORDS[flip.verdict[1]]}")
    if flip.model:
        effects.append(f"model {model_title(kb, flip.model[0])} -> {model_title(kb, flip.model[1])}")
    if flip.model and flip.risks:  # the owners follow the new model; listing them all would bury it
        effects.append(f"{len(flip.risks)} risk owner{'s' if len(flip.risks) != 1 else ''} change with it")
    else:
        for risk, (before, after) in flip.risks.items():
            title = kb.risks[risk].title if risk in kb.risks else risk
            effects.append(f"{title} risk {before or 'unallocated'} -> {after or 'unallocated'}")
    return (f"{answer_text(kb, flip.question, flip.before)} -> {answer_text(kb, flip.question, flip.after)} "
            f"[{flip.question}]: " + "; ".join(effects))


def sweep_lines(result: Sweep, kb: KnowledgeBase, limit: int = 12) -> list[str]:
    base = result.baseline
    out = [f"SENSITIVITY ({result.case}): {result.variants} variants, each changing one answer.",
           f"  Today: verdict {VERDICT_WORDS[base.verdict]}, model {model_title(kb, base.model)}."]
    for name, flips, what in (("verdict", result.verdict_flips, f"The verdict ({VERDICT_WORDS[base.verdict]})"),
                              ("model", result.model_flips, f"The model ({model_title(kb, base.model)})")):
        if flips:
            changes = "changes flip" if len(flips) != 1 else "change flips"
            out.append(f"  {what} is FRAGILE: {len(flips)} single {changes} it.")
            shown = [f for f in flips if name == "verdict" or not f.verdict]
            if len(shown) < len(flips):
                out.append(f"    (the {len(flips) - len(shown)} verdict changes above, and:)" if shown
                           else "    (the verdict changes above)")
            out.extend("    " + flip_line(kb, f) for f in shown[:limit])
            if len(shown) > limit:
                out.append(f"    ... and {len(shown) - limit} more (--format json lists all)")
        else:
            out.append(f"  {what} is robust: no single change of answer flips it.")
    risk_only = [f for f in result.risk_flips if not (f.verdict or f.model)]
    if risk_only:
        out.append(f"  Risk owners that one change can move ({len(risk_only)} changes):")
        out.extend("    " + flip_line(kb, f) for f in risk_only[:limit])
        if len(risk_only) > limit:
            out.append(f"    ... and {len(risk_only) - limit} more (--format json lists all)")
    return out


def claim_lines(result: ClaimWhyNot) -> list[str]:
    """WHY NOT for a risk owner, a red flag, a setting or the verdict."""
    if result.holds:
        out = [f"WHY NOT {result.claim}: it IS concluded."]
    else:
        out = [f"WHY NOT {result.claim}: the advice concludes {result.actual} instead."]
    if result.note:
        out.append("  " + result.note)
    fired = [c for c in result.candidates if c.fired]
    blocked = [c for c in result.candidates if not c.fired]
    if fired:
        out.append("  Rules that concluded it and fired:")
        for c in fired:
            lost = f" (overridden by the more specific or earlier rule {c.overridden_by})" if c.overridden_by else ""
            out.append(f"    {c.rule.id} [{c.rule.source}] {c.rule.title}{lost}")
    if blocked:
        out.append("  Rules that would have concluded it but did not fire (failed conditions):")
        for c in blocked:
            out.append(f"    {c.rule.id} [{c.rule.source}] {c.rule.title}")
            out.extend(f"          x {leaf}" for leaf in c.failed)
    if not result.candidates:
        out.append("  No rule in the knowledge base concludes it.")
    return out


def format_value(value: object) -> str:
    """A structuring setting's value in words (the advice tables, the memo, training): here,
    without rich, so that the memo's HTML and Markdown do not import the terminal library."""
    if isinstance(value, dict):
        if set(value) == {"min", "max"}:
            return f"{value['min']}-{value['max']} years"
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value).replace("_", " ")
