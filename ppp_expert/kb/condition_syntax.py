"""Conditions as rules write them in YAML: parsed into the vocabulary (``conditions``), bounded.

A list means ``all``; a mapping is one of ``answer`` with a choice or numeric operator, ``fact``,
``model``/``model_in``/``verdict``, ``all``, ``any`` or ``not``. Anything else is refused with a
message that says what was expected.
"""

from __future__ import annotations

from typing import Any, Mapping

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb.conditions import All, AnswerCompare, AnswerIn, Any_, Condition, DecisionIn, FactIs, Not, leaves

NUMERIC_OPS = ("gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("is", "in", "not_in", "is_not")


class ConditionSyntaxError(KnowledgeBaseError, ValueError):
    """A condition does not fit the vocabulary; the message says what was expected."""


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
