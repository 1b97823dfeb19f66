"""Sound bounds of the certainty-factor scores and the outcomes they still allow.

Pure functions on intervals, split out of ``relevance`` so the arithmetic can be read (and
reused by ``advice.confidence``) without the rule-state analysis around it. The MYCIN
combination is monotone in each added weight, so the combination of the sure weights plus all
open negative ones and plus all open positive ones bound every completion of the answers;
from those bounds follow the verdict bands, model viability and the possible outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ppp_expert.engine.aggregate import combine, outcome
from ppp_expert.kb.schema import PPP_MODELS

#: combine() rounds to 4 decimals; an interval that may still move is widened by more than
#: one rounding step so that float noise can never make a bound unsound.
EPS = 1.5e-4


@dataclass(frozen=True)
class Bounds:
    """A score interval; ``exact`` when no open rule can move it."""

    low: float
    high: float
    sure: float
    exact: bool

    def lo(self) -> float:
        return self.low if self.exact else self.low - EPS

    def hi(self) -> float:
        return self.high if self.exact else self.high + EPS


def bands(b: Bounds, threshold: float) -> list[float]:
    """One certainty from each verdict band the bounds reach (above, inside, below the threshold)."""
    lo, hi = b.lo(), b.hi()
    values = []
    if hi >= threshold:
        values.append(hi)
    if lo <= -threshold:
        values.append(lo)
    if lo < threshold and hi > -threshold:
        values.append(min(max(0.0, lo), hi))
    return values


def viability(scores: Iterable[Bounds], threshold: float) -> frozenset[bool]:
    """Whether some partnership model can score the model threshold: True, False or both."""
    scores = list(scores)
    return frozenset(v for v in (True, False) if (v and any(b.hi() >= threshold for b in scores))
                     or (not v and all(b.lo() < threshold for b in scores)))


def possible_outcomes(certainty: Bounds, threshold: float, sure_gates: frozenset[str], open_gates: frozenset[str],
                      viable: frozenset[bool], thin: frozenset[bool] = frozenset([False]),
                      none_fit: frozenset[bool] = frozenset([False])) -> frozenset[str]:
    """Every outcome ``aggregate.outcome`` can give for some completion of the answers: each
    certainty band the bounds reach, with the sure failed gates plus any of the open ones, with
    or without a model that fits, with or without thin evidence (as ``thin`` allows), with or
    without every partnership model below zero (as ``none_fit`` allows)."""
    extra: list[frozenset[str]] = [frozenset()]
    for effect in sorted(open_gates - sure_gates):
        extra += [e | {effect} for e in extra]
    return frozenset(outcome(c, threshold, sure_gates | e, v, t, f) for c in bands(certainty, threshold)
                     for e in extra for v in viable for t in thin for f in none_fit)


def fits_none(scores: Iterable[Bounds]) -> frozenset[bool]:
    """Whether every partnership model can end below zero (True), some must reach zero (False),
    or both (``aggregate.outcome``'s ``fits_none``)."""
    scores = list(scores)
    return frozenset(v for v in (True, False) if (v and all(b.lo() < 0 for b in scores))
                     or (not v and any(b.hi() >= 0 for b in scores)))


def may_be_thin(b: Bounds, threshold: float) -> frozenset[bool]:
    """Can the evidence end up thin (``aggregate.thin_evidence``)? Only while the bounds reach both
    sides of the line: answering more questions only narrows them."""
    return frozenset([True, False]) if b.lo() <= -threshold and b.hi() >= threshold else frozenset([False])


def bounds(sure: list[float], open_: list[float]) -> Bounds:
    """Bounds of the combination of ``sure`` weights and any subset of ``open_`` ones."""
    positive = [w for w in open_ if w > 0]
    negative = [w for w in open_ if w < 0]
    at = combine(sure)
    return Bounds(combine(sure + negative) if negative else at, combine(sure + positive) if positive else at, at,
                  not (positive or negative))


def model_contenders(scores: Mapping[str, Bounds]) -> list[str]:
    """Partnership models that rank first for at least one combination of the bounds."""
    order = {m: i for i, m in enumerate(PPP_MODELS)}

    def can_beat(a: str, b: str) -> bool:
        hi, lo = scores[a].hi(), scores[b].lo()
        return hi > lo or (hi == lo and order[a] < order[b])

    return [m for m in PPP_MODELS if all(can_beat(m, other) for other in PPP_MODELS if other != m)]


#: The key of the PPP certainty in ``Pools``; the models' scores are keyed by model.
CERTAINTY = "certainty"


@dataclass
class Pools:
    """Weights on the PPP certainty and each model's score: of rules sure to fire, of open ones."""

    sure: dict[str, list[float]] = field(default_factory=dict)
    open: dict[str, list[float]] = field(default_factory=dict)

    def plus(self, other: Pools) -> Pools:
        """Both sets of weights together."""
        return Pools({k: [*self.sure.get(k, ()), *other.sure.get(k, ())] for k in self.sure.keys() | other.sure.keys()},
                     {k: [*self.open.get(k, ()), *other.open.get(k, ())] for k in self.open.keys() | other.open.keys()})

    def bounds(self) -> tuple[Bounds, dict[str, Bounds]]:
        """Bounds of the PPP certainty and of each partnership model's score."""
        return (bounds(self.sure.get(CERTAINTY, []), self.open.get(CERTAINTY, [])),
                {m: bounds(self.sure.get(m, []), self.open.get(m, [])) for m in PPP_MODELS})


@dataclass(frozen=True)
class DecisionSets:
    """What the decision can still be: the possible verdicts and models, and the bounds behind them."""

    verdicts: frozenset[str]
    models: frozenset[str]
    certainty: Bounds
    scores: Mapping[str, Bounds]
    contenders: list[str]
    viable: frozenset[bool]
    none_fit: frozenset[bool] = frozenset([False])  # can every partnership model end below zero?
