"""Trainer-authored content: items a trainer writes, and overrides of the engine's items (a key,
answers also accepted, a note for the feedback, an item retired), from a YAML file stored in the
training database (`ppp-expert train add-items FILE`).

The file is read safely and validated like the knowledge base: unknown fields, wrong types, an
answer that is not one of the item's choices, an unknown topic or guide section are one-line
errors naming the file and the field. Nothing in it is evaluated. Example::

    items:
      - id: gateway-review                 # asked as trainer/gateway-review
        topic: governance
        sections: [governance]
        question: Who chairs the gateway review before contract award?
        context: [A county is about to sign a ten-year managed-service contract.]
        choices: {sro: The senior responsible owner, bidder: The preferred bidder, auditor: The external auditor}
        answer: sro
        accept: {auditor: 0.5}             # partial (or full) credit for another answer
        feedback: The owner answers for the business case; the review reports to them.
    overrides:
      - item: case/gauteng-e-tolls/verdict # an item id; * matches any run of characters
        accept: {traditional: 1.0}
        note: Our programme accepts either reading of this case.
      - item: ar/*/risk.obsolescence.*
        retire: true
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ppp_expert.errors import PPPExpertError
from ppp_expert.kb.schema import GUIDE_SECTIONS
from ppp_expert.train.feedback import ClaimFeedback, Feedback
from ppp_expert.train.grading import Grade
from ppp_expert.train.items import Alternative, Choice, Claim, Item, Prompt
from ppp_expert.train.step_parts import CURRICULUM_TOPICS
from ppp_expert.yaml_io import decode, parse_text

TRAINER_PREFIX = "trainer/"
SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"


class AuthoredError(PPPExpertError):
    """A trainer's content file that cannot be used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthoredItem(_Strict):
    id: str = Field(pattern=SLUG)
    topic: str
    sections: tuple[str, ...] = ()
    question: str = Field(min_length=1, max_length=2000)
    context: tuple[str, ...] = ()
    choices: dict[str, str] = Field(min_length=2, max_length=8)
    answer: str
    accept: dict[str, float] = {}
    feedback: str = Field(min_length=1, max_length=4000)

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        if value not in CURRICULUM_TOPICS:
            raise ValueError(f"expected one of {', '.join(CURRICULUM_TOPICS)}")
        return value

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in GUIDE_SECTIONS]
        if unknown:
            raise ValueError(f"unknown guide section {unknown[0]!r}; expected one of {', '.join(GUIDE_SECTIONS)}")
        return value

    @model_validator(mode="after")
    def _answers(self) -> "AuthoredItem":
        for value in (self.answer, *self.accept):
            if value not in self.choices:
                raise ValueError(f"answer {value!r} is not one of the choices ({', '.join(self.choices)})")
        if any(not 0 < credit <= 1 for credit in self.accept.values()):
            raise ValueError("accept credits must be above 0 and at most 1")
        return self


class Override(_Strict):
    item: str = Field(min_length=1, max_length=300)
    key: str | None = None
    accept: dict[str, float] = {}
    note: str | None = Field(default=None, max_length=4000)
    retire: bool = False

    @model_validator(mode="after")
    def _something(self) -> "Override":
        if not (self.key or self.accept or self.note or self.retire):
            raise ValueError("an override needs key, accept, note or retire")
        if any(not 0 < credit <= 1 for credit in self.accept.values()):
            raise ValueError("accept credits must be above 0 and at most 1")
        return self


class AuthoredFile(_Strict):
    items: tuple[AuthoredItem, ...] = ()
    overrides: tuple[Override, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> "AuthoredFile":
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"item id {next(i for i in ids if ids.count(i) > 1)!r} appears twice")
        return self


def parse_authored(raw: bytes, name: str) -> AuthoredFile:
    """Validate a trainer's content file: the first problem as one line naming the field."""
    data = parse_text(decode(raw, name, AuthoredError), name, AuthoredError)
    if not isinstance(data, dict):
        raise AuthoredError("expected a mapping with 'items' and/or 'overrides'", path=name)
    try:
        return AuthoredFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        raise AuthoredError(f"{message}", path=name, field=field) from None


class Authored:
    """Every trainer file of a database, merged: their items, and the overrides in file order."""

    def __init__(self, files: Iterable[AuthoredFile]) -> None:
        self.items: dict[str, Item] = {}
        self.overrides: list[Override] = []
        for f in files:
            for a in f.items:
                self.items[TRAINER_PREFIX + a.id] = authored_item(a)
            self.overrides += f.overrides

    def matching(self, item_id: str) -> list[Override]:
        return [o for o in self.overrides if fnmatch.fnmatchcase(item_id, o.item)]

    def retired(self, item_id: str) -> bool:
        return any(o.retire for o in self.matching(item_id))

    def apply(self, item: Item | None) -> Item | None:
        """The item as the trainer wants it: None when retired; a key replaced (one-answer items),
        answers also accepted, a trainer's note added to the engine's answer."""
        if item is None:
            return None
        found = self.matching(item.id)
        if not found:
            return item
        if any(o.retire for o in found):
            return None
        claims = list(item.claims)
        if item.prompt.kind in ("single", "rank") and claims:
            claim = claims[0]
            values = {c.value for c in item.prompt.choices}
            for o in found:
                if o.key is not None and o.key in values:
                    claim = replace(claim, expected=o.key, answer_text=f"{claim.answer_text} (Key set by the trainer: "
                                                                      f"{o.key}.)")
                extra = tuple(Alternative(v, c, "accepted by the trainer") for v, c in o.accept.items() if v in values)
                claim = replace(claim, alternatives=extra + claim.alternatives)
            claims[0] = claim
        notes = " ".join(o.note for o in found if o.note)
        if notes and claims:
            claims[0] = replace(claims[0], answer_text=f"{claims[0].answer_text} Trainer's note: {notes}")
        return replace(item, claims=tuple(claims))


def parse_stored(name: str, raw: bytes) -> AuthoredFile:
    """A stored file again (it was valid when added; a newer release may read it differently)."""
    try:
        return parse_authored(raw, name)
    except AuthoredError as exc:
        raise AuthoredError(f"{exc.detail} (trainer content stored in the training database: add a fixed file with "
                            f"'ppp-expert train add-items FILE --replace' or remove it with 'ppp-expert train "
                            f"remove-items {name}')", path=exc.path, field=exc.field) from None


def authored_item(a: AuthoredItem) -> Item:
    choices = tuple(Choice(value, label) for value, label in a.choices.items())
    alternatives = tuple(Alternative(v, c, "accepted by the trainer") for v, c in a.accept.items())
    claim = Claim("", "answer", a.answer, (), alternatives, f"{a.choices[a.answer]}. {a.feedback}")
    prompt = Prompt("single", "A trainer's question", a.question, choices, (), a.context)
    return Item(TRAINER_PREFIX + a.id, "trainer", a.topic, a.sections, prompt, (claim,))


def authored_feedback(item: Item, graded: Grade) -> Feedback:
    """Feedback for an item without a case: the right answer and the trainer's explanation."""
    claims = []
    for claim, g in zip(item.claims, graded.claims):
        verdict = "skipped" if graded.skipped else "right" if g.right else "partly right" if g.score > 0 else "wrong"
        given = next((c.label for c in item.prompt.choices if c.value == g.given), str(g.given or "-"))
        claims.append(ClaimFeedback(claim.key, claim.label, verdict, given, g.note, (), (), None, claim.answer_text))
    return Feedback(item.id, graded.verdict, graded.score, tuple(claims), ())


def describe(parsed: AuthoredFile) -> dict[str, Any]:
    return {"items": len(parsed.items), "overrides": len(parsed.overrides)}
