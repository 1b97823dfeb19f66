"""What every step of a case exercise shares: the step names and credits, the seeded draws, the
values rules can set and which of them overlap, the red flags and the advice the knowledge base
can give. Kept apart from the steps themselves (``casework``, ``choice_steps``) so that each
stays small."""

from __future__ import annotations

import json
import random
from typing import Any

from ppp_expert.kb.conclusions import AdviseConclusion, RedFlagConclusion, SetConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import TOPICS as KB_TOPICS
from ppp_expert.train.items import Choice, Claim

#: The curriculum's topics (``--topic``), in the order progress shows them.
CURRICULUM_TOPICS = ("model-selection", "risk-allocation", "red-flags", *KB_TOPICS)
STEPS = ("verdict", "model", "risks", "red_flags", "setting", "advice")
STEP_TITLES = {"verdict": "PPP or traditional procurement", "model": "The partnership model",
               "risks": "Who carries which risk", "red_flags": "Red flags", "setting": "A structuring setting",
               "advice": "Advice that applies"}
#: The steps a case exercise asks by default, and those a ``--topic`` keeps.
ALL_STEPS = ("verdict", "model", "risks", "red_flags", "setting:structuring")
TOPIC_STEPS = {"model-selection": ("verdict", "model"), "risk-allocation": ("risks",), "red-flags": ("red_flags",),
               "structuring": ("setting:structuring",), "governance": ("setting:governance",),
               "procurement": ("setting:procurement",), "implementation": ("advice:implementation",)}
#: Partial credit for a defensible alternative (a close call, an allocation a less specific rule made).
CLOSE_CREDIT = 0.5
#: A less specific rule's answer that a more specific one overrode: a quarter, since the overridden
#: value is often a model's default ('shared'), which naming one owner everywhere would collect.
OVERRIDDEN_CREDIT = 0.25
#: Full credit: the engine itself ranks two models within the close-call margin, so either is right.
ACCEPTED = 1.0
MIN_RISKS, MAX_RISKS = 5, 8
FLAG_OPTIONS = 6
PARTY_WORDS = {"public": "Public (the authority)", "private": "Private (the partner)", "shared": "Shared"}


def step_rng(seed: int, case_id: str, step: str) -> random.Random:
    """A generator for one step: the same seed, case and step always draw the same."""
    return random.Random(f"{seed}/{case_id}/{step}")


def value_key(value: Any) -> str:
    """A setting value as a comparable key (a dict such as a term range in canonical JSON)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)


def sections_of(kb: KnowledgeBase, claims: tuple[Claim, ...]) -> tuple[str, ...]:
    return tuple(sorted({kb.rule(b.rule).source for c in claims for b in c.deciding}))


# ---------------------------------------------------------------------------- steps
def shuffled(choices: list[Choice], seed: int, case_id: str, step: str) -> tuple[Choice, ...]:
    """The choices in an order drawn from the session's seed and the case: no position tells the
    answer, and the prompt needs no engine run (it is shown while the engine compiles)."""
    step_rng(seed, case_id, f"{step}/order").shuffle(choices)
    return tuple(choices)


def balanced_rows(allocations: list[Any], n: int, rng: random.Random) -> list[str]:
    """At most ``n`` risks to ask, their owners as even as the case allows (one of each owner in turn),
    so that naming one owner for every row earns no more than a guess; within an owner, risks a
    case-specific rule decides come first."""
    groups: dict[str, list[Any]] = {}
    for a in allocations:
        groups.setdefault(a.party, []).append(a)
    for members in groups.values():
        rng.shuffle(members)
        members.sort(key=lambda a: ".default." in a.rules[0] and not a.overridden)
    parties = sorted(groups)
    rng.shuffle(parties)
    # No owner more than one row ahead of another: a case with few risks of one owner asks fewer rows.
    fewest = min(len(m) for m in groups.values())
    n = min(n, sum(min(len(m), fewest + 1) for m in groups.values()))
    chosen: list[str] = []
    while len(chosen) < n and any(groups.values()):
        for party in parties:
            if groups[party] and len(chosen) < n:
                chosen.append(groups[party].pop(0).risk)
    return chosen


def flag_titles(kb: KnowledgeBase) -> dict[str, str]:
    """Every red flag the knowledge base can raise, by id, in knowledge-base order."""
    def compute() -> dict[str, str]:
        titles: dict[str, str] = {}
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, RedFlagConclusion):
                    titles.setdefault(c.red_flag.id, c.red_flag.title)
        return titles

    return kb.derived("train.flag_titles", compute)


def setting_values(kb: KnowledgeBase) -> dict[str, list[Any]]:
    """``topic:key`` -> every value a rule can set, in knowledge-base order (cached)."""
    def compute() -> dict[str, list[Any]]:
        values: dict[str, dict[str, Any]] = {}
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, SetConclusion):
                    values.setdefault(c.target, {}).setdefault(value_key(c.set.value), c.set.value)
        return {target: list(v.values()) for target, v in values.items()}

    return kb.derived("train.setting_values", compute)


MAX_SETTING_CHOICES = 5
#: Words that carry no meaning of their own in a setting value's id.
_FILLER = {"and", "with", "to", "the", "of", "on", "a", "as", "or", "by"}


def overlaps(a: Any, b: Any) -> bool:
    """Whether two setting values say partly the same thing, so that a trainee choosing one when
    the engine chose the other is not simply wrong: two term ranges sharing a year, or two ids
    sharing at least half of their meaningful words ('unamortised_investment' and
    'unamortised_private_investment')."""
    if isinstance(a, dict) and isinstance(b, dict) and {"min", "max"} <= set(a) & set(b):
        return max(a["min"], b["min"]) <= min(a["max"], b["max"])
    words_a = set(str(a).lower().split("_")) - _FILLER
    words_b = set(str(b).lower().split("_")) - _FILLER
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= 0.5


def distinct_values(kb: KnowledgeBase, target: str, value: Any) -> list[Any]:
    """The values rules can set for ``target`` that do not overlap ``value``: fair distractors."""
    return [v for v in setting_values(kb).get(target, ())
            if value_key(v) != value_key(value) and not overlaps(v, value)]


def askable_setting(kb: KnowledgeBase, target: str, setting: Any) -> bool:
    """A setting is asked when it offers at least two distractors that do not overlap the key."""
    return len(distinct_values(kb, target, setting.value)) >= 2


def advice_rules(kb: KnowledgeBase, topic: str) -> list[str]:
    """Rules that give a piece of ``topic`` advice (implementation: mobilisation, exit plan ...)."""
    def compute() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, AdviseConclusion):
                    found.setdefault(c.advise.topic, [])
                    if rule.id not in found[c.advise.topic]:
                        found[c.advise.topic].append(rule.id)
        return found

    return kb.derived("train.advice_rules", compute).get(topic, [])


def half_ordered(items: list[Any], rng: random.Random) -> list[Any]:
    """``items`` (in their right order) shown in an order with exactly half of the pairs (rounded
    down) the right way round: the order shown, and its reverse, are worth no more than a random
    order, so only knowing the order earns credit."""
    n = len(items)
    target = n * (n - 1) // 4
    for _ in range(1000):
        shown = list(range(n))
        rng.shuffle(shown)
        right = sum(1 for i in range(n) for j in range(i + 1, n) if shown[i] < shown[j])
        if right == target:
            return [items[k] for k in shown]
    return list(reversed(items))
