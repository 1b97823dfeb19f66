"""The exam blueprint: how many items of each topic an exam holds, and how much of it one guide
section may take, published so a trainer knows what an exam covers before anyone sits it.

The shares below are turned into whole items per exam by largest remainders, so every exam of
the same length has the same number of items per topic; which items fill each topic is drawn
from the exam's seed (its id), so one seed is one fixed exam. No guide section is the main
source of more than ``SECTION_CAP`` of the items (an item's main section is the first guide
section it cites, in the guide's order). A topic with too few items gives its places to the
next topics in the table.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Iterable

from ppp_expert.kb.schema import GUIDE_SECTIONS
from ppp_expert.train.items import Item

#: Share of an exam per topic (published in docs/train.md; sums to 1).
TOPIC_SHARES = (("model-selection", 0.25), ("risk-allocation", 0.20), ("red-flags", 0.15), ("structuring", 0.15),
                ("governance", 0.10), ("procurement", 0.10), ("implementation", 0.05))
#: At most this share of an exam's items may have one guide section as their main source.
SECTION_CAP = 0.25


@dataclass(frozen=True)
class Blueprint:
    topics: tuple[tuple[str, int], ...]   # (topic, items)
    section_cap: int                      # items per main guide section at most

    def to_json(self) -> dict[str, object]:
        return {"topics": dict(self.topics), "section_cap": self.section_cap}

    def text(self) -> str:
        return ", ".join(f"{t} {n}" for t, n in self.topics if n) + f"; at most {self.section_cap} per guide section"


def quotas(count: int, topics: Iterable[str] | None = None) -> Blueprint:
    """Whole items per topic for an exam of ``count`` items (largest remainders), over ``topics``
    (all of them by default; the shares of the others are spread in proportion)."""
    kept = [(t, s) for t, s in TOPIC_SHARES if topics is None or t in set(topics)]
    total = sum(s for _, s in kept) or 1.0
    exact = [(t, count * s / total) for t, s in kept]
    whole = {t: math.floor(x) for t, x in exact}
    left = count - sum(whole.values())
    for t, x in sorted(exact, key=lambda tx: (-(tx[1] - math.floor(tx[1])), [k for k, _ in kept].index(tx[0])))[:left]:
        whole[t] += 1
    return Blueprint(tuple((t, whole[t]) for t, _ in kept), max(1, math.ceil(count * SECTION_CAP)))


def main_section(item: Item) -> str:
    """The first guide section an item cites, in the guide's order (else its first source)."""
    cited = [s for s in GUIDE_SECTIONS if s in item.sections]
    return cited[0] if cited else (item.sections[0] if item.sections else "")


def draw(pool: dict[str, list[Item]], blueprint: Blueprint, rng: random.Random,
         cap_sections: bool = True) -> list[Item]:
    """Fill the blueprint from ``pool`` (topic -> items, in a seeded order): item types taken in
    turn within a topic, one item per case and topic where possible, the section cap kept; a
    topic short of items hands its places on. The exam's order is shuffled by ``rng``."""
    per_section: dict[str, int] = {}
    chosen: list[Item] = []
    carry = 0
    for topic, wanted in blueprint.topics:
        need = wanted + carry
        picked = _fill(pool.get(topic, []), need, per_section, blueprint.section_cap if cap_sections else 10**6)
        chosen += picked
        carry = need - len(picked)
    rng.shuffle(chosen)
    return chosen


def _fill(items: list[Item], need: int, per_section: dict[str, int], cap: int) -> list[Item]:
    by_type: dict[str, list[Item]] = {}
    for item in items:
        by_type.setdefault(item.type, []).append(item)
    picked: list[Item] = []
    taken: set[str] = set()
    cases: set[str | None] = set()
    for strict in (True, False):  # first one item per case, then any case
        progress = True
        while len(picked) < need and progress:
            progress = False
            for kind in sorted(by_type, key=lambda k: (k == "ar", k)):  # true/false-like items last
                if len(picked) >= need:
                    break
                for item in by_type[kind]:
                    if item.id in taken or (strict and item.case in cases):
                        continue
                    if per_section.get(main_section(item), 0) >= cap:
                        continue
                    picked.append(item)
                    taken.add(item.id)
                    cases.add(item.case)
                    per_section[main_section(item)] = per_section.get(main_section(item), 0) + 1
                    progress = True
                    break
    return picked
