"""The closed condition vocabulary of rules: parsing, evaluation, inspection.

A condition is parsed once from YAML into small frozen dataclasses, and this module is the one
evaluator of their meaning. A leaf's ``holds(value)`` decides it for a known answer: the engine
compiles it into experta's predicates. ``truth(state)`` is the three-valued reading of a whole
tree (true / false / open), built on the same ``holds``: WHY-NOT explanations read it against a
finished case, the consultation's relevance analysis against the answers given so far.

Other modules never test a leaf's class. What several need is on the leaf: ``reads`` (``answer``,
``fact`` or ``decision``) and ``subject`` (the question, fact name or decision kind), ``literal``
(the one value an equality test compares, else None), ``value_test`` (the test of the value,
None when the fact's presence is the test) and ``thresholds(question)``. What a leaf means in
one module's own terms (an experta pattern, a CLIPS pattern, words) is a table keyed by leaf
class in that module, covering every class in ``LEAF_CLASSES`` (tests/test_architecture.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator, Mapping, Union, get_args

from ppp_expert.errors import KnowledgeBaseError

UNKNOWN = "unknown"

#: Tri-state truth: True, False, or None when it depends on answers not yet given.
Truth = Union[bool, None]

NUMERIC_OPS = ("gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("is", "in", "not_in", "is_not")


class ConditionSyntaxError(KnowledgeBaseError, ValueError):
    """A condition does not fit the vocabulary; the message says what was expected."""


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


@dataclass(frozen=True)
class AnswerIn:
    """The answer to ``question`` is one of ``values`` (``negate``: known and none of them)."""

    question: str
    values: frozenset[str]
    negate: bool = False
    reads: ClassVar[str] = "answer"

    @property
    def subject(self) -> str:
        return self.question

    @property
    def literal(self) -> str | None:
        if len(self.values) == 1 and not self.negate:
            (value,) = self.values
            return value
        return None

    @property
    def value_test(self) -> Callable[[Any], bool]:
        return self.holds

    def thresholds(self, question: str) -> tuple[float, ...]:
        return ()

    def holds(self, value: Any) -> bool:
        if self.negate:
            return value != UNKNOWN and value not in self.values
        return value in self.values

    def describe(self) -> str:
        values = ", ".join(sorted(self.values))
        return f"{self.question} {'not in' if self.negate else 'in'} [{values}]"

    def truth(self, state: State) -> Truth:
        return _answer_truth(self, state)

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            inputs.questions.add(self.question)


@dataclass(frozen=True)
class AnswerCompare:
    """A numeric answer lies in the closed range [low, high] (open ends are ``None``)."""

    question: str
    low: float | None
    high: float | None
    low_strict: bool = False
    high_strict: bool = False
    reads: ClassVar[str] = "answer"
    literal: ClassVar[None] = None

    @property
    def subject(self) -> str:
        return self.question

    @property
    def value_test(self) -> Callable[[Any], bool]:
        return self.holds

    def thresholds(self, question: str) -> tuple[float, ...]:
        """The bounds this leaf tests on ``question``."""
        if question != self.question:
            return ()
        return tuple(b for b in (self.low, self.high) if b is not None)

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

    def truth(self, state: State) -> Truth:
        return _answer_truth(self, state)

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            inputs.questions.add(self.question)


def _answer_truth(leaf: AnswerIn | AnswerCompare, state: State) -> Truth:
    value = state.answers.get(leaf.question, _MISSING)
    if value is _MISSING:
        return leaf.holds(UNKNOWN) if state.closed else None
    return leaf.holds(value)


@dataclass(frozen=True)
class FactIs:
    """Another rule concluded the derived fact ``name``."""

    name: str
    reads: ClassVar[str] = "fact"
    literal: ClassVar[None] = None
    value_test: ClassVar[None] = None  # the fact's presence is the test

    @property
    def subject(self) -> str:
        return self.name

    def thresholds(self, question: str) -> tuple[float, ...]:
        return ()

    def describe(self) -> str:
        return f"fact {self.name}"

    def truth(self, state: State) -> Truth:
        if self.name in state.facts:
            return True
        return None if self.name in state.possible_facts else False

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            inputs.facts.add(self.name)


@dataclass(frozen=True)
class DecisionIn:
    """The second-phase decision ``kind`` (``model`` or ``verdict``) is one of ``values``."""

    kind: str
    values: frozenset[str]
    reads: ClassVar[str] = "decision"

    @property
    def subject(self) -> str:
        return self.kind

    @property
    def literal(self) -> str | None:
        if len(self.values) == 1:
            (value,) = self.values
            return value
        return None

    @property
    def value_test(self) -> Callable[[Any], bool]:
        return self.holds

    def thresholds(self, question: str) -> tuple[float, ...]:
        return ()

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

    def collect_open(self, state: State, inputs: OpenInputs) -> None:
        if self.truth(state) is None:
            inputs.decisions.add(self.kind)


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


#: Bounds on one rule's condition. The shipped rules use at most 8 leaves, 5 levels deep; the
#: engine compiles a condition into nested patterns, and a rule of a thousand leaves would
#: exhaust the interpreter's stack there, so a condition this large is refused at load instead.
MAX_CONDITION_LEAVES = 64
MAX_CONDITION_DEPTH = 12


def parse(raw: Any) -> Condition:
    """Parse YAML data into a condition tree; a list means ``all``. Bounded in size and depth."""
    condition = _parse(raw, 1)
    count = sum(1 for _ in leaves(condition))
    if count > MAX_CONDITION_LEAVES:
        raise ConditionSyntaxError(f"{count} conditions in one rule; expected at most {MAX_CONDITION_LEAVES} "
                                   "(split the rule, or conclude a fact and test it)")
    return condition


def _parse(raw: Any, depth: int) -> Condition:
    if depth > MAX_CONDITION_DEPTH:
        raise ConditionSyntaxError(f"conditions nested more than {MAX_CONDITION_DEPTH} levels deep; expected a "
                                   "flatter condition")
    if isinstance(raw, list):
        if not raw:
            raise ConditionSyntaxError("an empty condition list; expected at least one condition")
        if len(raw) > MAX_CONDITION_LEAVES:
            raise ConditionSyntaxError(f"{len(raw)} conditions in one list; expected at most {MAX_CONDITION_LEAVES}")
        return All(tuple(_parse(item, depth + 1) for item in raw))
    if not isinstance(raw, Mapping):
        raise ConditionSyntaxError(f"expected a mapping or a list, got {type(raw).__name__} {raw!r}")
    keys = set(raw)
    if keys == {"all"} or keys == {"any"}:
        (key,) = keys
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise ConditionSyntaxError(f"'{key}' expects a non-empty list of conditions")
        if len(items) > MAX_CONDITION_LEAVES:
            raise ConditionSyntaxError(f"{len(items)} conditions in one '{key}'; expected at most "
                                       f"{MAX_CONDITION_LEAVES} (split the rule, or conclude a fact and test it)")
        parts = tuple(_parse(item, depth + 1) for item in items)
        return All(parts) if key == "all" else Any_(parts)
    if keys == {"not"}:
        return Not(_parse(raw["not"], depth + 1))
    if keys == {"fact"}:
        return FactIs(_name(raw["fact"], "fact"))
    if keys == {"model"} or keys == {"verdict"}:
        (key,) = keys
        return DecisionIn(key, frozenset([_name(raw[key], key)]))
    if keys == {"model_in"}:
        return DecisionIn("model", _names(raw["model_in"], "model_in"))
    if "answer" in keys:
        return _parse_answer(raw)
    raise ConditionSyntaxError(
        f"unknown condition keys {sorted(keys)}; expected answer/is/in/not_in/is_not/gt/gte/lt/lte/"
        "between, fact, model, model_in, verdict, all, any or not"
    )


def _parse_answer(raw: Mapping[str, Any]) -> Condition:
    question = _name(raw["answer"], "answer")
    ops = set(raw) - {"answer"}
    if len(ops & set(CHOICE_OPS)) == 1 and ops <= set(CHOICE_OPS):
        (op,) = ops
        if op in ("is", "is_not"):
            values = frozenset([_value(raw[op], op)])
        else:
            values = _names(raw[op], op)
        return AnswerIn(question, values, negate=op in ("not_in", "is_not"))
    if ops and ops <= set(NUMERIC_OPS):
        if "between" in ops:
            if len(ops) != 1:
                raise ConditionSyntaxError("'between' cannot be combined with other comparisons")
            pair = raw["between"]
            if not (isinstance(pair, list) and len(pair) == 2 and all(_is_number(x) for x in pair)):
                raise ConditionSyntaxError(f"'between' expects [low, high] numbers, got {pair!r}")
            return AnswerCompare(question, float(pair[0]), float(pair[1]))
        for op in ops:
            if not _is_number(raw[op]):
                raise ConditionSyntaxError(f"'{op}' expects a number, got {raw[op]!r}")
        low = raw.get("gt", raw.get("gte"))
        high = raw.get("lt", raw.get("lte"))
        return AnswerCompare(
            question,
            None if low is None else float(low),
            None if high is None else float(high),
            low_strict="gt" in ops,
            high_strict="lt" in ops,
        )
    raise ConditionSyntaxError(
        f"answer condition on '{question}' has operators {sorted(ops)}; expected exactly one of "
        "is, in, not_in, is_not, or numeric gt/gte/lt/lte/between"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value(value: Any, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConditionSyntaxError(f"'{key}' expects a value, got {value!r}")
    return str(value)


def _name(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConditionSyntaxError(f"'{key}' expects a name, got {value!r}")
    return value


def _names(value: Any, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        raise ConditionSyntaxError(f"'{key}' expects a non-empty list, got {value!r}")
    return frozenset(_value(v, key) for v in value)


def leaves(cond: Condition) -> Iterator[Leaf]:
    """Every leaf condition, in order (the rule's specificity is their count)."""
    if isinstance(cond, (All, Any_)):
        for part in cond.parts:
            yield from leaves(part)
    elif isinstance(cond, Not):
        yield from leaves(cond.part)
    else:
        yield cond


def questions_of(cond: Condition) -> list[str]:
    """The questions a condition reads, in first-use order."""
    seen: dict[str, None] = {}
    for leaf in leaves(cond):
        if leaf.reads == "answer":
            seen.setdefault(leaf.subject, None)
    return list(seen)


def facts_of(cond: Condition) -> list[str]:
    """The derived facts a condition reads."""
    return [leaf.subject for leaf in leaves(cond) if leaf.reads == "fact"]


def is_second_phase(cond: Condition) -> bool:
    """Does the condition depend on the aggregated decision (model or verdict)?"""
    return any(leaf.reads == "decision" for leaf in leaves(cond))


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
