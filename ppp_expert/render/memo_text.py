"""Memo content as plain lists of text, for the renderers that build documents rather than fill
templates (Word): the section titles, the executive summary's parts and the affordability rows.
The templates (Markdown, HTML) lay out the same fields in the same order."""

from __future__ import annotations

from typing import Any

from ppp_expert.advice.affordability import Affordability
from ppp_expert.render.memo import Memo

SECTION_TITLES = ("1. Executive summary", "2. Background and strategic fit", "3. Options appraisal",
                  "4. Commercial structure and risk allocation", "5. Financial and affordability case",
                  "6. Procurement and management", "7. Sensitivity: levers and facts", "8. Assumptions",
                  "9. Next steps and approvals")
STATUS_WORDS = {"within": "yes", "exceeds": "no: exceeds", "no envelope": "unknown: no envelope",
                "no payment": "no payment stated"}


def _conditions(memo: Memo, full: bool) -> list[str]:
    out = []
    for c in memo.summary.conditions:
        clear = "; ".join(f"{q}: {' or '.join(map(str, v))}" for q, v in c.clear.items())
        out.append(c.title + (f" (clears with {clear})" if clear else "") + (f": {c.reason}" if full else ""))
    return out


def brief_parts(memo: Memo, full: bool = False) -> list[tuple[str, list[str], bool]]:
    """(heading, items, numbered) of the brief, or with ``full`` of the executive summary."""
    s = memo.summary
    model = f"{s.model_title} (score {s.score:+.2f})" if s.determined else "none recommended"
    parts: list[tuple[str, list[str], bool]] = [
        ("Decision sought", [memo.decision], False),
        ("Recommendation", [s.bottom_line, f"Outcome: {memo.verdict_words[s.verdict]} (certainty {s.certainty:+.2f})",
                            f"Confidence: {s.confidence}", f"Recommended model: {model}",
                            f"Runner-up: {s.runner_up_title or 'none'}"], False),
    ]
    if s.conditions:
        title = "Not yet: conditions to meet first" if s.verdict == "not_yet" else "Conditions that rule it out"
        parts.append((title, _conditions(memo, full), False))
    flags = [f"{f['title']}: {f['mitigation']}" if full else f["title"] for f in memo.red_flags]
    parts.append(("Red flags and their mitigations" if full else "Red flags",
                  flags or ["No red flag is raised by the answers given."], False))
    if full:
        risks = [f"{r.title} (owner: {r.party}): {r.mechanism}" for r in s.key_risks] if s.determined else [
            "Not assessed: the risk owners depend on the partnership model, which is not yet determined."]
        parts.append(("Top risks", risks, False))
        changes = [f"({x.control}) {x.text} Now {x.current_words}; at {x.switch_words}: {x.effect}."
                   for x in memo.switches[:5]]
        parts.append(("What would change the advice", changes or [memo.sweep_note], False))
    else:
        parts.append(("Next steps", memo.brief_steps, True))
    return parts


def afford_rows(a: Affordability) -> list[tuple[str, Any]]:
    """The financial section as (kind, content): 'text', 'heading' or 'table' (header row first)."""
    out: list[tuple[str, Any]] = []
    if a.given:
        where = f", as stated in {a.source}" if a.source else ""
        out.append(("text", f"Amounts in {a.currency}{where}. Every figure is the case's own; none is estimated here."))
        out.append(("table", [["Figure", "Amount"], ["Capital cost", a.capital_cost or "not stated"],
                              ["Public-sector comparator", a.comparator or "not stated"],
                              ["Shadow bid or market estimate", a.estimate or "not stated"]]))
        if a.comparison:
            out.append(("text", a.comparison))
        if a.years:
            out.append(("heading", "Payments against the budget envelope"))
            out.append(("table", [["Year", "Payments", "Envelope", "Headroom", "Within the envelope?"]] + [
                [str(y.year), y.payment or "not stated", y.envelope or "not stated", y.headroom or "",
                 STATUS_WORDS[y.status]] for y in a.years]))
            if a.total_payments:
                over = f" The payments exceed the envelope in {', '.join(map(str, a.years_over))}." \
                    if a.years_over else ""
                out.append(("text", f"Payments over the years stated: {a.total_payments}.{over}"))
        out.append(("heading", "Contingent liabilities (a fiscal commitment)"))
        if a.liabilities:
            out.append(("table", [["Guarantee or liability", "Exposure"]] + [
                [title, amount or "not quantified"] for title, amount in a.liabilities]))
            total = f": {a.liabilities_total} quantified in total" if a.liabilities_total else ""
            out.append(("text", "These are a commitment of public money if they are called, although they do not "
                                f"appear in the annual payments{total}."))
        else:
            out.append(("text", "No guarantee or other contingent liability is stated."))
    out.extend(("text", n) for n in a.notes)
    if a.missing:
        out.append(("text", "Missing from the case's figures: " + ("; ".join(a.missing) + "." if a.given
                                                                   else a.missing[0])))
    return out
