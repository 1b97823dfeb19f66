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
from ppp_expert.engine.facts import fact_class
from ppp_expert.kb import conditions as cond


def condition_pattern(node: cond.Condition) -> Any:
    """Translate one condition node into an experta conditional element."""
    if isinstance(node, cond.All):
        return AND(*(condition_pattern(p) for p in node.parts))
    if isinstance(node, cond.Any_):
        return OR(*(condition_pattern(p) for p in node.parts))
    if isinstance(node, cond.Not):
        return NOT(condition_pattern(node.part))
    return leaf_pattern(node)


def leaf_pattern(leaf: cond.Leaf) -> Any:
    """A leaf's pattern on its keyed fact class: a literal where the leaf compares one value, a
    named predicate where it tests the value otherwise, the bare fact where its presence is the test."""
    fact = fact_class(leaf)
    if leaf.literal is not None:
        return fact(v=leaf.literal)
    if leaf.value_test is not None:
        return fact(v=P(_predicate(leaf.value_test)))
    return fact()


def _predicate(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    # Name the predicate so experta's network nodes print readably when debugging.
    def predicate(value: Any) -> bool:
        return test(value)

    return predicate
