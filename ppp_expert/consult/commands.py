"""What the commands a user can type at a question show: ``why`` (which rules need the answer and
which outcome it can change), ``help`` (the guide passages and primer pages) and ``status`` (where
the advice stands); with the readable names of the relevance analysis' outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ppp_expert.consult.guide import passage
from ppp_expert.consult.messages import Help, Status, Why, WhyReason
from ppp_expert.engine.relevance import NO_MODEL, Outlook
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import OUTCOMES, TRADITIONAL, RedFlagConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule


def why(kb: KnowledgeBase, outlook: Outlook, question_id: str, detail: bool = False) -> Why:
    """Which rules need this answer, what each could conclude, and which outcome it can change."""
    rule_ids = list(outlook.needed_by.get(question_id, ()))
    refining = not rule_ids
    if refining:  # only refinement left: the open rules that read it directly
        rule_ids = [r.id for r in kb.rules
                    if outlook.status.get(r.id) is None and question_id in r.questions]
    reasons = []
    for rid in rule_ids:
        rule = kb.rule(rid)
        reasons.append(WhyReason(
            rule=rule.id, title=rule.title, source=rule.source,
            could=tuple(describe(c, kb) for c in rule.conclusions),
            changes=tuple(label(t, kb) for t in outlook.moves.get(rid, ())),
            via=tuple(_via(kb, rule, question_id)),
        ))
    from ppp_expert.content.texts import ContentError, primer

    try:
        entry = primer().questions.get(question_id)
    except ContentError:
        entry = None
    return Why(kb.questions[question_id], tuple(reasons), refining, entry.body if entry else "", detail)


def _via(kb: KnowledgeBase, rule: Rule, question_id: str) -> list[str]:
    """The derived facts through which ``question_id`` reaches ``rule`` (none when it reads it directly)."""
    if question_id in rule.questions:
        return []
    found = []
    for fact in cond.facts_of(rule.condition):
        if _fact_reads(kb, fact, question_id, set()) and fact not in found:
            found.append(fact)
    return found


def _fact_reads(kb: KnowledgeBase, fact: str, question_id: str, seen: set[str]) -> bool:
    if fact in seen:
        return False
    seen.add(fact)
    for rid in kb.fact_producers.get(fact, ()):
        producer = kb.rule(rid)
        if question_id in producer.questions:
            return True
        if any(_fact_reads(kb, f, question_id, seen) for f in cond.facts_of(producer.condition)):
            return True
    return False


def help_for(kb: KnowledgeBase, question_id: str) -> Help:
    """The guide passages the question cites, and its own and its phase's primer pages."""
    question = kb.questions[question_id]
    from ppp_expert.content.texts import ContentError, primer

    pages: list[tuple[str, str]] = []
    try:
        book = primer()
        for entry in (book.questions.get(question_id), book.phases.get(question.phase)):
            if entry is not None:
                pages.append((entry.title if entry.title != question_id else "Why this question", entry.body))
    except ContentError:
        pass
    return Help(question, tuple(passage(s) for s in question.guide), tuple(pages))


def status(kb: KnowledgeBase, outlook: Outlook, answers: Mapping[str, Any]) -> Status:
    """Where the advice stands: answers held, questions left, the leading model and its score range."""
    o = outlook
    leader = o.leader
    if leader == TRADITIONAL:
        score, rng = -o.certainty.sure, (-o.certainty.high, -o.certainty.low)
    elif leader == NO_MODEL:
        score, rng = 0.0, (0.0, 0.0)
    else:
        b = o.scores[leader]
        score, rng = b.sure, (b.low, b.high)
    return Status(
        answered=len(answers), needed=len(o.needed), refinable=len(o.refinable),
        verdicts=tuple(v for v in OUTCOMES if v in o.verdicts),
        leader=leader, leader_title=kb.models[leader].title if leader in kb.models else "none yet",
        leader_score=score, score_range=rng,
        models=tuple(m for m in kb.models if m in o.models),
        open_targets=tuple(label(t, kb) for t in o.open_targets),
    )


def label(target: str, kb: KnowledgeBase) -> str:
    """A readable name for an outcome of the relevance analysis."""
    kind, _, rest = target.partition(":")
    if target == "verdict":
        return "the PPP verdict"
    if target == "model":
        return "the recommended model"
    if kind == "risk" and rest in kb.risks:
        return f"who carries {kb.risks[rest].title.lower()} risk"
    if kind == "red_flag":
        return f"red flag: {red_flag_titles(kb).get(rest, rest)}"
    return target.replace("_", " ")


def red_flag_titles(kb: KnowledgeBase) -> dict[str, str]:
    """Red-flag id -> title, from the rules that raise them."""
    return kb.derived("red_flag_titles", lambda: {
        c.red_flag.id: c.red_flag.title for r in kb.rules for c in r.conclusions if isinstance(c, RedFlagConclusion)})


def describe(c: Any, kb: KnowledgeBase) -> str:
    """One line saying what a conclusion would add to the advice."""
    return c.describe(kb)