"""A rule's condition as experta conditional elements: the patterns a compiled rule matches.

Built from the parsed condition tree (no source text generated, nothing evaluated): each leaf
becomes a pattern on its keyed fact class (``facts``), a literal where experta can compare one
value and a named predicate otherwise; ``all``/``any``/``not`` become experta's AND/OR/NOT.
``plan.pattern_key`` mirrors which of these patterns experta finds equal, so the match-plan
cache is keyed by this module's source too.
"""

from __future__ import annotations

from typing import Any, Callable

from ppp_expert.engine.experta_seam import AND, NOT, OR, P
from ppp_expert.engine.facts import Answer, DecisionFact, Finding, specialised
from ppp_expert.kb import conditions as cond


def condition_pattern(node: cond.Condition) -> Any:
    """Translate one condition node into an experta conditional element."""
    if isinstance(node, cond.AnswerIn):
        answer = specialised(Answer, node.question)
        if len(node.values) == 1 and not node.negate:
            (value,) = node.values
            return answer(v=value)
        return answer(v=P(_predicate(node.holds)))
    if isinstance(node, cond.AnswerCompare):
        return specialised(Answer, node.question)(v=P(_predicate(node.holds)))
    if isinstance(node, cond.FactIs):
        return specialised(Finding, node.name)()
    if isinstance(node, cond.DecisionIn):
        decision = specialised(DecisionFact, node.kind)
        if len(node.values) == 1:
            (value,) = node.values
            return decision(v=value)
        values = node.values
        return decision(v=P(_predicate(lambda v: v in values)))
    if isinstance(node, cond.All):
        return AND(*(condition_pattern(p) for p in node.parts))
    if isinstance(node, cond.Any_):
        return OR(*(condition_pattern(p) for p in node.parts))
    if isinstance(node, cond.Not):
        return NOT(condition_pattern(node.part))
    raise TypeError(f"not a condition: {node!r}")  # pragma: no cover


def _predicate(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    # Name the predicate so experta's network nodes print readably when debugging.
    def predicate(value: Any) -> bool:
        return test(value)

    return predicate
