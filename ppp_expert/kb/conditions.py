"""The closed condition vocabulary of rules: its meaning (evaluation) and inspection.

A condition is parsed once from YAML (``condition_syntax``) into small frozen dataclasses, and
this module is the one evaluator of their meaning. A leaf's ``holds(value)`` decides it for a known answer: the engine
compiles it into experta's predicates. ``truth(state)`` is the three-valued reading of a whole
tree (true / false / open), built on the same ``holds``: WHY-NOT explanations read it against a
finished case, the consultation's relevance analysis against the answers given so far.

What other modules need to know of a leaf is on the leaf (``_Leaf``); what a leaf means in one
module's own terms (an experta pattern, CLIPS, words) is a table keyed by leaf class there, with
an entry for each of ``LEAF_CLASSES`` (tests/test_architecture.py checks both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator, Mapping, Union, get_args

UNKNOWN = "unknown"

#: Tri-state truth: True, False, or None when it depends on answers not yet given.
Truth = Union[bool, None]





_MISSING = object()


@dataclass
class State:
    """What is known when a condition is evaluated in Python.

    ``answers`` maps question -> value; a question missing from it is open unless ``closed``
    (then it reads as ``unknown``). ``facts`` holds concluded facts and ``possible_facts`` those
    that could still be concluded. ``decisions`` maps ``model`` / ``verdict`` to the values still
    possible (one value once decided, none when decided that nothing is declared, as for the model
    of an advice that recommends none); a kind missing from it is open. The relevance analysis
    grows ``facts`` and ``possible_facts`` as it evaluates rules in order, so they are sets.
    """

    answers: Mapping[str, Any]
    facts: set[str] | frozenset[str] = field(default_factory=set)
    possible_facts: set[str] | frozenset[str] = frozenset()
    decisions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    closed: bool = True


@dataclass
class OpenInputs:
    """The inputs an open condition still waits on: unanswered questions, possible facts and
    undecided decisions."""

    questions: set[str] = field(default_factory=set)
    facts: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)


class _Leaf:
    """What every leaf tells the modules that use it, so that none of them tests its class.

    A leaf ``reads`` one of the ``questions``, derived ``facts`` or ``decisions`` (as ``OpenInputs``
    names them), the one its ``subject`` names. ``literal`` is the one value it compares for
    equality (else None), ``value_test`` its test of the value (None for a fact: being concluded
    is the test), ``thresholds(question)`` the numeric bounds it tests on a question.
    """

    reads: ClassVar[str]
    truth: Callable[[State], Truth]

    @property
    def subject(self) -> str:
        raise NotImplementedError

    @property
    def literal(self) -> str | None:
        return None

    @property
    def value_test(self) -> Callable[[Any], bool] | None:
        return getattr(self, "holds", None)

    def thresholds(self, question: str) -> tuple[float, ...]:
        return ()

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            getattr(inputs, self.reads).add(self.subject)


class _AnswerLeaf(_Leaf):
    question: str
    holds: Callable[[Any], bool]
    reads = "questions"

    @property
    def subject(self) -> str:
        return self.question

    def truth(self, state: State) -> Truth:
        value = state.answers.get(self.question, _MISSING)
        if value is _MISSING:
            return self.holds(UNKNOWN) if state.closed else None
        return self.holds(value)


@dataclass(frozen=True)
class AnswerIn(_AnswerLeaf):
    """The answer to ``question`` is one of ``values`` (``negate``: known and none of them)."""

    question: str
    values: frozenset[str]
    negate: bool = False

    @property
    def literal(self) -> str | None:
        return next(iter(self.values)) if len(self.values) == 1 and not self.negate else None

    def holds(self, value: Any) -> bool:
        if self.negate:
            return value != UNKNOWN and value not in self.values
        return value in self.values

    def describe(self) -> str:
        values = ", ".join(sorted(self.values))
        return f"{self.question} {'not in' if self.negate else 'in'} [{values}]"


@dataclass(frozen=True)
class AnswerCompare(_AnswerLeaf):
    """A numeric answer lies in the closed range [low, high] (open ends are ``None``)."""

    question: str
    low: float | None
    high: float | None
    low_strict: bool = False
    high_strict: bool = False

    def thresholds(self, question: str) -> tuple[float, ...]:
        return tuple(b for b in (self.low, self.high) if b is not None) if question == self.question else ()

    def holds(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.low is not None and (value <= self.low if self.low_strict else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_strict else value > self.high):
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{self.question} {'>' if self.low_strict else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{self.question} {'<' if self.high_strict else '<='} {self.high:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class FactIs(_Leaf):
    """Another rule concluded the derived fact ``name``."""

    name: str
    reads = "facts"

    @property
    def subject(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"fact {self.name}"

    def truth(self, state: State) -> Truth:
        if self.name in state.facts:
            return True
        return None if self.name in state.possible_facts else False


@dataclass(frozen=True)
class DecisionIn(_Leaf):
    """The second-phase decision ``kind`` (``model`` or ``verdict``) is one of ``values``."""

    kind: str
    values: frozenset[str]
    reads = "decisions"

    @property
    def subject(self) -> str:
        return self.kind

    @property
    def literal(self) -> str | None:
        return next(iter(self.values)) if len(self.values) == 1 else None

    def describe(self) -> str:
        return f"{self.kind} in [{', '.join(sorted(self.values))}]"

    def holds(self, value: Any) -> bool:
        return value in self.values

    def truth(self, state: State) -> Truth:
        possible = state.decisions.get(self.kind)
        if possible is None:
            return None
        if not (possible & self.values):  # an empty set: decided, and nothing was declared
            return False
        return True if possible <= self.values else None


@dataclass(frozen=True)
class _Group:
    """Conditions joined by one connective; ``All`` and ``Any_`` differ only in which part value
    settles the group at once (``decisive``: a false part for ``all``, a true one for ``any``)."""

    parts: tuple["Condition", ...]
    word: ClassVar[str]
    decisive: ClassVar[bool]

    def describe(self) -> str:
        return f"{self.word} of (" + "; ".join(p.describe() for p in self.parts) + ")"

    def truth(self, state: State) -> Truth:
        result: Truth = not self.decisive
        for part in self.parts:
            value = part.truth(state)
            if value is self.decisive:
                return value
            if value is None:
                result = None
        return result

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            for part in self.parts:
                part.collect_open(state, inputs)


@dataclass(frozen=True)
class All(_Group):
    word = "all"
    decisive = False


@dataclass(frozen=True)
class Any_(_Group):
    word = "any"
    decisive = True


@dataclass(frozen=True)
class Not:
    part: "Condition"

    def describe(self) -> str:
        return f"not ({self.part.describe()})"

    def truth(self, state: State) -> Truth:
        inner = self.part.truth(state)
        return None if inner is None else not inner

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            self.part.collect_open(state, inputs)


Condition = Union[AnswerIn, AnswerCompare, FactIs, DecisionIn, All, Any_, Not]
Leaf = Union[AnswerIn, AnswerCompare, FactIs, DecisionIn]
#: Every leaf class: each per-leaf table elsewhere has one entry for each.
LEAF_CLASSES: tuple[type, ...] = get_args(Leaf)



def leaves(cond: Condition) -> Iterator[Leaf]:
    """Every leaf condition, in order (the rule's specificity is their count)."""
    out: list[Leaf] = []
    _collect_leaves(cond, out)
    return iter(out)


def _collect_leaves(cond: Condition, out: list[Leaf]) -> None:
    # Appending to one list: a generator per level passes every leaf up through each level
    # (loading, compiling and analysing the rules walk their leaves some ten thousand times).
    if isinstance(cond, (All, Any_)):
        for part in cond.parts:
            _collect_leaves(part, out)
    elif isinstance(cond, Not):
        _collect_leaves(cond.part, out)
    else:
        out.append(cond)


def questions_of(cond: Condition) -> list[str]:
    """The questions a condition reads, in first-use order."""
    seen: dict[str, None] = {}
    for leaf in leaves(cond):
        if leaf.reads == "questions":
            seen.setdefault(leaf.subject, None)
    return list(seen)


def facts_of(cond: Condition) -> list[str]:
    """The derived facts a condition reads."""
    return [leaf.subject for leaf in leaves(cond) if leaf.reads == "facts"]


def is_second_phase(cond: Condition) -> bool:
    """Does the condition depend on the aggregated decision (model or verdict)?"""
    return any(leaf.reads == "decisions" for leaf in leaves(cond))


def evaluate(cond: Condition, state: State) -> Truth:
    """Three-valued truth of a condition: True, False or None (still open)."""
    return cond.truth(state)


def failing(cond: Condition, state: State) -> list[Condition]:
    """What keeps a condition from holding: each part of an ``all`` (nested ones opened) that is
    not true; an ``any``, a ``not`` or a leaf counts whole. Explanations list these, each in
    their own words, as what blocked a rule."""
    if isinstance(cond, All):
        return [x for part in cond.parts for x in failing(part, state)]
    return [] if cond.truth(state) is True else [cond]
