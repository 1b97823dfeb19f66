"""Static checks of a loaded knowledge base: what a knowledge engineer should fix or look at."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import PPP_OUTCOME
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import GUIDE_SECTIONS, PPP_MODELS


@dataclass(frozen=True)
class LintFinding:
    level: str  # "error" or "warning"
    where: str
    message: str

    def line(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def lint(kb: KnowledgeBase) -> list[LintFinding]:
    """All findings, errors first; loading already rejected anything structurally broken."""
    found: list[LintFinding] = []
    file_rules = [r for r in kb.rules if not r.id.startswith("risk.") or ".default." not in r.id]
    used_questions = {q for r in kb.rules for q in r.questions}
    for q in kb.questions:
        if q not in used_questions:
            found.append(LintFinding("error", f"questions.{q}", "question is used by no rule"))
    cited = {r.source for r in kb.rules}
    for section in GUIDE_SECTIONS:
        if section not in cited:
            found.append(LintFinding("error", f"guide section {section}", "cited by no rule"))
    read_facts = {f for r in kb.rules for f in cond.facts_of(r.condition)}
    for fact, producers in sorted(kb.fact_producers.items()):
        if fact not in read_facts and not _has_effect(kb, producers):
            found.append(LintFinding("warning", f"fact {fact}", f"concluded by {producers[0]} but read by no rule"))
    evidence = [(outcome, weight) for r in kb.rules for c in r.conclusions for outcome, weight, _ in c.evidence_on()]
    positive = {outcome for outcome, weight in evidence if weight > 0}
    for model in PPP_MODELS:
        if model not in positive:
            found.append(LintFinding("error", f"model {model}", "no rule gives evidence for it: it can never win"))
    if not any(outcome == PPP_OUTCOME and weight < 0 for outcome, weight in evidence):
        found.append(LintFinding("error", "model traditional_procurement", "no rule gives evidence against a PPP"))
    found.extend(_citations(kb))
    found.extend(_duplicates(file_rules))
    found.extend(_conflicts(file_rules))
    found.sort(key=lambda f: (f.level != "error", f.where))
    return found


def _citations(kb: KnowledgeBase) -> list[LintFinding]:
    """Every ``practice:`` citation must name a document of the register (practice.yaml)."""
    cited: dict[str, list[str]] = {}
    for rule in kb.rules:
        if ".default." not in rule.id:
            cited.setdefault(rule.source, []).append(f"rule {rule.id}")
    for model in kb.models.values():
        cited.setdefault(model.source, []).append(f"models.{model.id}")
    for risk in kb.risks.values():
        cited.setdefault(risk.source, []).append(f"risks.{risk.id}")
    for question in kb.questions.values():
        for source in question.guide:
            cited.setdefault(source, []).append(f"questions.{question.id}")
    practice = {s.split(":", 1)[1]: where for s, where in cited.items() if s.startswith("practice:")}
    if kb.practice is None:
        return [LintFinding("warning", "practice.yaml", f"no register of practice documents: {len(practice)} "
                        "practice citations cannot be checked")] if practice else []
    found = []
    for name, where in sorted(practice.items()):
        if name not in kb.practice:
            from ppp_expert.kb.sources import suggest

            found.append(LintFinding("error", where[0], f"cites practice:{name}, which the register (practice.yaml) "
                                 f"does not list{suggest(name, kb.practice)}" + (
                                     f" (also cited by {len(where) - 1} more)" if len(where) > 1 else "")))
    return found


def _has_effect(kb: KnowledgeBase, producers: list[str]) -> bool:
    """A fact nobody reads is fine when the rule that concludes it also concludes more."""
    return any(len(kb.rule(p).conclusions) > 1 for p in producers)


def _duplicates(rules: list) -> list[LintFinding]:
    seen: dict[tuple, str] = {}
    out = []
    for r in rules:
        key = (r.condition, tuple(repr(c) for c in r.conclusions))
        if key in seen:
            out.append(LintFinding("warning", f"rule {r.id}",
                                   f"redundant: same conditions and conclusions as {seen[key]}"))
        else:
            seen[key] = r.id
    return out


def _conflicts(rules: list) -> list[LintFinding]:
    """Two rules with the same condition that decide the same target (a risk owner, a setting)
    differently: precedence cannot choose between them by specificity."""
    placed: dict[tuple, list[tuple[str, str]]] = {}
    for r in rules:
        for c in r.conclusions:
            if c.competition == "precedence":
                placed.setdefault((r.condition, c.target), []).append((r.id, c.value))
    out = []
    for (_, target), entries in placed.items():
        values = Counter(v for _, v in entries)
        if len(values) > 1:
            ids = ", ".join(i for i, _ in entries)
            what = target.replace("risk:", "risk ", 1) if target.startswith("risk:") else target
            out.append(LintFinding("error", what, f"conflicting conclusions under identical conditions: {ids}"))
    return out


def stats(kb: KnowledgeBase) -> dict[str, object]:
    """Counts by topic, for `kb stats` and the issue reports."""
    by_topic = Counter(r.id.split(".")[0] for r in kb.rules)
    by_file = Counter(r.file.rsplit("/", 1)[-1] for r in kb.rules)
    return {
        "questions": len(kb.questions), "models": len(kb.models), "risks": len(kb.risks),
        "rules": len(kb.rules), "rules_by_topic": dict(sorted(by_topic.items())),
        "rules_by_file": dict(sorted(by_file.items())),
        "facts": len(kb.fact_producers), "max_stratum": max((r.stratum for r in kb.rules), default=0),
    }
