"""The explanation graph (networkx), the HOW explanations built on it and the arithmetic behind a score.

Nodes: answers, derived facts, decisions, rule firings and conclusions. Edges run
premise -> firing -> conclusion, so the ancestors of a conclusion are its whole justification.
WHY-NOT, which asks what did not fire rather than what did, is in ``why_not``.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from ppp_expert.advice.contract import Advice
from ppp_expert.engine.reasoner import Trace
from ppp_expert.kb.conclusions import TRADITIONAL
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule

NodeSpec = tuple[str, dict[str, object], dict[str, object]]


def _conclusion_nodes(rule: Rule, verdict: str, winners: dict[str, str]) -> list[NodeSpec]:
    """(node id, node attributes, edge attributes) for each conclusion of a fired rule.

    ``winners`` maps each target decided by precedence (a risk, a setting) to the winning rule;
    the others are marked overridden. Derived facts are drawn from the firing's declarations.
    """
    nodes: list[NodeSpec] = []
    for c in rule.conclusions:
        if c.declares_fact is not None:
            continue
        edge = c.edge()
        if c.competition == "precedence":
            edge["overridden"] = winners.get(c.target) != rule.id
        if c.target == "verdict":
            nodes.append((f"verdict:{verdict}", {}, edge))
        else:
            nodes.append((c.target, {"label": c.node_label()}, edge))
    return nodes


def winning_values(advice: Advice) -> dict[str, str]:
    """Target -> the value the advice concluded for it, as text (risk owners, settings)."""
    values = {f"risk:{r.risk}": r.party for r in advice.risk_allocation}
    for topic in ("structuring", "governance", "procurement", "implementation"):
        for key, setting in getattr(advice, topic).settings.items():
            value = setting.value
            values[f"{topic}:{key}"] = (f"{value['min']}-{value['max']} years"
                                        if isinstance(value, dict) and set(value) == {"min", "max"} else str(value))
    return values


def precedence_winners(advice: Advice) -> dict[str, str]:
    """Target -> winning rule for every conclusion decided by precedence (risk owners, settings)."""
    winners = {f"risk:{r.risk}": r.rules[0] for r in advice.risk_allocation}
    for topic in ("structuring", "governance", "procurement", "implementation"):
        for key, setting in getattr(advice, topic).settings.items():
            winners[f"{topic}:{key}"] = setting.rules[0]
    return winners


def build_graph(kb: KnowledgeBase, trace: Trace, advice: Advice) -> nx.DiGraph:
    """The explanation graph of one evaluated case."""
    g: nx.DiGraph[str] = nx.DiGraph(case=advice.case)
    d = trace.decision
    winners = precedence_winners(advice)
    values = winning_values(advice)
    g.add_node(f"verdict:{d.verdict}", kind="decision", label=f"verdict: {d.verdict} (certainty {d.certainty:+.2f})")
    title = kb.models[d.model].title if d.model in kb.models else d.model
    g.add_node(f"model:{d.model}", kind="decision",
               label=f"recommended: {title} (score {d.scores[d.model]:+.2f})" if d.determined
               else f"no model recommended (first in the ranking: {title}, {d.scores[d.model]:+.2f})")
    for firing in trace.firings:
        rule = firing.rule
        rid = f"rule:{rule.id}"
        g.add_node(rid, kind="rule", label=rule.id, title=rule.title, source=rule.source)
        for fact in firing.matched:
            kind = "answer" if fact.startswith("answer:") else "fact" if fact.startswith("fact:") else "decision"
            if fact.startswith("answer:"):
                label = fact[len("answer:"):]
            elif fact.startswith("fact:"):
                label = fact[len("fact:"):]
            else:
                label = fact.replace(":", " ")
            if fact not in g:
                g.add_node(fact, kind=kind, label=label)
            g.add_edge(fact, rid)
        for fact in firing.declared:
            g.add_node(fact, kind="fact", label=fact[len("fact:"):])
            g.add_edge(rid, fact)
        for node, attrs, edge in _conclusion_nodes(rule, d.verdict, winners):
            if node not in g:
                g.add_node(node, kind="decision" if node.startswith("verdict:") else "conclusion",
                           **({"label": node} | attrs))
                if node in values:
                    g.nodes[node]["value"] = values[node]
            g.add_edge(rid, node, **edge)
    for model in d.scores:
        if f"score:{model}" in g:
            title = kb.models[model].title if model in kb.models else model
            g.nodes[f"score:{model}"]["label"] = f"score of {title} ({d.scores[model]:+.2f})"
    # Scores feed the recommendation, which the second-phase rules then match on.
    for model in d.scores:
        if f"score:{model}" in g and model == d.model:
            g.add_edge(f"score:{model}", f"model:{d.model}")
    if d.model == "traditional_procurement":
        g.add_edge(f"verdict:{d.verdict}", f"model:{d.model}")
    # A failed gate decides the outcome without weight: its node leads to the verdict.
    for gate in d.gates:
        if f"gate:{gate.id}" in g:
            g.add_edge(f"gate:{gate.id}", f"verdict:{d.verdict}")
    return g


# --- HOW ---------------------------------------------------------------------------------


def resolve_target(g: nx.DiGraph, target: str, option: str = "--how") -> str:
    """Find the node a user means: an exact node id, or a unique node whose id ends with it."""
    if target in g:
        return target
    # A bare model id means the model: the recommendation if it is that model, else its score.
    for prefix in ("model:", "score:"):
        if f"{prefix}{target}" in g:
            return f"{prefix}{target}"
    aliases = {"verdict": "verdict:", "model": "model:", "recommendation": "model:"}
    alias = aliases.get(target)
    matches = sorted(n for n in g if (alias and n.startswith(alias)) or n.split(":", 1)[-1] == target
                     or n.endswith(":" + target) or n == f"rule:{target}")
    if len(matches) == 1:
        return matches[0]
    from ppp_expert.errors import CaseError

    if matches:
        raise CaseError(f"'{target}' is ambiguous; expected one of {matches}", field=option)
    from ppp_expert.kb.sources import suggest

    candidates = sorted(n for n in g if g.nodes[n]["kind"] in ("decision", "conclusion", "fact"))
    raise CaseError(f"no conclusion '{target}'{suggest(target, candidates)} in this case; expected one of "
                    f"{', '.join(candidates[:12])}{' ...' if len(candidates) > 12 else ''}", field=option)


def support(g: nx.DiGraph, node: str) -> set[str]:
    """A conclusion and its premises, upstream until a decision (model or verdict).

    A decision has its own justification (``--how model``); repeating it under every risk
    and setting that depends on it would bury the rules that matter there.
    """
    seen = {node}
    stack = [node]
    while stack:
        current = stack.pop()
        if current != node and g.nodes[current]["kind"] == "decision":
            continue
        for premise in g.predecessors(current):
            if premise not in seen:
                seen.add(premise)
                stack.append(premise)
    return seen


def focus(g: nx.DiGraph, target: str, option: str = "--how") -> nx.DiGraph:
    """The justification of one conclusion: it and everything upstream of it."""
    node = resolve_target(g, target, option)
    sub = g.subgraph(support(g, node)).copy()
    sub.graph["case"] = f"{g.graph.get('case', '')}: how {node}"
    return sub


def strongest(g: nx.DiGraph, target: str, limit: int) -> nx.DiGraph:
    """A printable justification: the ``limit`` rules that weigh most on a conclusion (gates first),
    each with its direct premises, drawn straight into the conclusion (a model's score or a failed
    gate in between is folded into the edge). The full graph (``focus``) can be too wide for paper."""
    node = resolve_target(g, target)
    heads, stack = {node}, [node]
    while stack:  # a model's score, a failed gate: conclusions that are part of the target
        for premise in g.predecessors(stack.pop()):
            if premise not in heads and g.nodes[premise]["kind"] == "conclusion":
                heads.add(premise)
                stack.append(premise)
    pull: dict[str, float] = {}
    edges: dict[str, dict[str, Any]] = {}
    for head in sorted(heads):
        for rule in g.predecessors(head):
            if g.nodes[rule]["kind"] == "rule":
                data = dict(g.edges[rule, head])
                weight = abs(float(data.get("weight", 2.0)))  # no weight: a gate, decisive
                if weight > pull.get(rule, -1.0):
                    pull[rule], edges[rule] = weight, data
    kept = sorted(pull, key=lambda r: (-pull[r], r))[:limit]
    sub: nx.DiGraph[str] = nx.DiGraph()
    sub.add_node(node, **g.nodes[node])
    for rule in kept:
        sub.add_node(rule, **g.nodes[rule])
        sub.add_edge(rule, node, **edges[rule])
        for premise in g.predecessors(rule):
            sub.add_node(premise, **g.nodes[premise])
            sub.add_edge(premise, rule, **g.edges[premise, rule])
    shown = f"the {len(kept)} strongest of {len(pull)} rules" if len(pull) > len(kept) else "every rule"
    sub.graph["case"] = f"{g.graph.get('case', '')}: {shown} behind {node}"
    return sub


def concluded(g: nx.DiGraph, target: str) -> str:
    """The conclusion a target names, with its value: ``risk:demand = shared``."""
    node = resolve_target(g, target)
    data = g.nodes[node]
    return f"{node} = {data['value']}" if "value" in data else node


def how(g: nx.DiGraph, target: str) -> list[str]:
    """The chain of rules and facts behind a conclusion, premises first."""
    node = resolve_target(g, target)
    sub = g.subgraph(support(g, node))
    lines = []
    for n in nx.lexicographical_topological_sort(sub):
        data = g.nodes[n]
        if data["kind"] != "rule":
            continue
        premises = sorted(p for p in sub.predecessors(n))
        results = []
        for s in sorted(sub.successors(n)):
            edge = g.edges[n, s]
            note = f" = {edge['party']}" if "party" in edge else ""
            note += f" ({edge['weight']:+.2f})" if "weight" in edge else ""
            note += " (overridden by a more specific rule)" if edge.get("overridden") else ""
            results.append(s + note)
        lines.append(f"{data['label']} [{data['source']}] {data['title']}")
        if premises:
            lines.append("    because " + ", ".join(premises))
        if results:
            lines.append("    concluded " + ", ".join(results))
    decisions = sorted(n for n in sub if n != node and g.nodes[n]["kind"] == "decision")
    if decisions:
        lines.append(f"({', '.join(decisions)}: see --how model / --how verdict)")
    return lines or [f"{node} is a given answer, not a conclusion."]


# --- the arithmetic behind a score ---------------------------------------------------------


def arithmetic(advice: Advice, node: str) -> list[str]:
    """The certainty-factor combination behind the verdict or a model's score, step by step."""
    from ppp_expert.engine.aggregate import combine_steps

    ranking = {r.model: r for r in advice.recommendation.ranking}
    kind, _, name = node.partition(":")
    if kind == "verdict":
        weights = [-e.weight for e in ranking[TRADITIONAL].evidence]
        head = f"Certainty of the verdict ({advice.appropriate.certainty:+.2f}) from {len(weights)} weights:"
        a = advice.appropriate
        gates = [f"  failed gate {c.id} ({c.decides.replace('_', ' ')}): {c.title}" for c in a.conditions]
        tail = [f"Outcome {a.verdict}: " + ("decided by the failed gates above (gates carry no weight)"
                                            if a.conditions else "decided by the certainty against the threshold"),
                f"Confidence {a.confidence.level} (margin {a.confidence.margin:+.2f}"
                + (f"; fragile on {', '.join(a.confidence.fragile_on)}" if a.confidence.fragile_on else "")
                + (f"; open questions that could flip it: {', '.join(a.confidence.could_flip)}"
                   if a.confidence.could_flip else "") + ")"]
        return [head, *("  " + line for line in combine_steps(weights)), *gates, *tail]
    elif kind in ("model", "score") and name in ranking:
        weights = [e.weight for e in ranking[name].evidence]
        head = f"Score of {name} ({ranking[name].score:+.2f}) from {len(weights)} weights:"
    else:
        return []
    return [head, *("  " + line for line in combine_steps(weights))]
