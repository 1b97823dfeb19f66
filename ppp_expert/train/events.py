"""What the tutor tells its answer provider: one small class per kind of message.

The terminal renders them with rich; ``--format json`` writes each as one JSON line, so a
learning platform can follow a session and drive it with the same lines a trainee types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ppp_expert.train.brief import FactGroup
from ppp_expert.train.feedback import Feedback
from ppp_expert.train.grading import Grade
from ppp_expert.train.items import Item, MatrixRow


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str] = "event"

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind}


@dataclass(frozen=True)
class NoteShown(Event):
    kind: ClassVar[str] = "note"
    text: str
    style: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "text": self.text}


@dataclass(frozen=True)
class Brief(Event):
    """The scenario: title, story (outcome words withheld), the facts, what will be asked."""

    kind: ClassVar[str] = "brief"
    case: str
    title: str
    level: str
    scenario: str
    facts: tuple[FactGroup, ...]
    steps: tuple[str, ...]
    unknown: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "case": self.case, "title": self.title, "level": self.level,
                "scenario": self.scenario, "facts": {g.title: list(g.lines) for g in self.facts},
                "steps": list(self.steps), "unknown": list(self.unknown)}


@dataclass(frozen=True)
class Ask(Event):
    """An item to answer (shown once; a matrix then asks its rows one by one)."""

    kind: ClassVar[str] = "prompt"
    item: Any   # an Item, or a asking.Pending (same id, type, topic, sections, prompt)
    number: int
    total: int
    exam: bool = False
    seconds_left: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind, "item": self.item.id, "type": self.item.type, "topic": self.item.topic,
                "sections": list(self.item.sections), "number": self.number, "total": self.total,
                **self.item.prompt.to_json()}
        if self.seconds_left is not None:
            data["seconds_left"] = round(self.seconds_left)
        return data


@dataclass(frozen=True)
class AskRow(Event):
    kind: ClassVar[str] = "row"
    item: Any
    row: MatrixRow
    number: int
    total: int

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "item": self.item.id, "row": self.row.key, "label": self.row.label,
                "number": self.number, "total": self.total}


@dataclass(frozen=True)
class Retry(Event):
    kind: ClassVar[str] = "retry"
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "message": self.message}


@dataclass(frozen=True)
class Lines(Event):
    """A hint before answering, the 'why' of a step, help on commands, a primer or guide page."""

    kind: ClassVar[str] = "lines"
    title: str
    lines: tuple[str, ...]
    role: str = "hint"   # hint | why | help | brief | primer | guide

    def to_json(self) -> dict[str, Any]:
        return {"event": self.role, "title": self.title, "lines": list(self.lines)}


@dataclass(frozen=True)
class TermShown(Event):
    kind: ClassVar[str] = "glossary"
    term: Any
    see_also: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        t = self.term
        return {"event": self.kind, "term": t.term, "id": t.id, "definition": t.definition,
                "why_it_matters": t.why_it_matters, "see_also": list(self.see_also), "sources": list(t.sources)}


@dataclass(frozen=True)
class Graded(Event):
    """A graded answer: the result and which items were not right (level 1); every other level
    travels with it in ``--format json``."""

    kind: ClassVar[str] = "graded"
    item: Item
    grade: Grade
    feedback: Feedback | None
    answer: Any
    hints: int
    seconds: float
    recorded: bool
    exam: bool = False
    context: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind, **self.context, "item": self.item.id, "type": self.item.type,
                "case": self.item.case, "topic": self.item.topic, "sections": list(self.item.sections),
                "rules": list(self.item.rules), "answer": self.answer, "result": self.grade.verdict,
                "score": self.grade.score, "hints": self.hints, "seconds": round(self.seconds, 1),
                "recorded": self.recorded}
        if not self.exam:
            data["claims"] = [{"key": c.key, "label": c.label, "given": c.given, "expected": c.expected,
                               "score": c.score, "note": c.note,
                               "accepted": [{"value": a.value, "credit": a.credit} for a in claim.alternatives]}
                              for c, claim in zip(self.grade.claims, self.item.claims)]
            if self.feedback is not None:
                data["feedback"] = self.feedback.to_json()
        return data


@dataclass(frozen=True)
class Level(Event):
    """One level of feedback asked for after grading: hint, more or answer."""

    kind: ClassVar[str] = "feedback"
    level: str
    item: Item
    feedback: Feedback

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "level": self.level, "item": self.item.id, "feedback": self.feedback.to_json()}


@dataclass(frozen=True)
class ExerciseSummary(Event):
    """The end of an exercise: each item's result and the overall score."""

    kind: ClassVar[str] = "summary"
    title: str
    rows: tuple[tuple[str, str, float], ...]   # (item title, result, score)
    score: float
    finished: bool
    note: str = ""
    passed: bool | None = None
    pass_mark: float | None = None
    topics: tuple[tuple[str, float, int], ...] = ()   # exam: (topic, score, items)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.kind, "title": self.title, "score": self.score,
                                "finished": self.finished,
                                "items": [{"title": t, "result": r, "score": s} for t, r, s in self.rows]}
        if self.note:
            data["note"] = self.note
        if self.passed is not None:
            data.update(passed=self.passed, pass_mark=self.pass_mark,
                        topics={t: {"score": s, "items": n} for t, s, n in self.topics})
        return data


@dataclass(frozen=True)
class DebriefEntry:
    """One exam item after the exam: the right answer, the deciding rules in plain words, the guide."""

    title: str
    result: str
    score: float
    answer: str
    rules: tuple[tuple[str, str, str], ...]     # (rule id, title, why in plain words)
    sections: tuple[tuple[str, str], ...]       # (section id, title)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "result": self.result, "score": self.score, "answer": self.answer,
                "rules": [{"rule": r, "title": t, "why": w} for r, t, w in self.rules],
                "sections": [{"section": s, "title": t} for s, t in self.sections]}


@dataclass(frozen=True)
class Debrief(Event):
    """The feedback an exam withholds until its end, one entry per item."""

    kind: ClassVar[str] = "debrief"
    entries: tuple[DebriefEntry, ...]

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind, "items": [e.to_json() for e in self.entries]}
