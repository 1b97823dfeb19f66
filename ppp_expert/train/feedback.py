"""Graduated feedback, built from the rules themselves, one level at a time on request.

Level by level: right or wrong, and which item; a hint (the facts of the case that matter, in
plain words, without the answer); the rule that decides it (its title, its reason, the facts
of this case that made it fire, its guide section, glossary terms) with, when the trainee
claimed something the engine did not conclude, a WHY-NOT: the nearest rule that would have
supported the claim and the condition that failed, or the more specific rule that overrode
it; and last the engine's answer with its ranking.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable

from ppp_expert.content.texts import Glossary
from ppp_expert.kb.sections import section_title
from ppp_expert.train.brief import withhold_models
from ppp_expert.train.describe import VERDICT_WORDS, model_title
from ppp_expert.train.grading import ClaimGrade, Grade
from ppp_expert.train.items import Backing, Claim, Item
from ppp_expert.train.solved import Blocked, Solved, plain_reason

MAX_TERMS = 3
LEVELS = ("hint", "more", "answer")


@dataclass(frozen=True)
class RuleNote:
    """The rule that decides an item, as the trainee reads it."""

    rule: str
    title: str
    reason: str
    facts: tuple[str, ...]
    section: str
    section_title: str
    fired: bool = True
    failed: tuple[str, ...] = ()   # when it did not fire: the conditions that are false here


@dataclass(frozen=True)
class WhyNotNote:
    """Why the engine did not conclude what the trainee claimed."""

    claim: str
    rule: str
    title: str
    section: str
    section_title: str
    failed: tuple[str, ...] = ()
    overridden_by: str | None = None
    against: str | None = None     # the strongest rule that fired against the claim


@dataclass(frozen=True)
class ClaimFeedback:
    key: str
    label: str
    verdict: str                   # right | partly right | wrong | skipped
    given: str
    note: str
    hint: tuple[str, ...]
    rules: tuple[RuleNote, ...]
    why_not: WhyNotNote | None
    answer: str
    terms: tuple[str, ...] = ()     # glossary terms about this claim


@dataclass(frozen=True)
class Feedback:
    item: str
    verdict: str
    score: float
    claims: tuple[ClaimFeedback, ...]
    terms: tuple[str, ...]          # glossary terms to look up (``glossary TERM``)

    @property
    def to_fix(self) -> tuple[ClaimFeedback, ...]:
        """The claims that were not fully right (what the levels are about)."""
        return tuple(c for c in self.claims if c.verdict != "right")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def rule_note(solved: Solved, backing: Backing, target: str | None = None) -> RuleNote:
    rule = solved.kb.rule(backing.rule)
    fired = rule.id in solved.firings
    return RuleNote(rule.id, rule.title, plain_reason(solved.kb, rule, target), tuple(solved.facts(backing)),
                    rule.source, section_title(rule.source), fired, () if fired else solved.failed(rule))


def _blocked_note(solved: Solved, claim_text: str, blocked: Blocked | None,
                  against: Blocked | None = None) -> WhyNotNote | None:
    if blocked is None and against is None:
        return None
    against_text = None
    if against is not None:
        weight = f" ({against.weight:+.2f})" if against.weight is not None else ""
        against_text = f"{against.rule.title}{weight}: {plain_reason(solved.kb, against.rule)} [{against.rule.id}]"
    if blocked is None:
        assert against is not None
        return WhyNotNote(claim_text, against.rule.id, against.rule.title, against.rule.source,
                          section_title(against.rule.source), against=against_text)
    return WhyNotNote(claim_text, blocked.rule.id, blocked.rule.title, blocked.rule.source,
                      section_title(blocked.rule.source), blocked.failed, blocked.overridden_by, against_text)


def _given_text(item: Item, claim: Claim, graded: ClaimGrade) -> str:
    labels = {c.value: c.label for c in item.prompt.choices}
    kind = item.prompt.kind
    if graded.given is None:
        return "no answer"
    if kind == "multi":
        return "you ticked it" if graded.given else "you did not tick it"
    if kind in ("rank", "order"):
        return " > ".join(labels.get(v, str(v)) for v in graded.given)
    return labels.get(graded.given, str(graded.given))


def _hint(solved: Solved, item: Item, claim: Claim) -> tuple[str, ...]:
    facts: list[str] = []
    for b in claim.deciding:
        if b.facts:
            facts += [f for f in solved.facts(b, decisions=False) if f not in facts]
    if facts:
        return tuple(facts[:4])
    if item.type == "red_flags" and claim.deciding:
        rule = solved.kb.rule(claim.deciding[0].rule)
        return (f"Ask whether the case really shows this: {rule.title}.",)
    if item.type in ("risks", "setting") and claim.deciding:
        return (f"No special fact of this case decides it: think of the usual answer under "
                f"{model_title(solved.kb, solved.advice.recommendation.model)}.",)
    return ()


def _why_not(solved: Solved, item: Item, claim: Claim, graded: ClaimGrade) -> WhyNotNote | None:
    if graded.right or graded.given is None:
        return None
    kb = solved.kb
    if item.type == "verdict":
        against, blocked = (solved.why_not_verdict(graded.given) if graded.given in ("ppp", "traditional")
                            else (None, None))
        return _blocked_note(solved, f"that {VERDICT_WORDS[graded.given]}", blocked, against)
    if item.type == "model":
        top = graded.given[0]
        against, blocked = solved.why_not_model(top)
        return _blocked_note(solved, f"{model_title(kb, top)} as the best model", blocked, against)
    if item.type == "risks":
        winner = claim.deciding[0].rule if claim.deciding else None
        blocked = solved.why_not_value(f"risk:{claim.key}", graded.given, winner)
        return _blocked_note(solved, f"{claim.label} with {graded.given}", blocked)
    if item.type == "red_flags" and graded.given and not claim.expected:
        blocked = solved.nearest(solved.supporters(f"red_flag:{claim.key}"))
        return _blocked_note(solved, f"that '{claim.label}' applies", blocked)
    if item.type == "setting":
        target = item.extra.get("target", "")
        rule_value = next((c.value for r in solved.supporters(target) for c in r.conclusions
                           if c.target == target and _key(c) == graded.given), None)
        if rule_value is None:
            return None
        winner = claim.deciding[0].rule if claim.deciding else None
        blocked = solved.why_not_value(target, rule_value, winner)
        label = next((c.label for c in item.prompt.choices if c.value == graded.given), graded.given)
        return _blocked_note(solved, f"{claim.label} = {label}", blocked)
    return None


def _key(conclusion: Any) -> str:
    from ppp_expert.train.casework import value_key

    return value_key(conclusion.set.value)


def _refs(item: Item, claim: Claim, graded: ClaimGrade, solved: Solved) -> list[str]:
    refs: list[str] = []
    if item.type in ("model", "verdict"):
        refs.append(f"model:{solved.advice.recommendation.model}")
        if item.type == "model" and graded.given:
            refs.append(f"model:{graded.given[0]}")
    elif item.type in ("risks", "match"):
        refs.append(f"risk:{claim.key}")
    elif item.type == "red_flags":
        refs.append(f"red_flag:{claim.key}")
    elif item.type == "setting":
        target = item.extra.get("target", "")
        topic, _, key = target.partition(":")
        refs.append(f"setting:{topic}.{key}")
        refs += [f"setting:{topic}.{key}={v}" for v in (claim.expected, graded.given) if isinstance(v, str)]
    for b in claim.deciding:
        for fact in b.facts:
            if fact.startswith("answer:"):
                refs.append("question:" + fact[len("answer:"):].split("=", 1)[0])
    return refs


def build_feedback(item: Item, graded: Grade, solved: Solved, glossary: Glossary | None = None) -> Feedback:
    """Every level of feedback for one graded item (the session shows them on request)."""
    claims = []
    for claim, g in zip(item.claims, graded.claims):
        verdict = "skipped" if graded.skipped else "right" if g.right else "partly right" if g.score > 0 else "wrong"
        target = item.extra.get("target")
        if item.type in ("risks", "match"):
            target = f"risk:{claim.key}"
        elif item.type == "red_flags":
            target = f"red_flag:{claim.key}"
        notes = tuple(rule_note(solved, b, target) for b in claim.deciding[:2])
        terms = tuple(t.term for t in glossary.for_refs(_refs(item, claim, g, solved))[:MAX_TERMS]) if glossary else ()
        claims.append(ClaimFeedback(claim.key, claim.label, verdict, _given_text(item, claim, g), g.note,
                                    _hint(solved, item, claim), notes, _why_not(solved, item, claim, g),
                                    claim.answer_text, terms))
    focus = [c for c in claims if c.verdict != "right"] or claims
    terms = tuple(dict.fromkeys(t for c in focus for t in c.terms))[:MAX_TERMS * 2]
    return Feedback(item.id, graded.verdict, graded.score, tuple(claims), terms)


def prompt_hint(item: Item, solved: Solved, row: str | None = None) -> tuple[str, ...]:
    """A hint asked for before answering: the facts that matter, never the answer."""
    claims: Iterable[Claim] = item.claims
    if row is not None:
        claims = [c for c in item.claims if c.key == row]
    elif item.type == "red_flags":
        claims = [c for c in item.claims if c.expected]
    lines: list[str] = []
    for claim in claims:
        for line in _hint(solved, item, claim):
            line = withhold_models(solved.kb, line)  # an answer's wording may name a model
            if line not in lines:
                lines.append(line)
    return tuple(lines[:4]) or ("No single fact decides this one: weigh the whole brief.",)
