"""What the tutor asks and how it knows the answer: an item is a public prompt plus a private key.

The prompt is everything a trainee (or a learning platform through ``--format json``) may see
before answering; the key holds the expected answer and what backs it: the rules that decide
it, the facts of the case that made them fire, and the defensible alternatives that earn
partial credit. Keeping the two apart means a prompt can be serialised whole without ever
leaking the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Prompt kinds: one choice; one choice optionally followed by a runner-up; several choices;
#: one choice per row (risk owners); an order of all choices.
KINDS = ("single", "rank", "multi", "matrix", "order")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class MatrixRow:
    """One line of a matrix prompt (a risk whose owner is asked)."""

    key: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Prompt:
    """What is shown before the answer: never the answer, never the case's expected outcomes."""

    kind: str
    title: str
    question: str
    choices: tuple[Choice, ...]
    rows: tuple[MatrixRow, ...] = ()
    context: tuple[str, ...] = ()  # a described situation (item banks) or notes, one line each

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "title": self.title, "question": self.question,
                                "choices": [{"number": i, "value": c.value, "label": c.label}
                                            for i, c in enumerate(self.choices, 1)]}
        if self.rows:
            data["rows"] = [{"key": r.key, "label": r.label} for r in self.rows]
        if self.context:
            data["context"] = list(self.context)
        return data


@dataclass(frozen=True)
class Backing:
    """A rule behind an answer, with the facts of the case that made it fire (empty if it did not)."""

    rule: str
    facts: tuple[str, ...] = ()
    #: What this rule concludes about the item, in a word (a party, a value, +0.4 for a model ...).
    says: str = ""


@dataclass(frozen=True)
class Alternative:
    """A defensible answer other than the engine's: partial credit, and why it is defensible."""

    value: str
    credit: float
    why: str
    rule: str | None = None


@dataclass(frozen=True)
class Claim:
    """What one graded unit (the whole step, a row, an option) expects, and what backs it."""

    key: str                      # "" for a single-answer item, else the row or option key
    label: str
    expected: Any                 # a value; True/False for a multi option; a list for an order
    deciding: tuple[Backing, ...]
    alternatives: tuple[Alternative, ...] = ()
    answer_text: str = ""         # the engine's answer in words (with its ranking where there is one)


@dataclass(frozen=True)
class Item:
    """One gradable item: a case step or a generated bank item."""

    id: str                       # stable: names its rows; the learner model and the review cards key on it
    type: str                     # case step (verdict, model, risks, red_flags, setting) or bank type
    topic: str
    sections: tuple[str, ...]
    prompt: Prompt
    claims: tuple[Claim, ...]
    case: str | None = None       # the case it comes from (the witness the engine solved)
    difficulty: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule that decides a claim of this item (the learner model's per-rule mastery)."""
        seen: dict[str, None] = {}
        for claim in self.claims:
            for b in claim.deciding:
                seen.setdefault(b.rule, None)
        return tuple(seen)
