"""Plain words for what the engine reasons about: answers, derived facts, decisions, conditions.

A trainee reads "The authority lacks most of the specialist skills this project needs", not
``answer:in_house_expertise=lacking``. Every phrase comes from the knowledge base itself (the
meaning of an answer, the title of the rule that concluded a fact, a model's title), so the
words stay right when the knowledge base changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

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
    if isinstance(node, cond.Not):
        return f"not ({leaf_text(kb, node.part)})"
    if isinstance(node, (cond.All, cond.Any_)):
        joiner = "; and " if isinstance(node, cond.All) else "; or "
        return "(" + joiner.join(leaf_text(kb, p) for p in node.parts) + ")"
    return _LEAF_TEXT[type(node)](kb, node)


def _answer_in_text(kb: KnowledgeBase, leaf: cond.AnswerIn) -> str:
    q = kb.questions.get(leaf.question)
    values = sorted(leaf.values)
    if q is not None and q.type == "choice":
        shown = " or ".join(f"'{v}'" for v in values)
        return f"{q.text} — {'anything but' if leaf.negate else 'needs'} {shown}"
    return leaf.describe()


def _compare_text(kb: KnowledgeBase, leaf: cond.AnswerCompare) -> str:
    q = kb.questions.get(leaf.question)
    return f"{q.text if q else leaf.question} — needs {leaf.describe().replace(leaf.question + ' ', '')}"


def _fact_text(kb: KnowledgeBase, leaf: cond.FactIs) -> str:
    return f"the finding '{_finding(kb, leaf.name)}'"


def _finding(kb: KnowledgeBase, name: str) -> str:
    """A derived fact by the title of the rule that concludes it (its name in words without one)."""
    producers = kb.fact_producers.get(name, ())
    return kb.rule(producers[0]).title if producers else name.replace("_", " ")


def _decision_text(kb: KnowledgeBase, leaf: cond.DecisionIn) -> str:
    if leaf.kind == "model":
        return "the recommended model being " + " or ".join(model_title(kb, m) for m in sorted(leaf.values))
    return "the verdict being " + " or ".join(sorted(leaf.values))


def actual_text(kb: KnowledgeBase, node: cond.Condition, state: cond.State) -> str:
    if isinstance(node, cond.Not):
        return " (but it holds in this case)"
    if isinstance(node, (cond.All, cond.Any_)):
        return ""
    return _ACTUAL_TEXT[type(node)](kb, node, state)


def _answer_actual(kb: KnowledgeBase, leaf: cond.AnswerIn | cond.AnswerCompare, state: cond.State) -> str:
    return f" (this case: '{state.answers.get(leaf.question, cond.UNKNOWN)}')"


def _decision_actual(kb: KnowledgeBase, leaf: cond.DecisionIn, state: cond.State) -> str:
    current = sorted(state.decisions.get(leaf.kind, ()))
    shown = ", ".join(model_title(kb, m) if leaf.kind == "model" else m for m in current)
    return f" (this case: {shown})"


def value_text(value: Any) -> str:
    """A setting's value as a reader sees it (``5-10 years``, ``availability payments``)."""
    from ppp_expert.render.explanations import format_value  # the same words as the advice tables

    return format_value(value)


def condition_statements(kb: KnowledgeBase, condition: cond.Condition) -> list[str]:
    """A rule's condition as statements a reader checks against a situation, one per conjunct."""
    parts = condition.parts if isinstance(condition, cond.All) else (condition,)
    return [statement(kb, p) for p in parts]


def statement(kb: KnowledgeBase, node: cond.Condition) -> str:
    """One condition as a statement: the meaning of the answer it needs, a finding, the model."""
    if isinstance(node, cond.Any_):
        return "one of: " + " / ".join(statement(kb, p).rstrip(".") for p in node.parts)
    if isinstance(node, cond.Not):
        return f"Not: {statement(kb, node.part).rstrip('.')}"
    if isinstance(node, cond.All):
        return leaf_text(kb, node)
    return _STATEMENT[type(node)](kb, node)


def _answer_in_statement(kb: KnowledgeBase, leaf: cond.AnswerIn) -> str:
    q = kb.questions.get(leaf.question)
    if leaf.negate or q is None or q.type != "choice":
        return leaf_text(kb, leaf)
    order = list(q.answers) + [cond.UNKNOWN]
    meanings = [answer_text(kb, q.id, v) for v in sorted(leaf.values, key=order.index)]
    if len(meanings) == 1:
        return meanings[0]
    return "one of: " + " / ".join(m.rstrip(".") for m in meanings)


def _decision_statement(kb: KnowledgeBase, leaf: cond.DecisionIn) -> str:
    if leaf.kind == "model":
        return "The model is " + " or ".join(model_title(kb, m) for m in sorted(leaf.values))
    return "The verdict is " + " or ".join(VERDICT_WORDS.get(v, v) for v in sorted(leaf.values))


#: Per leaf kind: what the leaf requires in words, what a case had instead, and the leaf as a
#: statement a reader checks against a situation.
_LEAF_TEXT: dict[type, Callable[[KnowledgeBase, Any], str]] = {
    cond.AnswerIn: _answer_in_text,
    cond.AnswerCompare: _compare_text,
    cond.FactIs: _fact_text,
    cond.DecisionIn: _decision_text,
}
_ACTUAL_TEXT: dict[type, Callable[[KnowledgeBase, Any, cond.State], str]] = {
    cond.AnswerIn: _answer_actual,
    cond.AnswerCompare: _answer_actual,
    cond.FactIs: lambda kb, leaf, state: " (not concluded in this case)",
    cond.DecisionIn: _decision_actual,
}
_STATEMENT: dict[type, Callable[[KnowledgeBase, Any], str]] = {
    cond.AnswerIn: _answer_in_statement,
    cond.AnswerCompare: leaf_text,
    cond.FactIs: lambda kb, leaf: f"Finding: {_finding(kb, leaf.name)}",
    cond.DecisionIn: _decision_statement,
}
