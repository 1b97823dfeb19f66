"""The one-screen summary in the terminal: bottom line first, then what it rests on.

It must fit a terminal: at 80 columns the panel and the pointer under it stay within 24 lines for
every library case (a test checks), so each part is one line of short names (rule titles, risk
titles, question ids) that wraps at most once; the full reasons, risk mechanisms and question
texts are one `--full` (or one memo) away, and the numbers are explained there and in the glossary.
"""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from ppp_expert.advice.summary import OUTCOME_WORDS, Summary, clears_with

CONFIDENCE_STYLE = {"high": "bold green", "moderate": "bold yellow", "low": "bold red"}
#: How many names each line lists before "and N more".
SHOWN = 4


def _names(names: list[str], shown: int = SHOWN) -> str:
    more = len(names) - shown
    return "; ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def summary_panel(summary: Summary, title: str = "") -> Panel:
    """Bottom line, numbers, conditions, reasons, key risks, red flags, what could change it."""
    s = summary
    lines: list[Text] = [Text(s.bottom_line, style="bold")]
    model = f"{s.model_title} ({s.score:+.2f})" if s.determined else "none recommended"
    lines.append(Text.assemble(
        ("Outcome: ", "bold"), f"{OUTCOME_WORDS[s.verdict]} ({s.certainty:+.2f}) · ", ("Model: ", "bold"), model,
        " · ", ("Confidence: ", "bold"), (s.confidence, CONFIDENCE_STYLE[s.confidence]), f" (margin {s.margin:+.2f})"))
    clears = [clears_with(c) for c in s.conditions if clears_with(c)]
    if clears:  # the bottom line names the conditions; this says which answers would clear them
        label = "Cleared by: " if s.verdict == "not_yet" else "Would change it: "
        lines.append(Text.assemble((label, "bold"), _names(clears, 3)))
    if s.reasons:
        titles = s.reason_titles or tuple(r.rule for r in s.reasons)
        lines.append(Text.assemble(("Because: ", "bold"),
                                   _names([f"{t} ({r.weight:+.2f})" for t, r in zip(titles, s.reasons)], 3)))
    if not s.determined:
        lines.append(Text.assemble(("Risk owners: ", "bold"), "not assessed until a model is recommended."))
    elif s.key_risks:
        owners = [f"{r.title}: {r.party}" for r in s.key_risks]
        lines.append(Text.assemble(("Risk owners: ", "bold"), _names(owners, 3)))
    flags = [f.title for f in s.red_flags]
    extra = f" and {s.more_red_flags} more" if s.more_red_flags else ""
    lines.append(Text.assemble(("Red flags: ", "bold"), ("; ".join(flags) + extra) if flags else "none raised"))
    changes = [*(f"{q} (answered)" for q in s.fragile_on), *(f"{q.id}" for q in s.open_questions)]
    if changes:
        lines.append(Text.assemble(("Could change with: ", "bold"), _names(changes, 5)))
    if s.sensitivity:
        lines.append(Text.assemble(("Sensitivity: ", "bold"), s.sensitivity))
    return Panel(Group(*lines), title=Text(title or s.case), title_align="left")
