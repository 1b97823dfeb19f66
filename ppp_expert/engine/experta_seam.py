"""The one place the package touches experta: its public names, re-exported, and every use of
its private internals, each with the reason it is needed.

experta 1.9.4 (2019) is pinned (setup.cfg, constraints.txt). The engine reaches past its public
API for speed and for a total firing order: facts made without experta's per-value overheads,
a strategy that keeps the agenda sorted, an agenda that remembers the firing activation, a run
loop and reset of its own, Rete nodes polled only when a change reached them, rules built
without re-reading their bodies, experta's DNF rewrite and its ``Activation`` class. Each of
those depends on that one release's internals, so importing this module checks the version
first and refuses any other with an error naming the expected one: an upgrade fails here, at
import, not somewhere in a run. Porting to a new release means porting this module (and the
mirror of experta's ``prepare_rule`` in ``plan``, which tests/engine/test_matcher.py checks against
the real one).

Every other module imports experta's names from here; tests/test_architecture.py checks that
only this module and ``compat`` (the shim that makes experta importable) import experta.
"""

from __future__ import annotations

import bisect
import functools
import inspect
import logging
import operator
from typing import Any, Callable, Sequence

from ppp_expert.engine.compat import experta

#: The experta release this module was written against (and setup.cfg pins).
EXPECTED_EXPERTA_VERSION = "1.9.4"


class ExpertaVersionError(ImportError):
    """The installed experta is not the release the seam was written against."""


def check_experta_version(found: str) -> None:
    """Refuse any experta release but the expected one, before any private module is imported
    (a moved private module would otherwise fail with an error that names neither version)."""
    if found != EXPECTED_EXPERTA_VERSION:
        raise ExpertaVersionError(
            f"ppp-expert needs experta {EXPECTED_EXPERTA_VERSION} (pinned in setup.cfg), found experta {found}: "
            f"ppp_expert/engine/experta_seam.py relies on that release's private internals. Install "
            f"experta=={EXPECTED_EXPERTA_VERSION}, or port the seam to the new release.")


check_experta_version(str(getattr(experta, "__version__", "unknown")))

# isort: off
# experta's public API, for the rest of the package.
from experta import AND, MATCH, NOT, OR, TEST, Fact, InitialFact, KnowledgeEngine, P, Rule  # noqa: E402
from experta import watchers  # noqa: E402

# Private internals: used only in this module, each behind a class or function saying why.
from experta.abstract import Matcher, Strategy  # noqa: E402
from experta.activation import Activation  # noqa: E402
from experta.agenda import Agenda  # noqa: E402
from experta.matchers import ReteMatcher  # noqa: E402
from experta.matchers.rete.check import TypeCheck  # noqa: E402
from experta.matchers.rete.dnf import dnf as _experta_dnf  # noqa: E402
from experta.matchers.rete.mixins import NoMemory  # noqa: E402
from experta.matchers.rete.token import Token  # noqa: E402
# isort: on

#: The installed release (the plan cache is keyed by it).
EXPERTA_VERSION: str = experta.__version__

#: The item experta stores a declared fact's id under; its own strategy orders by it.
FACT_ID = "__factid__"

__all__ = [
    # experta's public API
    "AND", "MATCH", "NOT", "OR", "TEST", "Fact", "InitialFact", "KnowledgeEngine", "P", "Rule", "watchers",
    # the version check
    "EXPECTED_EXPERTA_VERSION", "EXPERTA_VERSION", "ExpertaVersionError", "check_experta_version",
    # the uses of private internals
    "FACT_ID", "FastFact", "KeyedStrategy", "RecordingAgenda", "DirtyTrackingMatcher", "ExpertaEngine",
    "MatcherInterface", "new_activation", "rule_with_body", "dnf",
]


class MatcherInterface(Matcher):
    """The interface experta's engine calls its matcher through (the class's ``__matcher__``:
    ``changes`` and ``reset``).

    Why: the keyed matcher (``keyed``) stands in for the Rete network behind it. Private:
    ``experta.abstract.Matcher``.
    """


def new_activation(rule: Any, facts: Sequence[Any]) -> Any:
    """experta's ``Activation`` of ``rule`` on ``facts``, with no bindings (compiled rules bind
    no variables).

    Why: the keyed matcher makes the activations the Rete network would make, so experta's
    strategy and agenda receive exactly the same ones. Private: ``experta.activation``.
    """
    return Activation(rule, facts)


_SCALARS = frozenset({str, int, float, bool, type(None)})


class FastFact(Fact):
    """experta's ``Fact``, made and printed without experta's per-value overheads.

    Why: thousands of facts are made per second, and experta formats every fired activation's
    facts whether or not its rule log is on. Private: fills in the name-mangled
    ``_Fact__defaults`` that ``Fact.__init__`` sets up, and reads the ``__factid__`` item.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # What Fact.__init__ does, minus experta's per-value freeze() dispatch, which returns
        # plain scalars unchanged.
        if args or not all(type(v) in _SCALARS for v in kwargs.values()):
            super().__init__(*args, **kwargs)
            return
        dict.update(self, kwargs)
        self._Fact__defaults: dict[Any, Any] = {}

    def __str__(self) -> str:
        # Fact.__str__, without its property lookups.
        factid = dict.get(self, FACT_ID)
        return f"<f-{factid}>" if factid is not None else super().__str__()


class KeyedStrategy(Strategy):
    """Keeps the agenda sorted by ``get_key`` (the last activation fires first).

    Why: experta's own strategy inserts with a Python-level comparison per step. Private:
    implements ``Strategy._update_agenda`` over ``Agenda.activations`` and sets each
    activation's ``key``, which ``Activation.__lt__`` compares. ``get_key`` receives experta's
    ``Activation`` (its ``rule``, ``facts`` and ``context``).
    """

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


class RecordingAgenda(Agenda):
    """experta's agenda, remembering the activation being fired (``current``) and holding back
    the activations ``holds_back`` names.

    Why: a rule body records the facts its activation matched, and a later phase's rules must
    wait (see ``firing_order.PhasedAgenda``). Private: overrides ``Agenda.get_next``, which
    experta's run loop calls, and reads ``Agenda.activations``.
    """

    current: Any = None

    def holds_back(self, activation: Any) -> bool:
        """Whether the next activation (the last of the sorted agenda) must not fire yet."""
        return False

    def get_next(self) -> Any:
        if self.activations and self.holds_back(self.activations[-1]):
            return None
        self.current = super().get_next()
        return self.current


class DirtyTrackingMatcher(ReteMatcher):
    """experta's Rete matcher, polling only the conflict-set nodes a change touched.

    The stock matcher asks every rule's conflict-set node for new activations after every
    declaration and every firing, which dominates run time with hundreds of rules. Here each
    node reports itself when a token reaches it, so a poll costs what actually changed.
    Private: wraps each conflict-set node's ``_activate``, sends tokens from the network's root
    itself (``Token``, ``TypeCheck``) and resets the nodes with memory (``NoMemory``).
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


class ExpertaEngine(KnowledgeEngine):
    """experta's ``KnowledgeEngine`` with a ``RecordingAgenda`` (``agenda_class``), deffacts looked
    up once, and a run loop that formats trace lines only when they are logged.

    Why: each of these costs a share of every case in experta's own code. Private: replaces the
    agenda experta's ``reset`` makes, and repeats experta's ``run`` over its ``agenda``,
    ``strategy`` and ``watchers``.
    """

    agenda_class: type[RecordingAgenda] = RecordingAgenda
    agenda: Any  # experta's Agenda until the first reset, an ``agenda_class`` from then on

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
        recording = self.agenda_class()
        recording.activations = self.agenda.activations
        self.agenda = recording

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

    def firing_facts(self) -> Any:
        """The facts matched by the activation being fired (called from a rule body)."""
        return self.agenda.current.facts


def _body_template(engine: Any, **_: Any) -> None:  # pragma: no cover - only its signature is used
    """Shape of every rule body."""


_BODY_SIGNATURE = inspect.signature(_body_template)


def rule_with_body(patterns: Sequence[Any], salience: Any, body: Callable[..., None]) -> Any:
    """``Rule(*patterns, salience=salience)(body)`` for a body taking ``(engine, **context)``.

    Why: experta reads a body's signature when the rule is made and each time it rewrites the
    rule (thousands of times per compile), only to look for ``**kwargs``; here the body carries a
    precomputed signature and the rule is made without reading it. Private: sets
    ``Rule._wrapped`` as ``Rule.__call__`` does.
    """
    body.__signature__ = _BODY_SIGNATURE  # type: ignore[attr-defined]
    rule = Rule(*patterns, salience=salience)
    rule._wrapped = body
    return functools.update_wrapper(rule, body)


def dnf(element: Any) -> Any:
    """experta's rewrite of a rule's conditions into disjunctive normal form.

    Why: the match plans (``plan``) must be the conjunctions experta's Rete network wires, quirks
    included, so they come from experta's own rewrite. Private: ``experta.matchers.rete.dnf``.
    """
    return _experta_dnf(element)
