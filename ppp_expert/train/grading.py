"""Grade an answer against an item's key: full credit for the engine's answer, partial credit for
a defensible alternative the engine itself produced (a close call, an overridden allocation).

Answers by prompt kind: ``single`` a value; ``rank`` one or two values (best first); ``multi``
the values chosen; ``matrix`` a value per row; ``order`` every value in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from ppp_expert.train.items import Claim, Item

#: Credit when a trainee ranks the engine's top two models the other way round.
SWAPPED_CREDIT = 0.5


@dataclass(frozen=True)
class ClaimGrade:
    key: str
    label: str
    given: Any
    expected: Any
    score: float
    note: str = ""   # why a partial credit was given

    @property
    def right(self) -> bool:
        return self.score >= 0.999


@dataclass(frozen=True)
class Grade:
    score: float
    claims: tuple[ClaimGrade, ...]
    skipped: bool = False

    @property
    def correct(self) -> bool:
        return not self.skipped and self.score >= 0.999

    @property
    def partial(self) -> bool:
        return not self.skipped and 0 < self.score < 0.999

    @property
    def verdict(self) -> str:
        return "skipped" if self.skipped else "right" if self.correct else "partly right" if self.partial else "wrong"


def _single(claim: Claim, given: Any) -> ClaimGrade:
    if given == claim.expected:
        return ClaimGrade(claim.key, claim.label, given, claim.expected, 1.0)
    for alt in claim.alternatives:
        if alt.value == given:
            return ClaimGrade(claim.key, claim.label, given, claim.expected, alt.credit, alt.why)
    return ClaimGrade(claim.key, claim.label, given, claim.expected, 0.0)


def _rank(item: Item, given: list[str]) -> ClaimGrade:
    claim = item.claims[0]
    graded = _single(claim, given[0])
    if len(given) > 1 and graded.score < SWAPPED_CREDIT and given[:2] == [item.extra.get("runner_up"), claim.expected]:
        return ClaimGrade(claim.key, claim.label, given, claim.expected, SWAPPED_CREDIT,
                          "you named the engine's top two, the other way round")
    return ClaimGrade(claim.key, claim.label, given, claim.expected, graded.score, graded.note)


def _order(claim: Claim, given: list[str]) -> ClaimGrade:
    """Correctly ordered pairs against a random order: a random order puts half the pairs right on
    average and scores nothing; every pair beyond half earns its share (all right: 1)."""
    expected = list(claim.expected)
    position = {v: i for i, v in enumerate(given)}
    pairs = list(combinations(expected, 2))
    right = sum(1 for a, b in pairs if position.get(a, 0) < position.get(b, 0))
    score = max(0.0, 2 * right / len(pairs) - 1) if pairs else 1.0
    note = f"{right} of {len(pairs)} pairs in the right order (half of them is what a random order gets)" \
        if right < len(pairs) else ""
    return ClaimGrade(claim.key, claim.label, given, expected, round(score, 4), note)


def matrix_score(claims: tuple[ClaimGrade, ...]) -> float:
    """One answer per row: agreement beyond chance (Cohen's kappa), never below zero. The rows'
    credit is set against what the trainee's own mix of answers would agree by chance with the
    engine's mix, so one owner named for every row scores nothing however common that owner is;
    every row right scores 1. A table whose rows all have one owner is scored by its rows' credit."""
    if not claims:
        return 0.0
    n = len(claims)
    observed = sum(c.score for c in claims) / n
    expected: dict[Any, int] = {}
    given: dict[Any, int] = {}
    for c in claims:
        expected[c.expected] = expected.get(c.expected, 0) + 1
        if c.given is not None:
            given[c.given] = given.get(c.given, 0) + 1
    chance = sum(given.get(k, 0) * m for k, m in expected.items()) / (n * n)
    if len(expected) < 2 or chance >= 1:
        return round(observed, 4)
    return round(max(0.0, (observed - chance) / (1 - chance)), 4)


def multi_score(claims: tuple[ClaimGrade, ...]) -> float:
    """Several choices: the share of the right choices found minus the share of the wrong ones
    chosen, never below zero. Choosing every option, none of them, or only one of several
    scores about what a random choice does; only telling them apart earns credit. When no
    option applies, 'none' is the answer and each wrong choice costs its share."""
    right = [c for c in claims if c.expected]
    wrong = [c for c in claims if not c.expected]
    false_alarms = sum(1 for c in wrong if c.given) / len(wrong) if wrong else 0.0
    if not right:
        return round(1.0 - false_alarms, 4)
    hits = sum(1 for c in right if c.given) / len(right)
    return round(max(0.0, hits - false_alarms), 4)


def grade(item: Item, answer: Any) -> Grade:
    """Grade ``answer`` (shaped as the item's prompt kind expects) against the item's claims."""
    kind = item.prompt.kind
    claims: tuple[ClaimGrade, ...]
    if kind == "single":
        claims = (_single(item.claims[0], answer),)
    elif kind == "rank":
        claims = (_rank(item, list(answer)),)
    elif kind == "multi":
        chosen = set(answer)
        claims = tuple(ClaimGrade(c.key, c.label, c.key in chosen, c.expected,
                                  1.0 if (c.key in chosen) == c.expected else 0.0)
                       for c in item.claims)
    elif kind == "matrix":
        claims = tuple(_single(c, answer.get(c.key)) for c in item.claims)
    elif kind == "order":
        claims = (_order(item.claims[0], list(answer)),)
    else:
        raise ValueError(f"unknown prompt kind {kind!r}")
    if kind == "multi":
        return Grade(multi_score(claims), claims)
    if kind == "matrix":
        return Grade(matrix_score(claims), claims)
    score = sum(c.score for c in claims) / len(claims) if claims else 0.0
    return Grade(round(score, 4), claims)


def skipped(item: Item) -> Grade:
    """A skipped item: recorded as an attempt with no credit."""
    return Grade(0.0, tuple(ClaimGrade(c.key, c.label, None, c.expected, 0.0) for c in item.claims), skipped=True)
