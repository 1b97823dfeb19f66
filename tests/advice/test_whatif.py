"""`ppp-expert whatif`: what changes in the advice when some answers change."""

from __future__ import annotations

import json
from dataclasses import replace

from conftest import CASES

from ppp_expert.advice.answer_changes import apply
from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.cli import main

IRELAND = str(CASES / "ireland-national-broadband-plan.yaml")


def test_turning_a_need_into_a_commodity_bought_in_house_flips_the_verdict(runner) -> None:
    result = runner.invoke(main, ["whatif", IRELAND, "--set", "need_type=commodity", "--set",
                                  "in_house_expertise=strong", "--set", "public_funding=available",
                                  "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verdict"] == {"from": "not_yet", "to": "traditional"}
    assert data["model"] == {"from": "concession_bot", "to": "traditional_procurement"}
    assert set(data["answers"]) == {"need_type", "in_house_expertise", "public_funding"}


def test_whatif_agrees_with_evaluating_the_edited_case(runner, tmp_path, kb) -> None:
    case = load_case(IRELAND, kb)
    edited = replace(case, answers={**case.answers, "revenue_source": "government_payments"})
    expected = {r.risk: r.party for r in evaluate(edited, kb).risk_allocation}
    before = {r.risk: r.party for r in evaluate(case, kb).risk_allocation}
    result = runner.invoke(main, ["whatif", IRELAND, "--set", "revenue_source=government_payments", "--format", "json"])
    risks = json.loads(result.output)["risks"]
    assert {r: c["to"] for r, c in risks.items()} == {r: p for r, p in expected.items() if before.get(r) != p}


def test_text_output_and_no_change(runner) -> None:
    same = runner.invoke(main, ["whatif", IRELAND, "--set", "application_area=broadband"])
    assert same.exit_code == 0 and "stay the same" in same.output
    changed = runner.invoke(main, ["whatif", IRELAND, "--set", "shared_ownership_ok=yes", "--set",
                                   "public_assets_in_kind=yes", "--set", "governance_capacity=high"])
    assert changed.exit_code == 0 and "WHAT IF" in changed.output and "score of Joint venture" in changed.output


def test_unknown_removes_an_answer_and_numbers_are_parsed(runner) -> None:
    result = runner.invoke(main, ["whatif", IRELAND, "--set", "capital_cost_musd=5", "--set", "need_type=unknown",
                                  "--format", "json"])
    data = json.loads(result.output)
    assert data["answers"]["capital_cost_musd"]["to"] == 5.0
    assert data["answers"]["need_type"]["to"] == "unknown"
    assert data["verdict"]["to"] == "insufficient_information"


def test_bad_assignments_are_one_line_errors(runner) -> None:
    for assignment, message in (("urgncy=high", "did you mean 'urgency'"), ("urgency=soon", "not an allowed answer"),
                                ("duration_years=abc", "expected a whole number"), ("urgency", "question=value")):
        result = runner.invoke(main, ["whatif", IRELAND, "--set", assignment])
        assert result.exit_code == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_the_same_question_set_twice_to_different_values_is_refused(runner) -> None:
    # The last --set used to win, so the order of the options decided the answer.
    result = runner.invoke(main, ["whatif", IRELAND, "--set", "urgency=high", "--set", "urgency=low"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "urgency is set twice (high and low)" in result.stderr and result.stderr.count("\n") == 1
    given = load_case(IRELAND).answers.get("urgency", "unknown")
    other = next(v for v in ("low", "normal", "high") if v != given)
    same = runner.invoke(main, ["whatif", IRELAND, "--set", f"urgency={other}", "--set", f"urgency={other}",
                                "--format", "json"])
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["answers"]["urgency"] == {"from": given, "to": other}


# --- sensitivity sweep ---------------------------------------------------------------------


def recommended(advice) -> str:
    """The model a sweep compares: the recommended one, or "(no model)" when none is."""
    from ppp_expert.advice.sensitivity import NO_MODEL

    return advice.recommendation.model if advice.recommendation.determined else NO_MODEL


def _sweep_case(kb, name: str = "hmrc-aspire"):
    from ppp_expert.advice.sensitivity import sweep

    case = load_case(CASES / f"{name}.yaml", kb)
    return case, sweep(kb, case.id, case.answers)


def test_sweep_is_metamorphic_applying_a_reported_flip_flips_it(kb) -> None:
    """Every reported flip, applied with whatif, changes exactly what it says; a change the sweep
    tried and did not report changes neither the verdict, the model nor any risk owner."""
    from ppp_expert.advice.sensitivity import alternatives

    case, result = _sweep_case(kb)
    assert result.flips, "a real case should turn on at least one answer"
    base = evaluate(case, kb)
    for flip in result.flips[:15]:
        after = evaluate(apply(case, {flip.question: flip.after}), kb)
        if flip.verdict:
            assert (base.appropriate.verdict, after.appropriate.verdict) == flip.verdict
        if flip.model:
            assert (recommended(base), recommended(after)) == flip.model
        owners = {r.risk: r.party for r in after.risk_allocation}
        for risk, (_, new) in flip.risks.items():
            assert owners.get(risk) == new
    before_owners = {r.risk: r.party for r in base.risk_allocation}
    checked = 0
    for qid, question in kb.questions.items():
        for value, _ in alternatives(kb, question, case.answers.get(qid, "unknown")):
            # Flips with the same effect are kept once per question: check questions with none.
            if any(f.question == qid for f in result.flips) or checked >= 25:
                continue
            checked += 1
            after = evaluate(apply(case, {qid: value}), kb)
            assert after.appropriate.verdict == base.appropriate.verdict
            assert recommended(after) == recommended(base)
            assert {r.risk: r.party for r in after.risk_allocation} == before_owners
    assert checked >= 10


def test_sweep_marks_fragility_and_ranks_small_changes_first(kb) -> None:
    _, result = _sweep_case(kb)
    assert result.fragile_verdict == bool(result.verdict_flips)
    assert [f.distance for f in result.flips] == sorted(f.distance for f in result.flips)
    assert all(f.after != "unknown" for f in result.flips)


def test_numeric_probes_cover_every_range_the_rules_distinguish(kb) -> None:
    from ppp_expert.advice.sensitivity import alternatives
    from ppp_expert.kb import conditions as cond

    question = kb.questions["capital_cost_musd"]
    values = [v for v, _ in alternatives(kb, question, "unknown")]
    for rule in kb.rules:
        for leaf in cond.leaves(rule.condition):
            if isinstance(leaf, cond.AnswerCompare) and leaf.question == question.id:
                outcomes = {leaf.holds(v) for v in values}
                assert outcomes == {True, False}, f"{rule.id}: probes never make {leaf.describe()} differ"


def test_whatif_sweep_cli_text_and_json(runner) -> None:
    text = runner.invoke(main, ["whatif", IRELAND, "--sweep"])
    assert text.exit_code == 0, text.output
    assert "SENSITIVITY" in text.output and ("FRAGILE" in text.output or "robust" in text.output)
    data = json.loads(runner.invoke(main, ["whatif", IRELAND, "--sweep", "--format", "json"]).output)
    assert set(data) >= {"baseline", "fragile", "flips", "variants"} and data["variants"] > 38
    both = runner.invoke(main, ["whatif", IRELAND, "--sweep", "--set", "urgency=high"])
    neither = runner.invoke(main, ["whatif", IRELAND])
    for result in (both, neither):
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--sweep" in result.stderr


def test_the_alternatives_to_a_number_are_the_ranges_its_own_rule_thresholds_tell_apart(kb) -> None:
    """For a number question left unknown: one alternative per threshold a rule tests on that
    question (and per end of its range), and one inside each gap between them; thresholds on
    other questions play no part."""
    from ppp_expert.advice.variants import UNKNOWN, alternatives
    from ppp_expert.kb import conditions as cond

    checked = 0
    for question in kb.questions.values():
        if question.type not in ("number", "integer"):
            continue
        low = question.min if question.min is not None else -1e18
        high = question.max if question.max is not None else 1e18
        thresholds = {b for rule in kb.rules for leaf in cond.leaves(rule.condition)
                      if isinstance(leaf, cond.AnswerCompare) and leaf.question == question.id
                      for b in (leaf.low, leaf.high) if b is not None and low < b < high}
        values = [value for value, _ in alternatives(kb, question, UNKNOWN)]
        if question.type == "number":
            assert len(values) == 2 * len(thresholds) + 3, question.id
        else:  # a gap between two whole numbers next to each other holds no whole number
            assert len(thresholds) + 2 <= len(values) <= 2 * len(thresholds) + 3, question.id
        assert thresholds <= set(values), question.id
        checked += bool(thresholds)
    assert checked >= 2


def test_replayed_variants_give_what_a_run_of_the_engine_gives(kb) -> None:
    """The sweep replays each variant in Python instead of running the engine (``Replay``): on
    shipped and generated cases, every alternative answer of every question gives the same
    verdict, model and risk owners as the engine run on the changed answers."""
    import random

    from ppp_expert.advice.sensitivity import Replay, alternatives, outcome
    from ppp_expert.cases.generate import random_answers

    rng = random.Random(2424)
    sets = [load_case(CASES / f"{name}.yaml", kb).answers
            for name in ("hmrc-aspire", "ireland-national-broadband-plan", "linknyc-wifi-kiosks")]
    sets += [random_answers(kb, rng, unknown_rate=rate) for rate in (0.0, 0.15, 0.5, 0.9)]
    compared = differ = 0
    for answers in sets:
        given = {q: v for q, v in answers.items() if v != "unknown"}
        replay = Replay(kb, given)
        assert replay.base == outcome(kb, given)
        for qid, question in kb.questions.items():
            for value, _ in alternatives(kb, question, given.get(qid, "unknown")):
                engine = outcome(kb, {**given, qid: value})
                assert replay.outcome(qid, value) == engine, (qid, value)
                compared += 1
                differ += engine != replay.base
    assert compared > 500 and differ > 20  # many variants, and many that change something
