"""The training programme: the case library (shipped cases plus the trainer's), each case solved
by the engine, and each case's difficulty read off the engine's own result.

Nothing here is a hand-written key: a case's answers are whatever the loaded knowledge base
concludes for it, so a knowledge-base change changes the training at once. A case file's
``expected:`` block is never used for grading (and never shown before an answer).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ppp_expert.cases.case import Case, case_from_bytes
from ppp_expert.errors import CaseError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.yaml_io import read_bytes

if TYPE_CHECKING:  # the engine (experta) is imported when a case is first solved, not at start-up
    from ppp_expert.advice.contract import Advice
    from ppp_expert.engine.reasoner import Trace

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def shipped_cases_dir() -> Path:
    """The shipped case library: package data in an installed wheel, else the checkout's ``cases/``."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "case_library"
    return installed if installed.is_dir() else package.parent / "cases"


def kb_fingerprint(kb: KnowledgeBase) -> str:
    """A short sha256 of the knowledge-base files: stored with every attempt, so a trainer can tell
    which knowledge base graded it (cached on the knowledge base)."""

    def compute() -> str:
        digest = hashlib.sha256()
        root = Path(kb.path)
        for path in sorted(p for p in root.rglob("*.yaml") if p.is_file()):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()[:16]

    return kb.derived("train.kb_fingerprint", compute)


@dataclass(frozen=True)
class Difficulty:
    """How hard a case is, from the engine's result: a close model choice, a verdict near its
    threshold, many overridden default allocations and many red flags (a failure story)."""

    margin: float          # top model score minus the runner-up's
    verdict_margin: float  # |PPP certainty| above the verdict threshold
    overridden: int        # risk allocations where a case-specific rule overrode another
    red_flags: int
    score: float           # 0 (clear) .. 1 (hard)

    @property
    def level(self) -> str:
        return "clear" if self.score < 0.3 else "moderate" if self.score < 0.5 else "hard"


def difficulty_of(kb: KnowledgeBase, advice: "Advice") -> Difficulty:
    ranking = advice.recommendation.ranking
    margin = ranking[0].score - ranking[1].score if len(ranking) > 1 else 1.0
    verdict_margin = abs(advice.appropriate.certainty) - kb.settings.verdict_threshold
    overridden = sum(1 for r in advice.risk_allocation if r.overridden)
    flags = len(advice.red_flags)
    closeness = max(0.0, 1 - margin / 0.5, 1 - max(verdict_margin, 0.0) / 0.3)
    share = overridden / max(len(advice.risk_allocation), 1)
    score = 0.4 * closeness + 0.3 * min(share * 2, 1.0) + 0.3 * min(flags / 8, 1.0)
    return Difficulty(round(margin, 4), round(verdict_margin, 4), overridden, flags, round(score, 3))


@dataclass
class ProgrammeCase:
    """A case of the programme, solved by the engine on first use."""

    case: Case
    origin: str            # "shipped" or "trainer"
    source: str            # where it came from (a path, or the name it was added under)
    sha256: str
    kb: KnowledgeBase

    @property
    def id(self) -> str:
        return self.case.id

    @cached_property
    def trace(self) -> "Trace":
        from ppp_expert.engine.reasoner import reasoner_for

        return reasoner_for(self.kb).run(self.case.answers)

    @cached_property
    def advice(self) -> "Advice":
        from ppp_expert.advice.assemble import build_advice

        return build_advice(self.kb, self.case.id, self.trace)

    @cached_property
    def difficulty(self) -> Difficulty:
        return difficulty_of(self.kb, self.advice)


def case_from_file_bytes(raw: bytes, name: str, kb: KnowledgeBase, origin: str) -> ProgrammeCase:
    """Validate a case file's bytes as a training case: a valid case file with a narrative."""
    case = case_from_bytes(raw, Path(name), kb)
    if not case.narrative.strip():
        raise CaseError("a training case needs a narrative (the scenario the trainee reads); "
                        "expected a 'narrative:' text", path=name, field="narrative")
    return ProgrammeCase(case, origin, name, hashlib.sha256(raw).hexdigest(), kb)


class Programme:
    """The cases a trainee can be given, by id, in a stable order (shipped first, then the trainer's)."""

    def __init__(self, kb: KnowledgeBase, cases: Iterable[ProgrammeCase]) -> None:
        self.kb = kb
        self.cases: dict[str, ProgrammeCase] = {}
        for c in cases:
            if c.id in self.cases:
                other = self.cases[c.id]
                raise CaseError(f"case id '{c.id}' is already in the programme (from {other.source}); "
                                "expected a unique id", path=c.source, field="id")
            self.cases[c.id] = c

    def __len__(self) -> int:
        return len(self.cases)

    def get(self, case_id: str) -> ProgrammeCase:
        if case_id not in self.cases:
            from ppp_expert.kb.sources import suggest

            raise CaseError(f"no case '{case_id}' in the programme{suggest(case_id, self.cases)}; expected one of "
                            f"{', '.join(sorted(self.cases))}", field="--case")
        return self.cases[case_id]


def shipped_case_files(folder: Path | None = None) -> list[Path]:
    root = folder or shipped_cases_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.suffix.lower() in CASE_SUFFIXES and p.is_file()
                  and not p.name.startswith("."))


def load_programme(kb: KnowledgeBase, trainer_cases: Iterable[tuple[str, bytes]] = (),
                   folder: Path | None = None) -> Programme:
    """The shipped cases (or those in ``folder``) plus the trainer's ``(name, bytes)`` case files."""
    cases = []
    for path in shipped_case_files(folder):
        raw = read_bytes(path, CaseError)
        if b"narrative" not in raw:  # a regression case without a story is not an exercise
            continue
        cases.append(case_from_file_bytes(raw, str(path), kb, "shipped"))
    for name, raw in trainer_cases:
        try:
            cases.append(case_from_file_bytes(raw, name, kb, "trainer"))
        except CaseError as exc:  # stored in the database: say how to mend it
            raise CaseError(f"{exc.detail} (a trainer case stored in the training database: add a fixed file "
                            "with 'ppp-expert train add-case FILE --replace' or remove it with "
                            f"'ppp-expert train remove-case {name}')", path=exc.path, field=exc.field) from None
    return Programme(kb, cases)
