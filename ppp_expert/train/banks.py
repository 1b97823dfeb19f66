"""Item banks beyond the case exercises, generated from the knowledge base and the engine.

Four types, each tagged by topic and guide section, and each backed by rules that fired in a
case the engine solved (the item's witness), so every answer is what the engine concludes:

- ``match``: a described situation and a few of its risks, each to match with its owner;
- ``mc``: a described situation; which model fits (multiple choice);
- ``ar``: assertion–reason: a rule's condition and a conclusion, true or false (the false form
  swaps the conclusion for one the engine did not draw in the witness), with a reason that is the
  rule's own or a true one about something else; three answers, drawn evenly;
- ``seq``: sequencing: pieces of advice to put in the order of the partnership's four phases,
  or questions in the order an adviser asks them.

No item is generated that no rule supports: a situation without case-specific rules, a close
model call, a phase without a fired rule - each is simply skipped. Item ids are stable
(type/case/...), so the learner model can schedule an item again after a restart.
"""

from __future__ import annotations

import random
from typing import Callable, Iterable

from ppp_expert.kb.conclusions import (
    AdviseConclusion,
    AllocateConclusion,
    EvidenceConclusion,
    PPPConclusion,
    RedFlagConclusion,
    SetConclusion,
)
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.kb.schema import GUIDE_SECTIONS, PARTIES, PHASES
from ppp_expert.train.brief import withhold_models
from ppp_expert.train.casework import PARTY_WORDS, balanced_rows, flag_titles, sections_of, setting_values, value_key
from ppp_expert.train.describe import condition_statements, model_title, value_text
from ppp_expert.train.items import Backing, Choice, Claim, Item, MatrixRow, Prompt
from ppp_expert.train.solved import Solved, plain_reason
from ppp_expert.train.step_parts import half_ordered

BANK_TYPES = ("match", "mc", "ar", "seq")
#: The partnership's four phases, in the guide's order (the citation vocabulary's order).
PHASE_SECTIONS = tuple(s for s in GUIDE_SECTIONS if s.startswith("phase"))
MC_CHOICES = 4
MATCH_ROWS = (2, 4)


def distractor_gap(kb: KnowledgeBase) -> float:
    """How far below the key a model must score to be a fair distractor: twice the close-call
    margin (a model within the margin is a defensible answer, one just past it contestable)."""
    return 2 * kb.settings.close_call_margin


def item_rng(item_id: str) -> random.Random:
    """A generator per item id: the same item always looks the same."""
    return random.Random(f"bank/{item_id}")


def topic_of(rule: Rule) -> str | None:
    """The curriculum topic a rule teaches (None for a rule that only derives a finding)."""
    for c in rule.conclusions:
        if isinstance(c, (PPPConclusion, EvidenceConclusion)):
            return "model-selection"
        if isinstance(c, AllocateConclusion):
            return "risk-allocation"
        if isinstance(c, RedFlagConclusion):
            return "red-flags"
        if isinstance(c, SetConclusion):
            return c.set.topic
        if isinstance(c, AdviseConclusion):
            return c.advise.topic
        if c.kind == "criteria":
            return "procurement"
    return None


def _situation(solved: Solved, backings: Iterable[Backing], limit: int = 6) -> tuple[str, ...]:
    lines: list[str] = []
    for b in backings:
        for line in solved.facts(b, decisions=False):
            line = withhold_models(solved.kb, line)  # an answer's wording may name the model asked
            if line not in lines:
                lines.append(line)
    return tuple(lines[:limit])


# ----------------------------------------------------------------------------- matching
def route_line(solved: Solved, model: str) -> str:
    """The situation's route, as the engine sees it: a partnership only when it says so."""
    verdict = solved.advice.appropriate.verdict
    if verdict == "ppp":
        return f"The partnership model is {model}."
    if verdict == "traditional":
        return f"The project goes ahead by {model.lower()}, not as a partnership."
    return f"If it goes ahead once its conditions are met, the model would be {model}."


def match_item(solved: Solved) -> Item | None:
    kb, advice = solved.kb, solved.advice
    if not advice.recommendation.determined:
        return None  # no model the engine stands by: the owners hang on it
    item_id = f"match/{solved.case.id}"
    rng = item_rng(item_id)
    specific = [a for a in advice.risk_allocation if ".default." not in a.rules[0] and solved.backing(a.rules[0]).facts]
    if len(specific) < MATCH_ROWS[0]:
        return None
    chosen = set(balanced_rows(specific, rng.randint(*MATCH_ROWS), rng))
    claims = tuple(Claim(a.risk, a.title, a.party, (solved.backing(a.rules[0], a.party),), (),
                         f"{a.title}: {a.party}. {a.rationale}")
                   for a in advice.risk_allocation if a.risk in chosen)
    model = model_title(kb, advice.recommendation.model)
    context = (route_line(solved, model), *_situation(solved, (b for c in claims for b in c.deciding)))
    prompt = Prompt("matrix", "Match each risk to its owner",
                    "In this situation, who should carry each risk?",
                    tuple(Choice(p, PARTY_WORDS[p]) for p in PARTIES),
                    tuple(MatrixRow(c.key, c.label, kb.risks[c.key].description) for c in claims), context)
    return Item(item_id, "match", "risk-allocation", sections_of(kb, claims), prompt, claims, solved.case.id,
                solved.case.difficulty.score)


# ----------------------------------------------------------------------- multiple choice
def mc_item(solved: Solved) -> Item | None:
    kb, r = solved.kb, solved.advice.recommendation
    if r.close_call or not r.determined:
        return None  # two defensible answers, or none the engine stands by: not a fair item
    item_id = f"mc/{solved.case.id}"
    rng = item_rng(item_id)
    top = r.ranking[0]
    strongest = sorted((e for e in top.evidence if e.weight > 0), key=lambda e: (-e.weight, e.rule))[:3]
    backings = tuple(solved.backing(e.rule, f"{e.weight:+.2f}") for e in strongest)
    context = _situation(solved, backings)
    if len(context) < 2:
        return None
    # Distractors stand clearly below the key, never within a contestable gap of it.
    others = [x.model for x in r.ranking[1:] if top.score - x.score >= distractor_gap(kb)]
    if len(others) < MC_CHOICES - 1:
        return None
    distractors = others[:1] + rng.sample(others[1:], MC_CHOICES - 2)
    shown = [m for m in kb.models if m in {r.model, *distractors}]
    rng.shuffle(shown)  # no position tells the answer
    ranking = "; ".join(f"{model_title(kb, x.model)} {x.score:+.2f}" for x in r.ranking)
    claim = Claim("", "model", r.model, backings, (),
                  f"{model_title(kb, r.model)}. Ranking in the full case: {ranking}.")
    prompt = Prompt("single", "Which model fits?",
                    "A case with these facts: which model (a partnership or traditional procurement) fits it best?",
                    tuple(Choice(m, model_title(kb, m)) for m in shown), (), context)
    return Item(item_id, "mc", "model-selection", sections_of(kb, (claim,)), prompt, (claim,), solved.case.id,
                solved.case.difficulty.score)


# ------------------------------------------------------------------------ assertion-reason
def _assertions(solved: Solved, rule: Rule, rng: random.Random) -> tuple[str, str, str] | None:
    """(target, true statement, false statement) for the first conclusion of ``rule`` the engine kept."""
    kb, advice = solved.kb, solved.advice
    for c in rule.conclusions:
        if isinstance(c, AllocateConclusion):
            won = next((a for a in advice.risk_allocation if a.risk == c.allocate.risk and a.rules[0] == rule.id), None)
            if won is None:
                continue
            other = rng.choice([p for p in PARTIES if p != c.allocate.party])
            title = kb.risks[c.allocate.risk].title
            return (c.target, f"{title} risk goes to the {c.allocate.party} side",
                    f"{title} risk goes to the {other} side")
        if isinstance(c, SetConclusion):
            setting = getattr(advice, c.set.topic).settings.get(c.set.key)
            if setting is None or setting.rules[0] != rule.id:
                continue
            others = [v for v in setting_values(kb)[c.target] if value_key(v) != value_key(c.set.value)]
            if not others:
                continue
            words = c.set.key.replace("_", " ")
            return (c.target, f"the {words} should be {value_text(c.set.value)}",
                    f"the {words} should be {value_text(rng.choice(others))}")
        if isinstance(c, RedFlagConclusion):
            fired = {f.id for f in advice.red_flags}
            others = [t for f, t in flag_titles(kb).items() if f not in fired]
            if not others:
                continue
            return (c.target, f"the red flag '{c.red_flag.title}' is raised",
                    f"the red flag '{rng.choice(others)}' is raised")
        if isinstance(c, EvidenceConclusion):
            e = c.evidence
            word, opposite = ("for", "against") if e.weight > 0 else ("against", "for")
            title = model_title(kb, e.model)
            return c.target, f"this counts {word} {title}", f"this counts {opposite} {title}"
        if isinstance(c, PPPConclusion):
            word, opposite = ("for", "against") if c.ppp > 0 else ("against", "for")
            return c.target, f"this counts {word} a partnership", f"this counts {opposite} a partnership"
    return None


#: The three answers of an assertion-reason item, as in professional certification exams.
AR_CHOICES = (Choice("explains", "The assertion is true and the reason explains it"),
              Choice("unrelated", "The assertion is true, but the reason does not explain it"),
              Choice("false", "The assertion is false"))


def _unrelated_reason(solved: Solved, rule: Rule, target: str, rng: random.Random) -> tuple[str, str] | None:
    """(rule id, reason) of another rule that fired in the same case about something else: a true
    statement that does not explain the assertion."""
    kb = solved.kb
    own = plain_reason(kb, rule, target)
    others = sorted({f.rule.id for f in solved.trace.firings if f.rule.id != rule.id and topic_of(f.rule)
                     and all(c.target != target for c in f.rule.conclusions)})
    rng.shuffle(others)
    for other in others:
        text = plain_reason(kb, kb.rule(other))
        if text != own:
            return other, text
    return None


def ar_item(solved: Solved, rule_id: str) -> Item | None:
    """An assertion (true or false) about a rule's conclusion with a reason that explains it, a
    true reason about something else, or - for a false assertion - either: the reason never
    tells whether the assertion is true. The answer is drawn evenly among the three choices."""
    kb = solved.kb
    if rule_id not in solved.firings:
        return None
    rule = kb.rule(rule_id)
    topic = topic_of(rule)
    if topic is None:
        return None
    item_id = f"ar/{solved.case.id}/{rule_id}"
    rng = item_rng(item_id)
    made = _assertions(solved, rule, rng)
    if made is None:
        return None
    target, true_text, false_text = made
    unrelated = _unrelated_reason(solved, rule, target, rng)
    if unrelated is None:
        return None
    key = rng.choice([c.value for c in AR_CHOICES])
    own_reason = plain_reason(kb, rule, target)
    use_own = key == "explains" or (key == "false" and rng.random() < 0.5)
    reason = own_reason if use_own else unrelated[1]
    statement = false_text if key == "false" else true_text
    situation = condition_statements(kb, rule.condition)
    words = {"explains": "the assertion is true and the reason explains it",
             "unrelated": f"the assertion is true, but the reason comes from another rule ({unrelated[0]}) "
                          "about something else",
             "false": f"the assertion is false: in this situation {true_text}"}[key]
    answer = (f"{words[0].upper()}{words[1:]} (rule {rule.id}, {rule.title}). The rule's own reason: {own_reason}")
    claim = Claim("", "assertion and reason", key, (solved.backing(rule.id, true_text),), (), answer)
    prompt = Prompt("single", "Assertion and reason",
                    "Is the assertion true in this situation, according to the knowledge base, and does the "
                    "reason explain it?", AR_CHOICES, (),
                    (*(f"Situation: {line}" for line in situation), f"Assertion: in this situation {statement}.",
                     f"Reason: {reason}"))
    return Item(item_id, "ar", topic, (rule.source,), prompt, (claim,), solved.case.id, solved.case.difficulty.score)


def ar_items(solved: Solved) -> list[Item]:
    found = []
    for firing in solved.trace.firings:
        item = ar_item(solved, firing.rule.id)
        if item is not None:
            found.append(item)
    return found


# ----------------------------------------------------------------------------- sequencing
def seq_phases_item(solved: Solved) -> Item | None:
    """One fired rule per phase of the partnership; put them in the phases' order."""
    item_id = f"seq/phases/{solved.case.id}"
    rng = item_rng(item_id)
    steps: list[Rule] = []
    for section in PHASE_SECTIONS:
        fired = [f.rule for f in solved.trace.firings if f.rule.source == section and topic_of(f.rule)]
        if not fired:
            return None
        steps.append(rng.choice(fired))
    order = [r.id for r in steps]
    backings = tuple(solved.backing(r.id, r.source) for r in steps)
    shuffled = half_ordered(steps, rng)
    answer = " > ".join(f"{r.title} [{r.source}]" for r in steps)
    claim = Claim("", "phases", order, backings, (), f"In the order of the four phases: {answer}.")
    prompt = Prompt("order", "The four phases",
                    "Put these steps in the order of the partnership's phases "
                    "(opportunity assessment, structuring, procurement, implementation).",
                    tuple(Choice(r.id, r.title) for r in shuffled))
    return Item(item_id, "seq", "procurement", tuple(PHASE_SECTIONS), prompt, (claim,), solved.case.id,
                solved.case.difficulty.score)


def seq_questions_item(solved: Solved) -> Item | None:
    """One question per consultation phase (need, drivers, ...) that a fired rule read; put them in
    the order an adviser asks them."""
    kb = solved.kb
    item_id = f"seq/questions/{solved.case.id}"
    rng = item_rng(item_id)
    readers: dict[str, Rule] = {}
    for f in solved.trace.firings:
        for q in f.rule.questions:
            readers.setdefault(q, f.rule)
    chosen = []
    for phase in PHASES:
        questions = [q for q in kb.questions.values() if q.phase == phase and q.id in readers]
        if questions:
            chosen.append(rng.choice(questions))
    if len(chosen) < 4:
        return None
    chosen = sorted(rng.sample(chosen, 4), key=lambda q: PHASES.index(q.phase))
    order = [q.id for q in chosen]
    backings = tuple(solved.backing(readers[q.id].id, q.phase) for q in chosen)
    shuffled = half_ordered(chosen, rng)
    answer = " > ".join(f"{q.text} [{q.phase}]" for q in chosen)
    claim = Claim("", "questions", order, backings, (), f"The adviser's order (need, drivers, market, selection, "
                                                        f"structuring): {answer}")
    prompt = Prompt("order", "The adviser's order", "Put these questions in the order a consultation asks them.",
                    tuple(Choice(q.id, q.text) for q in shuffled))
    return Item(item_id, "seq", "model-selection", sections_of(kb, (claim,)), prompt, (claim,), solved.case.id,
                solved.case.difficulty.score)


# ---------------------------------------------------------------------------------- banks
def case_bank(solved: Solved) -> list[Item]:
    """Every bank item the engine's solution of one case supports."""
    items = [match_item(solved), mc_item(solved), seq_phases_item(solved), seq_questions_item(solved)]
    return [i for i in items if i is not None] + ar_items(solved)


def resolve(item_id: str, solved_for: Callable[[str], Solved]) -> Item | None:
    """Rebuild a bank item from its id (``None`` when the case or the rule no longer supports it;
    ``solved_for`` raises KeyError for a case that left the programme)."""
    parts = item_id.split("/")
    kind = parts[0]
    try:
        if kind == "match":
            return match_item(solved_for(parts[1]))
        if kind == "mc":
            return mc_item(solved_for(parts[1]))
        if kind == "ar":
            return ar_item(solved_for(parts[1]), parts[2])
        if kind == "seq" and parts[1] == "phases":
            return seq_phases_item(solved_for(parts[2]))
        if kind == "seq" and parts[1] == "questions":
            return seq_questions_item(solved_for(parts[2]))
    except (IndexError, KeyError):
        return None
    return None
