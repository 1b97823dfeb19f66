"""Same case, same output: answer order never changes the JSON (property test)."""

from __future__ import annotations

import random

from conftest import answer_sets
from hypothesis import HealthCheck, given, settings, strategies as st

from ppp_expert.api import evaluate


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
