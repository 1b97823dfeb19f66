"""A case's figures in its own currency reach the rules: the finance block's capital cost, at the
case's own rate to US dollars, answers the screening question of scale when the answers leave it
open (real engine, real knowledge base, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.cli import main

#: A data partnership on open transport data whose answers put its capital cost at US$2 million:
#: under the US$5 million line below which a small outlay counts for a data partnership.
STEM = "tfl-open-data"
SMALL_OUTLAY = "model.data_partnership.small_outlay"


def _answers_without_cost() -> dict[str, Any]:
    answers = dict(load_case(CASES / f"{STEM}.yaml").answers)
    del answers["capital_cost_musd"]
    return answers


def _fired(advice: Any) -> set[str]:
    return {e.rule for r in advice.recommendation.ranking for e in r.evidence}


def test_the_capital_cost_in_pounds_at_the_cases_rate_decides_as_the_dollar_answer_would() -> None:
    answers = _answers_without_cost()
    small = evaluate({"id": STEM, "answers": answers,
                      "finance": {"currency": "GBP", "capital_cost": 3, "usd_rate": 1.27}})
    assert SMALL_OUTLAY in _fired(small)  # GBP 3 million at 1.27 is US$3.81 million: under the line
    same = evaluate({"id": STEM, "answers": {**answers, "capital_cost_musd": 3.81}})
    assert small.to_json() == same.to_json()
    # The rate decides: at 2 US$ per pound the same figure is US$6 million, over the line.
    dear = evaluate({"id": STEM, "answers": answers, "finance": {"currency": "GBP", "capital_cost": 3, "usd_rate": 2}})
    assert SMALL_OUTLAY not in _fired(dear)


def test_units_and_dollars_convert_without_a_rate_and_an_answer_given_wins() -> None:
    answers = _answers_without_cost()
    in_thousands = evaluate({"id": STEM, "answers": answers,
                             "finance": {"currency": "USD", "unit": "thousand", "capital_cost": 3800}})
    assert SMALL_OUTLAY in _fired(in_thousands)
    answered = evaluate({"id": STEM, "answers": {**answers, "capital_cost_musd": 40},
                         "finance": {"currency": "USD", "capital_cost": 3}})
    assert SMALL_OUTLAY not in _fired(answered)  # the file's answer, not the figures


def test_a_cost_in_another_currency_without_a_rate_stays_unknown_to_the_rules() -> None:
    answers = _answers_without_cost()
    unconverted = evaluate({"id": STEM, "answers": answers, "finance": {"currency": "EUR", "capital_cost": 3}})
    unanswered = evaluate({"id": STEM, "answers": answers})
    assert unconverted.to_json() == unanswered.to_json()
    assert SMALL_OUTLAY not in _fired(unconverted)


def _write(tmp_path: Path, answers: dict[str, Any], finance: dict[str, Any]) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump({"id": STEM, "answers": answers, "finance": finance}), encoding="utf-8")
    return path


def _financial_section(runner: Any, path: Path) -> str:
    result = runner.invoke(main, ["report", str(path), "--format", "md", "--no-sweep"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    start = text.index("Financial and affordability case")
    return text[start:text.index("\n## ", start)]


@pytest.mark.parametrize("answers_cost, finance, said", [
    (None, {"currency": "GBP", "capital_cost": 3, "usd_rate": 1.27},
     "The screening rules see the capital cost as US$3.81 million (GBP 3 million at 1.27 US$ per GBP)."),
    (None, {"currency": "EUR", "capital_cost": 3},
     "The capital cost is stated in EUR without a rate to US dollars (finance.usd\\_rate)"),
    (40, {"currency": "GBP", "capital_cost": 3, "usd_rate": 1.27},
     "The answers give a capital cost of US$40 million (capital\\_cost\\_musd), but the figures come to "
     "US$3.81 million; the screening rules use the answer."),
])
def test_the_memo_says_how_the_rules_saw_the_cost(runner: Any, tmp_path: Path, answers_cost: Any,
                                                  finance: dict[str, Any], said: str) -> None:
    answers = _answers_without_cost()
    if answers_cost is not None:
        answers["capital_cost_musd"] = answers_cost
    money = _financial_section(runner, _write(tmp_path, answers, finance))
    assert said in money.replace("\n", " ")


@pytest.mark.parametrize("rate", [0, -1.2, "1.27", 20000, True])
def test_a_bad_rate_is_a_one_line_error(runner: Any, tmp_path: Path, rate: Any) -> None:
    path = _write(tmp_path, _answers_without_cost(), {"currency": "GBP", "capital_cost": 3, "usd_rate": rate})
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert "finance.usd_rate: expected US dollars per one unit of the currency" in result.stderr
    assert result.stderr.count("\n") == 1 and str(path) in result.stderr


def test_the_schema_knows_the_rate(runner: Any) -> None:
    import jsonschema

    schema = json.loads(runner.invoke(main, ["schema"]).stdout)
    case = {"id": "x", "answers": {}, "finance": {"currency": "GBP", "capital_cost": 3, "usd_rate": 1.27}}
    jsonschema.validate(case, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**case, "finance": {**case["finance"], "usd_rate": 0}}, schema)


def test_figures_that_convert_beyond_the_questions_range_are_named_as_the_figures(runner: Any, tmp_path: Path) -> None:
    """US$200 billion is past what the question of scale accepts: the error names the figure the
    file gave (finance.capital_cost), not an answer the file never wrote."""
    path = _write(tmp_path, _answers_without_cost(), {"currency": "USD", "unit": "billion", "capital_cost": 200})
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {path}: finance.capital_cost: expected a number from 0 to 100000, got 200000.0\n"


def test_a_knowledge_base_without_the_question_of_scale_ignores_the_figures(tmp_path: Path) -> None:
    from conftest import write_kb

    from ppp_expert.cases.case import case_from_data
    from ppp_expert.kb.loader import load_kb

    kb = load_kb(write_kb(tmp_path, {"10.yaml": []}))
    case = case_from_data({"answers": {"a": "yes"}, "finance": {"currency": "USD", "capital_cost": 3}}, kb,
                          "case.yaml", "case")
    assert dict(case.answers) == {"a": "yes"}
