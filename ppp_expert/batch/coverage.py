"""Which rules and questions a set of cases exercises (`kb coverage`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ppp_expert.api import reasoner_for
from ppp_expert.cases.case import load_case
from ppp_expert.errors import CaseError, printable
from ppp_expert.kb.knowledge_base import KnowledgeBase


@dataclass
class Coverage:
    cases: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def never_fired(self, kb: KnowledgeBase) -> list[str]:
        return [r.id for r in kb.rules if r.id not in self.fired]

    def never_answered(self, kb: KnowledgeBase) -> list[str]:
        return [q for q in kb.questions if q not in self.answered]


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """Case files found the way ``batch`` finds them (folders, globs, duplicates once), in order."""
    from ppp_expert.batch.discover import discover

    return [Path(p) for p in discover(str(p) for p in paths).cases]


def measure(kb: KnowledgeBase, paths: Iterable[str | Path]) -> Coverage:
    """Evaluate every case and count which rules fired and which questions were answered."""
    from ppp_expert.batch.discover import discover

    discovery = discover(str(p) for p in paths)
    result = Coverage(errors=[printable(f"{arg}: {reason}") for arg, reason in discovery.problems])
    reasoner = reasoner_for(kb)
    for path in discovery.cases:
        try:
            case = load_case(path, kb)
        except CaseError as exc:
            result.errors.append(exc.one_line())
            continue
        trace = reasoner.run(case.answers)
        result.cases += 1
        result.fired.update({f.rule.id for f in trace.firings})
        result.answered.update(list(case.answers))
    return result
