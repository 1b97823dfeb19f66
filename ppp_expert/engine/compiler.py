"""Compile a knowledge base into an experta KnowledgeEngine subclass, once per knowledge base.

Rules are built at run time from the parsed condition trees: no source text is generated or
evaluated. Conflict resolution is total and stable (see ``StableStrategy``), and every firing is
recorded with the facts it matched and the facts it declared.

The class matches with one of two matchers (``matcher_choice``): ``keyed`` (the default,
``engine.keyed``: flat tables specialised to this vocabulary, fed by ``engine.plan``) or
``stock`` (experta's Rete network with ``DirtyTrackingMatcher``). Both give experta's agenda the
same activations, so the firings, their order and what each records are identical.

What reaches into experta's internals (the agenda, the run loop, the Rete network, fast facts,
rule construction) lives in ``experta_seam``; this module says what the engine does with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ppp_expert.engine.experta_seam import (
    AND,
    FACT_ID,
    NOT,
    OR,
    DirtyTrackingMatcher,
    ExpertaEngine,
    Fact,
    FastFact,
    KeyedStrategy,
    P,
    RecordingAgenda,
    rule_with_body,
)
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.loader import KnowledgeBase, Rule


class KeyedFact(FastFact):
    """A fact whose class is specialised by one key field (the question, fact name, kind).

    experta's alpha network tests every fact against every pattern of its class; giving each
    question its own class (``Answer(q="urgency", ...)`` builds an ``Answer_urgency``) lets the
    matcher route a fact straight to the few patterns that can match it.
    """

    key_field = ""
    _types: dict[str, type] = {}
    _by_key: dict[tuple[type, str], type] = {}

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.key_field and cls.key_field in kwargs and cls.__dict__.get("keyed_base", True):
            cls = specialised(cls, str(kwargs[cls.key_field]))
        return super().__new__(cls, *args, **kwargs)


def specialised(base: type, key: str) -> type:
    """The subclass of ``base`` for one key value, created once per process."""
    known = KeyedFact._by_key.get((base, key))
    if known is not None:
        return known
    name = f"{base.__name__}_{key}"
    cached = KeyedFact._types.get(name)
    if cached is None:
        cached = KeyedFact._types[name] = type(name, (base,), {"keyed_base": False})
    KeyedFact._by_key[(base, key)] = cached
    return cached


class Answer(KeyedFact):
    """An answer to a question: ``q`` the question id, ``v`` the value (or ``unknown``)."""

    key_field = "q"


class Finding(KeyedFact):
    """A derived fact concluded by a rule."""

    key_field = "name"


class DecisionFact(KeyedFact):
    """The aggregated decision the second phase reasons about: ``kind`` model or verdict.

    The fact the engine declares; ``aggregate.Decision`` is the decision itself.
    """

    key_field = "kind"


def fact_label(fact: Fact) -> str | None:
    """A stable, readable id for a matched fact (None for experta's InitialFact).

    Kept on the fact once computed: a declared fact never changes, and one answer is matched
    by many firings.
    """
    label = fact.__dict__.get("_label", _NO_LABEL)
    if label is _NO_LABEL:
        label = fact.__dict__["_label"] = _label(fact)
    return label


_NO_LABEL = object()


def _label(fact: Fact) -> str | None:
    if isinstance(fact, Answer):
        return f"answer:{fact['q']}={fact['v']}"
    if isinstance(fact, Finding):
        return f"fact:{fact['name']}"
    if isinstance(fact, DecisionFact):
        return f"{fact['kind']}:{fact['v']}"
    return None


class StableStrategy(KeyedStrategy):
    """Fire lower strata first, then higher salience, then earlier rules; ties by fact ids.

    experta's default depth strategy breaks ties by hash order, which changes between
    processes; ending the key with the rule position makes the order total and repeatable.
    """

    def get_key(self, activation: Any) -> tuple[Any, ...]:
        # The fact ids, newest first, negated: ascending order of the negated ids.
        return (*activation.rule.salience, tuple(sorted([-f[FACT_ID] for f in activation.facts])))


class PhasedAgenda(RecordingAgenda):
    """Holds back the rules of a later phase than ``phase``.

    A second-phase rule can be activated before the decision exists (``not: {verdict: ppp}``
    holds while no verdict is declared); it must wait for the decision, not fire on its absence.
    """

    #: The latest phase allowed to fire (the first element of an activation's key is -phase).
    phase = 1

    def holds_back(self, activation: Any) -> bool:
        return -activation.key[0] > self.phase


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, the facts it matched, the facts it declared."""

    rule: Rule
    matched: tuple[str, ...]
    declared: tuple[str, ...]


class BaseEngine(ExpertaEngine):
    """The generic engine; compiled subclasses add one experta rule per knowledge-base rule."""

    __strategy__ = StableStrategy
    __matcher__ = DirtyTrackingMatcher
    agenda_class = PhasedAgenda

    def reset(self, **kwargs: Any) -> None:  # noqa: D102
        super().reset(**kwargs)
        self.firings: list[Firing] = []
        self.fired_ids: set[str] = set()
        self.findings: set[str] = set()

    def record(self, rule: Rule) -> None:
        """Body of every compiled rule: fire once per case, declare derived facts, log it."""
        if rule.id in self.fired_ids:
            return
        self.fired_ids.add(rule.id)
        labels = [label for label in map(fact_label, self.firing_facts()) if label is not None]
        labels.sort()
        matched = tuple(labels)
        declared = []
        for fact in rule.concluded_facts:
            if fact not in self.findings:
                self.findings.add(fact)
                self.declare(Finding(name=fact))
                declared.append(f"fact:{fact}")
        self.firings.append(Firing(rule, matched, tuple(declared)))


def _pattern(node: cond.Condition) -> Any:
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
        return AND(*(_pattern(p) for p in node.parts))
    if isinstance(node, cond.Any_):
        return OR(*(_pattern(p) for p in node.parts))
    if isinstance(node, cond.Not):
        return NOT(_pattern(node.part))
    raise TypeError(f"not a condition: {node!r}")  # pragma: no cover


def _predicate(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    # Name the predicate so experta's network nodes print readably when debugging.
    def predicate(value: Any) -> bool:
        return test(value)

    return predicate


def _body(rule: Rule) -> Callable[..., None]:
    def fire(engine: BaseEngine, **_: Any) -> None:
        engine.record(rule)

    # Names experta's trace lines (FIRE ...) and its debug output.
    fire.__name__ = rule.id.replace(".", "__")
    return fire


#: The matchers an engine can be compiled with: ``keyed`` (specialised to the knowledge base's
#: vocabulary, ``ppp_expert.engine.keyed``) and ``stock`` (experta's Rete with dirty tracking).
MATCHERS = ("keyed", "stock")
MATCHER_ENV = "PPP_EXPERT_MATCHER"


def matcher_choice(name: str | None = None) -> str:
    """The matcher to compile with: ``name``, else ``$PPP_EXPERT_MATCHER``, else ``keyed``."""
    chosen = name or os.environ.get(MATCHER_ENV) or "keyed"
    if chosen not in MATCHERS:
        where = None if name else MATCHER_ENV
        raise PPPExpertError(f"unknown matcher {chosen!r}; expected one of {', '.join(MATCHERS)}", field=where)
    return chosen


def fact_class(leaf: cond.Leaf) -> type:
    """The keyed fact class a condition leaf's pattern tests."""
    if isinstance(leaf, (cond.AnswerIn, cond.AnswerCompare)):
        return specialised(Answer, leaf.question)
    if isinstance(leaf, cond.FactIs):
        return specialised(Finding, leaf.name)
    return specialised(DecisionFact, leaf.kind)


def compile_engine(kb: KnowledgeBase, matcher: str | None = None,
                   plans: Sequence[Sequence[Any]] | None = None) -> type[BaseEngine]:
    """Build the engine class for ``kb``: one experta rule per knowledge-base rule.

    ``matcher`` picks the matcher (see ``matcher_choice``); ``plans`` are the rules' match plans
    (``plan.branches``) when already known. The keyed matcher falls back to the stock one when
    experta's rewrite of some rule has a shape it does not reproduce (``matcher_name`` says which
    matcher the class uses).
    """
    chosen = matcher_choice(matcher)
    attrs: dict[str, Any] = {}
    rules = []
    for rule in kb.rules:
        compiled = _pattern(rule.condition)
        patterns = compiled if isinstance(compiled, AND) else (compiled,)
        # The order key rides in experta's salience slot, which survives experta's internal
        # rule rewriting: phase and stratum ascending, salience descending, KB position ascending.
        order = (-rule.phase, -rule.stratum, rule.salience, -rule.position)
        body = _body(rule)
        attrs[f"rule_{rule.position:05d}"] = rule_with_body(patterns, order, body)
        rules.append((patterns, order, body))
    if chosen == "keyed":
        from ppp_expert.engine import plan
        from ppp_expert.engine.keyed import KeyedMatcher, KeyedNetwork

        try:
            plans = plans if plans is not None else plan.match_plans(kb)
        except plan.Unsupported:
            chosen = "stock"
        else:
            # Activations carry a copy of each rule, as experta's network carries its rewritten
            # rule: the class attribute is rebound to whichever engine instance looked it up last.
            network = KeyedNetwork.build(fact_class, [list(cond.leaves(r.condition)) for r in kb.rules], plans,
                                         [rule_with_body(*r) for r in rules])
            attrs.update(__matcher__=KeyedMatcher, __network__=network)
    attrs["matcher_name"] = chosen
    return type("CompiledEngine", (BaseEngine,), attrs)
