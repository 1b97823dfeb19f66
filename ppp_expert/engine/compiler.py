"""Compile a knowledge base into an experta KnowledgeEngine subclass, once per knowledge base.

Rules are built at run time from the parsed condition trees (``patterns``): no source text is
generated or evaluated. Each knowledge-base rule becomes one experta rule whose body records the
firing (``recorder``); the rule's place in the firing order rides in its salience
(``firing_order``); the class matches with the matcher ``matchers`` chooses.
"""

from __future__ import annotations

from typing import Any, Sequence

from ppp_expert.engine.experta_seam import AND, rule_with_body
from ppp_expert.engine.matchers import keyed_matcher, matcher_choice
from ppp_expert.engine.patterns import condition_pattern
from ppp_expert.engine.recorder import BaseEngine, rule_body
from ppp_expert.kb.knowledge_base import KnowledgeBase


def compile_engine(kb: KnowledgeBase, matcher: str | None = None,
                   plans: Sequence[Sequence[Any]] | None = None) -> type[BaseEngine]:
    """Build the engine class for ``kb``: one experta rule per knowledge-base rule.

    ``matcher`` picks the matcher (see ``matchers.matcher_choice``); ``plans`` are the rules'
    match plans (``plan.branches``) when already known. The keyed matcher falls back to the
    stock one when experta's rewrite of some rule has a shape it does not reproduce
    (``matcher_name`` says which matcher the class uses).
    """
    chosen = matcher_choice(matcher)
    attrs: dict[str, Any] = {}
    rules = []
    for rule in kb.rules:
        compiled = condition_pattern(rule.condition)
        patterns = compiled if isinstance(compiled, AND) else (compiled,)
        # The order key rides in experta's salience slot, which survives experta's internal
        # rule rewriting: phase and stratum ascending, salience descending, KB position ascending.
        order = (-rule.phase, -rule.stratum, rule.salience, -rule.position)
        body = rule_body(rule)
        attrs[f"rule_{rule.position:05d}"] = rule_with_body(patterns, order, body)
        rules.append((patterns, order, body))
    if chosen == "keyed":
        # Activations carry a copy of each rule, as experta's network carries its rewritten
        # rule: the class attribute is rebound to whichever engine instance looked it up last.
        keyed = keyed_matcher(kb, [rule_with_body(*r) for r in rules], plans)
        if keyed is None:
            chosen = "stock"  # BaseEngine's own matcher: experta's Rete network
        else:
            attrs.update(keyed)
    attrs["matcher_name"] = chosen
    return type("CompiledEngine", (BaseEngine,), attrs)
