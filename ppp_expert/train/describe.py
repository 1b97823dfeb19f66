"""Plain words for what the engine reasons about: answers, derived facts, decisions, conditions.

A trainee reads "The authority lacks most of the specialist skills this project needs", not
``answer:in_house_expertise=lacking``. Every phrase comes from the knowledge base itself (the
meaning of an answer, the title of the rule that concluded a fact, a model's title), so the
words stay right when the knowledge base changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ppp_expert.engine.aggregate import decisions_of
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule

if TYPE_CHECKING:
    from ppp_expert.engine.reasoner import Trace

VERDICT_WORDS = {"ppp": "a PPP is appropriate", "traditional": "traditional procurement is better",
                 "not_yet": "a partnership is not yet ready (conditions must be met first)",
                 "insufficient_information": "there is not enough information to decide"}


#: An answer meaning shorter than this is shown after its question.
SELF_CONTAINED = 30


def model_title(kb: KnowledgeBase, model: str) -> str:
    return kb.models[model].title if model in kb.models else model


def answer_text(kb: KnowledgeBase, question_id: str, value: Any) -> str:
    """An answer as a statement: the meaning of a choice, or the question with a number."""
    question = kb.questions.get(question_id)
    if question is None:
        return f"{question_id}: {value}"
    if value == cond.UNKNOWN:
        return f"{question.text} Not known."
    if question.type == "choice":
        meaning = question.answers.get(str(value))
        if meaning is None:
            return f"{question.text} {value}"
        # "Both matter about equally." means nothing without its question.
        return meaning if len(meaning) >= SELF_CONTAINED else f"{question.text} {meaning}"
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{question.text} {shown}"


def fact_producers(trace: "Trace") -> dict[str, Rule]:
    """Derived fact -> the rule that concluded it in this case."""
    found: dict[str, Rule] = {}
    for firing in trace.firings:
        for declared in firing.declared:
            found.setdefault(declared[len("fact:"):], firing.rule)
    return found


def fact_text(kb: KnowledgeBase, label: str, producers: Mapping[str, Rule]) -> str:
    """A matched fact label (``answer:q=v``, ``fact:name``, ``model:m``, ``verdict:v``) in words."""
    kind, _, rest = label.partition(":")
    if kind == "answer":
        question, _, value = rest.partition("=")
        q = kb.questions.get(question)
        if q is not None and q.type != "choice":
            try:
                return answer_text(kb, question, float(value) if "." in value else int(value))
            except ValueError:
                pass
        return answer_text(kb, question, value)
    if kind == "fact":
        rule = producers.get(rest)
        return f"Finding: {rule.title}" if rule is not None else f"Finding: {rest.replace('_', ' ')}"
    if kind == "model":
        return f"The recommended model is {model_title(kb, rest)}"
    if kind == "verdict":
        return f"The verdict is that {VERDICT_WORDS.get(rest, rest)}"
    return label


def facts_text(kb: KnowledgeBase, labels: Iterable[str], producers: Mapping[str, Rule],
               decisions: bool = True) -> list[str]:
    """The facts in words, in the order given, without repeats (decisions left out on request)."""
    out: list[str] = []
    for label in labels:
        if not decisions and label.split(":", 1)[0] in ("model", "verdict"):
            continue
        text = fact_text(kb, label, producers)
        if text not in out:
            out.append(text)
    return out


def final_state(trace: "Trace") -> cond.State:
    """The closed state a finished case ends in: every answer, every concluded fact, the decision."""
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    return cond.State(answers=trace.answers, facts=facts,
                      decisions=decisions_of(trace.decision))


def failed_conditions(kb: KnowledgeBase, rule: Rule, state: cond.State) -> list[str]:
    """The conditions of a rule that are false in this case, each in words with the case's actual answer."""
    return [("none of these holds: " + "; ".join(leaf_text(kb, p) for p in node.parts)) if isinstance(node, cond.Any_)
            else leaf_text(kb, node) + actual_text(kb, node, state) for node in cond.failing(rule.condition, state)]


def leaf_text(kb: KnowledgeBase, node: cond.Condition) -> str:
    """What a condition requires, in words."""
    if isinstance(node, cond.AnswerIn):
        q = kb.questions.get(node.question)
        values = sorted(node.values)
        if q is not None and q.type == "choice":
            shown = " or ".join(f"'{v}'" for v in values)
            return f"{q.text} — {'anything but' if node.negate else 'needs'} {shown}"
        return node.describe()
    if isinstance(node, cond.AnswerCompare):
        q = kb.questions.get(node.question)
        return f"{q.text if q else node.question} — needs {node.describe().replace(node.question + ' ', '')}"
    if isinstance(node, cond.FactIs):
        producers = kb.fact_producers.get(node.name, ())
        name = kb.rule(producers[0]).title if producers else node.name.replace("_", " ")
        return f"the finding '{name}'"
    if isinstance(node, cond.DecisionIn):
        if node.kind == "model":
            return "the recommended model being " + " or ".join(model_title(kb, m) for m in sorted(node.values))
        return "the verdict being " + " or ".join(sorted(node.values))
    if isinstance(node, cond.Not):
        return f"not ({leaf_text(kb, node.part)})"
    if isinstance(node, (cond.All, cond.Any_)):
        joiner = "; and " if isinstance(node, cond.All) else "; or "
        return "(" + joiner.join(leaf_text(kb, p) for p in node.parts) + ")"
    return str(node)


def actual_text(kb: KnowledgeBase, node: cond.Condition, state: cond.State) -> str:
    if isinstance(node, (cond.AnswerIn, cond.AnswerCompare)):
        return f" (this case: '{state.answers.get(node.question, cond.UNKNOWN)}')"
    if isinstance(node, cond.FactIs):
        return " (not concluded in this case)"
    if isinstance(node, cond.DecisionIn):
        current = sorted(state.decisions.get(node.kind, ()))
        shown = ", ".join(model_title(kb, m) if node.kind == "model" else m for m in current)
        return f" (this case: {shown})"
    if isinstance(node, cond.Not):
        return " (but it holds in this case)"
    return ""


def value_text(value: Any) -> str:
    """A setting's value as a reader sees it (``5-10 years``, ``availability payments``)."""
    from ppp_expert.render.text import format_value  # the same words as the advice tables

    return format_value(value)


def condition_statements(kb: KnowledgeBase, condition: cond.Condition) -> list[str]:
    """A rule's condition as statements a reader checks against a situation, one per conjunct."""
    parts = condition.parts if isinstance(condition, cond.All) else (condition,)
    return [statement(kb, p) for p in parts]


def statement(kb: KnowledgeBase, node: cond.Condition) -> str:
    """One condition as a statement: the meaning of the answer it needs, a finding, the model."""
    if isinstance(node, cond.AnswerIn) and not node.negate:
        q = kb.questions.get(node.question)
        if q is not None and q.type == "choice":
            order = list(q.answers) + [cond.UNKNOWN]
            meanings = [answer_text(kb, q.id, v) for v in sorted(node.values, key=order.index)]
            if len(meanings) == 1:
                return meanings[0]
            return "one of: " + " / ".join(m.rstrip(".") for m in meanings)
    if isinstance(node, cond.FactIs):
        producers = kb.fact_producers.get(node.name, ())
        return f"Finding: {kb.rule(producers[0]).title}" if producers else f"Finding: {node.name.replace('_', ' ')}"
    if isinstance(node, cond.DecisionIn):
        if node.kind == "model":
            return "The model is " + " or ".join(model_title(kb, m) for m in sorted(node.values))
        return "The verdict is " + " or ".join(VERDICT_WORDS.get(v, v) for v in sorted(node.values))
    if isinstance(node, cond.Any_):
        return "one of: " + " / ".join(statement(kb, p).rstrip(".") for p in node.parts)
    if isinstance(node, cond.Not):
        return f"Not: {statement(kb, node.part).rstrip('.')}"
    return leaf_text(kb, node)
