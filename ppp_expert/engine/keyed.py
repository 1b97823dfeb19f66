"""A matcher specialised to the knowledge base's vocabulary, inside experta.

Every pattern of a compiled rule tests one keyed fact (an answer, a finding, a decision, or
experta's ``InitialFact``) against literals; there are no joins on variables, and the
knowledge-base engine holds at most one fact per key. A general Rete network spends most of a
case building and comparing tokens for that; here the network is three flat tables:

* fact class -> the patterns that test it (each pattern: a test of the fact's value, or none);
* pattern -> the branches (experta's disjuncts, see ``plan``) that need it, or need it absent;
* branch -> its rule and how many of its patterns are still unmatched / matched-but-negated.

Declaring a fact runs each of its patterns' tests once and updates the counters of the
branches that read them; a branch whose counters reach zero unmatched and zero negated becomes
an experta ``Activation`` (the same rule body, salience and facts the stock network would
give it) and goes to experta's agenda through experta's strategy, unchanged. Retraction is the
reverse, so the matcher keeps experta's contract even though the knowledge-base engine never
retracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ppp_expert.engine.experta_seam import InitialFact, MatcherInterface, new_activation
from ppp_expert.engine.plan import INITIAL, Branch
from ppp_expert.kb import conditions as cond

_MISSING = object()
Test = Callable[[Any], bool]


class DuplicateKeyedFact(RuntimeError):
    """A second fact of one keyed class: the keyed matcher holds one fact per key."""


def _literal(expected: Any) -> Test:
    # experta's literal check compares ``expected == actual``; keep the same operand order.
    def equal(value: Any) -> bool:
        return bool(expected == value)

    return equal


def leaf_test(leaf: cond.Leaf) -> Test | None:
    """The test of a fact's value ``v`` that the compiled experta pattern for ``leaf`` applies."""
    if leaf.literal is not None:
        return _literal(leaf.literal)
    return leaf.value_test


@dataclass
class KeyedNetwork:
    """The flat tables of one compiled knowledge base (built once per engine class)."""

    by_type: dict[type, tuple[int, ...]]
    tests: list[Test | None]
    positive_refs: list[tuple[int, ...]]
    negative_refs: list[tuple[int, ...]]
    branch_rule: list[Any]
    branch_patterns: list[tuple[int, ...]]
    branch_sizes: list[int]

    @classmethod
    def build(cls, fact_class: Callable[[cond.Leaf], type], leaves: Sequence[Sequence[cond.Leaf]],
              plans: Sequence[Sequence[Branch]], rules: Sequence[Any]) -> "KeyedNetwork":
        """Tables for rules given as their leaves (``cond.leaves`` order), branches and experta rules."""
        patterns: dict[tuple[type, Any], int] = {}
        types: list[type] = []
        tests: list[Test | None] = []
        positive: list[list[int]] = []
        negative: list[list[int]] = []

        def pattern(leaf: cond.Leaf | None) -> int:
            if leaf is None:
                kind, test_key, test = InitialFact, None, None
            else:
                kind = fact_class(leaf)
                test = leaf_test(leaf)
                test_key = None if test is None else leaf  # equal leaves test alike
            key = (kind, test_key)
            if key not in patterns:
                patterns[key] = len(tests)
                types.append(kind)
                tests.append(test)
                positive.append([])
                negative.append([])
            return patterns[key]

        branch_rule: list[Any] = []
        branch_patterns: list[tuple[int, ...]] = []
        for rule_leaves, branches, rule in zip(leaves, plans, rules):
            for pos, neg in branches:
                index = len(branch_rule)
                needed = tuple(dict.fromkeys(pattern(None if p == INITIAL else rule_leaves[p]) for p in pos))
                absent = tuple(dict.fromkeys(pattern(None if p == INITIAL else rule_leaves[p]) for p in neg))
                for p in needed:
                    positive[p].append(index)
                for p in absent:
                    negative[p].append(index)
                branch_rule.append(rule)
                branch_patterns.append(needed)
        by_type: dict[type, list[int]] = {}
        for pid, kind in enumerate(types):
            by_type.setdefault(kind, []).append(pid)
        return cls(
            by_type={k: tuple(v) for k, v in by_type.items()}, tests=tests,
            positive_refs=[tuple(r) for r in positive], negative_refs=[tuple(r) for r in negative],
            branch_rule=branch_rule, branch_patterns=branch_patterns,
            branch_sizes=[len(p) for p in branch_patterns],
        )


class KeyedMatcher(MatcherInterface):
    """experta's matcher interface over a ``KeyedNetwork`` (the engine class's ``__network__``)."""

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self.network: KeyedNetwork = type(engine).__network__
        self.reset()

    def reset(self) -> None:
        net = self.network
        self._missing = list(net.branch_sizes)
        self._negated = [0] * len(net.branch_sizes)
        self._active: list[Any] = [None] * len(net.branch_sizes)
        self._matched: list[Any] = [None] * len(net.tests)
        self._present: dict[type, Any] = {}

    def changes(self, adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
        if not adding and not deleting:  # most polls: a rule fired and declared nothing
            return [], []
        dirty: dict[int, None] = {}
        for fact in deleting or ():
            self._retract(fact, dirty)
        for fact in adding or ():
            self._assert(fact, dirty)
        added: list[Any] = []
        removed: list[Any] = []
        if not dirty:
            return added, removed
        missing, negated, active, matched = self._missing, self._negated, self._active, self._matched
        rules, needed = self.network.branch_rule, self.network.branch_patterns
        for b in dirty:
            current = active[b]
            if missing[b] == 0 and negated[b] == 0:
                facts = [matched[p] for p in needed[b]]
                if current is not None:
                    if current.facts == set(facts):
                        continue
                    removed.append(current)
                active[b] = activation = new_activation(rules[b], facts)
                added.append(activation)
            elif current is not None:
                removed.append(current)
                active[b] = None
        return added, removed

    def _assert(self, fact: Any, dirty: dict[int, None]) -> None:
        kind = type(fact)
        pids = self.network.by_type.get(kind)
        if pids is None:
            return  # no rule reads this fact
        if kind in self._present:
            raise DuplicateKeyedFact(f"a second {kind.__name__} fact; the keyed matcher holds one fact per key")
        self._present[kind] = fact
        value = fact.get("v", _MISSING)
        tests, matched = self.network.tests, self._matched
        positive, negative = self.network.positive_refs, self.network.negative_refs
        missing, negated = self._missing, self._negated
        for p in pids:
            test = tests[p]
            if test is not None and (value is _MISSING or not test(value)):
                continue
            matched[p] = fact
            for b in positive[p]:
                missing[b] -= 1
                if not missing[b]:
                    dirty[b] = None
            for b in negative[p]:
                negated[b] += 1
                if negated[b] == 1:
                    dirty[b] = None

    def _retract(self, fact: Any, dirty: dict[int, None]) -> None:
        kind = type(fact)
        pids = self.network.by_type.get(kind)
        if pids is None or self._present.get(kind) is not fact:
            return
        del self._present[kind]
        matched = self._matched
        for p in pids:
            if matched[p] is not fact:
                continue
            matched[p] = None
            for b in self.network.positive_refs[p]:
                if not self._missing[b]:
                    dirty[b] = None
                self._missing[b] += 1
            for b in self.network.negative_refs[p]:
                self._negated[b] -= 1
                if not self._negated[b]:
                    dirty[b] = None
