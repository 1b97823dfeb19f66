"""Read what a trainee types: a command, or an answer shaped for the prompt's kind.

The same words work in the terminal and through ``--format json`` (a learning platform sends
the lines a trainee would type). An answer is a choice's number, its value or a unique start of
its value or label; several answers are separated by spaces or commas. Anything else gets one
line saying what was expected, with a "did you mean".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from ppp_expert.train.items import Choice, Prompt

COMMANDS = ("hint", "why", "brief", "skip", "quit", "help", "glossary", "primer", "guide")
#: Commands that take the rest of the line as an argument.
WITH_ARGUMENT = ("glossary", "primer", "guide")
ALIASES = {"?": "help", "exit": "quit", "h": "hint"}
FEEDBACK_COMMANDS = ("hint", "more", "answer", "glossary", "primer", "guide", "quit", "help")
SEPARATORS = re.compile(r"[\s,;>]+")


@dataclass(frozen=True)
class TraineeCommand:
    name: str
    argument: str = ""


class AnswerError(ValueError):
    """What was typed is not an answer here; the message says what is expected."""


def command(line: str, allowed: tuple[str, ...] = COMMANDS) -> TraineeCommand | None:
    """The command a line is, if it is one of ``allowed``."""
    word, _, rest = line.strip().partition(" ")
    name = ALIASES.get(word.lower(), word.lower())
    if name in allowed and (name in WITH_ARGUMENT or not rest.strip()):
        return TraineeCommand(name, rest.strip())
    return None


def choice_of(token: str, choices: tuple[Choice, ...]) -> str:
    """The value a token names: a number, a value, or a unique start of a value or a label."""
    text = token.strip()
    lowered = text.lower()
    if text.isdigit():
        n = int(text)
        if 1 <= n <= len(choices):
            return choices[n - 1].value
        raise AnswerError(f"There is no choice {n}: type a number from 1 to {len(choices)}.")
    for c in choices:
        if lowered in (c.value.lower(), c.label.lower()):
            return c.value
    starts = {c.value for c in choices if c.value.lower().startswith(lowered) or c.label.lower().startswith(lowered)}
    if len(starts) == 1:
        return starts.pop()
    names = [c.value for c in choices]
    close = difflib.get_close_matches(lowered, [n.lower() for n in names], n=1, cutoff=0.6)
    hint = f" Did you mean '{next(n for n in names if n.lower() == close[0])}'?" if close else ""
    ambiguous = " It starts several choices." if len(starts) > 1 else ""
    raise AnswerError(f"'{text}' is not a choice here.{ambiguous}{hint} Type a number from 1 to {len(choices)}.")


def tokens(line: str) -> list[str]:
    return [t for t in SEPARATORS.split(line.strip()) if t]


def answer(prompt: Prompt, line: str) -> Any:
    """Parse an answer for a single, rank, multi or order prompt (a matrix is read row by row)."""
    text = line.strip()
    if not text:
        raise AnswerError("Please type an answer or a command (hint, why, skip, quit, help).")
    n = len(prompt.choices)
    if prompt.kind == "single":
        return choice_of(text, prompt.choices)
    if prompt.kind == "rank":
        picked = [choice_of(t, prompt.choices) for t in tokens(text)]
        if len(picked) > 2 or (len(picked) == 2 and picked[0] == picked[1]):
            raise AnswerError("Type one choice, or two different ones: your best, then your runner-up (e.g. '2 1').")
        return picked
    if prompt.kind == "multi":
        if text.lower() in ("none", "0", "-"):
            return []
        picked = []
        for t in tokens(text):
            value = choice_of(t, prompt.choices)
            if value not in picked:
                picked.append(value)
        return picked
    if prompt.kind == "order":
        picked = [choice_of(t, prompt.choices) for t in tokens(text)]
        if len(picked) != n or len(set(picked)) != n:
            example = " ".join(str(i) for i in range(n, 0, -1))
            raise AnswerError(f"Type all {n} numbers once each, first to last (e.g. '{example}').")
        return picked
    raise AnswerError(f"prompt kind {prompt.kind!r} is answered row by row")


def row_answer(prompt: Prompt, line: str) -> str:
    """One row of a matrix prompt: one of the columns (the choices)."""
    text = line.strip()
    if not text:
        raise AnswerError("Please type an answer or a command (hint, why, skip, quit, help).")
    return choice_of(text, prompt.choices)
