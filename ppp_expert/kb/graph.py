"""The knowledge base as a graph: questions and facts feeding rules, rules concluding facts."""

from __future__ import annotations

import networkx as nx

from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase


def build_kb_graph(kb: KnowledgeBase, include_defaults: bool = False) -> nx.DiGraph:
    """Nodes of the same kinds as the explanation graph, so the same renderer draws both."""
    g: nx.DiGraph[str] = nx.DiGraph(case="knowledge base")
    for rule in kb.rules:
        if not include_defaults and ".default." in rule.id:
            continue
        rid = f"rule:{rule.id}"
        g.add_node(rid, kind="rule", label=rule.id, title=rule.title, source=rule.source)
        for question in rule.questions:
            g.add_node(f"question:{question}", kind="answer", label=question)
            g.add_edge(f"question:{question}", rid)
        for fact in cond.facts_of(rule.condition):
            g.add_node(f"fact:{fact}", kind="fact", label=fact)
            g.add_edge(f"fact:{fact}", rid)
        for fact in rule.concluded_facts:
            g.add_node(f"fact:{fact}", kind="fact", label=fact)
            g.add_edge(rid, f"fact:{fact}")
    return g
