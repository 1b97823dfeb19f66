"""The other answers a question could have been given, for sweeps and the fragility of an
outcome: every other choice, or for a number one value from every other range the rules tell
apart (so two values the rules cannot distinguish are never both tried)."""

from __future__ import annotations

import math
from typing import Any

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import Question

UNKNOWN = cond.UNKNOWN


def alternatives(kb: KnowledgeBase, question: Question, current: Any) -> list[tuple[Any, float]]:
    """(other answer, distance) for one question: every other choice, or for a number the value
    nearest to the current one in every other range the rules can tell apart. ``unknown`` is no
    alternative: forgetting a fact makes almost any verdict insufficiently informed and says nothing about
    which facts the advice turns on."""
    out: list[tuple[Any, float]] = []
    if question.type == "choice":
        values = list(question.answers)
        here = values.index(current) if current in values else None
        for i, value in enumerate(values):
            if value != current:
                out.append((value, 1.0 if here is None else float(abs(i - here))))
    else:
        for low, high in _numeric_ranges(kb, question):
            nearest = _nearest(low, high, current, question.type == "integer")
            if nearest is not None and not (current != UNKNOWN and _within(low, high, current)):
                out.append((nearest, _relative(current, nearest)))
    return out


def _numeric_ranges(kb: KnowledgeBase, question: Question) -> list[tuple[float, float]]:
    """The ranges of a numeric question inside which every rule condition on it agrees: each bound
    a rule tests is a range of its own ([b, b]), and so is each open interval between bounds."""
    def compute() -> list[tuple[float, float]]:
        bounds: set[float] = set()
        for rule in kb.rules:
            for leaf in cond.leaves(rule.condition):
                bounds.update(leaf.thresholds(question.id))
        low = question.min if question.min is not None else -1e18
        high = question.max if question.max is not None else 1e18
        edges = [low, *sorted(b for b in bounds if low < b < high), high]
        ranges: list[tuple[float, float]] = []
        for a, b in zip(edges, edges[1:]):
            ranges.append((a, a))
            ranges.append((a, b))  # open at both ends (the ends are ranges of their own)
        ranges.append((high, high))
        return ranges

    return kb.derived(("numeric_ranges", question.id), compute)


def _within(low: float, high: float, value: float) -> bool:
    return value == low if low == high else low < value < high


def _nearest(low: float, high: float, current: Any, integer: bool) -> float | None:
    """The value of a range nearest to ``current`` (its middle when ``current`` is unknown)."""
    if low == high:
        return int(low) if integer else low
    if integer:
        first, last = math.floor(low) + 1, math.ceil(high) - 1
        if first > last:
            return None
        target = (first + last) // 2 if current == UNKNOWN else current
        return min(max(int(round(target)), first), last)
    if current == UNKNOWN or not (low < current < high):
        if current != UNKNOWN and current <= low:
            return low + min(1.0, (high - low) / 2)
        if current != UNKNOWN and current >= high:
            return high - min(1.0, (high - low) / 2)
        return (low + high) / 2 if high - low < 1e12 else low + 1.0
    return current


def _relative(current: Any, value: float) -> float:
    if not isinstance(current, (int, float)) or isinstance(current, bool):
        return 1.0
    scale = max(abs(current), abs(value), 1.0)
    return min(abs(value - current) / scale, 1.0)
