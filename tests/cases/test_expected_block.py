"""A case's ``expected`` block is checked directly when well formed, by pydantic otherwise: both
ways must give the same value or the same one-line error, whatever the block holds."""

from __future__ import annotations

from typing import Any

import pytest

from ppp_expert.cases.case import _expected_by_pydantic, _expected_shape
from ppp_expert.errors import CaseError

BLOCKS: list[Any] = [
    {}, {"appropriate": "ppp"}, {"appropriate": "undetermined", "model": "alliance"},
    {"appropriate": None, "model": None, "risks": {"demand": "public"}}, {"risks": {}},
    {"appropriate": "maybe"}, {"appropriate": 3}, {"model": 4}, {"model": ["a"]}, {"risks": None},
    {"risks": {"demand": 5}}, {"risks": {1: "public"}}, {"risks": ["demand"]}, {"verdict": "ppp"},
    {"appropriate": "ppp", "extra": 1}, ["ppp"], "ppp", 7, True, {"appropriate": True},
    {"appropriate": "PPP"}, {"model": "", "risks": {"": ""}},
]


def outcome(check: Any, raw: Any) -> Any:
    try:
        return check(raw, "case.yaml")
    except CaseError as exc:
        return ("error", exc.one_line())


@pytest.mark.parametrize("raw", BLOCKS, ids=[repr(b) for b in BLOCKS])
def test_the_direct_check_agrees_with_pydantic(raw: Any) -> None:
    assert outcome(_expected_shape, raw) == outcome(_expected_by_pydantic, raw)


WELL_FORMED: list[Any] = [
    {}, {"appropriate": "ppp"}, {"appropriate": "undetermined", "model": "alliance"},
    {"appropriate": None, "model": None, "risks": {"demand": "public"}}, {"risks": {}},
    {"model": "", "risks": {"": ""}}, {"appropriate": "not_yet", "model": "alliance", "risks": {"demand": "shared"}},
]


@pytest.mark.parametrize("raw", WELL_FORMED, ids=[repr(b) for b in WELL_FORMED])
def test_a_well_formed_block_is_read_without_pydantic(monkeypatch: pytest.MonkeyPatch, raw: Any) -> None:
    """Every library case has an expected block: reading one must not pay for importing pydantic."""
    from ppp_expert.cases import case

    expected = _expected_by_pydantic(raw, "case.yaml")

    def no_pydantic(raw: Any, where: str) -> Any:
        raise AssertionError(f"{raw!r} went to pydantic")

    monkeypatch.setattr(case, "_expected_by_pydantic", no_pydantic)
    assert _expected_shape(raw, "case.yaml") == expected


def test_the_outcomes_given_are_what_batch_check_compares() -> None:
    from ppp_expert.cases.case import Expected

    assert Expected().to_dict() == {"risks": {}}
    assert Expected(appropriate="ppp", risks={"demand": "public"}).to_dict() == {
        "appropriate": "ppp", "risks": {"demand": "public"}}
    assert Expected(model="alliance").to_dict() == {"model": "alliance", "risks": {}}
