"""The facts the knowledge-base engine reasons over: answers, findings and the decision.

Each fact class is specialised by one key field, so that a matcher routes a fact straight to
the few patterns that can match it (see ``KeyedFact``). ``fact_label`` is the stable, readable
id a firing records for each fact it matched.
"""

from __future__ import annotations

from typing import Any

from ppp_expert.engine.experta_seam import Fact, FastFact
from ppp_expert.kb import conditions as cond


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


#: The fact class each kind of condition leaf tests (specialised by the leaf's ``subject``).
FACT_OF_LEAF: dict[type, type[KeyedFact]] = {
    cond.AnswerIn: Answer,
    cond.AnswerCompare: Answer,
    cond.FactIs: Finding,
    cond.DecisionIn: DecisionFact,
}


def fact_class(leaf: cond.Leaf) -> type:
    """The keyed fact class a condition leaf's pattern tests."""
    return specialised(FACT_OF_LEAF[type(leaf)], leaf.subject)


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
