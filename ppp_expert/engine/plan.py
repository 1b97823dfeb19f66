"""The match plan of a rule: the conjunctions ("branches") experta's Rete network wires for it.

experta rewrites each rule's patterns into disjunctive normal form, prepends its
``InitialFact`` where a conjunction starts with a negation, and wires one conflict-set node per
disjunct. What a branch matches (and so which facts an activation carries, which decides both
the firing order among a rule's branches and the facts a firing records) depends on the exact
shape of that rewrite, quirks included. So the plan is not derived independently: experta's own
``dnf`` rewrites a mirror of the rule whose leaves are light placeholders instead of fact
patterns (equal exactly when the compiled patterns would be equal), and only the last step,
``prepare_rule``, is repeated here because it counts facts by their class. That repetition
mirrors a private function of the pinned experta release (``experta_seam`` refuses any other;
tests/engine/test_matcher.py compares the plans with the real ``prepare_rule``).

A plan is plain data (JSON): per branch the leaf positions (``cond.leaves`` order) matched
positively and negatively, ``INITIAL`` standing for experta's ``InitialFact``. The plans of a
knowledge base are cached with it (``match_plans``, ``kb.cache``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ppp_expert.engine.experta_seam import AND, EXPERTA_VERSION, NOT, OR, TEST, Rule, dnf
from ppp_expert.engine.facts import fact_class
from ppp_expert.kb import cache, condition_syntax, conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: The position that stands for experta's ``InitialFact`` in a branch.
INITIAL = -1

#: One branch: (positive leaf positions, negated leaf positions), each in first-use order.
Branch = tuple[tuple[int, ...], tuple[int, ...]]


class Unsupported(ValueError):
    """experta's rewrite produced a shape the keyed matcher does not reproduce (use the stock one)."""


class _PlannedLeaf:
    """Stands for one compiled fact pattern during the rewrite.

    ``key`` makes two placeholders equal exactly when experta would find the two compiled
    patterns equal: a literal pattern by class and value, a fact pattern by class, a predicate
    pattern only to itself (each has its own closure).
    """

    __slots__ = ("position", "key")

    def __init__(self, position: int, key: tuple[Any, ...]) -> None:
        self.position = position
        self.key = key

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _PlannedLeaf):
            return self.key == other.key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_PlannedLeaf({self.position}, {self.key!r})"


_INITIAL_LEAF = _PlannedLeaf(INITIAL, ("initial",))


def pattern_key(leaf: cond.Leaf, position: int) -> tuple[Any, ...]:
    """The equality of the experta pattern ``patterns.leaf_pattern`` makes for ``leaf``: by fact
    class and literal value, by fact class alone for a bare fact, by identity for a predicate."""
    if leaf.literal is not None:
        return (fact_class(leaf), leaf.literal)
    if leaf.value_test is None:
        return (fact_class(leaf),)
    return ("predicate", position)


def _mirror(node: cond.Condition, positions: Iterator[int]) -> Any:
    """The condition as experta conditional elements over placeholders (as ``patterns.condition_pattern``)."""
    if isinstance(node, cond.All):
        return AND(*(_mirror(p, positions) for p in node.parts))
    if isinstance(node, cond.Any_):
        return OR(*(_mirror(p, positions) for p in node.parts))
    if isinstance(node, cond.Not):
        return NOT(_mirror(node.part, positions))
    position = next(positions)
    return _PlannedLeaf(position, pattern_key(node, position))


def _has_facts(element: Any) -> bool:
    """experta's ``extract_facts`` is non-empty (placeholders stand for facts)."""
    if isinstance(element, _PlannedLeaf):
        return True
    if isinstance(element, TEST):
        return False
    return any(_has_facts(e) for e in element)


def _prepare_element(element: Any) -> Any:
    """experta's ``prepare_rule`` for one top-level element (OR and AND; others unchanged)."""
    if isinstance(element, OR):
        parts = []
        for e in element:
            if isinstance(e, NOT):
                parts.append(AND(_INITIAL_LEAF, e))
            elif isinstance(e, AND):
                parts.append(_prepare_element(e))
            else:
                parts.append(e)
        return OR(*parts)
    if isinstance(element, AND) and isinstance(element[0], NOT):
        return AND(_INITIAL_LEAF, *element)
    return element


def _prepare(rule: Any) -> Any:
    """experta's ``prepare_rule`` for a rule (``matchers.rete.utils``), over placeholders."""
    dnf_rule = dnf(rule)
    prepared = dnf_rule.new_conditions(*[_prepare_element(e) for e in dnf_rule])
    if not prepared:
        return prepared.new_conditions(_INITIAL_LEAF)
    if isinstance(prepared[0], NOT) or not _has_facts(prepared):
        return prepared.new_conditions(_INITIAL_LEAF, *prepared)
    return dnf(prepared)


def _conjunction(elements: tuple[Any, ...]) -> Branch:
    """What experta's ``wire_rule`` matches for one conjunction, or Unsupported."""
    positive: list[int] = []
    negative: list[int] = []
    for index, element in enumerate(elements):
        if isinstance(element, _PlannedLeaf):
            positive.append(element.position)
        elif isinstance(element, NOT) and index > 0 and len(element) == 1 and isinstance(element[0], _PlannedLeaf):
            negative.append(element[0].position)
        else:
            # A leading NOT or a nested element: experta would wire it in ways that are not the
            # plain conjunction; never produced for the condition vocabulary, refused to be safe.
            raise Unsupported(f"unexpected element {element!r} in a conjunction")
    return tuple(dict.fromkeys(positive)), tuple(dict.fromkeys(negative))


def branches(condition: cond.Condition) -> list[Branch]:
    """The branches experta wires for a rule with this condition (see the module docstring)."""
    mirrored = _mirror(condition, iter(range(1 << 30)))
    elements = mirrored if isinstance(mirrored, AND) else (mirrored,)
    prepared = _prepare(Rule(*elements))
    if isinstance(prepared[0], OR):
        if len(prepared) != 1:
            raise Unsupported("a disjunction followed by other elements")
        result = []
        for sub in prepared[0]:
            if isinstance(sub, AND):
                result.append(_conjunction(tuple(sub)))
            elif isinstance(sub, _PlannedLeaf):
                result.append(_conjunction((sub,)))
            else:
                raise Unsupported(f"unexpected disjunct {sub!r}")
        return result
    return [_conjunction(tuple(prepared))]


def match_plans(kb: KnowledgeBase) -> list[list[Branch]]:
    """Every rule's plan, from the cache when the knowledge base and the code deriving plans
    (this module, the patterns it mirrors and their fact classes, the condition vocabulary and
    its syntax, experta's version) are unchanged; raises ``Unsupported`` as ``branches`` does."""
    key = None
    ids = [r.id for r in kb.rules]
    if kb.fingerprint and cache.enabled():
        here = Path(__file__)
        sources = (here, here.with_name("patterns.py"), here.with_name("facts.py"), cond.__file__,
                   condition_syntax.__file__)
        code = cache.code_fingerprint(*sources, libraries=[f"experta {EXPERTA_VERSION}"])
        key = {"kb": kb.fingerprint, "code": code}
        cached = cache.load("plans", key)
        if isinstance(cached, dict) and cached.get("rules") == ids and _well_formed(cached.get("plans"), kb):
            return [[(tuple(pos), tuple(neg)) for pos, neg in rule] for rule in cached["plans"]]
    plans = [branches(r.condition) for r in kb.rules]
    if key is not None:
        cache.store("plans", key, {"rules": ids, "plans": [[[list(p), list(n)] for p, n in rule] for rule in plans]})
    return plans


def _well_formed(plans: Any, kb: KnowledgeBase) -> bool:
    """Cached plans have the shape ``branches`` gives: per rule at least one branch of leaf
    positions that exist (or ``INITIAL``), at least one of them positive."""
    if not isinstance(plans, list) or len(plans) != len(kb.rules):
        return False
    for rule_plan, rule in zip(plans, kb.rules):
        size = sum(1 for _ in cond.leaves(rule.condition))
        if not isinstance(rule_plan, list) or not rule_plan:
            return False
        for branch in rule_plan:
            if not (isinstance(branch, list) and len(branch) == 2 and branch[0]):
                return False
            for positions in branch:
                if not isinstance(positions, list) or not all(
                        type(p) is int and (p == INITIAL or 0 <= p < size) for p in positions):
                    return False
    return True
