"""The library entry points: ``evaluate(case) -> Advice``, ``load_case(path)``, ``load_kb()``.

Sits above advice, cases and the engine and below the three uses and the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Union

from ppp_expert.advice.assemble import build_advice
from ppp_expert.advice.contract import Advice
from ppp_expert.cases.case import Case, case_from_data, load_case
from ppp_expert.engine.reasoner import reasoner_for
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.loader import default_kb, load_kb

CaseLike = Union[Case, Mapping[str, Any], str, Path]


def to_case(case: CaseLike, kb: KnowledgeBase) -> Case:
    """Accept a Case, a mapping shaped like a case file, or a path to one."""
    if isinstance(case, Case):
        return case
    if isinstance(case, (str, Path)):
        return load_case(case, kb)
    return case_from_data(case, kb, "<case>", str(case.get("id") or "case"))


def evaluate(case: CaseLike, kb: KnowledgeBase | None = None) -> Advice:
    """Evaluate one case with the knowledge base (default: the shipped one)."""
    kb = kb or default_kb()
    checked = to_case(case, kb)
    trace = reasoner_for(kb).run(checked.answers)
    return build_advice(kb, checked.id, trace)


__all__ = ["Advice", "Case", "CaseLike", "KnowledgeBase", "default_kb", "evaluate", "load_case", "load_kb",
           "reasoner_for", "to_case"]
