"""Outcomes that rules compete for (a risk owner, a red flag, a setting): which values are still
possible given the three-valued rule states of the relevance analysis."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import Rule

Truth = cond.Truth


@dataclass
class Contest:
    """The rules able to conclude one outcome (a risk owner, a red flag, a setting ...)."""

    label: str
    competition: str
    entries: list[tuple[Rule, Any]] = field(default_factory=list)  # (rule, the value it concludes)


def still_open(candidates: Iterable[Any], status: Mapping[str, Any]) -> bool:
    """A conclusion several rules can give is open while none fired for sure and one may still."""
    states = {status[r.id] for r in candidates}
    return True not in states and None in states


def first_firing(entries: list[tuple[Rule, Any]], status: Mapping[str, Truth]) -> tuple[set[Any], list[str]]:
    """Possible winning values of a precedence-ordered (rule, value) list, and the open rules ahead of a sure one."""
    values: set[Any] = set()
    movers: list[str] = []
    for rule, value in entries:
        state = status[rule.id]
        if state is False:
            continue
        values.add(value)
        if state:
            return values, movers
        movers.append(rule.id)
    values.add(None)  # possibly no rule fires at all
    return values, movers

