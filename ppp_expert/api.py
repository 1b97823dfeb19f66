"""The library entry points: ``evaluate(case) -> Advice`` and ``load_case(path)``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Union

from ppp_expert.advice.contract import Advice
from ppp_expert.advice.assemble import build_advice
from ppp_expert.cases.case import Case, case_from_data, load_case
from ppp_expert.kb.loader import KnowledgeBase, load_kb
from ppp_expert.engine.reasoner import Reasoner

CaseLike = Union[Case, Mapping[str, Any], str, Path]


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded and validated once per process."""
    return load_kb()


_reasoners: dict[int, Reasoner] = {}


def reasoner_for(kb: KnowledgeBase) -> Reasoner:
    """The compiled engine for ``kb``, compiled once per process and reused."""
    reasoner = _reasoners.get(id(kb))
    if reasoner is None or reasoner.kb is not kb:
        reasoner = _reasoners[id(kb)] = Reasoner(kb)
    return reasoner


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
