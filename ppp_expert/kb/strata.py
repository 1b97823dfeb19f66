"""Each rule's phase and stratum: the producers of a fact run before its readers, and a rule that
reads the decision runs in the second phase (and may not give evidence for the decision)."""

from __future__ import annotations

from dataclasses import replace

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import Rule
from ppp_expert.kb.sources import suggest


def stratify(rules: list[Rule]) -> tuple[list[Rule], dict[str, list[str]]]:
    """Give each rule its phase and stratum: producers of a fact run before its readers."""
    producers: dict[str, list[str]] = {}
    for rule in rules:
        for fact in rule.concluded_facts:
            producers.setdefault(fact, []).append(rule.id)
    by_id = {r.id: r for r in rules}
    for rule in rules:
        for fact in cond.facts_of(rule.condition):
            if fact not in producers:
                raise KnowledgeBaseError(
                    f"fact '{fact}' is never concluded by any rule{suggest(fact, producers)}",
                    path=rule.file, field=f"rule {rule.id}: when",
                )

    strata: dict[str, int] = {}
    phases: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(rule: Rule) -> tuple[int, int]:
        if rule.id in strata:
            return strata[rule.id], phases[rule.id]
        if rule.id in visiting:
            raise KnowledgeBaseError("rules conclude facts in a cycle", path=rule.file, field=f"rule {rule.id}")
        visiting.add(rule.id)
        stratum, phase = 0, 2 if cond.is_second_phase(rule.condition) else 1
        for fact in cond.facts_of(rule.condition):
            for producer in producers[fact]:
                p_stratum, p_phase = visit(by_id[producer])
                stratum, phase = max(stratum, p_stratum + 1), max(phase, p_phase)
        visiting.discard(rule.id)
        strata[rule.id], phases[rule.id] = stratum, phase
        return stratum, phase

    ordered = []
    for rule in rules:
        stratum, phase = visit(rule)
        if phase == 2 and any(c.competition == "certainty" for c in rule.conclusions):
            raise KnowledgeBaseError(
                "a rule that depends on the decision (model/verdict) cannot give evidence for it",
                path=rule.file, field=f"rule {rule.id}: then",
            )
        ordered.append(replace(rule, stratum=stratum, phase=phase))
    return ordered, producers
