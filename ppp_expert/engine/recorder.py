"""The engine every compiled knowledge base subclasses, and the body of every compiled rule:
fire once per case, declare the rule's findings, record the firing.

A ``Firing`` (the rule, the facts it matched, the facts it declared) is what the rest of the
package reads of a run: aggregation, advice, explanations and the tutor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ppp_expert.engine.experta_seam import DirtyTrackingMatcher, ExpertaEngine
from ppp_expert.engine.facts import Finding, fact_label
from ppp_expert.engine.firing_order import PhasedAgenda, StableStrategy
from ppp_expert.kb.knowledge_base import Rule


@dataclass(frozen=True)
class Firing:
    """One rule firing: which rule, the facts it matched, the facts it declared."""

    rule: Rule
    matched: tuple[str, ...]
    declared: tuple[str, ...]


class BaseEngine(ExpertaEngine):
    """The generic engine; compiled subclasses add one experta rule per knowledge-base rule.

    Matches with experta's Rete network (``DirtyTrackingMatcher``) unless the compiled class
    installs the keyed matcher (``matchers.keyed_matcher``).
    """

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


def rule_body(rule: Rule) -> Callable[..., None]:
    """The body of the compiled experta rule for ``rule`` (``BaseEngine.record``)."""

    def fire(engine: BaseEngine, **_: Any) -> None:
        engine.record(rule)

    # Names experta's trace lines (FIRE ...) and its debug output.
    fire.__name__ = rule.id.replace(".", "__")
    return fire
