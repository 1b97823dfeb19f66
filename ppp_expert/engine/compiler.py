"""Compile a knowledge base into an experta KnowledgeEngine subclass, once per knowledge base.

Rules are built at run time from the parsed condition trees: no source text is generated or
evaluated. Conflict resolution is total and stable (see ``StableStrategy``), and every firing is
recorded with the facts it matched and the facts it declared.

The class matches with one of two matchers (``matcher_choice``): ``keyed`` (the default,
``engine.keyed``: flat tables specialised to this vocabulary, fed by ``engine.plan``) or
``stock`` (experta's Rete network with ``DirtyTrackingMatcher``). Both give experta's agenda the
same activations, so the firings, their order and what each records are identical.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import logging
import operator
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ppp_expert.engine.compat import experta
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.loader import KnowledgeBase, Rule

from experta.matchers.rete.check import TypeCheck  # noqa: E402 (after the compat shim)
from experta.matchers.rete.mixins import NoMemory  # noqa: E402
from experta.matchers.rete.token import Token  # noqa: E402

from experta import Fact, KnowledgeEngine, watchers  # noqa: E402 (after the compat shim)


class KeyedFact(Fact):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # What Fact.__init__ does, minus experta's per-value freeze() dispatch, which returns
        # plain scalars unchanged (thousands of facts per second are made here).
        if args or not all(type(v) in _SCALARS for v in kwargs.values()):
            super().__init__(*args, **kwargs)
            return
        dict.update(self, kwargs)
        self._Fact__defaults: dict[Any, Any] = {}

    def __str__(self) -> str:
        # Fact.__str__, without its property lookups: experta formats every fired activation's
        # facts this way, whether or not its rule log is on.
        factid = dict.get(self, "__factid__")
        return f"<f-{factid}>" if factid is not None else super().__str__()


_SCALARS = frozenset({str, int, float, bool, type(None)})


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


class KeyedStrategy(experta.abstract.Strategy):
    """Keeps the agenda sorted by ``get_key`` (the last activation fires first)."""

    def get_key(self, activation: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update_agenda(self, agenda: Any, added: Any, removed: Any) -> None:
        # Activations order by key (experta's Activation.__lt__ compares keys); searching by the
        # key itself gives the same positions without a Python-level comparison per step.
        activations = agenda.activations
        for act in removed:
            key = act.key = self.get_key(act)
            # Scan the run of equal keys for this one.
            pos = bisect.bisect_left(activations, key, key=_KEY)
            while pos < len(activations) and activations[pos].key == key:
                if activations[pos] == act:
                    del activations[pos]
                    break
                pos += 1
        for act in added:
            key = act.key = self.get_key(act)
            activations.insert(bisect.bisect_right(activations, key, key=_KEY), act)


_KEY = operator.attrgetter("key")


class StableStrategy(KeyedStrategy):
    """Fire lower strata first, then higher salience, then earlier rules; ties by fact ids.

    experta's default depth strategy breaks ties by hash order, which changes between
    processes; ending the key with the rule position makes the order total and repeatable.
    """

    def get_key(self, activation: Any) -> tuple[Any, ...]:
        # The fact ids, newest first, negated: ascending order of the negated ids.
        return (*activation.rule.salience, tuple(sorted([-f["__factid__"] for f in activation.facts])))


class DirtyTrackingMatcher(experta.matchers.ReteMatcher):
    """experta's Rete matcher, polling only the conflict-set nodes a change touched.

    The stock matcher asks every rule's conflict-set node for new activations after every
    declaration and every firing, which dominates run time with hundreds of rules. Here each
    node reports itself when a token reaches it, so a poll costs what actually changed.
    """

    def __init__(self, engine: Any) -> None:
        super().__init__(engine)
        self._dirty: dict[Any, None] = {}
        for node in self._get_conflict_set_nodes():
            node._activate = self._tracked(node, node._activate)
        # Route each fact only to the alpha branches testing its exact class (experta's
        # TypeCheck is an exact type test, so no other branch could pass it).
        self._routes: dict[type, list[Any]] | None = {}
        for child in self.root_node.children:
            check = getattr(child.node, "matcher", None)
            if not isinstance(check, TypeCheck):
                self._routes = None
                break
            self._routes.setdefault(check.fact_type, []).append(child.callback)

    def _send(self, token: Any, fact: Any) -> None:
        if self._routes is None:
            for child in self.root_node.children:
                child.callback(token)
        else:
            for callback in self._routes.get(type(fact), ()):
                callback(token)

    def _tracked(self, node: Any, activate: Callable[[Any], Any]) -> Callable[[Any], Any]:
        dirty = self._dirty

        def tracked_activate(token: Any) -> Any:
            dirty[node] = None
            return activate(token)

        return tracked_activate

    def changes(self, adding: Any = None, deleting: Any = None) -> tuple[list[Any], list[Any]]:
        for fact in deleting or ():
            self._send(Token.invalid(fact), fact)
        for fact in adding or ():
            self._send(Token.valid(fact), fact)
        added: list[Any] = []
        removed: list[Any] = []
        for node in self._dirty:
            node_added, node_removed = node.get_activations()
            added.extend(node_added)
            removed.extend(node_removed)
        self._dirty.clear()
        return added, removed

    def reset(self) -> None:
        """Clear node memories once each (experta's recursive reset revisits shared nodes)."""
        for node in self._dirty:
            node.get_activations()
        self._dirty.clear()
        for node in self._memory_nodes():
            node._reset()

    def _memory_nodes(self) -> list[Any]:
        nodes = getattr(self, "_with_memory", None)
        if nodes is None:
            seen: dict[int, Any] = {}
            stack = [self.root_node]
            while stack:
                node = stack.pop()
                if id(node) not in seen:
                    seen[id(node)] = node
                    stack.extend(child.node for child in node.children)
            nodes = self._with_memory = [n for n in seen.values() if not isinstance(n, NoMemory)]
        return nodes


class RecordingAgenda(experta.agenda.Agenda):
    """Remembers the activation being fired so the rule body can record what it matched, and
    holds back the rules of a later phase than ``phase``.

    A second-phase rule can be activated before the decision exists (``not: {verdict: ppp}``
    holds while no verdict is declared); it must wait for the decision, not fire on its absence.
    """

    current: Any = None
    #: The latest phase allowed to fire (the first element of an activation's key is -phase).
    phase = 1

    def get_next(self) -> Any:
        if self.activations and -self.activations[-1].key[0] > self.phase:
            return None
        self.current = super().get_next()
        return self.current


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, the facts it matched, the facts it declared."""

    rule: Rule
    matched: tuple[str, ...]
    declared: tuple[str, ...]


class BaseEngine(KnowledgeEngine):
    """The generic engine; compiled subclasses add one experta rule per knowledge-base rule."""

    __strategy__ = StableStrategy
    __matcher__ = DirtyTrackingMatcher

    def get_deffacts(self) -> Any:
        """experta finds deffacts by inspecting every member on each reset; they never change."""
        cached = self.__dict__.get("_deffacts_cache")
        if cached is None:
            cached = self._deffacts_cache = super().get_deffacts()
            for deffacts in cached:  # experta's reset reads each one's signature every time
                deffacts.__signature__ = inspect.signature(deffacts)
        return cached

    def reset(self, **kwargs: Any) -> None:  # noqa: D102
        super().reset(**kwargs)
        # experta's reset makes a plain agenda and declares the initial fact into it: keep the
        # activations that fact gave (a rule whose condition is only a negation has no other),
        # which a fresh agenda used to drop, so `not: {fact: x}` alone never fired.
        recording = RecordingAgenda()
        recording.activations = self.agenda.activations
        self.agenda = recording
        self.firings: list[Firing] = []
        self.fired_ids: set[str] = set()
        self.findings: set[str] = set()

    def run(self, steps: float = float("inf")) -> None:
        """experta's ``KnowledgeEngine.run``, step for step, except that the FIRE trace line
        (the facts of each activation joined into text) is built only when experta's ``RULES``
        watcher would log it: experta builds it for every firing, logged or not, which cost
        about a twentieth of a case. Watching rules (``experta.watch("RULES")``) logs the
        same lines as before."""
        rules_watcher = watchers.RULES
        self.running = True
        execution = 0
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            if watchers.worth("AGENDA", "DEBUG"):  # experta's debugging aid: the agenda before each firing
                for idx, act in enumerate(self.agenda.activations):
                    watchers.AGENDA.debug("%d: %r %r", idx, act.rule.__name__, ", ".join(str(f) for f in act.facts))
            activation = self.agenda.get_next()
            if activation is None:
                break
            steps -= 1
            execution += 1
            if rules_watcher.isEnabledFor(logging.INFO):
                rules_watcher.info("FIRE %s %s: %s", execution, activation.rule.__name__,
                                   ", ".join(str(f) for f in activation.facts))
            activation.rule(self, **{k: v for k, v in activation.context.items() if not k.startswith("__")})
        self.running = False

    def record(self, rule: Rule) -> None:
        """Body of every compiled rule: fire once per case, declare derived facts, log it."""
        if rule.id in self.fired_ids:
            return
        self.fired_ids.add(rule.id)
        labels = [label for label in map(fact_label, self.agenda.current.facts) if label is not None]
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
        return answer(v=experta.P(_predicate(node.holds)))
    if isinstance(node, cond.AnswerCompare):
        return specialised(Answer, node.question)(v=experta.P(_predicate(node.holds)))
    if isinstance(node, cond.FactIs):
        return specialised(Finding, node.name)()
    if isinstance(node, cond.DecisionIn):
        decision = specialised(DecisionFact, node.kind)
        if len(node.values) == 1:
            (value,) = node.values
            return decision(v=value)
        values = node.values
        return decision(v=experta.P(_predicate(lambda v: v in values)))
    if isinstance(node, cond.All):
        return experta.AND(*(_pattern(p) for p in node.parts))
    if isinstance(node, cond.Any_):
        return experta.OR(*(_pattern(p) for p in node.parts))
    if isinstance(node, cond.Not):
        return experta.NOT(_pattern(node.part))
    raise TypeError(f"not a condition: {node!r}")  # pragma: no cover


def _predicate(test: Callable[[Any], bool]) -> Callable[[Any], bool]:
    # Name the predicate so experta's network nodes print readably when debugging.
    def predicate(value: Any) -> bool:
        return test(value)

    return predicate


def _body(rule: Rule) -> Callable[..., None]:
    def fire(engine: BaseEngine, **_: Any) -> None:
        engine.record(rule)

    fire.__name__ = rule.id.replace(".", "__")
    # experta inspects the body's signature each time it rewrites a rule (thousands of times
    # per compile); a precomputed signature makes that lookup free.
    fire.__signature__ = _BODY_SIGNATURE  # type: ignore[attr-defined]
    return fire


def _signature_template(engine: Any, **_: Any) -> None:  # pragma: no cover - only its signature is used
    """Shape of every rule body."""


_BODY_SIGNATURE = inspect.signature(_signature_template)


def _experta_rule(patterns: Sequence[Any], order: tuple[int, ...], body: Callable[..., None]) -> Any:
    """``experta.Rule(*patterns, salience=order)(body)``, without experta re-reading the body's
    signature (it only looks for ``**kwargs``, which every body has: all context is passed)."""
    rule = experta.Rule(*patterns, salience=order)
    rule._wrapped = body
    return functools.update_wrapper(rule, body)


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
        patterns = compiled if isinstance(compiled, experta.AND) else (compiled,)
        # The order key rides in experta's salience slot, which survives experta's internal
        # rule rewriting: phase and stratum ascending, salience descending, KB position ascending.
        order = (-rule.phase, -rule.stratum, rule.salience, -rule.position)
        body = _body(rule)
        attrs[f"rule_{rule.position:05d}"] = _experta_rule(patterns, order, body)
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
                                         [_experta_rule(*r) for r in rules])
            attrs.update(__matcher__=KeyedMatcher, __network__=network)
    attrs["matcher_name"] = chosen
    return type("CompiledEngine", (BaseEngine,), attrs)
