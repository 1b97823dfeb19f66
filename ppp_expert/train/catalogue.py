"""What each programme case exercises, read off the engine once and kept.

Choosing the next case needs, for every case, its difficulty, the rules and guide sections each
step exercises and the red flags it raises (distractors for the others). That takes an engine
run per case; a summary is therefore cached in the training database, keyed by the knowledge
base's fingerprint and the case file's sha256, so a session starts without running the engine
on the whole library, and a changed knowledge base or case file is summarised again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Protocol

from ppp_expert import __version__
from ppp_expert.train.casework import advice_step, model_step, verdict_step
from ppp_expert.train.programme import Difficulty, Programme, kb_fingerprint
from ppp_expert.train.solved import Solved
from ppp_expert.train.step_parts import advice_rules, askable_setting

#: Bump when what a summary holds changes: old entries are then ignored.
SUMMARY_VERSION = 7


@dataclass(frozen=True)
class StepSummary:
    topic: str
    sections: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    difficulty: Difficulty
    steps: dict[str, StepSummary]   # step name -> what it exercises (whatever rows a seed draws)
    red_flags: tuple[str, ...]
    outcome: str = ""               # the engine's verdict (the picker interleaves outcomes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "CaseSummary":
        data = json.loads(text)
        steps = {k: StepSummary(v["topic"], tuple(v["sections"]), tuple(v["rules"])) for k, v in data["steps"].items()}
        return cls(data["case_id"], Difficulty(**data["difficulty"]), steps, tuple(data["red_flags"]),
                   str(data.get("outcome", "")))


class SummaryCache(Protocol):
    def get_summaries(self, keys: Iterable[str]) -> dict[str, str]: ...

    def put_summaries(self, entries: dict[str, str]) -> None: ...


def summarise(solved: Solved) -> CaseSummary:
    """The seed-independent view of a case's steps: every rule any draw of its steps could ask about."""
    kb, advice = solved.kb, solved.advice

    def step(topic: str, rules: Iterable[str]) -> StepSummary:
        unique = tuple(dict.fromkeys(rules))
        return StepSummary(topic, tuple(sorted({kb.rule(r).source for r in unique})), unique)

    # Only the steps the tutor will ask (casework.build_step): no outcome step when no rule decides
    # it (too few answers), no model or risk owners when no model is recommended. A case left with
    # no step at all is never chosen.
    steps: dict[str, StepSummary] = {}
    verdict = verdict_step(solved, 0)
    if verdict is not None:
        steps["verdict"] = step("model-selection", verdict.rules)
    if advice.recommendation.determined:
        steps["model"] = step("model-selection", model_step(solved, 0).rules)
    if advice.risk_allocation:
        steps["risks"] = step("risk-allocation", (a.rules[0] for a in advice.risk_allocation))
    if advice.red_flags:  # a case without any is not asked about flags: 'none' would be a free answer
        steps["red_flags"] = step("red-flags", (r for f in advice.red_flags for r in f.rules))
    implementation = advice_step(solved, 0, "implementation")
    if implementation is not None:
        steps["advice:implementation"] = step("implementation", (r for r in advice_rules(kb, "implementation")
                                                                 if r in solved.firings))
    for topic in ("structuring", "governance", "procurement"):
        settings = getattr(advice, topic).settings
        eligible = [s.rules[0] for k, s in settings.items() if askable_setting(kb, f"{topic}:{k}", s)]
        if eligible:
            steps[f"setting:{topic}"] = step(topic, eligible)
    return CaseSummary(solved.case.id, solved.case.difficulty, steps, tuple(f.id for f in advice.red_flags),
                       advice.appropriate.verdict)


class Catalogue:
    """Summaries of every programme case, from memory, the cache, or the engine (then cached)."""

    def __init__(self, programme: Programme, cache: SummaryCache | None = None,
                 solved: Any = None) -> None:
        self.programme = programme
        self.cache = cache
        self._solved = solved or (lambda case_id: Solved(programme.kb, programme.get(case_id)))
        self._memory: dict[str, CaseSummary] = {}

    def key(self, case_id: str) -> str:
        pc = self.programme.get(case_id)
        return f"{SUMMARY_VERSION}/{__version__}/{kb_fingerprint(self.programme.kb)}/{pc.sha256}"

    def all(self) -> dict[str, CaseSummary]:
        """Every case's summary; missing ones are computed and cached in one write."""
        missing = [c for c in self.programme.cases if c not in self._memory]
        if missing and self.cache is not None:
            keys = {self.key(c): c for c in missing}
            for key, text in self.cache.get_summaries(keys).items():
                try:
                    self._memory[keys[key]] = CaseSummary.from_json(text)
                except (KeyError, TypeError, ValueError):
                    continue  # an unreadable entry is computed again
        fresh = {c: summarise(self._solved(c)) for c in self.programme.cases if c not in self._memory}
        self._memory.update(fresh)
        if fresh and self.cache is not None:
            self.cache.put_summaries({self.key(c): s.to_json() for c, s in fresh.items()})
        return {c: self._memory[c] for c in self.programme.cases}

    def summary(self, case_id: str) -> CaseSummary:
        if case_id not in self._memory:
            self.all()
        return self._memory[case_id]

    def flags_elsewhere(self, case_id: str) -> list[str]:
        """Red flags that fire in other cases of the programme, in programme order."""
        out: dict[str, None] = {}
        for other, summary in self.all().items():
            if other != case_id:
                for flag in summary.red_flags:
                    out.setdefault(flag, None)
        return list(out)
