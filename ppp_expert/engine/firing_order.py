"""The order rules fire in: total and repeatable, phase by phase.

experta's default strategy breaks ties by hash order, which changes between processes; the
compiled engine orders its agenda by a key that ends with the rule's position instead
(``StableStrategy``), and holds a later phase's rules back until the decision they reason about
is declared (``PhasedAgenda``).
"""

from __future__ import annotations

from typing import Any

from ppp_expert.engine.experta_seam import FACT_ID, KeyedStrategy, RecordingAgenda


class StableStrategy(KeyedStrategy):
    """Fire lower strata first, then higher salience, then earlier rules; ties by fact ids.

    experta's default depth strategy breaks ties by hash order, which changes between
    processes; ending the key with the rule position makes the order total and repeatable.
    The rule's part of the key is the order ``compiler.compile_engine`` puts in its salience.
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
