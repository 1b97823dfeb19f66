"""`whatif --format json` is a contract: `ppp-expert schema --of whatif` describes the comparisons
and sweeps the real CLI prints for library cases of every outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ppp_expert.cli import main

jsonschema = pytest.importorskip("jsonschema")

RUNS = [
    ["cases/nasa-cots.yaml", "--set", "public_funding=available"],  # a PPP, its model moves
    ["cases/ireland-national-broadband-plan.yaml", "--set", "expected_bidders=few", "--set", "urgency=unknown"],
    ["cases/tfl-open-data.yaml", "--set", "data_assets=none", "--set", "capital_cost_musd=900"],
    ["cases/dod-jwcc-cloud.yaml", "--set", "need_type=exploratory"],  # from traditional
    ["cases/nasa-cots.yaml", "--sweep"],
    ["cases/uk-digital-id-2025-screening.yaml", "--sweep"],  # no model: owners appear from nothing
]


@pytest.fixture(scope="module")
def validator() -> Any:
    from click.testing import CliRunner

    schema = json.loads(CliRunner().invoke(main, ["schema", "--of", "whatif"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("args", RUNS, ids=lambda a: f"{a[0].split('/')[-1][:-5]}{a[1]}")
def test_every_whatif_output_follows_the_schema(runner: Any, validator: Any, args: list[str]) -> None:
    result = runner.invoke(main, ["whatif", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [e.message[:200] for e in validator.iter_errors(data)] == []
    assert ("flips" in data) == ("--sweep" in args)
    if "--set" in args:
        assert data["answers"] or data["verdict"] is None  # the answers changed are listed


def test_the_schema_refuses_what_whatif_never_prints(validator: Any) -> None:
    comparison = {"case": "x", "answers": {}, "verdict": None, "model": None,
                  "confidence": {"from": "low", "to": "high"}, "conditions": None, "scores": {}, "risks": {},
                  "red_flags": {"added": [], "removed": []}, "settings": {}}
    assert not list(validator.iter_errors(comparison))
    assert list(validator.iter_errors({**comparison, "confidence": {"from": "low", "to": "certain"}}))
    assert list(validator.iter_errors({**comparison, "extra": 1}))
    assert list(validator.iter_errors({**comparison, "risks": {"design": {"from": "public", "to": "partner"}}}))
