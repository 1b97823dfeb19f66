"""The reference outputs are contracts: `schema --of questions|glossary|guide` describe what the
real commands print with `--format json`, in each of their shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ppp_expert.cli import main
from ppp_expert.cli.reference import SCHEMAS

jsonschema = pytest.importorskip("jsonschema")

RUNS = {
    "questions": [["questions"]],
    "glossary": [["glossary", "TUPE"], ["glossary"], ["glossary", "--topic", "risk-allocation"],
                 ["glossary", "--primer", "red-flags"], ["glossary", "--primer", "need_type"],
                 ["glossary", "--primer"]],
    "guide": [["guide"], ["guide", "faq-term"], ["guide", "gov"]],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_shape_of_a_reference_output_follows_its_schema(runner: Any, name: str) -> None:
    schema = json.loads(runner.invoke(main, ["schema", "--of", name]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for args in RUNS[name]:
        result = runner.invoke(main, [*args, "--format", "json"])
        assert result.exit_code == 0, (args, result.output)
        data = json.loads(result.stdout)
        assert [e.message[:200] for e in validator.iter_errors(data)] == [], args
    assert list(validator.iter_errors({"unexpected": True}))


def test_every_command_with_json_output_has_a_schema() -> None:
    """What a tool can drive it with: each `--format json` of a command names its schema."""
    commands = {"evaluate": "result", "whatif": "whatif", "questions": "questions", "glossary": "glossary",
                "guide": "guide", "ask": "ask-events", "train": "train-events", "train progress": "train-progress",
                "train cases": "train-cases", "train export": "train-export"}
    assert set(commands.values()) <= set(SCHEMAS)
    assert set(SCHEMAS) - set(commands.values()) == {"case"}
