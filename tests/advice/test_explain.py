"""Explanations for every conclusion: HOW with values and arithmetic, WHY-NOT for any claim."""

from __future__ import annotations

import re

import pytest
from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.cli import main
from ppp_expert.engine.aggregate import combine, combine_steps

IRELAND = str(CASES / "ireland-national-broadband-plan.yaml")


def test_how_names_the_concluded_value(runner, kb) -> None:
    advice = evaluate(load_case(IRELAND, kb), kb)
    payment = advice.structuring.settings["payment_mechanism"].value
    owner = next(r.party for r in advice.risk_allocation if r.risk == "demand")
    for target, value in (("structuring:payment_mechanism", payment), ("risk:demand", owner)):
        result = runner.invoke(main, ["explain", IRELAND, "--how", target])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0].startswith(f"HOW {target} = {value} ")


@pytest.mark.parametrize("target", ["verdict", "model", "managed_services"])
def test_how_shows_the_certainty_factor_arithmetic_that_gives_the_number(runner, kb, target) -> None:
    advice = evaluate(load_case(IRELAND, kb), kb)
    result = runner.invoke(main, ["explain", IRELAND, "--how", target])
    assert result.exit_code == 0, result.output
    final = float(re.search(r"combined: .* = ([+-][0-9.]+)", result.output).group(1))
    scores = {r.model: r.score for r in advice.recommendation.ranking}
    expected = {"verdict": advice.appropriate.certainty, "model": advice.recommendation.score}.get(target,
                                                                                                 scores.get(target))
    assert final == pytest.approx(expected, abs=1e-4)


def test_combine_steps_reproduce_combine() -> None:
    weights = [0.3, 0.2, -0.1, 0.4, -0.25]
    last = combine_steps(weights)[-1]
    assert last.endswith(f"= {combine(weights):+.4g}")
    assert combine_steps([])[-1] == "combined: no evidence, +0.00"


def test_combine_steps_write_out_each_step_of_the_arithmetic() -> None:
    """Worked by hand: for 0.4 then 0.5 gives 0.4 + 0.5 x 0.6 = 0.7; against 0.2; reconciled
    (0.7 - 0.2) / (1 - 0.2) = 0.625."""
    assert combine_steps([0.5, -0.2, 0.4]) == [
        "evidence for: 0.40, 0.50",
        "  0.4 + 0.50 x (1 - 0.4) = 0.7",
        "evidence against: 0.20",
        "combined: (0.7 - 0.2) / (1 - min(0.7, 0.2)) = +0.625",
    ]
    assert combine_steps([]) == ["evidence for: none", "evidence against: none", "combined: no evidence, +0.00"]
    assert combine_steps([-0.3]) == ["evidence for: none", "evidence against: 0.30",
                                     "combined: (0 - 0.3) / (1 - min(0, 0.3)) = -0.3"]


def test_a_bare_model_id_means_the_model(runner, kb) -> None:
    advice = evaluate(load_case(IRELAND, kb), kb)
    chosen = advice.recommendation.model
    result = runner.invoke(main, ["explain", IRELAND, "--how", chosen])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"HOW model:{chosen}")
    other = runner.invoke(main, ["explain", IRELAND, "--how", "managed_services"])
    assert other.exit_code == 0 and other.output.startswith("HOW score:managed_services")


def test_why_not_a_risk_owner_names_the_winner_and_the_blocked_rules(runner, kb) -> None:
    advice = evaluate(load_case(IRELAND, kb), kb)
    owner = next(r for r in advice.risk_allocation if r.risk == "demand")
    other = next(p for p in ("public", "private", "shared") if p != owner.party)
    result = runner.invoke(main, ["explain", IRELAND, "--why-not", f"risk:demand={other}"])
    assert result.exit_code == 0, result.output
    assert f"the advice concludes {owner.party} instead" in result.output
    assert "x " in result.output or "overridden by" in result.output
    same = runner.invoke(main, ["explain", IRELAND, "--why-not", f"demand={owner.party}"])
    assert "it IS concluded" in same.output and owner.rules[0] in same.output


def test_why_not_red_flag_setting_and_verdict(runner, kb) -> None:
    advice = evaluate(load_case(IRELAND, kb), kb)
    raised = {f.id for f in advice.red_flags}
    flag = runner.invoke(main, ["explain", IRELAND, "--why-not", "red_flag:scope_creep"])
    assert flag.exit_code == 0
    assert ("it IS concluded" in flag.output) == ("scope_creep" in raised)
    setting = runner.invoke(main, ["explain", IRELAND, "--why-not",
                                   "structuring:payment_mechanism=availability_payments"])
    assert setting.exit_code == 0 and "WHY NOT structuring:payment_mechanism=availability_payments" in setting.output
    verdict = runner.invoke(main, ["explain", IRELAND, "--why-not", "verdict=traditional"])
    assert verdict.exit_code == 0 and f"combines to {advice.appropriate.certainty:+.2f}" in verdict.output


@pytest.mark.parametrize("claim, message", [
    ("risk:demand", "say which value"),
    ("risk:demand=nobody", "no rule concludes risk:demand = 'nobody'"),
    ("risk:nope=public", "no conclusion 'risk:nope'"),
    ("verdict=maybe", "not an outcome"),
])
def test_bad_claims_are_one_line_errors_before_any_output(runner, claim, message) -> None:
    result = runner.invoke(main, ["explain", IRELAND, "--how", "model", "--why-not", claim])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and result.stderr.count("\n") == 1


# --- the one-screen summary ------------------------------------------------------------------


def test_each_confidence_level_follows_its_definition(kb) -> None:
    """Every shipped case gets the level its own numbers define, and the library shows every level."""
    from ppp_expert.advice.confidence import MANY_OPEN, MANY_RED_FLAGS, SOLID_MARGIN, THIN_MARGIN

    seen = set()
    for path in sorted(CASES.glob("*.yaml")):
        advice = evaluate(load_case(path, kb), kb)
        a, rec = advice.appropriate, advice.recommendation
        c = a.confidence
        by_gate = a.verdict == "not_yet" or (a.verdict == "traditional" and any(
            x.decides == "traditional" for x in a.conditions))
        if a.verdict == "insufficient_information" or (a.verdict == "ppp" and not rec.determined):
            expected = "low"
        elif ((not by_gate and c.margin < THIN_MARGIN) or len(c.fragile_on) >= MANY_OPEN
              or len(c.could_flip) > MANY_OPEN):
            expected = "low"
        elif ((by_gate or c.margin >= SOLID_MARGIN) and not c.fragile_on and not c.could_flip
              and not (a.verdict in ("ppp", "not_yet") and len(advice.red_flags) >= MANY_RED_FLAGS)):
            expected = "high"
        else:
            expected = "moderate"
        assert c.level == expected, path.name
        seen.add(expected)
    assert {"high", "moderate", "low"} <= seen


def test_almost_no_answers_is_not_enough_information(runner, write_case) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case({"application_area": "broadband"})), "--no-sweep"])
    assert result.exit_code == 0
    assert "Not enough information to advise yet" in result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "Model: none recommended" in words and "Recommended model" not in result.output
    data = runner.invoke(main, ["evaluate", str(write_case({"application_area": "broadband"}, name="t.yaml")),
                                "--format", "json"]).output
    assert '"determined":false' in data


def test_why_not_judges_every_rule_on_the_state_the_engine_ended_in(kb, reasoner) -> None:
    """The final state why-not reads conditions against (answers, concluded facts, the verdict and
    the recommended model) makes true exactly the rules that fired, in every shipped case: a rule
    reading the decision is not reported blocked by a decision it actually saw."""
    from ppp_expert.advice.why_not import _final_state
    from ppp_expert.kb import conditions as cond

    decision_rules = {r.id for r in kb.rules if cond.is_second_phase(r.condition)}
    seen_fired = seen_blocked = 0
    for path in sorted(CASES.glob("*.yaml")):
        trace = reasoner.run(load_case(path, kb).answers)
        state = _final_state(trace)
        fired = {f.rule.id for f in trace.firings}
        for rule in kb.rules:
            holds = cond.evaluate(rule.condition, state) is True
            assert holds == (rule.id in fired), (path.name, rule.id)
        seen_fired += len(fired & decision_rules)
        seen_blocked += len(decision_rules - fired)
    assert seen_fired and seen_blocked


def test_why_not_sees_the_verdict_and_the_model_a_rule_read(tmp_path) -> None:
    """On a knowledge base whose rules read the verdict and the model: each that fired holds in
    the final state why-not uses, and names no blocking condition; the others do."""
    from conftest import rule, write_kb

    from ppp_expert.advice.why_not import _final_state, failed_leaves
    from ppp_expert.engine.reasoner import Reasoner
    from ppp_expert.kb import conditions as cond
    from ppp_expert.kb.loader import load_kb

    def flag(flag_id: str) -> dict:
        return {"red_flag": {"id": flag_id, "title": flag_id, "mitigation": "m"}}

    yes = {"answer": "a", "is": "yes"}
    small = load_kb(write_kb(tmp_path, {"10-rules.yaml": [
        rule("t.ppp", yes, {"ppp": 0.5, "reason": "r"}),
        rule("t.fits", yes, {"evidence": {"model": "alliance", "weight": 0.5, "reason": "fits"}}),
        rule("t.on_ppp", {"verdict": "ppp"}, flag("on_ppp")),
        rule("t.on_alliance", {"model": "alliance"}, flag("on_alliance")),
        rule("t.on_jv", {"model": "joint_venture"}, flag("on_jv")),
    ]}))
    for answers, expected in (({"a": "yes"}, {"t.on_ppp", "t.on_alliance"}), ({"a": "no"}, set())):
        trace = Reasoner(small).run(answers)
        state = _final_state(trace)
        fired = {f.rule.id for f in trace.firings}
        assert fired & {"t.on_ppp", "t.on_alliance", "t.on_jv"} == expected
        for r in small.rules:
            assert (cond.evaluate(r.condition, state) is True) == (r.id in fired), (answers, r.id)
            assert bool(failed_leaves(r, state)) == (r.id not in fired), (answers, r.id)


def test_a_zero_weight_is_evidence_for_neither_side() -> None:
    """combine() ignores a weight of 0; its written-out steps list it on neither side."""
    assert combine_steps([0.0, 0.5, -0.2]) == combine_steps([0.5, -0.2])
    assert combine_steps([0.0]) == combine_steps([])
