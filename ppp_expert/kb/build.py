"""Building rules from their validated specs: conditions parsed and checked against the questions,
conclusions typed and checked against the catalogues, the default risk-allocation rules."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import condition_syntax, conditions as cond
from ppp_expert.kb.conclusions import (
    CONCLUSION_KINDS,
    OUTCOMES,
    AllocateConclusion,
    AllocationSpec,
    Conclusion,
    GateConclusion,
)
from ppp_expert.kb.knowledge_base import Rule
from ppp_expert.kb.schema import MODEL_IDS, Question, Risk, RuleSpec
from ppp_expert.kb.sources import suggest, validate


def check_unique_ids(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise KnowledgeBaseError(f"duplicate rule id (also in {seen[rule.id]})", path=rule.file,
                                     field=f"rule {rule.id}")
        seen[rule.id] = rule.file


def build_rule(spec_raw: RuleSpec, path: str, position: int, questions: Mapping[str, Question],
                risks: Mapping[str, Risk], check: Callable[..., Any] = validate) -> Rule:
    field_base = f"rule {spec_raw.id}"
    try:
        condition = condition_syntax.parse(spec_raw.when)
    except condition_syntax.ConditionSyntaxError as exc:
        raise KnowledgeBaseError(str(exc), path=path, field=f"{field_base}: when") from None
    for leaf in cond.leaves(condition):
        _check_leaf(leaf, questions, path, field_base)
    conclusions = tuple(_conclusion(raw, path, f"{field_base}: then[{i}]", risks, check)
                        for i, raw in enumerate(spec_raw.then))
    for i, c in enumerate(conclusions):
        if isinstance(c, GateConclusion):
            _check_gate_clear(c.gate.clear, questions, path, f"{field_base}: then[{i}].gate.clear")
    return Rule(
        id=spec_raw.id, title=spec_raw.title, source=spec_raw.source, salience=spec_raw.salience,
        condition=condition, conclusions=conclusions, position=position, file=path,
        specificity=sum(1 for _ in cond.leaves(condition)),
    )


def _check_gate_clear(clear: Mapping[str, list[Any]], questions: Mapping[str, Question], path: str,
                      field: str) -> None:
    """The answers that clear a gate must be real answers of real choice questions."""
    for qid, values in clear.items():
        question = questions.get(qid)
        if question is None:
            raise KnowledgeBaseError(f"unknown question '{qid}'{suggest(qid, questions)}", path=path, field=field)
        if question.type == "choice":
            for value in values:
                if value not in question.answers:
                    raise KnowledgeBaseError(
                        f"'{value}' is not an answer of '{qid}'{suggest(str(value), question.answers)}; "
                        f"expected one of {sorted(question.answers)}", path=path, field=field)


def _check_leaf(leaf: cond.Leaf, questions: Mapping[str, Question], path: str, field: str) -> None:
    _CHECK_LEAF[type(leaf)](leaf, questions, path, f"{field}: when")


def _question(leaf: cond.AnswerIn | cond.AnswerCompare, questions: Mapping[str, Question], path: str,
              field: str) -> Question:
    question = questions.get(leaf.question)
    if question is None:
        raise KnowledgeBaseError(
            f"unknown question '{leaf.question}'{suggest(leaf.question, questions)}", path=path, field=field,
        )
    return question


def _check_answer_in(leaf: cond.AnswerIn, questions: Mapping[str, Question], path: str, field: str) -> None:
    question = _question(leaf, questions, path, field)
    allowed = set(question.answers) | {cond.UNKNOWN}
    for value in sorted(leaf.values - allowed):
        raise KnowledgeBaseError(
            f"'{value}' is not an answer of '{leaf.question}'{suggest(value, allowed)}; "
            f"expected one of {sorted(allowed)}",
            path=path, field=field,
        )


def _check_compare(leaf: cond.AnswerCompare, questions: Mapping[str, Question], path: str, field: str) -> None:
    if _question(leaf, questions, path, field).type == "choice":
        raise KnowledgeBaseError(f"numeric comparison on choice question '{leaf.question}'", path=path, field=field)


def _check_fact(leaf: cond.FactIs, questions: Mapping[str, Question], path: str, field: str) -> None:
    """Any fact name will do here: a fact no rule concludes is caught with the strata (``strata``)."""


def _check_decision(leaf: cond.DecisionIn, questions: Mapping[str, Question], path: str, field: str) -> None:
    allowed = set(MODEL_IDS) if leaf.kind == "model" else set(OUTCOMES)
    for value in sorted(leaf.values - allowed):
        raise KnowledgeBaseError(f"'{value}' is not a {leaf.kind}{suggest(value, allowed)}", path=path, field=field)


#: How a rule's leaf is checked against the knowledge base, per leaf kind.
_CHECK_LEAF: dict[type, Callable[..., None]] = {
    cond.AnswerIn: _check_answer_in,
    cond.AnswerCompare: _check_compare,
    cond.FactIs: _check_fact,
    cond.DecisionIn: _check_decision,
}


def _conclusion(raw: Any, path: str, field: str, risks: Mapping[str, Risk],
                check: Callable[..., Any] = validate) -> Conclusion:
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"expected a mapping, got {raw!r}", path=path, field=field)
    kinds = [k for k in raw if k in CONCLUSION_KINDS]
    if len(kinds) != 1:
        raise KnowledgeBaseError(
            f"expected exactly one of {sorted(CONCLUSION_KINDS)}, got keys {sorted(raw)}", path=path, field=field
        )
    conclusion: Conclusion = check(CONCLUSION_KINDS[kinds[0]], raw, path, field)
    catalogues = {"risk": risks}
    for what, name in conclusion.references().items():
        if name not in catalogues[what]:
            raise KnowledgeBaseError(f"unknown {what} '{name}'{suggest(name, catalogues[what])}", path=path,
                                     field=field)
    return conclusion


def default_allocation_rules(risks: Mapping[str, Risk], start: int, path: str) -> list[Rule]:
    rules: list[Rule] = []
    for risk in risks.values():
        for model in MODEL_IDS:
            default = risk.defaults[model]
            rules.append(Rule(
                id=f"risk.{risk.id}.default.{model}",
                title=f"Default allocation of {risk.title.lower()} under {model}",
                source=risk.source, salience=0,
                condition=cond.DecisionIn("model", frozenset([model])),
                conclusions=(AllocateConclusion(allocate=AllocationSpec(
                    risk=risk.id, party=default.party, mechanism=default.mechanism, rationale=default.rationale)),),
                position=start + len(rules), file=path, specificity=1,
            ))
    return rules
