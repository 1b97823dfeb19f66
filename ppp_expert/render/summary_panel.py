"""The one-screen summary in the terminal: bottom line first, then what it rests on."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from ppp_expert.advice.summary import NUMBERS_EXPLAINED, OUTCOME_WORDS, Summary, clears_with

CONFIDENCE_STYLE = {"high": "bold green", "moderate": "bold yellow", "low": "bold red"}


def summary_panel(summary: Summary, title: str = "") -> Panel:
    """Bottom line, numbers, reasons, key risks, red flags, open questions, sensitivity."""
    s = summary
    lines: list[Text] = [Text(s.bottom_line, style="bold")]
    model = f"{s.model_title} (score {s.score:+.2f})" if s.determined else "none recommended"
    lines.append(Text.assemble(
        ("Outcome: ", "bold"), f"{OUTCOME_WORDS[s.verdict]} (certainty {s.certainty:+.2f})   ",
        ("Model: ", "bold"), model, "   ", ("Confidence: ", "bold"), (s.confidence, CONFIDENCE_STYLE[s.confidence]),
        f" (margin {s.margin:+.2f})"))
    if s.conditions:
        lines.append(Text("Conditions to meet first:" if s.verdict == "not_yet" else "Ruled out by:", style="bold"))
        for c in s.conditions:
            clear = clears_with(c)
            lines.append(Text.assemble(f"  {c.title}", (f" (clears with {clear})" if clear else "", "dim")))
    if s.fragile_on:
        lines.append(Text.assemble(("Fragile on: ", "bold"), ", ".join(s.fragile_on),
                                   " (a neighbouring answer to any of these changes the outcome)"))
    if s.reasons:
        lines.append(Text("Strongest reasons:", style="bold"))
        for r in s.reasons:
            lines.append(Text.assemble(f"  {r.weight:+.2f} ", r.reason, " ", (f"[{r.rule}]", "dim")))
    if not s.determined:
        lines.append(Text.assemble(("Risk owners: ", "bold"), "not assessed until the model is determined "
                                   "(they depend on it)."))
    elif s.key_risks:
        owners = "; ".join(f"{r.title}: {r.party}" for r in s.key_risks)
        lines.append(Text.assemble(("Risk owners that matter most: ", "bold"), owners))
    if s.red_flags:
        more = f" (and {s.more_red_flags} more with --full)" if s.more_red_flags else ""
        lines.append(Text.assemble(("Red flags: ", "bold"), "; ".join(f.title for f in s.red_flags) + more,
                                   style=""))
    else:
        lines.append(Text.assemble(("Red flags: ", "bold"), "none raised by the answers given"))
    if s.open_questions:
        shown = s.open_questions[:5]
        more = f" (+{len(s.open_questions) - len(shown)} more)" if len(s.open_questions) > len(shown) else ""
        lines.append(Text("Unanswered questions that could still change the outcome" + more + ":", style="bold"))
        for q in shown:
            lines.append(Text.assemble(f"  {q.text} ", (f"[{q.id}]", "dim")))
    if s.sensitivity:
        lines.append(Text.assemble(("Sensitivity: ", "bold"), s.sensitivity))
    lines.append(Text(NUMBERS_EXPLAINED, style="dim"))
    return Panel(Group(*lines), title=Text(title or s.case), title_align="left")
