"""Red flags and risk owners whose facts hold whatever the model or the outcome (held-out review):
lock-in, data and IP ownership, unsolicited proposals, security of a supplier-operated service."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case

#: One library case per outcome and model, so each flag is tried under all of them.
SPREAD = ["x-road-estonia", "healthcare-gov-marketplace", "germany-toll-collect", "india-passport-seva",
          "galileo-concession", "copenhagen-city-data-exchange", "nasa-cots", "dfe-remote-learning-laptops"]


def run(stem: str, **changes: Any) -> Any:
    case = load_case(CASES / f"{stem}.yaml")
    return evaluate({"id": stem, "answers": {**case.answers, **changes}})


def flags(advice: Any) -> set[str]:
    return {f.id for f in advice.red_flags}


def test_the_spread_covers_every_outcome_and_several_models() -> None:
    advices = [run(stem) for stem in SPREAD]
    assert {"ppp", "traditional", "not_yet"} <= {a.appropriate.verdict for a in advices}
    assert len({a.recommendation.model for a in advices}) >= 4


@pytest.mark.parametrize("stem", SPREAD)
def test_no_exit_plan_is_lock_in_under_any_model_unless_the_need_is_a_commodity(stem: str) -> None:
    advice = run(stem, exit_plan="no")
    commodity = load_case(CASES / f"{stem}.yaml").answers.get("need_type") == "commodity"
    assert ("vendor_lock_in" in flags(advice)) != commodity, advice.appropriate.verdict
    assert "vendor_lock_in" not in flags(run(stem, exit_plan="yes", integration_with_core_systems="low"))


@pytest.mark.parametrize("stem", SPREAD)
def test_new_ip_needs_agreed_ownership_under_any_model(stem: str) -> None:
    assert "unclear_data_ip" in flags(run(stem, ip_creation="yes"))


def test_deep_integration_in_a_thin_market_is_lock_in_for_a_conventional_contract_too() -> None:
    advice = run("healthcare-gov-marketplace", integration_with_core_systems="high", expected_bidders="few")
    assert advice.appropriate.verdict == "traditional" and "vendor_lock_in" in flags(advice)


@pytest.mark.parametrize("bidders, flag", [("few", "unsolicited_proposal"), ("many", "unsolicited_proposal"),
                                            ("single", "sole_sourcing")])
def test_an_unsolicited_proposal_is_flagged_whatever_the_bidder_count(bidders: str, flag: str) -> None:
    advice = run("germany-toll-collect", proposal_origin="unsolicited", expected_bidders=bidders)
    assert flag in flags(advice)
    assert "unsolicited_proposal" not in flags(run("germany-toll-collect", proposal_origin="solicited",
                                                   expected_bidders=bidders))


def test_security_of_a_service_the_supplier_operates_is_shared_in_a_conventional_contract() -> None:
    advice = run("healthcare-gov-marketplace", application_area="managed_it", data_assets="public",
                 asset_type="short_lived_technology")
    assert advice.appropriate.verdict == "traditional"
    owners = {r.risk: r.party for r in advice.risk_allocation}
    assert owners["cyber_security"] == "shared"
    bought_and_run = run("healthcare-gov-marketplace", application_area="citizen_services", data_assets="public",
                         asset_type="short_lived_technology")
    if bought_and_run.appropriate.verdict == "traditional":
        assert {r.risk: r.party for r in bought_and_run.risk_allocation}["cyber_security"] == "public"


@pytest.mark.parametrize("stem", ["waze-connected-citizens", "copenhagen-city-data-exchange",
                                  "uk-biobank-exome-sequencing"])
def test_paying_a_firm_for_its_data_is_a_purchase_not_a_data_partnership(stem: str) -> None:
    """Who pays whom: the same data project, but the data is the firm's and government pays."""
    partnered = run(stem)
    bought = run(stem, data_assets="private", revenue_source="government_payments")
    assert partnered.recommendation.model == "data_partnership"
    assert bought.recommendation.model != "data_partnership"
    assert bought.appropriate.certainty < partnered.appropriate.certainty
    assert any(r.rule == "model.data_partnership.bought_data" for r in bought.appropriate.reasons) or \
        "model.data_partnership.bought_data" in {f.id for f in bought.fired_rules}


def test_an_answered_long_need_is_planned_for_under_a_traditional_outcome() -> None:
    long_need = run("dod-jwcc-cloud", duration_years=25)
    assert long_need.appropriate.verdict == "traditional"
    assert "term_years" in {item.key for item in long_need.structuring.advice}
    short_need = run("dod-jwcc-cloud", duration_years=5)
    assert "term_years" not in {item.key for item in short_need.structuring.advice}


@pytest.mark.parametrize("stem", SPREAD)
def test_an_incumbent_bottleneck_and_an_unsurveyed_handover_are_flagged_under_any_model(stem: str) -> None:
    advice = run(stem, incumbent_control="yes", inherited_assets="unsurveyed")
    assert {"incumbent_bottleneck", "inherited_asset_condition"} <= flags(advice)
    clear = run(stem, incumbent_control="no", inherited_assets="surveyed")
    assert not {"incumbent_bottleneck", "inherited_asset_condition"} & flags(clear)


def test_pending_sector_rules_hold_a_partnership_at_not_yet_until_they_are_settled() -> None:
    settled = run("ireland-national-broadband-plan", sector_regulation="settled")
    pending = run("ireland-national-broadband-plan", sector_regulation="pending")
    assert "settled_sector_rules" not in {c.id for c in settled.appropriate.conditions}
    assert pending.appropriate.verdict == "not_yet"
    condition = next(c for c in pending.appropriate.conditions if c.id == "settled_sector_rules")
    assert condition.clear == {"sector_regulation": ["settled"]}


def test_a_supplier_operated_service_on_citizens_data_shares_data_protection_under_a_traditional_outcome() -> None:
    cloud = run("dod-jwcc-cloud", personal_data="yes", data_assets="public", application_area="data_center")
    assert cloud.appropriate.verdict == "traditional"
    owners = {a.risk: a.party for a in cloud.risk_allocation}
    assert owners["data_protection"] == "shared" and owners["cyber_security"] == "shared"
    kit = run("dod-jwcc-cloud", personal_data="yes", data_assets="public", application_area="data_center",
              asset_type="long_lived_physical")
    assert {a.risk: a.party for a in kit.risk_allocation}["data_protection"] == "public"


@pytest.mark.parametrize("stem", SPREAD)
def test_exclusive_rights_to_public_data_or_a_market_are_flagged_under_any_model(stem: str) -> None:
    assert "exclusive_rights" in flags(run(stem, exclusive_rights="yes"))
    assert "exclusive_rights" not in flags(run(stem, exclusive_rights="no"))
