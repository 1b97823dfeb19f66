"""What a line typed at a question means: an answer, ``unknown``, a command or a glossary look-up.

One grammar for every front end (the terminal and the JSON-lines protocol), so an answer means the
same wherever it is typed.
"""

from __future__ import annotations

import difflib
from typing import Any

from ppp_expert.cases.money import AmbiguousAmount, is_money, parse_millions
from ppp_expert.consult.messages import Command, Glossed
from ppp_expert.kb.schema import Question

COMMAND_WORDS = {c.value: c for c in Command} | {"?": Command.HELP, "exit": Command.QUIT,
                                                 "why detail": Command.WHY_DETAIL}


def parse_reply(question: Question, line: str) -> tuple[Any, str | None]:
    """(reply, None) or (None, a retry message): a choice by number, value or unambiguous prefix; a
    number (an amount with its unit); unknown; a command; ``glossary TERM``."""
    word = line.strip()
    lowered = word.lower()
    if not word:
        return None, "Please type an answer, unknown, or a command (why, help, back, skip, status, quit)."
    if lowered in COMMAND_WORDS:
        return COMMAND_WORDS[lowered], None
    if lowered.startswith("glossary"):
        return glossed(word[len("glossary"):].strip()), None
    if lowered == "unknown":
        return "unknown", None
    if question.type == "choice":
        choices = list(question.answers)
        if word.isdigit():
            n = int(word)
            if 1 <= n <= len(choices):
                return choices[n - 1], None
            return None, f"There is no answer {n}: type a number from 1 to {len(choices)}, a value, or unknown."
        if lowered in question.answers:
            return lowered, None
        starts = [c for c in choices if c.startswith(lowered)]
        if len(starts) == 1:
            return starts[0], None
        close = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return None, f"'{word}' is not an answer here.{hint} Type 1-{len(choices)}, one of: {', '.join(choices)}."
    if is_money(question.id):
        try:
            amount = parse_millions(word)
        except AmbiguousAmount as exc:
            return None, f"{exc}."
        if amount is None:
            return None, (f"'{word}' is not an amount: type US$ millions (18), or with a unit "
                          f"(18 million, $18m, 1.2bn, 750k), or unknown.")
        value: Any = amount[0]
    else:
        try:
            value = float(word.replace(",", ""))
        except ValueError:
            return None, f"'{word}' is not a number: type {answer_range(question)}, or unknown."
    if question.type == "integer":
        if value != int(value):
            return None, f"'{word}' is not a whole number: type {answer_range(question)}, or unknown."
        value = int(value)
    if (question.min is not None and value < question.min) or (question.max is not None and value > question.max):
        return None, f"{word} is out of range: type {answer_range(question)}, or unknown."
    return value, None


def glossed(text: str) -> Glossed:
    """The glossary entry for ``text``, or the names nearest to it."""
    from ppp_expert.content.texts import ContentError, glossary

    try:
        book = glossary()
    except ContentError as exc:
        return Glossed(text, suggestions=(), definition=f"The glossary cannot be read: {exc.one_line()}")
    term = book.find(text) if text else None
    if term is None:
        return Glossed(text, suggestions=tuple(book.suggestions(text) if text else ()))
    return Glossed(term.term, term.definition, term.why_it_matters)


def answer_range(question: Question) -> str:
    """'a number from 0 to 100', as prompts and retry messages say it."""
    kind = "a whole number" if question.type == "integer" else "a number"
    if question.min is not None and question.max is not None:
        return f"{kind} from {question.min:g} to {question.max:g}"
    return kind
