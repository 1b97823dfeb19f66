"""Switching values: for each answer the advice turns on, the answer at which it changes.

Read from the sensitivity sweep (advice/sensitivity.py), which already tries every other answer
of every question one at a time; this module keeps the changes that alter the outcome or the
recommended model, the nearest such answer per question and effect, and splits them into
*levers* (answers the authority chooses: term, payment mechanism, risk transfer, preferences,
preparation) and *facts* (demand, capacity, market, law), as the knowledge base marks each
question (``control``). For a number the exact threshold is found by bisection between the
current answer and the nearest one that switches. Computed here once for every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ppp_expert.advice.sensitivity import NO_MODEL, Replay, Sweep
from ppp_expert.advice.summary import OUTCOME_WORDS
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase

CONTROLS = ("lever", "fact")


@dataclass(frozen=True)
class Switch:
    """One answer the advice turns on and the answer at which it switches."""

    question: str
    text: str  # the question as asked
    control: str  # "lever" or "fact"
    current: Any  # the answer given, or UNKNOWN
    switch_at: Any  # the nearest answer that changes the outcome or the model
    current_words: str
    switch_words: str
    effect: str  # what changes, in the shared words: "outcome a PPP → not yet"
    changes_outcome: bool
    distance: float


def _model_words(kb: KnowledgeBase, model: str) -> str:
    if model == NO_MODEL:
        return "no model"
    return kb.models[model].title if model in kb.models else model


def _answer_words(kb: KnowledgeBase, question: str, value: Any) -> str:
    if value == UNKNOWN:
        return "not answered"
    q = kb.questions[question]
    if q.type == "choice":
        return str(value).replace("_", " ")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _threshold(kb: KnowledgeBase, replay: Callable[[], Replay], question: str, current: Any, flipped: Any,
               base: tuple[str, str]) -> Any:
    """The number nearest to ``current`` at which the outcome or model already differs from ``base``
    (each probe replays the one changed answer on the case's engine run)."""
    q = kb.questions[question]
    if q.type == "choice" or not isinstance(current, (int, float)) or isinstance(current, bool):
        return flipped
    inside, outside = current, flipped  # inside keeps the base outcome, outside differs
    integer = q.type == "integer"
    for _ in range(40):
        if (integer and abs(outside - inside) <= 1) or (not integer and abs(outside - inside) <= 1e-6 * max(
                1.0, abs(outside))):
            break
        middle = (inside + outside) // 2 if integer else (inside + outside) / 2
        result = replay().outcome(question, middle)
        if (result.verdict, result.model) == base:
            inside = middle
        else:
            outside = middle
    return int(outside) if integer else round(outside, 3)


def switching_values(kb: KnowledgeBase, sweep: Sweep, answers: Mapping[str, Any]) -> tuple[Switch, ...]:
    """Levers first, then facts; within each, outcome changes before model changes, nearest first."""
    given = {q: v for q, v in answers.items() if v != UNKNOWN}
    base = (sweep.baseline.verdict, sweep.baseline.model)
    found: dict[tuple[str, bool], Switch] = {}
    replays: list[Replay] = []  # made on the first number to bisect: the engine runs the case once

    def replay() -> Replay:
        if not replays:
            replays.append(Replay(kb, given))
        return replays[0]

    for flip in sweep.flips:  # smallest change first
        if not (flip.verdict or flip.model):
            continue
        key = (flip.question, bool(flip.verdict))
        if key in found:
            continue
        at = _threshold(kb, replay, flip.question, flip.before, flip.after, base)
        effects = []
        if flip.verdict:
            effects.append(f"outcome {OUTCOME_WORDS[flip.verdict[0]]} \u2192 {OUTCOME_WORDS[flip.verdict[1]]}")
        if flip.model:
            effects.append(f"model {_model_words(kb, flip.model[0])} \u2192 {_model_words(kb, flip.model[1])}")
        question = kb.questions[flip.question]
        found[key] = Switch(
            question=flip.question, text=question.text, control=question.control, current=flip.before,
            switch_at=at, current_words=_answer_words(kb, flip.question, flip.before),
            switch_words=_answer_words(kb, flip.question, at), effect="; ".join(effects),
            changes_outcome=bool(flip.verdict), distance=flip.distance)
    order = {q: i for i, q in enumerate(kb.questions)}
    return tuple(sorted(found.values(), key=lambda s: (CONTROLS.index(s.control), not s.changes_outcome,
                                                       s.current == UNKNOWN, s.distance, order[s.question])))
