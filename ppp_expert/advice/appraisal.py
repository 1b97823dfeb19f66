"""Everything a decision memo rests on, computed together: advice, trace, summary, sensitivity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ppp_expert.advice.assemble import build_advice
from ppp_expert.advice.contract import Advice
from ppp_expert.advice.sensitivity import Sweep, sweep as run_sweep
from ppp_expert.advice.summary import Summary, summarise
from ppp_expert.engine.reasoner import Trace, reasoner_for
from ppp_expert.kb.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class Appraisal:
    advice: Advice
    trace: Trace
    summary: Summary
    sweep: Sweep | None


def appraise(kb: KnowledgeBase, case_id: str, answers: Mapping[str, Any], with_sweep: bool = True) -> Appraisal:
    """Evaluate a case, sweep its answers (unless told not to) and summarise the result."""
    trace = reasoner_for(kb).run(answers)
    advice = build_advice(kb, case_id, trace)
    swept = run_sweep(kb, case_id, answers, trace) if with_sweep else None
    return Appraisal(advice, trace, summarise(kb, advice, answers, swept), swept)
