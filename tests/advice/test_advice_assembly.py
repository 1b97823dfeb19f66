"""From firings to the result contract: the decision, conflicts, merged items, criteria weights,
what the engine records of each firing, and what each conclusion kind says about itself.

Tiny knowledge bases (conftest.write_kb) make every number in these tests computable by hand.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from conftest import rule, write_kb

from ppp_expert.api import evaluate, load_kb
from ppp_expert.engine.aggregate import combine, rank, thin_possible, verdict_questions
from ppp_expert.engine.facts import Answer, DecisionFact, Finding, fact_label, specialised
from ppp_expert.kb.conclusions import CONCLUSION_KINDS
from ppp_expert.kb.sources import validate

A, B, C = ({"answer": q, "is": "yes"} for q in "abc")


def setting(topic: str, key: str, value: Any) -> dict[str, Any]:
    return {"set": {"topic": topic, "key": key, "value": value, "reason": f"{key} {value}"}}


def advise(topic: str, key: str, text: str) -> dict[str, Any]:
    return {"advise": {"topic": topic, "key": key, "text": text}}


def shift(criterion: str, delta: float) -> dict[str, Any]:
    return {"criteria": {"criterion": criterion, "delta": delta, "reason": "r"}}


def flag(flag_id: str, title: str = "T") -> dict[str, Any]:
    return {"red_flag": {"id": flag_id, "title": title, "mitigation": f"mitigate {flag_id}"}}


# ---------------------------------------------------------------------------- the decision
@pytest.mark.parametrize("weight, verdict", [(0.3, "ppp"), (0.2999, "insufficient_information"),
                                             (-0.2999, "insufficient_information"), (-0.3, "traditional"),
                                             (0.0, "insufficient_information")])
def test_the_verdict_threshold_is_inclusive_on_both_sides(tmp_path: Path, weight: float, verdict: str) -> None:
    fits = {"evidence": {"model": "alliance", "weight": 0.5, "reason": "fits"}}  # a viable model
    kb = load_kb(write_kb(tmp_path, {"10.yaml": [rule("t.ppp", A, {"ppp": weight, "reason": "r"}, fits)]},
                          verdict_threshold=0.3))
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    assert (advice.appropriate.verdict, advice.appropriate.certainty) == (verdict, weight)


@pytest.mark.parametrize("ppp, alliance, determined", [
    (0.5, None, True),        # the alliance scores exactly the model threshold: enough
    (0.5, -0.0001, False),    # just below it: no model fits, so not yet (and none recommended)
    (0.1, 0.9, False),        # insufficient information: never determined, however strong the model
    (-0.5, None, True),       # traditional procurement needs no model score
])
def test_a_recommendation_is_determined_only_with_a_verdict_and_a_model_above_the_threshold(
        tmp_path: Path, ppp: float, alliance: float | None, determined: bool) -> None:
    from ppp_expert.kb.schema import Settings

    threshold = {f.name: f.default for f in fields(Settings)}["model_threshold"]  # the tiny knowledge base keeps it
    weight = threshold if alliance is None else alliance if alliance > 0 else threshold + alliance
    then = [{"ppp": ppp, "reason": "r"}, {"evidence": {"model": "alliance", "weight": round(weight, 4), "reason": "r"}}]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": [rule("t.all", A, *then)]}))
    assert kb.settings.model_threshold == threshold
    advice = evaluate({"answers": {"a": "yes"}}, kb)
    expected_verdict = ("ppp" if determined else "not_yet") if ppp >= 0.2 else "traditional" if ppp <= -0.2 \
        else "insufficient_information"
    assert advice.appropriate.verdict == expected_verdict
    assert [c.id for c in advice.appropriate.conditions] == (["viable_model"] if expected_verdict == "not_yet" else [])
    assert advice.recommendation.determined is determined


def test_evidence_for_traditional_procurement_counts_against_a_partnership(tmp_path: Path) -> None:
    kb = load_kb(write_kb(tmp_path, {"10.yaml": [
        rule("t.trad", A, {"evidence": {"model": "traditional_procurement", "weight": 0.5, "reason": "buy it"}}),
        rule("t.ppp", B, {"ppp": 0.2, "reason": "partner"}),
    ]}))
    advice = evaluate({"answers": {"a": "yes", "b": "yes"}}, kb)
    certainty = combine([-0.5, 0.2])
    assert advice.appropriate.certainty == certainty == -0.375
    assert advice.appropriate.verdict == "traditional"
    assert [(r.rule, r.weight) for r in advice.appropriate.reasons] == [("t.ppp", 0.2)]
    traditional = advice.recommendation.ranking[0]
    assert (traditional.model, traditional.score) == ("traditional_procurement", 0.375)
    assert [(r.rule, r.weight, r.reason) for r in traditional.evidence] == [
        ("t.trad", 0.5, "buy it"), ("t.ppp", -0.2, "partner")]
    assert (advice.recommendation.model, advice.recommendation.score) == ("traditional_procurement", 0.375)
    assert advice.recommendation.runner_up == "concession_bot"  # all partnerships at 0: the fixed order


def test_ties_in_the_ranking_follow_the_fixed_model_order() -> None:
    scores = {"traditional_procurement": 0.0, "alliance": 0.0, "concession_bot": 0.0, "joint_venture": 0.1,
              "managed_services": 0.0, "data_partnership": 0.0}
    assert rank(scores) == ["joint_venture", "concession_bot", "managed_services", "alliance", "data_partnership",
                            "traditional_procurement"]


def test_combine_handles_certainty_and_zero_weights() -> None:
    assert combine([1.0, -1.0]) == 0.0       # certain for and against: no conclusion, not a division by zero
    assert combine([1.0, 0.5]) == 1.0
    assert combine([0.0, 0.0]) == 0.0
    assert combine([0.5, 0.0]) == 0.5
    assert combine([-1.0, 0.5]) == -1.0
    assert combine([-1.0]) == -1.0 and combine([1.0]) == 1.0
    assert combine([0.3, 0.3, -0.2]) == 0.3875  # (0.51 - 0.2) / 0.8
    assert combine(iter([0.5, 0.5])) == 0.75


# ----------------------------------------------------------------- conflicts and merging
def advice_of(tmp_path: Path, rules: list[dict[str, Any]], answers: dict[str, str]) -> Any:
    return evaluate({"id": "tiny", "answers": answers}, load_kb(write_kb(tmp_path, {"10.yaml": rules})))


def test_settings_compete_by_precedence_and_keep_the_losers(tmp_path: Path) -> None:
    advice = advice_of(tmp_path, [
        rule("t.term_short", A, setting("structuring", "term_years", 5)),
        rule("t.term_long", [A, B], setting("structuring", "term_years", {"min": 10, "max": 15})),
        rule("t.audit", B, setting("governance", "audit", "yearly")),
        rule("t.bond", C, setting("structuring", "bond", "none")),
    ], {"a": "yes", "b": "yes", "c": "yes"})
    term = advice.structuring.settings["term_years"]
    assert (term.value, term.reason, term.rules) == ({"min": 10, "max": 15}, "term_years {'min': 10, 'max': 15}",
                                                     ["t.term_long"])
    assert [(o.value, o.rule) for o in term.overridden] == [(5, "t.term_short")]
    assert list(advice.structuring.settings) == ["bond", "term_years"]  # by key
    assert list(advice.governance.settings) == ["audit"] and advice.governance.settings["audit"].value == "yearly"
    assert advice.procurement.settings == {} and advice.implementation.settings == {}


def test_advice_items_merge_by_key_and_text_and_red_flags_by_id(tmp_path: Path) -> None:
    advice = advice_of(tmp_path, [
        rule("t.one", A, advise("governance", "board", "Set up a board."), flag("thin_market", "Thin market")),
        rule("t.two", B, advise("governance", "board", "Set up a board."), flag("thin_market", "Other title")),
        rule("t.three", C, advise("governance", "board", "Meet monthly."), advise("implementation", "pilot", "Pilot"),
             flag("scope_creep")),
    ], {"a": "yes", "b": "yes", "c": "yes"})
    assert [(i.key, i.text, i.rules) for i in advice.governance.advice] == [
        ("board", "Set up a board.", ["t.one", "t.two"]), ("board", "Meet monthly.", ["t.three"])]
    assert [(i.key, i.rules) for i in advice.implementation.advice] == [("pilot", ["t.three"])]
    assert advice.structuring.advice == [] and advice.governance.criteria_weights is None
    assert [(f.id, f.title, f.mitigation, f.rules) for f in advice.red_flags] == [
        ("thin_market", "Thin market", "mitigate thin_market", ["t.one", "t.two"]),
        ("scope_creep", "T", "mitigate scope_creep", ["t.three"])]


def test_criteria_weights_shift_floor_and_round_to_a_hundred(tmp_path: Path) -> None:
    rules = [rule("t.tech", A, shift("technical_capability", 10), shift("approach_innovation", 2.5)),
             rule("t.price", B, shift("pricing_value", -30))]
    base = advice_of(tmp_path / "base", rules, {}).procurement.criteria_weights
    assert base == {"technical_capability": 20, "financial_capacity": 20, "experience_references": 20,
                    "approach_innovation": 20, "pricing_value": 20}
    # 30, 20, 20, 22.5 and 5 (floored from -10) of 97.5: 30.77, 20.51, 20.51, 23.08, 5.13; the two
    # missing points go to the largest remainders, ties by name.
    weights = advice_of(tmp_path / "shifted", rules, {"a": "yes", "b": "yes"}).procurement.criteria_weights
    assert weights == {"technical_capability": 31, "financial_capacity": 20, "experience_references": 21,
                       "approach_innovation": 23, "pricing_value": 5}
    floored = advice_of(tmp_path / "floor", [rule("t.f", A, shift("pricing_value", -15))], {"a": "yes"})
    assert floored.procurement.criteria_weights["pricing_value"] == 6  # 5 of 85, floored at 5 not below
    # 21 and four 20s of 101: 20.79 and 19.80; the four larger remainders take the missing points.
    nudged = advice_of(tmp_path / "nudge", [rule("t.n", A, shift("technical_capability", 1))], {"a": "yes"})
    assert set(nudged.procurement.criteria_weights.values()) == {20}


def test_evidence_may_count_as_thin_only_below_the_share_of_verdict_questions_answered(tmp_path: Path) -> None:
    """Ten questions behind the verdict, the default share 0.3: thin evidence stays possible with
    two answered and not with three (the bound itself is no longer 'fewer than')."""
    questions = tuple(f"q{i}" for i in range(10))
    rules = [rule(f"t.{q}", {"answer": q, "is": "yes"}, {"ppp": 0.1, "reason": "r"}) for q in questions]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": rules}, questions=(*questions, "other")))
    assert kb.settings.thin_information_share == 0.3 and len(verdict_questions(kb)) == 10
    assert thin_possible(kb, {"q0": "yes", "q1": "no", "other": "yes"})
    assert not thin_possible(kb, {"q0": "yes", "q1": "no", "q2": "no"})


def test_the_questions_behind_the_verdict_include_those_only_a_readiness_gate_reads(kb) -> None:
    assert {"expected_bidders", "legal_framework", "governance_capacity", "stakeholder_alignment"} \
        <= set(verdict_questions(kb))


def test_questions_first_lists_the_unknown_questions_behind_insufficient_information_only(tmp_path: Path) -> None:
    rules = [rule("t.x", B, {"fact": "x"}), rule("t.ppp", {"fact": "x"}, {"ppp": 0.5, "reason": "r"}),
             rule("t.other", A, flag("f")), rule("t.ppp_d", {"answer": "d", "is": "yes"}, {"ppp": 0.1, "reason": "r"})]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": rules}, questions=("a", "b", "c", "d")))
    assert verdict_questions(kb) == ["b", "d"] and verdict_questions(kb) is verdict_questions(kb)
    undetermined = evaluate({"answers": {"d": "no"}}, kb)
    assert undetermined.appropriate.verdict == "insufficient_information"
    assert undetermined.appropriate.questions_first == ["b"]
    assert undetermined.unknown_questions == ["a", "b", "c"]
    decided = evaluate({"answers": {"b": "yes"}}, kb)  # d is unknown, but the verdict is settled
    assert decided.appropriate.verdict == "not_yet"  # a partnership, but no model fits this tiny base
    assert decided.appropriate.questions_first == []
    assert decided.unknown_questions == ["a", "c", "d"]


# --------------------------------------------------------------- what a firing records
def test_each_firing_records_its_rule_source_matched_facts_and_first_declarations(tmp_path: Path) -> None:
    kb = load_kb(write_kb(tmp_path, {"10.yaml": [
        rule("t.first", [B, A], {"fact": "x"}),
        rule("t.again", C, {"fact": "x"}),
        rule("t.reader", {"fact": "x"}, flag("seen")),
        rule("t.either", {"any": [A, B]}, flag("either")),
        rule("t.either_pair", {"any": [[A, C], B]}, flag("either_pair")),
        rule("t.on_model", {"model_in": ["concession_bot", "alliance"]}, flag("m")),
        rule("t.fits", A, {"ppp": 0.5, "reason": "r"},
             {"evidence": {"model": "concession_bot", "weight": 0.5, "reason": "r"}}),  # a model to recommend
    ]}))
    advice = evaluate({"answers": {"a": "yes", "b": "yes", "c": "yes"}}, kb)
    fired = {f.id: f for f in advice.fired_rules}
    assert (fired["t.first"].facts, fired["t.first"].declared) == (["answer:a=yes", "answer:b=yes"], ["fact:x"])
    assert (fired["t.again"].facts, fired["t.again"].declared) == (["answer:c=yes"], [])  # x already declared
    assert fired["t.reader"].facts == ["fact:x"]
    # Of two matching branches, the one whose latest fact was declared first fires (answers are
    # declared in question order: a, b, c).
    assert fired["t.either"].facts == ["answer:a=yes"]
    assert fired["t.either_pair"].facts == ["answer:b=yes"]
    assert fired["t.on_model"].facts == ["model:concession_bot"]
    assert fired["t.first"].source == "practice:test"
    assert [f.id for f in advice.fired_rules].count("t.either") == 1


def test_fact_labels_name_answers_findings_and_decisions() -> None:
    assert fact_label(Answer(q="urgency", v="high")) == "answer:urgency=high"
    assert fact_label(Finding(name="thin_market")) == "fact:thin_market"
    assert fact_label(DecisionFact(kind="verdict", v="ppp")) == "verdict:ppp"
    from experta import InitialFact
    assert fact_label(InitialFact()) is None
    assert type(Answer(q="urgency", v="x")) is specialised(Answer, "urgency")
    assert specialised(Answer, "urgency").__name__ == "Answer_urgency"


def test_a_facts_label_is_worked_out_once_and_kept(monkeypatch) -> None:
    """One answer is matched by many firings: its label is kept on the fact, not rebuilt each time."""
    from ppp_expert.engine import facts

    fact, other = Answer(q="urgency", v="high"), DecisionFact(kind="verdict", v="ppp")
    first = fact_label(fact)

    def rebuilt(_: object) -> str:
        raise AssertionError("the label was worked out again")

    monkeypatch.setattr(facts, "_label", rebuilt)
    assert fact_label(fact) == first == "answer:urgency=high"
    with pytest.raises(AssertionError, match="worked out again"):
        fact_label(other)  # a fact never labelled before is labelled now
    assert specialised(Finding, "urgency") is not specialised(Answer, "urgency")
    # A specialised class is never specialised again, even when given its key field.
    assert type(specialised(Answer, "urgency")(q="urgency", v="x")) is specialised(Answer, "urgency")


# ------------------------------------------------------------- conclusion kinds describe
class Catalogue:
    models = {"alliance": type("M", (), {"title": "Alliance"})()}
    risks = {"demand": type("R", (), {"title": "Demand and take-up"})()}


@pytest.mark.parametrize("raw, target, describe, label, edge", [
    ({"fact": "thin_market"}, "fact:thin_market", "finding thin_market", "thin_market", {}),
    ({"ppp": 0.25, "reason": "r"}, "verdict", "+0.25 on whether a PPP is appropriate", "verdict", {"weight": 0.25}),
    ({"evidence": {"model": "alliance", "weight": -0.5, "reason": "r"}}, "score:alliance", "-0.50 for Alliance",
     "score alliance", {"weight": -0.5}),
    ({"allocate": {"risk": "demand", "party": "shared", "mechanism": "m", "rationale": "r"}}, "risk:demand",
     "Demand and take-up risk -> shared", "risk demand", {"party": "shared"}),
    ({"red_flag": {"id": "thin_market", "title": "Thin market", "mitigation": "m"}}, "red_flag:thin_market",
     "red flag: Thin market", "red flag thin_market", {}),
    ({"advise": {"topic": "governance", "key": "steering_board", "text": "t"}}, "governance:steering_board",
     "governance advice on steering board", "governance steering_board", {}),
    ({"set": {"topic": "structuring", "key": "term_years", "value": 12, "reason": "r"}}, "structuring:term_years",
     "structuring term_years = 12", "structuring term_years", {}),
    ({"criteria": {"criterion": "pricing_value", "delta": -5, "reason": "r"}}, "procurement:criteria_weights",
     "evaluation criterion pricing_value -5", "procurement criteria weights", {"delta": -5.0}),
])
def test_each_conclusion_kind_names_its_target_and_describes_itself(raw: dict, target: str, describe: str,
                                                                    label: str, edge: dict) -> None:
    (kind,) = [k for k in raw if k in CONCLUSION_KINDS]
    conclusion = validate(CONCLUSION_KINDS[kind], raw, "rule.yaml")
    assert (conclusion.target, conclusion.describe(Catalogue()), conclusion.node_label(), conclusion.edge()) == \
        (target, describe, label, edge)


def test_conclusion_kinds_say_what_they_declare_reference_and_weigh() -> None:
    def make(raw: dict) -> Any:
        (kind,) = [k for k in raw if k in CONCLUSION_KINDS]
        return validate(CONCLUSION_KINDS[kind], raw, "rule.yaml")

    fact = make({"fact": "x"})
    allocation = make({"allocate": {"risk": "demand", "party": "public", "mechanism": "m", "rationale": "r"}})
    evidence = make({"evidence": {"model": "alliance", "weight": 0.4, "reason": "why"}})
    ppp = make({"ppp": -0.3, "reason": "no"})
    advice_a = make({"advise": {"topic": "governance", "key": "k", "text": "one"}})
    advice_b = make({"advise": {"topic": "governance", "key": "k", "text": "two"}})
    value = make({"set": {"topic": "structuring", "key": "k", "value": "v", "reason": "r"}})
    assert (fact.declares_fact, allocation.declares_fact) == ("x", None)
    assert (allocation.references(), fact.references()) == ({"risk": "demand"}, {})
    assert (evidence.evidence_on(), ppp.evidence_on(), fact.evidence_on()) == (
        (("alliance", 0.4, "why"),), (("ppp", -0.3, "no"),), ())
    assert (allocation.value, value.value, fact.value) == ("public", "'v'", None)
    assert advice_a.slot != advice_b.slot and advice_a.target == advice_b.target == "governance:k"
    assert allocation.slot == allocation.target
    assert {k: v.competition for k, v in CONCLUSION_KINDS.items()} == {
        "fact": "derived", "ppp": "certainty", "evidence": "certainty", "allocate": "precedence",
        "red_flag": "union", "advise": "union", "set": "precedence", "criteria": "sum", "gate": "union"}


def test_a_retracted_fact_takes_its_activations_off_the_agenda(tmp_path: Path) -> None:
    # The reasoner never retracts, but the engine's matcher handles it: a rule whose fact is gone
    # before the run does not fire, and one still supported does.
    from ppp_expert.engine.reasoner import reasoner_for

    kb = load_kb(write_kb(tmp_path, {"10.yaml": [rule("t.a", A, flag("a")), rule("t.b", B, flag("b"))]}))
    engine = reasoner_for(kb).engine
    engine.reset()
    answer_a = engine.declare(Answer(q="a", v="yes"))
    engine.declare(Answer(q="b", v="yes"))
    engine.retract(answer_a)
    engine.run()
    assert [f.rule.id for f in engine.firings] == ["t.b"]
    # Retracting a fact whose rule already fired: its activation is no longer on the agenda.
    engine.retract(next(f for f in engine.facts.values() if isinstance(f, Answer)))
    engine.run()
    assert [f.rule.id for f in engine.firings] == ["t.b"]
    assert evaluate({"answers": {"a": "yes", "b": "no"}}, kb).red_flags[0].id == "a"  # a fresh case is unaffected
