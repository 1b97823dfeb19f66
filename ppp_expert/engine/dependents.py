"""Which phase-one rules an answer can reach: the one table the confidence and the consultation
read when they ask "what would this answer change?".

A rule depends on a question when its condition reads it, or reads a fact that a rule depending on
the question concludes. The decision (verdict and model) depends on the first phase only, so a
question's dependents are all that must be evaluated again when only its answer changes.
"""

from __future__ import annotations

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule


def dependents(kb: KnowledgeBase) -> dict[str, tuple[Rule, ...]]:
    """question -> the phase-one rules whose firing can depend on it, directly or through facts,
    in firing order (stratum, then position: a fact's producers before its readers)."""
    def compute() -> dict[str, tuple[Rule, ...]]:
        phase_one = sorted((r for r in kb.rules if r.phase == 1), key=lambda r: (r.stratum, r.position))
        readers: dict[str, list[Rule]] = {}
        for rule in phase_one:
            for fact in cond.facts_of(rule.condition):
                readers.setdefault(fact, []).append(rule)
        out: dict[str, tuple[Rule, ...]] = {}
        for qid in kb.questions:
            reached: dict[str, Rule] = {}
            stack = [r for r in phase_one if qid in r.questions]
            while stack:
                rule = stack.pop()
                if rule.id not in reached:
                    reached[rule.id] = rule
                    stack.extend(reader for fact in rule.concluded_facts for reader in readers.get(fact, ()))
            out[qid] = tuple(r for r in phase_one if r.id in reached)
        return out

    return kb.derived("phase_one_dependents", compute)
