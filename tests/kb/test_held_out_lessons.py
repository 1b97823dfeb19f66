"""Lessons from held-out real projects (an energy performance contract for street lighting, a
long smartcard-ticketing PFI): how the partner is paid and who finances the kit change the
model and the red flags, on the real engine and the shipped knowledge base."""

from __future__ import annotations

from typing import Any

from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case


def run_case(stem: str, **changes: Any) -> Any:
    case = load_case(CASES / f"{stem}.yaml")
    return evaluate({"id": stem, "answers": {**case.answers, **changes}})


def score(advice: Any, model: str) -> float:
    return next(r.score for r in advice.recommendation.ranking if r.model == model)


def flags(advice: Any) -> set[str]:
    return {f.id for f in advice.red_flags}


#: The San Diego street lights read as a plain LED retrofit: the city's own long-lived lighting,
#: budget-funded, specified outputs, a ten-year term.
LED_RETROFIT = {
    "asset_type": "long_lived_physical",
    "public_funding": "available",
    "technology_change": "moderate",
    "need_type": "defined_service",
    "scope_clarity": "clear",
    "outputs_measurable": "yes",
    "duration_years": 10,
}


def test_a_retrofit_paid_from_guaranteed_savings_is_a_managed_service() -> None:
    before = run_case("san-diego-smart-streetlights", **LED_RETROFIT)
    assert before.recommendation.model == "concession_bot", before.recommendation.ranking
    advice = run_case("san-diego-smart-streetlights", **LED_RETROFIT, savings_funded="yes")
    assert advice.recommendation.model == "managed_services", advice.recommendation.ranking
    assert score(advice, "managed_services") > score(before, "managed_services")
    assert advice.structuring.settings["payment_mechanism"].value == "guaranteed_savings"


def test_savings_do_not_make_a_managed_service_of_an_asset_the_partner_keeps() -> None:
    advice = run_case("san-diego-smart-streetlights", **LED_RETROFIT, savings_funded="yes",
                      asset_end_owner="partner")
    assert advice.recommendation.model == "concession_bot", advice.recommendation.ranking


def test_a_long_service_contract_in_which_the_partner_finances_the_kit_is_flagged() -> None:
    """Opal is a 14-year contract on short-lived ticketing technology: the flag waits for the
    financing to be known, and then follows who pays for the kit and for how long."""
    assert "long_finance_short_lived_assets" not in flags(run_case("sydney-opal-electronic-ticketing"))
    advice = run_case("sydney-opal-electronic-ticketing", capital_support="none")
    assert advice.recommendation.model == "managed_services"
    assert "long_finance_short_lived_assets" in flags(advice)
    co_funded = run_case("sydney-opal-electronic-ticketing", capital_support="co_funding")
    assert "long_finance_short_lived_assets" not in flags(co_funded)
    short = run_case("sydney-opal-electronic-ticketing", capital_support="none", duration_years=7)
    assert "long_finance_short_lived_assets" not in flags(short)


#: Ireland's rural network as a gap-funded build the operator keeps, with the seven-year term of
#: the subsidy's open-access and clawback obligations.
GAP_FUNDED = {"capital_support": "grant_with_clawback", "duration_years": 7}


def test_a_short_subsidy_term_does_not_count_against_a_concession_whose_operator_keeps_the_network() -> None:
    kept = run_case("ireland-national-broadband-plan", **GAP_FUNDED, asset_end_owner="partner")
    handed_back = run_case("ireland-national-broadband-plan", **GAP_FUNDED, asset_end_owner="government")
    assert kept.recommendation.model == "concession_bot"
    assert score(kept, "concession_bot") > score(handed_back, "concession_bot") + 0.1
    fired = {w.rule for w in next(r for r in handed_back.recommendation.ranking
                                  if r.model == "concession_bot").evidence}
    assert "model.concession_bot.short_duration" in fired


def test_an_agreed_ip_schedule_clears_the_unclear_ownership_flag_under_any_outcome() -> None:
    """The flag asks for an IP and data schedule; once one is agreed in writing it has nothing to
    ask (Denmark's MitID, held out, kept its IP terms settled and was still flagged)."""
    for stem in ("germany-toll-collect", "healthcare-gov-marketplace"):  # a PPP and a traditional outcome
        before = run_case(stem)
        assert "unclear_data_ip" in flags(before), stem
        agreed = run_case(stem, ip_schedule_agreed="yes")
        assert "unclear_data_ip" not in flags(agreed), stem
        assert agreed.appropriate.verdict == before.appropriate.verdict
        assert "unclear_data_ip" in flags(run_case(stem, ip_schedule_agreed="no")), stem
