"""The closed condition vocabulary of rules: parsing, three-valued evaluation, inspection.

A condition is parsed once from YAML into small frozen dataclasses. The compiler turns them
into experta patterns; the same tree is evaluated here in Python (true / false / open) for
WHY-NOT explanations and for deciding which questions can still matter in a consultation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Union

UNKNOWN = "unknown"

#: Tri-state truth: True, False, or None when it depends on answers not yet given.
Truth = Union[bool, None]

NUMERIC_OPS = ("gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("is", "in", "not_in", "is_not")


class ConditionSyntaxError(ValueError):
    """A condition does not fit the vocabulary; the message says what was expected."""


@dataclass(frozen=True)
class AnswerIn:
    """The answer to ``question`` is one of ``values`` (``negate``: known and none of them)."""

    question: str
    values: frozenset[str]
    negate: bool = False

    def holds(self, value: Any) -> bool:
        if self.negate:
            return value != UNKNOWN and value not in self.values
        return value in self.values

    def describe(self) -> str:
        values = ", ".join(sorted(self.values))
        return f"{self.question} {'not in' if self.negate else 'in'} [{values}]"


@dataclass(frozen=True)
class AnswerCompare:
    """A numeric answer lies in the closed range [low, high] (open ends are ``None``)."""

    question: str
    low: float | None
    high: float | None
    low_strict: bool = False
    high_strict: bool = False

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
class FactIs:
    """Another rule concluded the derived fact ``name``."""

    name: str

    def describe(self) -> str:
        return f"fact {self.name}"


@dataclass(frozen=True)
class DecisionIn:
    """The second-phase decision ``kind`` (``model`` or ``verdict``) is one of ``values``."""

    kind: str
    values: frozenset[str]

    def describe(self) -> str:
        return f"{self.kind} in [{', '.join(sorted(self.values))}]"


@dataclass(frozen=True)
class All:
    parts: tuple["Condition", ...]

    def describe(self) -> str:
        return "all of (" + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Any_:
    parts: tuple["Condition", ...]

    def describe(self) -> str:
        return "any of (" + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Not:
    part: "Condition"

    def describe(self) -> str:
        return f"not ({self.part.describe()})"


Condition = Union[AnswerIn, AnswerCompare, FactIs, DecisionIn, All, Any_, Not]
Leaf = Union[AnswerIn, AnswerCompare, FactIs, DecisionIn]


def parse(raw: Any) -> Condition:
    """Parse YAML data into a condition tree; a list means ``all``."""
    if isinstance(raw, list):
        if not raw:
            raise ConditionSyntaxError("an empty condition list; expected at least one condition")
        return All(tuple(parse(item) for item in raw))
    if not isinstance(raw, Mapping):
        raise ConditionSyntaxError(f"expected a mapping or a list, got {type(raw).__name__} {raw!r}")
    keys = set(raw)
    if keys == {"all"} or keys == {"any"}:
        (key,) = keys
        items = raw[key]
        if not isinstance(items, list) or not items:
            raise ConditionSyntaxError(f"'{key}' expects a non-empty list of conditions")
        parts = tuple(parse(item) for item in items)
        return All(parts) if key == "all" else Any_(parts)
    if keys == {"not"}:
        return Not(parse(raw["not"]))
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
        if isinstance(leaf, (AnswerIn, AnswerCompare)):
            seen.setdefault(leaf.question, None)
    return list(seen)


def facts_of(cond: Condition) -> list[str]:
    """The derived facts a condition reads."""
    return [leaf.name for leaf in leaves(cond) if isinstance(leaf, FactIs)]


def is_second_phase(cond: Condition) -> bool:
    """Does the condition depend on the aggregated decision (model or verdict)?"""
    return any(isinstance(leaf, DecisionIn) for leaf in leaves(cond))


@dataclass(frozen=True)
class State:
    """What is known when evaluating a condition in Python.

    ``answers`` maps question -> value; a missing question is still open unless ``closed``.
    ``facts`` holds concluded facts; ``possible_facts`` those that could still be concluded.
    """

    answers: Mapping[str, Any]
    facts: frozenset[str]
    possible_facts: frozenset[str] = frozenset()
    decisions: Mapping[str, str] | None = None
    closed: bool = True


def evaluate(cond: Condition, state: State) -> Truth:
    """Three-valued truth of a condition: True, False or None (still open)."""
    if isinstance(cond, (AnswerIn, AnswerCompare)):
        if cond.question not in state.answers:
            if state.closed:
                return cond.holds(UNKNOWN)
            return None
        return cond.holds(state.answers[cond.question])
    if isinstance(cond, FactIs):
        if cond.name in state.facts:
            return True
        return None if cond.name in state.possible_facts else False
    if isinstance(cond, DecisionIn):
        if state.decisions is None or cond.kind not in state.decisions:
            return None
        return state.decisions[cond.kind] in cond.values
    if isinstance(cond, All):
        results = [evaluate(p, state) for p in cond.parts]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    if isinstance(cond, Any_):
        results = [evaluate(p, state) for p in cond.parts]
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None
    if isinstance(cond, Not):
        inner = evaluate(cond.part, state)
        return None if inner is None else not inner
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover
