"""The result is assembled as plain objects, without validation, and written as JSON by our own
code (``contract.to_json``): the result must still be exactly what full validation gives, the
same bytes pydantic's own serializer writes for the contract's classes, and valid against the
published result schema, on shipped and generated cases of every unknown rate."""

from __future__ import annotations

import json
import random

import pytest
from conftest import CASES
from pydantic import TypeAdapter

from ppp_expert.advice.assemble import build_advice
from ppp_expert.advice.contract import Advice, result_json_schema, validate_result
from ppp_expert.api import reasoner_for
from ppp_expert.cases.case import load_case
from ppp_expert.cases.generate import random_answers


def test_unvalidated_assembly_equals_a_fully_validated_result(kb) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(result_json_schema())
    reasoner = reasoner_for(kb)
    rng = random.Random(24)
    sets = [(p.stem, load_case(p, kb).answers) for p in sorted(CASES.glob("*.yaml"))]
    sets += [(f"g{i}", random_answers(kb, rng, unknown_rate=(0.0, 0.15, 0.5, 0.9)[i % 4])) for i in range(160)]
    verdicts = set()
    serializer = TypeAdapter(Advice)
    for name, answers in sets:
        advice = build_advice(kb, name, reasoner.run(answers))
        text = advice.to_json()
        assert serializer.dump_json(advice).decode() == text, name
        data = json.loads(text)
        # Validating the JSON into the models again and writing it out gives the same bytes: no part
        # built without validation holds a value of another type or shape than validation makes.
        assert validate_result(data).to_json() == text, name
        validator.validate(data)
        verdicts.add(data["appropriate"]["verdict"])
    assert verdicts == {"ppp", "traditional", "not_yet", "insufficient_information"}
