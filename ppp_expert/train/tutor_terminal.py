"""The terminal provider: rich panels out, one typed line in per prompt.

As in ``ppp-expert ask``: input is read with ``input()`` (through rich) so that the end of piped
input can be told from Ctrl-C; piped answers are echoed so a transcript reads well; colour is
off on a pipe, with ``NO_COLOR`` or with ``--no-color``. Everything taken from a file (titles,
narratives) is printed as text, never as rich markup.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ppp_expert.errors import EndOfInput
from ppp_expert.render.glossary_panels import term_panel
from ppp_expert.train import events as ev
from ppp_expert.train.feedback import ClaimFeedback, Feedback

MARKS = {"right": ("✔", "green"), "partly right": ("½", "yellow"), "wrong": ("✘", "red"), "skipped": ("–", "dim")}


class TutorTerminal:
    interactive = True

    def __init__(self, console: Console) -> None:
        self.console = console

    # ------------------------------------------------------------------ input
    def read(self, prompt: str) -> str:
        try:
            line = self.console.input(escape(prompt))
        except EOFError:
            self.console.print()
            raise EndOfInput from None
        if not sys.stdin.isatty():
            self.console.print(Text(line))
        return line

    # ------------------------------------------------------------------ output
    def show(self, event: ev.Event) -> None:
        # One table from event class to its drawing (not the class's name: a rename must not
        # silently stop an event from being shown).
        handler = _DRAW.get(type(event))
        if handler is not None:
            handler(self, event)

    def _note(self, e: ev.NoteShown) -> None:
        self.console.print(Text(e.text, style=e.style))

    def _retry(self, e: ev.Retry) -> None:
        self.console.print(Text(e.message, style="yellow"))

    def _brief(self, e: ev.Brief) -> None:
        parts: list[Any] = []
        if e.scenario:
            parts.append(Text(e.scenario))
        for group in e.facts:
            parts.append(Text(f"\n{group.title}", style="bold"))
            for line in group.lines:
                parts.append(Text(f"• {line}"))
        if e.unknown:
            parts.append(Text(f"\nNot known yet: {len(e.unknown)} question{'s' if len(e.unknown) != 1 else ''} "
                              f"({', '.join(e.unknown[:6])}"
                              f"{' …' if len(e.unknown) > 6 else ''}).", style="dim"))
        if e.steps:
            parts.append(Text("\nYou will decide: " + " · ".join(f"{i}. {s}" for i, s in enumerate(e.steps, 1)),
                              style="cyan"))
        self.console.print(Panel(Group(*parts), title=Text(f"Case: {e.title}"), title_align="left",
                                 subtitle=f"{e.level} case", subtitle_align="right"))

    def _ask(self, e: ev.Ask) -> None:
        p = e.item.prompt
        parts: list[Any] = []
        for line in p.context:
            parts.append(Text(line, style="italic"))
        parts.append(Text(p.question, style="bold"))
        if p.kind == "matrix":
            rows = Table.grid(padding=(0, 1))
            rows.add_column(style="cyan")
            rows.add_column()
            for i, row in enumerate(p.rows, 1):
                rows.add_row(f"{i}.", row.label)
            parts.append(rows)
            parts.append(Text("For each: " + ", ".join(f"{i} {c.label}" for i, c in enumerate(p.choices, 1)),
                              style="cyan"))
        else:
            table = Table.grid(padding=(0, 1))
            table.add_column(justify="right", style="cyan")
            table.add_column(style="bold")
            table.add_column(style="dim")
            for i, c in enumerate(p.choices, 1):
                table.add_row(str(i), Text(c.label), Text(c.detail))
            parts.append(table)
        hint = ("no hints in an exam · skip · quit" if e.exam
                else "hint · why · brief · glossary TERM · primer · guide · skip · quit")
        parts.append(Text(f"Commands: {hint}", style="dim"))
        title = f"{e.number} of {e.total} · {p.title}"
        if e.seconds_left is not None:
            title += f" · {int(e.seconds_left // 60)}:{int(e.seconds_left % 60):02d} left"
        self.console.print(Panel(Group(*parts), title=Text(title), title_align="left",
                                 subtitle=Text(e.item.topic), subtitle_align="right"))

    def _askrow(self, e: ev.AskRow) -> None:
        self.console.print(Text.assemble((f"{e.number}/{e.total} ", "cyan"), (e.row.label, "bold"),
                                         (f" — {e.row.detail}" if e.row.detail else "", "dim")))

    def _lines(self, e: ev.Lines) -> None:
        style = {"hint": "yellow", "why": "cyan", "help": "dim", "brief": "dim", "primer": "cyan",
                 "guide": "cyan"}.get(e.role, "")
        body = Group(*(Text(("• " if e.role == "hint" else "") + line) for line in e.lines))
        self.console.print(Panel(body, title=e.title, title_align="left", border_style=style))

    def _term(self, e: ev.TermShown) -> None:
        self.console.print(term_panel(e.term, e.see_also))

    def _graded(self, e: ev.Graded) -> None:
        if e.exam:
            self.console.print(Text("Answer recorded." if e.recorded else "Already answered earlier.", style="dim"))
            return
        mark, style = MARKS[e.grade.verdict]
        head = {"right": "Right.", "partly right": f"Partly right ({e.grade.score:.0%}).",
                "wrong": "Not right.", "skipped": "Skipped."}[e.grade.verdict]
        self.console.print(Text(f"{mark} {head}", style=f"bold {style}"))
        if e.feedback is None:
            return
        many = len(e.feedback.claims) > 1
        for c in e.feedback.claims:
            if c.verdict == "right" and many:
                continue
            if c.verdict == "right":
                continue
            m, s = MARKS[c.verdict]
            label = f"{c.label}: " if many else ""
            note = f" — {c.note}" if c.note else ""
            said = c.given if e.item.prompt.kind == "multi" else f"you said {c.given}"
            self.console.print(Text(f"  {m} {label}{said}{note}", style=s))

    def _level(self, e: ev.Level) -> None:
        fb = e.feedback
        claims = fb.to_fix or fb.claims
        if e.level == "hint":
            lines = []
            for c in claims:
                prefix = f"{c.label}: " if len(fb.claims) > 1 else ""
                lines.append(Text(prefix + (_join(c.hint) if c.hint else "weigh the whole brief.")))
            self.console.print(Panel(Group(*lines), title="Hint: what matters here", title_align="left",
                                     border_style="yellow"))
        elif e.level == "more":
            for c in claims:
                self.console.print(self._more(c, fb, e.item.type, len(fb.claims) > 1))
        elif e.level == "answer":
            lines = [Text(c.answer) for c in fb.claims]
            self.console.print(Panel(Group(*lines), title="The engine's answer", title_align="left",
                                     border_style="green"))

    def _more(self, c: ClaimFeedback, fb: Feedback, item_type: str, many: bool) -> Panel:
        parts: list[Any] = []
        reason_word = "Mitigation" if item_type == "red_flags" else "Reason"
        w = c.why_not
        for r in c.rules:
            if w is not None and not r.fired and w.rule == r.rule:
                continue  # the WHY-NOT below says the same about this rule
            parts.append(Text.assemble(("Rule ", "bold"), (r.rule, "bold cyan"), f" — {r.title}"))
            parts.append(Text(f"{reason_word}: {r.reason}"))
            if r.fired and r.facts:
                parts.append(Text("Fired because in this case: " + _join(r.facts)))
            elif not r.fired and r.failed:
                parts.append(Text("Did not fire here: " + _join(r.failed)))
            parts.append(Text(f"Guide: {r.section_title} [{r.section}]", style="dim"))
        if w is not None:
            parts.append(Text(f"{chr(10) if len(parts) else ''}Why not {w.claim}?", style="bold yellow"))
            if w.overridden_by:
                parts.append(Text(f"Rule {w.rule} ({w.title}) says so too, but the more specific rule "
                                  f"{w.overridden_by} wins."))
            elif w.failed:
                parts.append(Text(f"Rule {w.rule} ({w.title}) would support it, but: " + _join(w.failed)))
            if w.against:
                parts.append(Text(f"Against it: {w.against}"))
            parts.append(Text(f"Guide: {w.section_title} [{w.section}]", style="dim"))
        if c.terms:
            parts.append(Text("Glossary: " + ", ".join(c.terms) + " (type glossary TERM)", style="dim"))
        title = f"The deciding rule{': ' + c.label if many else ''}"
        return Panel(Group(*parts), title=Text(title), title_align="left", border_style="cyan")

    def _summary(self, e: ev.ExerciseSummary) -> None:
        table = Table(title=e.title, expand=False)
        table.add_column("Item")
        table.add_column("Result")
        table.add_column("Score", justify="right")
        for title, result, score in e.rows:
            mark, style = MARKS.get(result, ("", ""))
            table.add_row(Text(title), Text(f"{mark} {result}", style=style), f"{score:.0%}")
        table.add_row(Text("Total", style="bold"), "", Text(f"{e.score:.0%}", style="bold"))
        self.console.print(table)
        if e.topics:
            for topic, score, n in e.topics:
                self.console.print(Text(f"  {topic}: {score:.0%} ({n} item{'s' if n != 1 else ''})"))
        if e.passed is not None:
            verdict = "PASSED" if e.passed else "NOT PASSED"
            self.console.print(Text(f"{verdict}: {e.score:.0%} against a pass mark of {e.pass_mark:.0%}.",
                                    style="bold green" if e.passed else "bold red"))
        if e.note:
            self.console.print(Text(e.note, style="dim"))


def _debrief(self: TutorTerminal, e: ev.Debrief) -> None:
    for n, entry in enumerate(e.entries, 1):
        mark, style = MARKS.get(entry.result, ("", ""))
        lines = [Text(f"Right answer: {entry.answer}")]
        lines += [Text(f"Rule {title} [{rule}]: {why}", style="dim") for rule, title, why in entry.rules]
        if entry.sections:
            lines.append(Text("Guide: " + "; ".join(f"{t} [{s}]" for s, t in entry.sections)))
        self.console.print(Panel(Group(*lines), title=f"{n}. {entry.title} · {mark} {entry.result} "
                                                        f"({entry.score:.0%})", title_align="left",
                                 border_style=style or "dim"))


_DRAW: dict[type, Callable[[TutorTerminal, Any], None]] = {
    ev.Debrief: _debrief,
    ev.NoteShown: TutorTerminal._note, ev.Retry: TutorTerminal._retry, ev.Brief: TutorTerminal._brief,
    ev.Ask: TutorTerminal._ask, ev.AskRow: TutorTerminal._askrow, ev.Lines: TutorTerminal._lines,
    ev.TermShown: TutorTerminal._term, ev.Graded: TutorTerminal._graded, ev.Level: TutorTerminal._level,
    ev.ExerciseSummary: TutorTerminal._summary,
}


def _join(lines: tuple[str, ...] | list[str]) -> str:
    """Statements joined into one line ("A; B; C.")."""
    return "; ".join(line.rstrip(". ") for line in lines) + "."
