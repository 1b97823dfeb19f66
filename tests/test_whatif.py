"""`ppp-expert whatif`: what changes in the advice when some answers change."""

from __future__ import annotations

import json

from conftest import CASES

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
    assert data["verdict"] == {"from": "ppp", "to": "traditional"}
    assert data["model"] == {"from": "concession_bot", "to": "traditional_procurement"}
    assert set(data["answers"]) == {"need_type", "in_house_expertise", "public_funding"}


def test_whatif_agrees_with_evaluating_the_edited_case(runner, tmp_path, kb) -> None:
    case = load_case(IRELAND, kb)
    edited = case.model_copy(update={"answers": {**case.answers, "revenue_source": "government_payments"}})
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
    assert changed.exit_code == 0 and "WHAT IF" in changed.output and "score joint_venture" in changed.output


def test_unknown_removes_an_answer_and_numbers_are_parsed(runner) -> None:
    result = runner.invoke(main, ["whatif", IRELAND, "--set", "capital_cost_musd=5", "--set", "need_type=unknown",
                                  "--format", "json"])
    data = json.loads(result.output)
    assert data["answers"]["capital_cost_musd"]["to"] == 5.0
    assert data["answers"]["need_type"]["to"] == "unknown"
    assert data["verdict"]["to"] == "undetermined"


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
