"""What to practise next: the case picker (reviews are scheduled per item row by FSRS, see
``review_cards``).

Picking the next case: the verdict the trainee has met least often, clear cases first, harder
ones (close calls, failure stories) as the trainee succeeds, and among cases of a fitting
difficulty the one that exercises the trainee's weakest rules and topics, not the cases done
most often.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

# ----------------------------------------------------------------------------- next case
#: Difficulty a trainee starts at, and how much each good case (score >= GOOD) raises it.
START_DIFFICULTY, STEP_DIFFICULTY, GOOD = 0.15, 0.08, 0.6
UNSEEN_WEAKNESS = 0.6


@dataclass(frozen=True)
class CaseCandidate:
    case_id: str
    difficulty: float
    rules: tuple[str, ...]   # the rules that decide this case's steps
    topics: tuple[str, ...]
    outcome: str = ""        # the engine's verdict for the case


def target_difficulty(scores: Sequence[float]) -> float:
    """Where the trainee is: clear cases first, harder ones with every good result."""
    good = sum(1 for s in scores if s >= GOOD)
    return min(1.0, START_DIFFICULTY + STEP_DIFFICULTY * good)


def weakness(rules: Iterable[str], mastery: Mapping[str, tuple[float, int]]) -> float:
    """How much a case would exercise weak rules: mean (1 - mastery), unseen rules counted as fairly weak."""
    values = [1 - mastery[r][0] if r in mastery else UNSEEN_WEAKNESS for r in rules]
    return sum(values) / len(values) if values else 0.0


def pick_case(candidates: Sequence[CaseCandidate], scores: Sequence[float],
              rule_mastery: Mapping[str, tuple[float, int]],
              done: Mapping[str, int], rng: random.Random,
              outcomes_seen: Mapping[str, int] | None = None) -> CaseCandidate:
    """The case to exercise next (see the module docstring); ties broken by the seeded ``rng``.

    Outcomes are interleaved: the next case has the verdict the trainee has met least often
    (drawn by ``rng`` among equals), so that a run of clear PPP cases never teaches 'always
    answer PPP' and a blind guess of one verdict earns no more than chance."""
    target = target_difficulty(scores)
    if outcomes_seen is not None:
        kinds = sorted({c.outcome for c in candidates})
        fewest = min(outcomes_seen.get(k, 0) for k in kinds)
        chosen_kind = rng.choice([k for k in kinds if outcomes_seen.get(k, 0) == fewest])
        candidates = [c for c in candidates if c.outcome == chosen_kind]

    def value(c: CaseCandidate) -> float:
        return (-abs(c.difficulty - target) + 0.5 * weakness(c.rules, rule_mastery) - 0.3 * done.get(c.case_id, 0)
                + rng.random() * 0.05)

    scored = [(value(c), c.case_id, c) for c in candidates]
    return max(scored, key=lambda x: (x[0], x[1]))[2]
