"""Spaced repetition with FSRS (the maintained Free Spaced Repetition Scheduler, ``fsrs`` on
PyPI): one card per item row a trainee answered - a risk of a risk table, an option of a red-flag
question, or the whole of a one-answer item - keyed by the item's stable id and the row, so a
row is scheduled on its own evidence and an item comes back when any of its rows is due.

A row's grade becomes an FSRS rating: right without a hint is Good, right with a hint or partly
right is Hard, wrong or skipped is Again. Fuzzing is off, so a replayed session schedules the
same; cards are stored as FSRS's own JSON in the training database.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

from ppp_expert.train.grading import ClaimGrade, Grade
from ppp_expert.train.items import Item

SCHEDULER = Scheduler(enable_fuzzing=False, learning_steps=(timedelta(minutes=10),),
                      relearning_steps=(timedelta(minutes=10),))


def card_key(item_id: str, row: str) -> str:
    """The stable id of one row of an item (``item#row``; the item id alone for one-answer items)."""
    return f"{item_id}#{row}" if row else item_id


def rating(claim: ClaimGrade, grade: Grade, hints: int) -> Rating:
    if grade.skipped or claim.score == 0:
        return Rating.Again
    if claim.right and not hints:
        return Rating.Good
    return Rating.Hard


def review(stored: str | None, claim: ClaimGrade, grade: Grade, hints: int, now: datetime) -> tuple[str, datetime]:
    """The card after this answer (FSRS JSON) and when it is due again."""
    card = Card.from_dict(json.loads(stored)) if stored else Card(card_id=1, due=now)
    card, _ = SCHEDULER.review_card(card, rating(claim, grade, hints), review_datetime=now)
    return json.dumps(card.to_dict(), sort_keys=True), card.due


def rows_of(item: Item, grade: Grade) -> list[tuple[str, ClaimGrade]]:
    """(card key, the row's grade) for every row of an answered item."""
    if len(item.claims) == 1:
        return [(card_key(item.id, ""), grade.claims[0])]
    return [(card_key(item.id, c.key), g) for c, g in zip(item.claims, grade.claims)]
