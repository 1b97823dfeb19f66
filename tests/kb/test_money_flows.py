"""Who pays whom, public capital, the basis of data access, ownership at the end and an existing
market (issue 20, from held-out projects): the model, the payment terms, the term and the red
flags follow from these facts, on the real engine and the shipped knowledge base."""

from __future__ import annotations

from typing import Any

from conftest import CASES, answer_sets
from hypothesis import HealthCheck, given, settings, strategies as st

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.kb.loader import default_kb

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBERS = [0.5, 5, 20, 150, 900]
#: Payment mechanisms in which government pays the partner.
GOVERNMENT_PAYS = {"availability_payments", "milestone_payments", "performance_based_fees", "per_transaction_fees"}


def run_case(stem: str, **changes: Any) -> Any:
    case = load_case(CASES / f"{stem}.yaml")
    return evaluate({"id": stem, "answers": {**case.answers, **changes}})


def setting(advice: Any, key: str) -> Any:
    found = advice.structuring.settings.get(key)
    return found.value if found is not None else None


def flags(advice: Any) -> set[str]:
    return {f.id for f in advice.red_flags}


def score(advice: Any, model: str) -> float:
    return next(r.score for r in advice.recommendation.ranking if r.model == model)


#: A statutory service whose users pay a capped fee per transaction (an outsourced application
#: centre): the passport case with the applicants, not the ministry, paying the contractor.
FEE_FUNDED = {"revenue_source": "user_fees", "public_funding": "unavailable"}


def test_a_fee_funded_service_contract_is_possible_when_users_pay() -> None:
    advice = run_case("india-passport-seva", **FEE_FUNDED)
    assert advice.recommendation.model == "managed_services", advice.recommendation.ranking
    assert advice.appropriate.verdict == "ppp"
    assert setting(advice, "payment_mechanism") == "user_fees"
    assert setting(advice, "term_years")["max"] <= 7
    assert "long_finance_short_lived_assets" not in flags(advice)


def test_the_fee_funded_contract_needs_a_service_users_need_anyway() -> None:
    """Uncertain take-up stays a franchise the operator carries: no fee-funded service contract."""
    advice = run_case("india-passport-seva", **FEE_FUNDED, demand_certainty="low")
    assert score(advice, "managed_services") <= -0.9


def test_no_money_changing_hands_rules_out_an_alliance_and_its_milestone_payments() -> None:
    base = run_case("nasa-cots")
    assert base.recommendation.model == "alliance" or score(base, "alliance") > -0.5
    advice = run_case("nasa-cots", money_flow="no_money")
    assert score(advice, "alliance") == -1.0
    assert advice.recommendation.model != "alliance"
    assert setting(advice, "payment_mechanism") != "milestone_payments"


def test_a_partner_paying_for_its_rights_holds_a_concession_that_pays_a_fee() -> None:
    advice = run_case("linknyc-wifi-kiosks", money_flow="partner_pays")
    assert advice.recommendation.model == "concession_bot", advice.recommendation.ranking
    assert setting(advice, "payment_mechanism") == "concession_fee"
    assert score(advice, "alliance") == -1.0


def test_a_capital_grant_with_clawback_is_paid_by_milestones_over_a_monitoring_period() -> None:
    before = run_case("ireland-national-broadband-plan")
    assert before.recommendation.model == "concession_bot"
    advice = run_case("ireland-national-broadband-plan", capital_support="grant_with_clawback")
    assert advice.recommendation.model == "concession_bot"
    assert setting(advice, "payment_mechanism") == "capital_grant_milestones"
    assert setting(advice, "term_years") == {"min": 7, "max": 10}


def test_data_a_firm_must_hand_over_by_law_is_regulation_not_a_partnership() -> None:
    advice = run_case("waze-connected-citizens", private_data_basis="legal_obligation")
    ranking = [r.model for r in advice.recommendation.ranking]
    assert "data_partnership" not in ranking[:2], advice.recommendation.ranking
    assert advice.recommendation.model != "data_partnership"


def test_bought_data_is_a_purchase_whatever_the_revenue_answer() -> None:
    """Combined data bought in part still loses ground; the firm's own data bought outright is a purchase."""
    agreed = run_case("waze-connected-citizens", private_data_basis="agreement")
    bought = run_case("waze-connected-citizens", private_data_basis="purchase")
    assert score(bought, "data_partnership") < score(agreed, "data_partnership")
    own = run_case("waze-connected-citizens", private_data_basis="purchase", data_assets="private")
    assert own.recommendation.model != "data_partnership", own.recommendation.ranking


def test_a_firms_data_raises_trade_secrets_and_a_regulated_donor_is_a_conflict() -> None:
    donated = run_case("waze-connected-citizens", private_data_basis="donation", partner_regulated="yes")
    assert {"trade_secrets_vs_records", "regulator_as_partner"} <= flags(donated)
    plain = run_case("waze-connected-citizens", partner_regulated="no")
    assert "regulator_as_partner" not in flags(plain)


def test_an_existing_commercial_market_weighs_against_a_partnership() -> None:
    before = run_case("india-passport-seva")
    after = run_case("india-passport-seva", existing_market="yes")
    assert after.appropriate.certainty < before.appropriate.certainty - 0.2


def test_assets_the_partner_keeps_get_ownership_advice_and_public_money_a_flag() -> None:
    advice = run_case("ireland-national-broadband-plan", asset_end_owner="partner",
                      capital_support="grant_with_clawback")
    assert "asset_ownership" in {item.key for item in advice.structuring.advice}
    assert "public_money_private_asset" in flags(advice)
    transferred = run_case("ireland-national-broadband-plan", asset_end_owner="government",
                           capital_support="grant_with_clawback")
    assert "public_money_private_asset" not in flags(transferred)


def test_answers_that_disagree_on_who_pays_are_flagged() -> None:
    advice = run_case("india-passport-seva", money_flow="no_money")
    assert "money_flows_disagree" in flags(advice)
    assert "money_flows_disagree" not in flags(run_case("india-passport-seva", money_flow="government_pays"))


@PROPERTY
@given(answers=answer_sets(default_kb(), NUMBERS),
       flow=st.sampled_from(["government_pays", "partner_pays", "both_ways", "no_money", "unknown"]))
def test_property_model_and_payment_follow_the_money_flow(answers: dict, flow: str) -> None:
    advice = evaluate({"answers": {**answers, "money_flow": flow}})
    model = advice.recommendation.model
    payment = setting(advice, "payment_mechanism")
    if model == "traditional_procurement" or not advice.recommendation.determined:
        return
    if flow in ("no_money", "partner_pays"):
        assert model != "alliance"
        assert payment not in GOVERNMENT_PAYS, (model, payment)
        if model == "managed_services":
            assert payment == "user_fees", payment
    if flow == "partner_pays" and model == "concession_bot":
        assert payment in ("concession_fee", "capital_grant_milestones"), payment


def test_a_partner_paid_from_guaranteed_savings_gets_that_payment_and_measurement_advice() -> None:
    advice = run_case("san-diego-smart-streetlights", savings_funded="yes", technology_change="moderate")
    assert advice.recommendation.model in ("managed_services", "concession_bot")
    assert setting(advice, "payment_mechanism") == "guaranteed_savings"
    assert "savings_measurement" in {item.key for item in advice.structuring.advice}
    assert setting(advice, "term_years") == {"min": 8, "max": 15}
    plain = run_case("san-diego-smart-streetlights", savings_funded="no")
    assert setting(plain, "payment_mechanism") != "guaranteed_savings"
