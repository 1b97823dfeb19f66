"""Which matcher a compiled engine uses: ``keyed`` (the default) or ``stock``.

``keyed`` (``engine.keyed``: flat tables specialised to the knowledge base's vocabulary, fed by
the match plans of ``engine.plan``) or ``stock`` (experta's Rete network with
``DirtyTrackingMatcher``, what ``recorder.BaseEngine`` uses unless told otherwise). Both give
experta's agenda the same activations, so the firings, their order and what each records are
identical. The keyed matcher falls back to the stock one when experta's rewrite of some rule has
a shape it does not reproduce.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ppp_expert.engine.facts import fact_class
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: The matchers an engine can be compiled with: ``keyed`` (specialised to the knowledge base's
#: vocabulary, ``ppp_expert.engine.keyed``) and ``stock`` (experta's Rete with dirty tracking).
MATCHERS = ("keyed", "stock")
MATCHER_ENV = "PPP_EXPERT_MATCHER"


def matcher_choice(name: str | None = None) -> str:
    """The matcher to compile with: ``name``, else ``$PPP_EXPERT_MATCHER``, else ``keyed``."""
    chosen = name or os.environ.get(MATCHER_ENV) or "keyed"
    if chosen not in MATCHERS:
        where = None if name else MATCHER_ENV
        raise PPPExpertError(f"unknown matcher {chosen!r}; expected one of {', '.join(MATCHERS)}", field=where)
    return chosen


def keyed_matcher(kb: KnowledgeBase, rules: Sequence[Any],
                  plans: Sequence[Sequence[Any]] | None = None) -> dict[str, Any] | None:
    """The class attributes that install the keyed matcher for ``kb``, whose rules compile to
    ``rules`` (experta rules, one per knowledge-base rule, in order); None when some rule's plan
    is ``plan.Unsupported``, and the stock matcher must be used.

    ``plans`` are the rules' match plans (``plan.branches``) when already known.
    """
    from ppp_expert.engine import plan
    from ppp_expert.engine.keyed import KeyedMatcher, KeyedNetwork

    try:
        plans = plans if plans is not None else plan.match_plans(kb)
    except plan.Unsupported:
        return None
    network = KeyedNetwork.build(fact_class, [list(cond.leaves(r.condition)) for r in kb.rules], plans, rules)
    return {"__matcher__": KeyedMatcher, "__network__": network}
