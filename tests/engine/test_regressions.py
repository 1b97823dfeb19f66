"""Regressions the suite once let through, each pinned by a test named after the defect.

One-line breaks of the reasoning (a flag that is never raised, an ordering key that forgets a
term, a guard that returns at once) went unnoticed because the shipped knowledge base happens
not to depend on them. These tests build tiny knowledge bases whose rules make each behaviour
decisive, so they do not depend on the shipped rules (which change) either.
bench/mutation.py --named re-applies each break and checks that a test fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import BROADBAND, rule, write_kb

from ppp_expert.api import evaluate, load_kb
from ppp_expert.engine.aggregate import combine
from ppp_expert.engine.bounds import EPS
from ppp_expert.engine.relevance import ALL_TARGETS, CORE_TARGETS, Relevance
from ppp_expert.kb.conclusions import EvidenceConclusion

YES = {"answer": "a", "is": "yes"}


def evidence(model: str, weight: float) -> dict[str, Any]:
    return {"evidence": {"model": model, "weight": weight, "reason": f"{model} {weight:+}"}}


def allocate(party: str) -> dict[str, Any]:
    return {"allocate": {"risk": "demand", "party": party, "mechanism": f"m {party}", "rationale": f"r {party}"}}


def flag(flag_id: str) -> dict[str, Any]:
    return {"red_flag": {"id": flag_id, "title": flag_id, "mitigation": "m"}}


# ----------------------------------------------------------------------------- close call
@pytest.mark.parametrize("runner_up_weight, margin, close", [
    (0.45, 0.1, True),    # 0.05 apart: a close call
    (0.2, 0.1, False),    # 0.3 apart
    (0.25, 0.25, False),  # exactly the margin apart: not within it
    (0.26, 0.25, True),
])
def test_close_call_is_flagged_when_the_runner_up_is_within_the_margin(tmp_path: Path, runner_up_weight: float,
                                                                     margin: float, close: bool) -> None:
    kb = load_kb(write_kb(tmp_path, {"10-models.yaml": [
        rule("t.managed", YES, evidence("managed_services", 0.5)),
        rule("t.alliance", {"answer": "b", "is": "yes"}, evidence("alliance", runner_up_weight)),
    ]}, close_call_margin=margin))
    advice = evaluate({"answers": {"a": "yes", "b": "yes"}}, kb)
    assert advice.recommendation.model == "managed_services"
    assert advice.recommendation.runner_up == "alliance"
    assert advice.recommendation.close_call is close


@pytest.mark.parametrize("best_partnership, margin, close", [(0.45, 0.1, True), (0.3, 0.1, False),
                                                            (0.25, 0.25, False), (0.26, 0.25, True)])
def test_close_call_is_flagged_between_traditional_procurement_and_the_best_partnership(
        tmp_path: Path, best_partnership: float, margin: float, close: bool) -> None:
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.against", YES, {"ppp": -0.5, "reason": "no"}),
        rule("t.alliance", YES, evidence("alliance", best_partnership)),
    ]}, close_call_margin=margin))
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    assert (advice.appropriate.verdict, advice.recommendation.model) == ("traditional", "traditional_procurement")
    assert advice.recommendation.runner_up == "alliance"
    assert advice.recommendation.close_call is close


# ------------------------------------------------------------------------------ salience
SALIENCE_RULES = {"10-rules.yaml": [
    rule("t.plain_first", YES, allocate("shared"), flag("plain_first")),
    rule("t.salient_later", YES, allocate("private"), flag("salient_later"), salience=10),
    rule("t.plain_last", YES, flag("plain_last")),
]}


def test_salience_decides_the_conflict_between_equally_specific_rules(tmp_path: Path) -> None:
    # Both rules have one condition; the earlier one would win on knowledge-base order.
    fits = rule("t.fits", YES, {"ppp": 0.5, "reason": "r"}, evidence("alliance", 0.5))  # a model to recommend
    kb = load_kb(write_kb(tmp_path, {**SALIENCE_RULES, "20-fit.yaml": [fits]}))
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    model = advice.recommendation.model
    assert advice.recommendation.determined
    [demand] = advice.risk_allocation
    assert (demand.party, demand.rules) == ("private", ["t.salient_later"])
    # The losers, in precedence order: equal salience, so the earlier rule first.
    assert [(o.rule, o.value) for o in demand.overridden] == [
        ("t.plain_first", "shared"), (f"risk.demand.default.{model}", "public")]


def test_salience_orders_the_firing_of_rules_in_the_same_stratum(tmp_path: Path) -> None:
    kb = load_kb(write_kb(tmp_path, SALIENCE_RULES))
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    fired = [f.id for f in advice.fired_rules]
    assert fired[:3] == ["t.salient_later", "t.plain_first", "t.plain_last"]
    assert [f.id for f in advice.red_flags] == ["salient_later", "plain_first", "plain_last"]


def test_specificity_outranks_salience_in_a_conflict(tmp_path: Path) -> None:
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.salient", YES, allocate("private"), salience=50),
        rule("t.specific", [YES, {"answer": "b", "is": "yes"}], allocate("shared"), salience=-50),
    ]}))
    [demand] = evaluate({"answers": {"a": "yes", "b": "yes"}}, kb).risk_allocation
    assert (demand.party, demand.rules) == ("shared", ["t.specific"])
    assert demand.overridden[0].rule == "t.salient"
    [alone] = evaluate({"answers": {"a": "yes", "b": "no"}}, kb).risk_allocation
    assert (alone.party, alone.rules) == ("private", ["t.salient"])


# ------------------------------------------------------------------ producers before readers
def adversarial_kb(root: Path) -> Any:
    """Readers of facts in the first file, their producers in later ones: file order is the
    opposite of the order the rules must fire in."""
    return load_kb(write_kb(root, {
        "10-readers.yaml": [
            rule("t.reads_x", {"fact": "x"}, flag("x_seen")),
            rule("t.misfires_without_x", {"not": {"fact": "x"}}, flag("no_x")),
            rule("t.reads_y", {"fact": "y"}, evidence("alliance", 0.4)),
        ],
        "20-middle.yaml": [rule("t.x_gives_y", {"fact": "x"}, {"fact": "y"})],
        "30-producers.yaml": [rule("t.gives_x", YES, {"fact": "x"})],
    }))


def test_fact_readers_fire_after_their_producers_whatever_the_file_order(tmp_path: Path) -> None:
    kb = adversarial_kb(tmp_path)
    strata = {r.id: r.stratum for r in kb.rules if r.id.startswith("t.")}
    assert strata == {"t.gives_x": 0, "t.reads_x": 1, "t.misfires_without_x": 1, "t.x_gives_y": 1, "t.reads_y": 2}
    assert kb.fact_producers == {"x": ["t.gives_x"], "y": ["t.x_gives_y"]}
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    fired = [f.id for f in advice.fired_rules]
    # The `not x` reader would fire if it ran before x was concluded, and never be retracted.
    assert "t.misfires_without_x" not in fired
    assert [f.id for f in advice.red_flags] == ["x_seen"]
    assert fired.index("t.gives_x") < fired.index("t.reads_x") < fired.index("t.reads_y")
    assert fired.index("t.x_gives_y") < fired.index("t.reads_y")
    assert advice.recommendation.model == "alliance"


def test_a_negated_fact_reader_fires_when_no_producer_does(tmp_path: Path) -> None:
    kb = adversarial_kb(tmp_path)
    advice = evaluate({"answers": {"a": "no"}}, kb)
    assert [f.id for f in advice.red_flags] == ["no_x"]
    assert [f.id for f in advice.fired_rules if f.id.startswith("t.")] == ["t.misfires_without_x"]


def test_relevance_judges_fact_readers_after_their_producers(tmp_path: Path) -> None:
    kb = adversarial_kb(tmp_path)
    relevance = Relevance(kb)
    status = relevance.analyse({"a": "yes", "b": "unknown", "c": "unknown"}).status
    assert (status["t.gives_x"], status["t.misfires_without_x"], status["t.reads_y"]) == (True, False, True)
    open_ = relevance.analyse({}).status
    assert open_["t.misfires_without_x"] is None and open_["t.reads_y"] is None


# ---------------------------------------------------------------- the relevance analysis
def test_an_outcome_no_rule_may_conclude_stays_open(tmp_path: Path) -> None:
    # One rule may set a value, or none may: the setting is open until `a` is answered, even
    # though every rule that can conclude it agrees on the value.
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.term", YES, {"set": {"topic": "structuring", "key": "term_years", "value": 5, "reason": "r"}}),
    ]}))
    outlook = Relevance(kb, ALL_TARGETS).analyse({})
    assert not outlook.settled and outlook.needed == ("a",)
    assert "structuring:term_years" in outlook.open_targets
    assert Relevance(kb, ALL_TARGETS).analyse({"a": "no"}).settled


def test_relevance_bounds_are_widened_by_more_than_one_rounding_step(tmp_path: Path) -> None:
    # combine() rounds to 4 decimals, so a score one rounding step below the threshold may be at
    # it: an open rule reaching 0.1999 against a threshold of 0.2 must keep the verdict open.
    assert 1e-4 < EPS < 1e-3
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [rule("t.nearly", YES, {"ppp": 0.1999, "reason": "r"})]}))
    relevance = Relevance(kb, CORE_TARGETS)
    outlook = relevance.analyse({})
    # Past the threshold the tiny base has no model to recommend: not yet.
    assert outlook.verdicts == {"not_yet", "insufficient_information"} and outlook.needed == ("a",)
    assert relevance.analyse({"a": "yes"}).verdicts == {"insufficient_information"}  # exact once answered
    assert relevance.analyse({"a": "yes"}).settled


def test_combine_rounds_to_four_decimals() -> None:
    assert combine([1 / 3]) == 0.3333
    assert combine([-2 / 3]) == -0.6667
    assert combine([0.5, -1 / 3]) == 0.25  # (0.5 - 1/3) / (1 - 1/3), exactly a quarter


# ------------------------------------------------------------------- the sign of evidence
def test_model_evidence_keeps_its_sign(tmp_path: Path) -> None:
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.for", YES, evidence("alliance", 0.6)),
        rule("t.against", YES, evidence("managed_services", -0.4)),
        rule("t.ppp", YES, {"ppp": 0.3, "reason": "yes"}),
    ]}))
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    scores = {r.model: r.score for r in advice.recommendation.ranking}
    assert (scores["alliance"], scores["managed_services"]) == (0.6, -0.4)
    assert (advice.appropriate.verdict, advice.appropriate.certainty) == ("ppp", 0.3)
    assert scores["traditional_procurement"] == -0.3
    assert advice.recommendation.model == "alliance"


def test_ranking_evidence_carries_each_rules_own_weight_on_the_shipped_kb(kb) -> None:
    advice = evaluate({"answers": BROADBAND}, kb)
    checked = 0
    for ranked in advice.recommendation.ranking:
        if ranked.model == "traditional_procurement":  # it mirrors the verdict's evidence
            continue
        for reason in ranked.evidence:
            weights = [c.evidence.weight for c in kb.rule(reason.rule).conclusions
                       if isinstance(c, EvidenceConclusion) and c.evidence.model == ranked.model]
            assert reason.weight in weights, (ranked.model, reason)
            checked += 1
    assert checked, "no model evidence fired for the broadband case"
    for reason in advice.appropriate.reasons:
        assert reason.weight in [c.ppp for c in kb.rule(reason.rule).conclusions if hasattr(c, "ppp")]


# ------------------------------------------------------------------------------- negation
NEGATIONS = {
    "only_not_fact": {"not": {"fact": "x"}},
    "only_not_answer": {"not": {"answer": "b", "is": "no"}},
    "not_then_answer": [{"not": {"fact": "x"}}, {"answer": "b", "is": "yes"}],
    "any_of_nots": {"any": [{"not": {"fact": "x"}}, {"not": {"answer": "c", "is": "yes"}}]},
    "not_any": {"not": {"any": [{"fact": "x"}, {"answer": "c", "is": "yes"}]}},
    "not_not": {"not": {"not": {"answer": "c", "is": "yes"}}},
}


def test_a_rule_that_is_only_a_negation_fires_when_the_analysis_says_it_does(tmp_path: Path) -> None:
    # The engine dropped the activations experta makes when it declares its initial fact, so a
    # rule with nothing positive to match (`not: {fact: x}` alone) never fired, while WHY-NOT and
    # the consultation's analysis (which evaluate the same conditions) said it did.
    import itertools

    rules = [rule(f"t.{name}", when, flag(name)) for name, when in NEGATIONS.items()]
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [*rules, rule("t.gives_x", YES, {"fact": "x"})]}))
    relevance = Relevance(kb)
    fired_somewhere = set()
    for values in itertools.product(("yes", "no", "unknown"), repeat=3):
        answers = dict(zip("abc", values))
        fired = {f.id for f in evaluate({"answers": answers}, kb).fired_rules}
        analysed = {rid for rid, state in relevance.analyse(answers).status.items() if state}
        assert fired == analysed, answers
        fired_somewhere |= fired
    assert {f"t.{name}" for name in NEGATIONS} <= fired_somewhere


def test_a_rule_on_a_negated_decision_waits_for_the_decision(tmp_path: Path) -> None:
    # `not: {verdict: ppp}` holds while no verdict is declared: the rule fired in the evidence
    # phase, before the decision, even when the verdict then was ppp.
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.unless_ppp", [YES, {"not": {"verdict": "ppp"}}], flag("unless_ppp")),
        rule("t.ppp", {"answer": "b", "is": "yes"}, {"ppp": 0.5, "reason": "r"}),
        rule("t.late_evidence", YES, evidence("alliance", 0.5), salience=-100),  # a model that fits
    ]}))
    assert evaluate({"answers": {"a": "yes", "b": "yes"}}, kb).red_flags == []
    undetermined = evaluate({"answers": {"a": "yes", "b": "no"}}, kb)
    assert [f.id for f in undetermined.red_flags] == ["unless_ppp"]
    fired = [f.id for f in undetermined.fired_rules]
    assert fired.index("t.late_evidence") < fired.index("t.unless_ppp")  # after every evidence rule


# --------------------------------------------------- every condition form, engine vs analysis
FORMS = {
    "is": {"answer": "a", "is": "yes"},
    "is_not": {"answer": "a", "is_not": "yes"},
    "in": {"answer": "a", "in": ["yes", "no"]},
    "not_in": {"answer": "a", "not_in": ["no"]},
    "gt": {"answer": "n", "gt": 10},
    "gte": {"answer": "n", "gte": 10},
    "lt": {"answer": "n", "lt": 10},
    "between": {"answer": "n", "between": [5, 10]},
    "is_and_lte": [{"answer": "b", "is": "yes"}, {"answer": "n", "lte": 5}],
    "any": {"any": [{"answer": "a", "is": "no"}, {"answer": "b", "is": "yes"}]},
    "fact": {"fact": "x"},
    "model": {"model": "alliance"},
    "model_in": {"model_in": ["alliance", "managed_services"]},
    "verdict": {"verdict": "ppp"},
    "not_verdict": [{"answer": "a", "is": "yes"}, {"not": {"verdict": "ppp"}}],
}


def test_the_engine_fires_each_condition_form_exactly_when_its_evaluation_holds(tmp_path: Path) -> None:
    # The engine compiles conditions into experta patterns; the analysis and WHY-NOT evaluate the
    # same conditions in Python. On every complete answer set they must agree rule by rule.
    import itertools

    rules = [rule(f"t.{name}", when, flag(name)) for name, when in FORMS.items()]
    rules += [rule("t.gives_x", {"answer": "b", "is": "no"}, {"fact": "x"}),
              rule("t.for_alliance", {"answer": "a", "is": "yes"}, evidence("alliance", 0.5)),
              rule("t.for_managed", {"answer": "b", "is": "yes"}, evidence("managed_services", 0.6)),
              rule("t.ppp", {"answer": "b", "is": "no"}, {"ppp": 0.5, "reason": "r"})]
    kb = load_kb(write_kb(tmp_path, {"10-rules.yaml": rules}, questions=("a", "b"), numbers=("n",)))
    relevance = Relevance(kb)
    fired_somewhere: set[str] = set()
    for a, b, n in itertools.product(("yes", "no", "unknown"), ("yes", "no", "unknown"), (4, 5, 10, 11, "unknown")):
        answers = {"a": a, "b": b, "n": n}
        fired = {f.id for f in evaluate({"answers": answers}, kb).fired_rules}
        assert fired == {rid for rid, state in relevance.analyse(answers).status.items() if state}, answers
        fired_somewhere |= fired
    never = {f"t.{name}" for name in FORMS} - fired_somewhere
    assert not never, never


# ------------------------------------------------------------------- thin evidence
def test_thin_evidence_counts_the_verdict_line_itself_on_both_sides() -> None:
    """A certainty exactly at the threshold is a verdict (as in the verdict rule), and bounds that
    reach exactly the line on the other side could turn it: the evidence is thin."""
    from ppp_expert.engine.aggregate import thin_evidence

    t = 0.2
    assert thin_evidence(t, -t, t, t) and thin_evidence(-t, -t, t, t)
    assert not thin_evidence(t - 1e-4, -t, t, t) and not thin_evidence(-t + 1e-4, -t, t, t)
    assert not thin_evidence(t, -t + 1e-4, t, t) and not thin_evidence(-t, -t, t - 1e-4, t)
