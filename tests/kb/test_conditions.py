"""The condition vocabulary: parsing errors and three-valued evaluation."""

from __future__ import annotations

import pytest

from ppp_expert.kb import condition_syntax as syntax, conditions as c


def state(answers: dict, closed: bool = True, facts: frozenset = frozenset(),
          possible: frozenset = frozenset()) -> c.State:
    return c.State(answers=answers, facts=facts, possible_facts=possible, closed=closed)


def test_list_means_all_and_leaves_count_specificity() -> None:
    cond = syntax.parse([{"answer": "urgency", "is": "high"}, {"not": {"fact": "commodity_need"}}])
    assert isinstance(cond, c.All)
    assert len(list(c.leaves(cond))) == 2
    assert c.questions_of(cond) == ["urgency"]
    assert c.facts_of(cond) == ["commodity_need"]


def test_negated_membership_is_false_for_unknown() -> None:
    cond = syntax.parse({"answer": "urgency", "not_in": ["high"]})
    assert c.evaluate(cond, state({"urgency": "low"})) is True
    assert c.evaluate(cond, state({"urgency": "high"})) is False
    assert c.evaluate(cond, state({})) is False  # closed world: unknown
    assert c.evaluate(cond, state({}, closed=False)) is None  # still open


def test_numeric_ranges_are_inclusive_and_strict_where_asked() -> None:
    between = syntax.parse({"answer": "capital_cost_musd", "between": [20, 100]})
    assert [c.evaluate(between, state({"capital_cost_musd": v})) for v in (19.9, 20, 100, 101)] == [
        False, True, True, False]
    below = syntax.parse({"answer": "capital_cost_musd", "lt": 20})
    assert c.evaluate(below, state({"capital_cost_musd": 20})) is False
    assert c.evaluate(below, state({"capital_cost_musd": "unknown"})) is False


def test_any_and_not_are_three_valued() -> None:
    cond = syntax.parse({"any": [{"answer": "urgency", "is": "high"}, {"fact": "x"}]})
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
    with pytest.raises(syntax.ConditionSyntaxError, match=expected):
        syntax.parse(raw)


# ------------------------------------------------------------------ parsing, node by node
@pytest.mark.parametrize("raw, node", [
    ({"answer": "u", "is": "high"}, c.AnswerIn("u", frozenset({"high"}))),
    ({"answer": "u", "is_not": "high"}, c.AnswerIn("u", frozenset({"high"}), negate=True)),
    ({"answer": "u", "in": ["a", "b"]}, c.AnswerIn("u", frozenset({"a", "b"}))),
    ({"answer": "u", "not_in": ["a"]}, c.AnswerIn("u", frozenset({"a"}), negate=True)),
    ({"answer": "u", "is": 5}, c.AnswerIn("u", frozenset({"5"}))),
    ({"answer": "u", "in": [1, 2.5]}, c.AnswerIn("u", frozenset({"1", "2.5"}))),
    ({"answer": "x", "gt": 1}, c.AnswerCompare("x", 1.0, None, low_strict=True)),
    ({"answer": "x", "gte": 1}, c.AnswerCompare("x", 1.0, None)),
    ({"answer": "x", "lt": 2}, c.AnswerCompare("x", None, 2.0, high_strict=True)),
    ({"answer": "x", "lte": 2}, c.AnswerCompare("x", None, 2.0)),
    ({"answer": "x", "gt": 1, "lte": 2}, c.AnswerCompare("x", 1.0, 2.0, low_strict=True)),
    ({"answer": "x", "gte": 1, "lt": 2}, c.AnswerCompare("x", 1.0, 2.0, high_strict=True)),
    ({"answer": "x", "between": [1, 2]}, c.AnswerCompare("x", 1.0, 2.0)),
    ({"fact": "f"}, c.FactIs("f")),
    ({"model": "alliance"}, c.DecisionIn("model", frozenset({"alliance"}))),
    ({"verdict": "ppp"}, c.DecisionIn("verdict", frozenset({"ppp"}))),
    ({"model_in": ["alliance", "joint_venture"]}, c.DecisionIn("model", frozenset({"alliance", "joint_venture"}))),
    ({"not": {"fact": "f"}}, c.Not(c.FactIs("f"))),
    ({"all": [{"fact": "f"}, {"fact": "g"}]}, c.All((c.FactIs("f"), c.FactIs("g")))),
    ({"any": [{"fact": "f"}, {"fact": "g"}]}, c.Any_((c.FactIs("f"), c.FactIs("g")))),
    ([{"fact": "f"}], c.All((c.FactIs("f"),))),
])
def test_each_condition_form_parses_to_its_node(raw: object, node: c.Condition) -> None:
    parsed = syntax.parse(raw)
    assert parsed == node and type(parsed) is type(node)


@pytest.mark.parametrize("raw, message", [
    ([], "an empty condition list; expected at least one condition"),
    ("urgency == high", "expected a mapping or a list, got str 'urgency == high'"),
    (7, "expected a mapping or a list, got int 7"),
    ({"all": []}, "'all' expects a non-empty list of conditions"),
    ({"any": {"fact": "f"}}, "'any' expects a non-empty list of conditions"),
    ({"all": [{"fact": "f"}], "any": [{"fact": "f"}]},
     "unknown condition keys ['all', 'any']; expected answer/is/in/not_in/is_not/gt/gte/lt/lte/between, fact, "
     "model, model_in, verdict, all, any or not"),
    ({"fact": 3}, "'fact' expects a name, got 3"),
    ({"fact": ""}, "'fact' expects a name, got ''"),
    ({"model": None}, "'model' expects a name, got None"),
    ({"verdict": ["ppp"]}, "'verdict' expects a name, got ['ppp']"),
    ({"model_in": []}, "'model_in' expects a non-empty list, got []"),
    ({"model_in": "alliance"}, "'model_in' expects a non-empty list, got 'alliance'"),
    ({"answer": 3, "is": "x"}, "'answer' expects a name, got 3"),
    ({"answer": "u", "is": True}, "'is' expects a value, got True"),
    ({"answer": "u", "is_not": [1]}, "'is_not' expects a value, got [1]"),
    ({"answer": "u", "in": []}, "'in' expects a non-empty list, got []"),
    ({"answer": "u", "not_in": [None]}, "'not_in' expects a value, got None"),
    ({"answer": "u", "is": "a", "gt": 1},
     "answer condition on 'u' has operators ['gt', 'is']; expected exactly one of is, in, not_in, is_not, or "
     "numeric gt/gte/lt/lte/between"),
    ({"answer": "u"}, "answer condition on 'u' has operators []; expected exactly one of"),
    ({"answer": "x", "between": [1, 2], "gt": 0}, "'between' cannot be combined with other comparisons"),
    ({"answer": "x", "between": [1, 2], "gt": 0, "gte": 0, "lt": 3, "lte": 3},
     "'between' cannot be combined with other comparisons"),
    ({"answer": "x", "between": [1, "2"]}, "'between' expects [low, high] numbers, got [1, '2']"),
    ({"answer": "x", "between": [1, 2, 3]}, "'between' expects [low, high] numbers, got [1, 2, 3]"),
    ({"answer": "x", "between": (1, 2)}, "'between' expects [low, high] numbers, got (1, 2)"),
    ({"answer": "x", "between": [True, 2]}, "'between' expects [low, high] numbers, got [True, 2]"),
    ({"answer": "x", "gte": "5"}, "'gte' expects a number, got '5'"),
    ({"answer": "x", "lt": False}, "'lt' expects a number, got False"),
    ({"answer": "x", "gt": 1, "lte": None}, "'lte' expects a number, got None"),
])
def test_each_syntax_error_says_exactly_what_was_expected(raw: object, message: str) -> None:
    with pytest.raises(syntax.ConditionSyntaxError) as info:
        syntax.parse(raw)
    assert str(info.value).startswith(message)


# ------------------------------------------------------------------- holds, at the edges
def test_membership_holds_for_its_values_and_negation_never_for_unknown() -> None:
    is_in = c.AnswerIn("u", frozenset({"a", "b"}))
    assert [is_in.holds(v) for v in ("a", "b", "z", c.UNKNOWN)] == [True, True, False, False]
    not_in = c.AnswerIn("u", frozenset({"a", "b"}), negate=True)
    assert [not_in.holds(v) for v in ("a", "b", "z", c.UNKNOWN)] == [False, False, True, False]
    assert c.DecisionIn("model", frozenset({"alliance"})).holds("alliance")
    assert not c.DecisionIn("model", frozenset({"alliance"})).holds("joint_venture")


@pytest.mark.parametrize("node, values", [
    (c.AnswerCompare("x", 10.0, None), {9.99: False, 10: True, 11: True}),
    (c.AnswerCompare("x", 10.0, None, low_strict=True), {10: False, 10.01: True}),
    (c.AnswerCompare("x", None, 10.0), {10: True, 10.01: False, -5: True}),
    (c.AnswerCompare("x", None, 10.0, high_strict=True), {10: False, 9.99: True}),
    (c.AnswerCompare("x", 1.0, 2.0), {0.5: False, 1: True, 1.5: True, 2: True, 2.5: False}),
    (c.AnswerCompare("x", None, None), {0: True, -1e9: True}),
])
def test_numeric_comparisons_hold_exactly_at_their_bounds(node: c.AnswerCompare, values: dict) -> None:
    assert {v: node.holds(v) for v in values} == values


def test_a_numeric_comparison_never_holds_for_text_unknown_or_booleans() -> None:
    node = c.AnswerCompare("x", None, 10.0)
    assert [node.holds(v) for v in (c.UNKNOWN, "5", True, False, None)] == [False] * 5


# ------------------------------------------------------------------------------ describe
@pytest.mark.parametrize("raw, text", [
    ({"answer": "u", "in": ["b", "a"]}, "u in [a, b]"),
    ({"answer": "u", "not_in": ["b", "a"]}, "u not in [a, b]"),
    ({"answer": "x", "gt": 1}, "x > 1"),
    ({"answer": "x", "gte": 1.5}, "x >= 1.5"),
    ({"answer": "x", "lt": 2}, "x < 2"),
    ({"answer": "x", "lte": 2}, "x <= 2"),
    ({"answer": "x", "between": [1, 20]}, "x >= 1 and x <= 20"),
    ({"fact": "f"}, "fact f"),
    ({"model_in": ["joint_venture", "alliance"]}, "model in [alliance, joint_venture]"),
    ({"not": {"fact": "f"}}, "not (fact f)"),
    ([{"fact": "f"}, {"fact": "g"}], "all of (fact f; fact g)"),
    ({"any": [{"fact": "f"}, {"verdict": "ppp"}]}, "any of (fact f; verdict in [ppp])"),
])
def test_each_condition_describes_itself_in_one_line(raw: object, text: str) -> None:
    assert syntax.parse(raw).describe() == text


# ----------------------------------------------------------------- three-valued truth
def test_facts_are_true_when_concluded_open_while_possible_false_otherwise() -> None:
    fact = c.FactIs("f")
    assert fact.truth(state({}, facts=frozenset({"f"}))) is True
    assert fact.truth(state({}, possible=frozenset({"f"}))) is None
    assert fact.truth(state({}, facts=frozenset({"f"}), possible=frozenset({"f"}))) is True
    assert fact.truth(state({})) is False


def test_decisions_are_true_when_every_possible_value_is_in_false_when_none_is() -> None:
    node = c.DecisionIn("model", frozenset({"alliance", "joint_venture"}))

    def truth(possible: set[str] | None) -> object:
        decisions = {} if possible is None else {"model": frozenset(possible)}
        return node.truth(c.State(answers={}, decisions=decisions))

    assert truth(None) is None                          # not decided yet
    assert truth({"alliance"}) is True
    assert truth({"alliance", "joint_venture"}) is True
    assert truth({"alliance", "data_partnership"}) is None
    assert truth({"data_partnership"}) is False


def test_all_is_false_on_any_false_part_and_any_true_on_any_true_part() -> None:
    t, f, o = c.FactIs("t"), c.FactIs("f"), c.FactIs("o")
    s = state({}, facts=frozenset({"t"}), possible=frozenset({"o"}))
    assert [c.All(p).truth(s) for p in ((t, t), (t, o), (o, f), (f, o), (t, f))] == [True, None, False, False, False]
    assert [c.Any_(p).truth(s) for p in ((f, f), (f, o), (o, t), (t, o), (f, t))] == [False, None, True, True, True]
    assert [c.Not(p).truth(s) for p in (t, f, o)] == [False, True, None]

    assert c.All((t, f)) != c.Any_((t, f)) and repr(c.Any_((t,))).startswith("Any_(")


def test_failing_opens_nested_alls_and_keeps_any_not_and_leaves_whole() -> None:
    t, f, o = c.FactIs("t"), c.FactIs("f"), c.FactIs("o")
    s = state({}, facts=frozenset({"t"}), possible=frozenset({"o"}))
    either, neither = c.Any_((f, t)), c.Any_((f, o))
    condition = c.All((t, f, c.All((o, either, neither, c.Not(t))), c.Not(f)))
    assert c.failing(condition, s) == [f, o, neither, c.Not(t)]
    assert c.failing(either, s) == [] and c.failing(f, s) == [f] and c.failing(c.All((t,)), s) == []


def test_an_unanswered_question_is_open_and_an_explicit_unknown_is_not() -> None:
    node = syntax.parse({"answer": "u", "is": "high"})
    assert node.truth(state({}, closed=False)) is None
    assert node.truth(state({"u": c.UNKNOWN}, closed=False)) is False
    assert node.truth(state({"u": "high"}, closed=False)) is True
    assert syntax.parse({"answer": "x", "lt": 5}).truth(state({}, closed=False)) is None
    assert syntax.parse({"answer": "x", "lt": 5}).truth(state({"x": 4})) is True
    assert syntax.parse({"answer": "u", "is_not": "high"}).truth(state({})) is False  # closed: unknown


def test_collect_open_names_exactly_the_inputs_an_open_condition_waits_on() -> None:
    cond = syntax.parse({"any": [
        {"answer": "q1", "is": "yes"},
        {"all": [{"fact": "f1"}, {"model": "alliance"}, {"answer": "n", "gt": 3}]},
        {"not": {"answer": "q2", "is": "no"}},
        {"all": [{"answer": "q3", "is": "yes"}, {"fact": "f2"}]},  # decided false by q3
    ]})
    s = c.State(answers={"q3": "no"}, facts=set(), possible_facts={"f1", "f2"}, decisions={}, closed=False)
    inputs = c.OpenInputs()
    cond.collect_open(s, inputs)
    assert (inputs.questions, inputs.facts, inputs.decisions) == ({"q1", "n", "q2"}, {"f1"}, {"model"})
    decided = c.OpenInputs()
    cond.collect_open(c.State(answers={"q1": "yes"}, closed=False), decided)  # true whatever the rest
    assert (decided.questions, decided.facts, decided.decisions) == (set(), set(), set())
    for leaf, answers in (({"answer": "q", "is": "x"}, {"q": "y"}), ({"answer": "n", "lt": 1}, {"n": 5})):
        closed = c.OpenInputs()
        syntax.parse(leaf).collect_open(c.State(answers=answers, closed=False), closed)
        assert closed.questions == set()


def test_inspection_helpers_list_leaves_questions_facts_and_phase() -> None:
    cond = syntax.parse([{"answer": "b", "is": "x"}, {"any": [{"fact": "f"}, {"not": {"answer": "a", "gt": 1}}]},
                    {"answer": "b", "is_not": "y"}, {"fact": "g"}])
    assert [type(leaf).__name__ for leaf in c.leaves(cond)] == ["AnswerIn", "FactIs", "AnswerCompare", "AnswerIn",
                                                                "FactIs"]
    assert c.questions_of(cond) == ["b", "a"]
    assert c.facts_of(cond) == ["f", "g"]
    assert not c.is_second_phase(cond)
    assert c.is_second_phase(syntax.parse([{"fact": "f"}, {"not": {"verdict": "ppp"}}]))
    assert c.evaluate(cond, state({"b": "x", "a": 0}, facts=frozenset({"g", "f"}))) is True


def _nested(kind: str, levels: int) -> object:
    node: object = {"fact": "x"}
    for _ in range(levels - 1):
        node = {"not": node} if kind == "not" else [node] if kind == "list" else {kind: [node]}
    return node


@pytest.mark.parametrize("kind", ["not", "all", "any", "list"])
def test_conditions_nest_at_most_twelve_levels_exactly(kind: str) -> None:
    assert syntax.parse(_nested(kind, syntax.MAX_CONDITION_DEPTH)) is not None
    with pytest.raises(syntax.ConditionSyntaxError) as info:
        syntax.parse(_nested(kind, syntax.MAX_CONDITION_DEPTH + 1))
    assert str(info.value) == "conditions nested more than 12 levels deep; expected a flatter condition"


@pytest.mark.parametrize("shape, message", [
    ("list", "65 conditions in one list; expected at most 64"),
    ("all", "65 conditions in one 'all'; expected at most 64 (split the rule, or conclude a fact and test it)"),
    ("any", "65 conditions in one 'any'; expected at most 64 (split the rule, or conclude a fact and test it)"),
])
def test_a_rule_holds_at_most_sixty_four_conditions_exactly(shape: str, message: str) -> None:
    def raw(n: int) -> object:
        return [{"fact": "x"}] * n if shape == "list" else {shape: [{"fact": "x"}] * n}

    assert len(list(c.leaves(syntax.parse(raw(syntax.MAX_CONDITION_LEAVES))))) == 64
    with pytest.raises(syntax.ConditionSyntaxError) as info:
        syntax.parse(raw(syntax.MAX_CONDITION_LEAVES + 1))
    assert str(info.value) == message


def test_the_sixty_four_conditions_count_across_the_whole_rule() -> None:
    spread = [{"all": [{"fact": "x"}] * 40}, {"any": [{"fact": "y"}] * 24}]
    assert len(list(c.leaves(syntax.parse(spread)))) == 64
    with pytest.raises(syntax.ConditionSyntaxError) as info:
        syntax.parse([*spread, {"fact": "z"}])
    assert str(info.value) == ("65 conditions in one rule; expected at most 64 "
                               "(split the rule, or conclude a fact and test it)")
