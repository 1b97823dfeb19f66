"""The loaded knowledge base: validated rules and the KnowledgeBase that holds them, with the values
derived from it (cached on it) and the questions upstream of a set of rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, TypeVar

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import Conclusion
from ppp_expert.kb.schema import Model, PracticeSource, Question, Risk, Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """A validated rule, ready to compile: parsed condition, typed conclusions, order keys."""

    id: str
    title: str
    source: str
    salience: int
    condition: cond.Condition
    conclusions: tuple[Conclusion, ...]
    position: int
    file: str
    specificity: int
    stratum: int = 0
    phase: int = 1

    @cached_property
    def questions(self) -> list[str]:
        return cond.questions_of(self.condition)

    @cached_property
    def concluded_facts(self) -> list[str]:
        return [c.declares_fact for c in self.conclusions if c.declares_fact is not None]

    @property
    def precedence(self) -> tuple[int, int, int]:
        """Rank among rules concluding the same target: most specific, highest salience, earliest."""
        return (-self.specificity, -self.salience, self.position)


@dataclass
class KnowledgeBase:
    """Everything the engine needs, validated and cross-checked."""

    path: Path
    questions: dict[str, Question]
    models: dict[str, Model]
    risks: dict[str, Risk]
    settings: Settings
    rules: list[Rule]
    fact_producers: dict[str, list[str]] = field(default_factory=dict)
    #: The register of practice documents (practice.yaml), or None when the knowledge base has none.
    practice: dict[str, PracticeSource] | None = None
    #: SHA-256 of the knowledge-base files (names and bytes): what derived caches are keyed by.
    fingerprint: str = ""
    #: Values derived from this knowledge base, computed once and kept with it (see ``derived``).
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from this knowledge base once and cached on it: its compiled engine,
        relevance analyses, the questions behind the verdict. The knowledge base is never changed
        after loading, so the cache can never go stale; it is not pickled (workers rebuild it)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_derived"} | {"_derived": {}}

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.rules}

    @property
    def question_order(self) -> list[str]:
        return list(self.questions)

    def upstream_questions(self, rule_ids: Iterable[str]) -> list[str]:
        """Questions the given rules read, directly or through the facts they depend on."""
        seen_rules: set[str] = set()
        questions: set[str] = set()
        stack = list(rule_ids)
        while stack:
            rule = self.rule(stack.pop())
            if rule.id in seen_rules:
                continue
            seen_rules.add(rule.id)
            questions.update(rule.questions)
            for fact in cond.facts_of(rule.condition):
                stack.extend(self.fact_producers.get(fact, ()))
        return [q for q in self.questions if q in questions]
