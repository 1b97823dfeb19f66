"""The scenario brief a trainee reads: the case's story and the facts an officer would have.

Never the outcome. The ``expected:`` block is not read at all, and case narratives are written
after the fact: they usually end with an analyst's verdict ("a concession fits the facts ...").
The brief keeps the story up to the first sentence that names an outcome (a model, a verdict,
a risk label) and blanks outcome words inside the sentences it keeps. The outcome words come
from the knowledge base's own model titles and ids, plus the few words narratives use for a
verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ppp_expert.cases.case import Case
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import PHASES
from ppp_expert.train.describe import answer_text

WITHHELD = "[…]"
#: Words a narrative uses for a verdict or a risk label rather than for a fact of the case.
VERDICT_WORDS = (r"procurement", r"PPPs?", r"public[- ]private partnerships?",
                 r"build[- ](?:own[- ])?operate[- ]transfer", r"concessionaires?", r"labelled")
#: Words that mark a sentence as the analyst's judgement rather than the story: the story stops
#: before the first one (a narrative may say "the expected verdict is therefore traditional").
JUDGEMENT_WORDS = (r"verdicts?", r"expected", r"advis[eo]r'?s?", r"traditional(?:ly)?", r"partnerships?",
                   r"undetermined", r"not[- ]yet", r"recommend\w*", r"readiness", r"gates?", r"labels?",
                   r"fits?", r"should")
JUDGEMENT = re.compile(r"\b(?:" + "|".join(JUDGEMENT_WORDS) + r")\b", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")
PHASE_TITLES = {"need": "The need", "drivers": "Why a partner", "market": "The market",
                "selection": "Priorities and constraints", "structuring": "Deal and context"}


def outcome_pattern(kb: KnowledgeBase) -> re.Pattern[str]:
    """A pattern matching any outcome word: model titles (each part of 'Concession / BOT'), ids,
    their plurals, and the verdict words (cached on the knowledge base)."""

    def compute() -> re.Pattern[str]:
        phrases: set[str] = set()
        for model in kb.models.values():
            phrases.add(model.id.replace("_", " "))
            for part in re.split(r"[/()]", model.title):
                part = part.strip()
                if len(part) >= 3:
                    phrases.add(part)
            first = model.id.split("_")[0]
            if first not in ("data", "traditional", "joint", "managed"):  # too common alone
                phrases.add(first)
        words = [re.escape(p.lower()).replace(r"\ ", r"[\s-]+") + r"(?:s|es)?"
                 for p in sorted(phrases, key=len, reverse=True)]
        words = [w.replace(r"services(?:s|es)?", r"services?") for w in words]
        return re.compile(r"\b(?:" + "|".join(words + list(VERDICT_WORDS)) + r")\b", re.IGNORECASE)

    return kb.derived("train.outcome_pattern", compute)


def model_pattern(kb: KnowledgeBase) -> re.Pattern[str]:
    """Model titles only (every part of 'Concession / BOT', and the ids in words): a fact statement
    such as 'Data partnership or analytics collaboration' would otherwise name the model."""

    def compute() -> re.Pattern[str]:
        phrases = {m.id.replace("_", " ") for m in kb.models.values()}
        for model in kb.models.values():
            phrases |= {part.strip() for part in re.split(r"[/()]", model.title) if len(part.strip()) >= 3}
        words = [re.escape(p.lower()).replace(r"\ ", r"[\s-]+") + r"(?:s|es)?"
                 for p in sorted(phrases, key=len, reverse=True)]
        return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)

    return kb.derived("train.model_pattern", compute)


def scenario(case: Case, kb: KnowledgeBase) -> str:
    """The narrative up to its first sentence naming an outcome or giving a judgement, outcome
    words blanked in the sentences kept."""
    pattern = outcome_pattern(kb)
    sentences = [s.strip() for s in SENTENCE.split(" ".join(case.narrative.split())) if s.strip()]
    kept: list[str] = []
    for i, sentence in enumerate(sentences):
        if i > 0 and (pattern.search(sentence) or JUDGEMENT.search(sentence)):
            break
        kept.append(JUDGEMENT.sub(WITHHELD, pattern.sub(WITHHELD, sentence)))
    return " ".join(kept)


def withhold_models(kb: KnowledgeBase, text: str) -> str:
    """A fact statement with any model's name blanked."""
    return model_pattern(kb).sub(WITHHELD, text)


@dataclass(frozen=True)
class FactGroup:
    phase: str
    title: str
    lines: tuple[str, ...]


def case_facts(case: Case, kb: KnowledgeBase) -> list[FactGroup]:
    """The case's answers as statements, grouped by the consultation's phases, in question order."""
    groups: list[FactGroup] = []
    for phase in PHASES:
        lines = tuple(withhold_models(kb, answer_text(kb, q.id, case.answers[q.id])) for q in kb.questions.values()
                      if q.phase == phase and q.id in case.answers)
        if lines:
            groups.append(FactGroup(phase, PHASE_TITLES.get(phase, phase.capitalize()), lines))
    return groups


def unknown_questions(case: Case, kb: KnowledgeBase) -> list[str]:
    """Questions the case leaves open (the officer does not know)."""
    return [q.id for q in kb.questions.values() if q.id not in case.answers]
