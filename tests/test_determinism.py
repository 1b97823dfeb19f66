"""Same case, same output: answer order never changes the JSON (property test)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppp_expert.api import evaluate
from ppp_expert.kb import KnowledgeBase


def answer_sets(kb: KnowledgeBase) -> st.SearchStrategy[dict]:
    """Random partial answer sets drawn from the real questions' allowed values."""
    per_question = {}
    for q in kb.questions.values():
        if q.type == "choice":
            per_question[q.id] = st.sampled_from([*q.answers, "unknown"])
        elif q.type == "integer":
            per_question[q.id] = st.integers(int(q.min or 1), int(q.max or 50))
        else:
            per_question[q.id] = st.floats(q.min or 0, min(q.max or 1e5, 5000), allow_nan=False).map(lambda x: round(x, 1))
    return st.fixed_dictionaries({}, optional=per_question)


def test_shuffling_answer_order_never_changes_the_json(kb) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(answers=answer_sets(kb), seed=st.integers(0, 10_000))
    def check(answers: dict, seed: int) -> None:
        items = list(answers.items())
        random.Random(seed).shuffle(items)
        first = evaluate({"id": "c", "answers": answers}).to_json()
        second = evaluate({"id": "c", "answers": dict(items)}).to_json()
        assert first == second

    check()


def test_repeated_evaluation_in_one_process_is_identical(kb) -> None:
    from conftest import BROADBAND

    outputs = {evaluate({"answers": BROADBAND}).to_json() for _ in range(3)}
    assert len(outputs) == 1
