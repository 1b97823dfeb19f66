"""The terminal answer provider: rich panels out, one line of input per prompt.

Input is read with ``input()`` (through rich's ``Console.input``) rather than ``click.prompt``
so that the end of piped input (EOF) can be told apart from Ctrl-C: a script that runs out of
answers quits cleanly with the session saved, while Ctrl-C interrupts. Colour follows rich:
none when the output is not a terminal or when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ppp_expert.advice.summary import OUTCOME_WORDS
from ppp_expert.cases.money import is_money
from ppp_expert.consult.messages import (
    AdviceUpdate,
    AskContext,
    Command,
    Glossed,
    Help,
    Message,
    Note,
    Rejected,
    Reply,
    Status,
    Why,
)
from ppp_expert.consult.replies import answer_range, parse_reply
from ppp_expert.errors import EndOfInput, printable
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import Question

COMMAND_HINT = "why · help · glossary TERM · back · skip · status · quit"
MAX_LINE = 4096  # characters in one line of input (a terminal's own line limit)
MAX_WHY_RULES = 12


def money_text(millions: float) -> str:
    return f"US${millions:,.3f}".rstrip("0").rstrip(".") + " million"


def one_line(text: str) -> str:
    """The first sentence of a help text."""
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class ConsultTerminal:
    """Asks in the terminal; works the same with input piped on stdin."""

    def __init__(self, kb: KnowledgeBase, console: Console | None = None) -> None:
        self.kb = kb
        self.console = console or Console(highlight=False)
        self._shown: tuple[str, int] | None = None  # the question whose panel is on screen
        #: A person at a terminal, who can be asked mid-session whether to go on (piped input cannot).
        self.interactive = sys.stdin.isatty()

    # --------------------------------------------------------------- input
    def _read(self, prompt: str) -> str:
        """One line of input, at most MAX_LINE characters (a longer line is refused and the prompt
        comes back: a 10 MB line must not take seconds and hundreds of MB to reject)."""
        while True:
            line = self._line(prompt)
            if line is not None:  # control characters shown as escapes (no answer or command has any)
                return printable(line.strip())
            self.console.print(Text(f"That line is longer than {MAX_LINE:,} characters; type an answer, unknown, "
                                    "or a command.", style="yellow"))

    def _line(self, prompt: str) -> str | None:
        if sys.stdin.isatty():  # the terminal's line discipline bounds what one line can hold
            try:
                line = self.console.input(escape(prompt))
            except EOFError:
                self.console.print()
                raise EndOfInput from None
            return line if len(line) <= MAX_LINE else None
        self.console.print(escape(prompt), end="")
        line = sys.stdin.readline(MAX_LINE + 1)
        if not line:
            self.console.print()
            raise EndOfInput
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while (rest := sys.stdin.readline(1 << 16)) and not rest.endswith("\n"):
                pass  # the rest of the line is dropped, not kept
            self.console.print()
            return None
        line = line.rstrip("\r\n")
        # Piped input is not echoed by a terminal: echo it, so a transcript reads well, with
        # control characters shown as escapes (an ESC sequence must not reach the terminal).
        self.console.print(printable(line), highlight=False, markup=False)
        return line

    def confirm(self, text: str, default: bool = False) -> bool:
        suffix = "[Y/n]" if default else "[y/N]"
        while True:
            try:
                answer = self._read(f"{text} {suffix} ").lower()
            except EndOfInput:
                return default
            if not answer:
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.console.print("Please answer y or n.")

    def text(self, prompt: str) -> str:
        """A free-text line; empty at the end of input."""
        try:
            return self._read(f"{prompt} ")
        except EndOfInput:
            return ""

    # ------------------------------------------------------------- questions
    def ask(self, question: Question, context: AskContext) -> Reply:
        if self._shown == (question.id, context.number):
            # Back from why/help/status: a reminder line, not the whole panel again.
            self.console.print(Text.assemble((f"Question {context.number}: ", "bold"), question.text, " ",
                                             (f"[{question.id}]", "dim")))
        else:
            self.console.print(self._panel(question, context))
            self._shown = (question.id, context.number)
        choices = list(question.answers)
        while True:
            if question.type == "choice":
                prompt = f"Answer [1-{len(choices)}, a value, unknown or a command]: "
            else:
                prompt = f"Answer [{self._range(question)}, unknown or a command]: "
            line = self._read(prompt)
            reply, problem = self.parse(question, line)
            if problem is None:
                if is_money(question.id) and isinstance(reply, float):
                    self.console.print(Text(f"  Read as {money_text(reply)}.", style="dim"))
                if not isinstance(reply, (Command, Glossed)) or reply in (Command.BACK, Command.QUIT):
                    self._shown = None  # the next question (or this one again after back) gets its panel
                return reply
            self.console.print(Text(problem, style="yellow"))

    @staticmethod
    def parse(question: Question, line: str) -> tuple[Any, str | None]:
        """(reply, None) or (None, a retry message): see ``replies.parse_reply``."""
        return parse_reply(question, line)

    @staticmethod
    def _range(question: Question) -> str:
        return answer_range(question)

    def _panel(self, question: Question, context: AskContext) -> Panel:
        parts: list[Any] = [Text(question.text, style="bold"), Text(one_line(question.help), style="dim")]
        if question.type == "choice":
            table = Table.grid(padding=(0, 1))
            table.add_column(justify="right", style="cyan")
            table.add_column(style="bold")
            table.add_column()
            for i, (value, meaning) in enumerate(question.answers.items(), 1):
                table.add_row(f"{i}", value, meaning)
            table.add_row("", "unknown", "not known yet")
            parts.append(table)
        elif is_money(question.id):
            parts.append(Text(f"Type {self._range(question)} in US$ millions, or with a unit (18 million, $18m, "
                              "1.2bn, 750k), or unknown."))
        else:
            parts.append(Text(f"Type {self._range(question)}, or unknown."))
        parts.append(Text(f"Commands: {COMMAND_HINT}", style="dim"))
        stage = "risk owners and red flags" if context.refining else f"at most {context.remaining} to go"
        title = f"Question {context.number} · {question.phase} · {stage}"
        return Panel(Group(*parts), title=title, title_align="left", subtitle=question.id, subtitle_align="right")

    # -------------------------------------------------------------- messages
    def show(self, message: Message) -> None:
        if isinstance(message, Why):
            self._why(message)
        elif isinstance(message, Help):
            self._help(message)
        elif isinstance(message, Status):
            self._status(message)
        elif isinstance(message, AdviceUpdate):
            self._advice(message)
        elif isinstance(message, Glossed):
            self._glossed(message)
        elif isinstance(message, (Note, Rejected)):
            self.console.print(Text(message.text, style="yellow"))

    def _glossed(self, g: Glossed) -> None:
        if g.definition:
            lines: list[Any] = [Text(g.term, style="bold"), Text(g.definition)]
            if g.why_it_matters:
                lines.append(Text(g.why_it_matters, style="dim"))
            self.console.print(Panel(Group(*lines), title="Glossary", title_align="left"))
        elif g.term:
            near = f" Nearest: {', '.join(g.suggestions)}." if g.suggestions else ""
            self.console.print(Text(f"No glossary entry for '{printable(g.term)}'.{near}", style="yellow"))
        else:
            self.console.print(Text("Type glossary and a term, e.g. glossary availability payment.", style="yellow"))

    def _why(self, why: Why) -> None:
        if not why.detail:
            self._why_plain(why)
            return
        lines: list[Any] = []
        if why.refining:
            lines.append(Text("The advice is settled; this answer only refines it. Open rules that read it:"))
        else:
            changes: dict[str, int] = {}
            for r in why.reasons:
                for change in r.changes:
                    changes[change] = changes.get(change, 0) + 1
            lines.append(Text("This answer can still change " + "; ".join(
                f"{c} ({n} rule{'s' if n != 1 else ''})" for c, n in changes.items()) + "."))
        for r in why.reasons[:MAX_WHY_RULES]:
            via = f" (through {', '.join(r.via)})" if r.via else ""
            lines.append(Text.assemble(("• ", "cyan"), (r.rule, "bold"), f" [{r.source}]{via}: ",
                                       "; ".join(r.could)))
        hidden = len(why.reasons) - MAX_WHY_RULES
        if hidden > 0:
            lines.append(Text(f"… and {hidden} more rule{'s' if hidden != 1 else ''}.", style="dim"))
        if not why.reasons:
            lines.append(Text("No open rule reads it any more."))
        self.console.print(Panel(Group(*lines), title=f"Why ask {why.question.id}?", title_align="left"))

    def _why_plain(self, why: Why) -> None:
        """Why an adviser asks this, and what the answer can still change, with no rule ids."""
        lines: list[Any] = []
        if why.decides:
            lines.append(Text(why.decides, style="bold"))
        if why.because:
            lines.append(Text(" ".join(why.because.split())))
        changes: list[str] = []
        for r in why.reasons:
            for change in r.changes:
                if change not in changes:
                    changes.append(change)
        if why.refining or not changes:
            lines.append(Text("The advice is already settled; your answer can still refine its details.", style="dim"))
        else:
            shown = changes[:5] + ([f"{len(changes) - 5} more outcomes"] if len(changes) > 5 else [])
            lines.append(Text("Your answer can still change " + "; ".join(shown) + ".", style="bold"))
        lines.append(Text("Type 'why detail' for the rules behind this.", style="dim"))
        self.console.print(Panel(Group(*lines), title=f"Why I ask: {why.question.text}", title_align="left"))

    def _help(self, help_: Help) -> None:
        q = help_.question
        lines: list[Any] = [Text(q.text, style="bold"), Text(" ".join(q.help.split()))]
        if q.type == "choice":
            for value, meaning in q.answers.items():
                lines.append(Text.assemble(("  " + value, "bold"), f": {meaning}"))
        for title, body in help_.primer:
            lines.append(Text(f"\n{title}", style="cyan"))
            lines.append(Text(" ".join(body.split())))
        cited = ", ".join(f"{p.title} [{p.section}]" for p in help_.passages)
        if cited:
            lines.append(Text(f"\nSee the guide: {cited}.", style="dim"))
        self.console.print(Panel(Group(*lines), title=f"Help: {q.id}", title_align="left"))

    def _status(self, s: Status) -> None:
        verdict = s.verdicts[0] if len(s.verdicts) == 1 else "still open (" + " or ".join(s.verdicts) + ")"
        lines = [
            Text(f"Answered {s.answered}; at most {s.needed} more questions can change the advice."),
            Text(f"Verdict: {verdict}."),
            Text(f"Leading model: {s.leader_title} (score {s.leader_score:+.2f} from the answers so far; "
                 f"could still end between {s.score_range[0]:+.2f} and {s.score_range[1]:+.2f})."),
        ]
        if len(s.models) > 1:
            lines.append(Text("Still possible: " + ", ".join(s.models), style="dim"))
        if s.open_targets:
            shown = ", ".join(s.open_targets[:6])
            if len(s.open_targets) > 6:
                shown += f" and {len(s.open_targets) - 6} more"
            lines.append(Text(f"Still open: {shown}.", style="dim"))
        self.console.print(Panel(Group(*lines), title="Status", title_align="left"))

    def _advice(self, a: AdviceUpdate) -> None:
        """Interim: one line, each time it changes. Settled: a short panel saying nothing left can change it."""
        outcome = OUTCOME_WORDS.get(a.verdict, a.verdict) + (f" · {a.model_title}" if a.model_title else "")
        if a.stage == "interim":
            flip = ""
            if a.could_flip:
                shown = ", ".join(a.could_flip[:3]) + (f" and {len(a.could_flip) - 3} more" if len(a.could_flip) > 3
                                                       else "")
                flip = f" · could change with: {shown}"
            self.console.print(Text.assemble(("Advice so far: ", "bold cyan"), outcome,
                                             f" · confidence {a.confidence}{flip}"), soft_wrap=False)
            return
        asked = f"{a.asked} question{'s' if a.asked != 1 else ''} ({a.answered} answers in all)"
        text = (f"Settled after {asked}: {outcome}, confidence {a.confidence}. No answer to a question not yet "
                "asked can change the outcome or the model.")
        if a.reopen:
            shown = ", ".join(a.reopen[:4]) + (f" and {len(a.reopen) - 4} more" if len(a.reopen) > 4 else "")
            text += f" Finding out what you answered unknown could still change it: {shown}."
        if a.refinable:
            text += (f" Up to {a.refinable} more question{'s' if a.refinable != 1 else ''} would settle the risk "
                     "owners and red flags.")
        self.console.print(Panel(Text(text), title="Settled", title_align="left", border_style="green"))
