"""The condition vocabulary: parsing errors and three-valued evaluation."""

from __future__ import annotations

import pytest

from ppp_expert.kb import conditions as c


def state(answers: dict, closed: bool = True, facts: frozenset = frozenset(), possible: frozenset = frozenset()) -> c.State:
    return c.State(answers=answers, facts=facts, possible_facts=possible, closed=closed)


def test_list_means_all_and_leaves_count_specificity() -> None:
    cond = c.parse([{"answer": "urgency", "is": "high"}, {"not": {"fact": "commodity_need"}}])
    assert isinstance(cond, c.All)
    assert len(list(c.leaves(cond))) == 2
    assert c.questions_of(cond) == ["urgency"]
    assert c.facts_of(cond) == ["commodity_need"]


def test_negated_membership_is_false_for_unknown() -> None:
    cond = c.parse({"answer": "urgency", "not_in": ["high"]})
    assert c.evaluate(cond, state({"urgency": "low"})) is True
    assert c.evaluate(cond, state({"urgency": "high"})) is False
    assert c.evaluate(cond, state({})) is False  # closed world: unknown
    assert c.evaluate(cond, state({}, closed=False)) is None  # still open


def test_numeric_ranges_are_inclusive_and_strict_where_asked() -> None:
    between = c.parse({"answer": "capital_cost_musd", "between": [20, 100]})
    assert [c.evaluate(between, state({"capital_cost_musd": v})) for v in (19.9, 20, 100, 101)] == [False, True, True, False]
    below = c.parse({"answer": "capital_cost_musd", "lt": 20})
    assert c.evaluate(below, state({"capital_cost_musd": 20})) is False
    assert c.evaluate(below, state({"capital_cost_musd": "unknown"})) is False


def test_any_and_not_are_three_valued() -> None:
    cond = c.parse({"any": [{"answer": "urgency", "is": "high"}, {"fact": "x"}]})
    assert c.evaluate(cond, state({}, closed=False, possible=frozenset({"x"}))) is None
    assert c.evaluate(cond, state({"urgency": "high"}, closed=False)) is True
    assert c.evaluate(c.Not(cond), state({"urgency": "low"})) is True


@pytest.mark.parametrize("raw, expected", [
    ({"answer": "urgency"}, "expected exactly one of"),
    ({"answer": "urgency", "is": "high", "in": ["low"]}, "expected exactly one of"),
    ({"answer": "x", "between": [1]}, "'between' expects"),
    ({"answer": "x", "gt": "five"}, "expects a number"),
    ({"all": []}, "non-empty list"),
    ({"frobnicate": 1}, "unknown condition keys"),
    ([], "empty condition list"),
    ("urgency == high", "expected a mapping"),
])
def test_syntax_errors_say_what_was_expected(raw: object, expected: str) -> None:
    with pytest.raises(c.ConditionSyntaxError, match=expected):
        c.parse(raw)
