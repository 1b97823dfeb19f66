"""What a session practises: the curriculum filters, the next case, review items, an exam's set.

Curricula: ``--topic`` (model-selection, risk-allocation, red-flags, structuring, governance,
procurement, implementation) keeps the case steps and bank items of that topic; ``--section``
keeps those whose deciding rules cite that guide section. Unknown names are one-line errors
listing the valid ones.
"""

from __future__ import annotations

import random
from typing import Iterable

from ppp_expert.errors import PPPExpertError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import GUIDE_SECTIONS
from ppp_expert.kb.sources import suggest
from ppp_expert.train.banks import BANK_TYPES
from ppp_expert.train.blueprint import Blueprint, draw, quotas
from ppp_expert.train.casework import ALL_STEPS, TOPIC_STEPS
from ppp_expert.train.items import Item
from ppp_expert.train.learner import Trainee
from ppp_expert.train.schedule import CaseCandidate, pick_case, weakness
from ppp_expert.train.step_parts import CURRICULUM_TOPICS
from ppp_expert.train.tutor import Tutor

TOPICS = CURRICULUM_TOPICS


class CurriculumError(PPPExpertError):
    """An unknown topic or section."""


def check_topic(topic: str | None) -> str | None:
    if topic is not None and topic not in TOPICS:
        raise CurriculumError(f"unknown topic '{topic}'{suggest(topic, TOPICS)}; expected one of {', '.join(TOPICS)}",
                              field="--topic")
    return topic


def sections(kb: KnowledgeBase) -> list[str]:
    """The guide sections (and practice sources) the knowledge base's rules cite, guide order first.

    Only rules the tutor can examine count: a rule whose only conclusions are pieces of advice
    text has no right or wrong answer to grade."""
    cited = {r.source for r in kb.rules if any(c.kind != "advise" for c in r.conclusions)}
    return [s for s in GUIDE_SECTIONS if s in cited] + sorted(s for s in cited if s not in GUIDE_SECTIONS)


def check_section(kb: KnowledgeBase, section: str | None) -> str | None:
    valid = sections(kb)
    if section is not None and section not in valid:
        raise CurriculumError(f"unknown section '{section}'{suggest(section, valid)}; expected one of "
                              f"{', '.join(valid)}", field="--section")
    return section


def steps_for(topic: str | None) -> tuple[str, ...]:
    return ALL_STEPS if topic is None else TOPIC_STEPS.get(topic, ())


def fits(item: Item, topic: str | None, section: str | None) -> bool:
    return (topic is None or item.topic == topic) and (section is None or section in item.sections)


def case_candidates(tutor: Tutor, steps: Iterable[str], section: str | None) -> list[CaseCandidate]:
    """Every programme case that has a step to ask (and, with a section, one citing it), from the
    catalogue's summaries (no engine run once they are cached)."""
    assert tutor.catalogue is not None
    found = []
    for case_id, summary in tutor.catalogue.all().items():
        parts = [summary.steps[s] for s in steps if s in summary.steps]
        if section is not None:
            parts = [p for p in parts if section in p.sections]
        if not parts:
            continue
        rules = tuple(dict.fromkeys(r for p in parts for r in p.rules))
        found.append(CaseCandidate(case_id, summary.difficulty.score, rules, tuple(sorted({p.topic for p in parts})),
                                   summary.outcome))
    return found


def next_case(tutor: Tutor, trainee: Trainee, topic: str | None, section: str | None, rng: random.Random,
              seed: int) -> tuple[str, tuple[str, ...]] | None:
    """(case id, steps) to exercise next, or None when no case has a step for this curriculum."""
    steps = steps_for(topic)
    if not steps:
        return None
    candidates = case_candidates(tutor, steps, section)
    if not candidates:
        return None
    learner = tutor.learner
    done = learner.cases_done(trainee)
    outcome = {c.case_id: c.outcome for c in candidates}
    seen: dict[str, int] = {}
    for case_id, n in done.items():
        if case_id in outcome:
            seen[outcome[case_id]] = seen.get(outcome[case_id], 0) + n
    chosen = pick_case(candidates, learner.finished_scores(trainee), learner.mastery(trainee, "rule"), done, rng, seen)
    if section is not None:
        steps = tuple(s for s in steps if (i := tutor.step_item(chosen.case_id, seed, s)) is not None
                      and section in i.sections)
    return chosen.case_id, steps


def review_items(tutor: Tutor, trainee: Trainee, topic: str | None, section: str | None, count: int,
                 rng: random.Random, seed: int, exclude: set[str]) -> list[Item]:
    """Up to ``count`` items: those with a row due for review (FSRS) first, then new
    bank items of the trainee's weakest topics and rules."""
    chosen: list[Item] = []
    for item_id in tutor.learner.due(trainee):
        if len(chosen) >= count:
            return chosen
        if item_id in exclude:
            continue
        item = tutor.item_by_id(item_id, seed)
        if item is not None and fits(item, topic, section):
            chosen.append(item)
            exclude.add(item_id)
    if len(chosen) >= count:
        return chosen
    seen = tutor.learner.seen(trainee)
    topics = tutor.learner.mastery(trainee, "topic")
    rules = tutor.learner.mastery(trainee, "rule")
    cases = list(tutor.programme.cases)
    rng.shuffle(cases)
    pool: list[Item] = []
    for case_id in cases[:6]:
        pool += [i for i in tutor.bank(case_id) if fits(i, topic, section)
                 and i.id not in seen and i.id not in exclude]
    pool += [i for i in tutor.authored.items.values() if fits(i, topic, section) and i.id not in seen
             and i.id not in exclude]
    by_type: dict[str, list[Item]] = {t: [] for t in (*BANK_TYPES, "trainer")}
    for item in pool:
        by_type[item.type].append(item)
    # Weakest first: topic mastery (unseen topics count as weak), then the item's rules.
    def weak(item: Item) -> float:
        level = topics.get(item.topic, (0.0, 0))[0]
        return (1 - level) + weakness(item.rules, rules) + rng.random() * 0.1

    for items in by_type.values():
        items.sort(key=weak, reverse=True)
    while len(chosen) < count and any(by_type.values()):
        for kind in rng.sample(list(by_type), len(by_type)):
            if by_type[kind] and len(chosen) < count:
                item = by_type[kind].pop(0)
                chosen.append(item)
                exclude.add(item.id)
    return chosen


def exam_items(tutor: Tutor, count: int, seed: int, topic: str | None, section: str | None) -> list[Item]:
    """A fixed exam set for a seed, drawn by the published blueprint (``blueprint``): the same
    items for every trainee, case steps and bank items of every topic in the blueprint's shares."""
    rng = random.Random(f"exam/{seed}")
    cases = sorted(tutor.programme.cases)
    rng.shuffle(cases)
    steps = [s for t in ([topic] if topic else TOPIC_STEPS) for s in TOPIC_STEPS.get(t, ())]
    pool: dict[str, list[Item]] = {}
    for case_id in cases:
        for step in steps:
            item = tutor.step_item(case_id, seed, step)
            if item is not None and fits(item, topic, section):
                pool.setdefault(item.topic, []).append(item)
        for item in tutor.bank(case_id):
            if fits(item, topic, section):
                pool.setdefault(item.topic, []).append(item)
    for item in tutor.authored.items.values():
        if fits(item, topic, section):
            pool.setdefault(item.topic, []).append(item)
    for items in pool.values():
        rng.shuffle(items)
    plan = exam_blueprint(count, topic)
    return draw(pool, plan, rng, cap_sections=section is None)


def exam_blueprint(count: int, topic: str | None) -> Blueprint:
    """The blueprint of an exam of ``count`` items (one topic's exam: all of them that topic)."""
    return quotas(count, [topic] if topic else None)
