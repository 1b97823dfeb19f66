"""The explanation graph (networkx) and the HOW / WHY-NOT explanations built on it.

Nodes: answers, derived facts, decisions, rule firings and conclusions. Edges run
premise -> firing -> conclusion, so the ancestors of a conclusion are its whole justification.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ppp_expert.advice.contract import Advice
from ppp_expert.engine.aggregate import decisions_of
from ppp_expert.engine.reasoner import Trace
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import OUTCOMES, PPP_OUTCOME, TRADITIONAL, GateConclusion
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


def _winning_values(advice: Advice) -> dict[str, str]:
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
    values = _winning_values(advice)
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
    from ppp_expert.kb.files import suggest

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


# --- WHY NOT ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhyNot:
    model: str
    fired_for: list[tuple[Rule, float]]
    fired_against: list[tuple[Rule, float]]
    not_fired: list[tuple[Rule, float, list[str]]]


def failed_leaves(rule: Rule, state: cond.State) -> list[str]:
    """The conditions of a rule that are false in the final state (what blocked it)."""
    return [("none of: " + " | ".join(p.describe() for p in node.parts)) if isinstance(node, cond.Any_)
            else node.describe() + _actual(node, state) for node in cond.failing(rule.condition, state)]


def _actual(node: cond.Condition, state: cond.State) -> str:
    if isinstance(node, (cond.AnswerIn, cond.AnswerCompare)):
        return f" (answer: {state.answers.get(node.question, cond.UNKNOWN)})"
    if isinstance(node, cond.FactIs):
        return " (not concluded)"
    return ""


def why_not(kb: KnowledgeBase, trace: Trace, model: str) -> WhyNot:
    """Which rules would have favoured ``model``, which fired, and what blocked the others."""
    fired = {f.rule.id for f in trace.firings}
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    state = cond.State(answers=trace.answers, facts=facts,
                       decisions=decisions_of(trace.decision))
    for_: list[tuple[Rule, float]] = []
    against: list[tuple[Rule, float]] = []
    blocked: list[tuple[Rule, float, list[str]]] = []
    for rule in kb.rules:
        weight = _weight_for(rule, model)
        if weight is None:
            continue
        if rule.id in fired:
            (for_ if weight > 0 else against).append((rule, weight))
        elif weight > 0:
            blocked.append((rule, weight, failed_leaves(rule, state)))
    return WhyNot(model, for_, against, blocked)


def _weight_for(rule: Rule, model: str) -> float | None:
    """What a rule adds to ``model``'s score (evidence for a PPP counts against traditional)."""
    total = None
    for c in rule.conclusions:
        for outcome, weight, _ in c.evidence_on():
            if outcome == model:
                total = (total or 0.0) + weight
            elif outcome == PPP_OUTCOME and model == TRADITIONAL:
                total = (total or 0.0) - weight
    return total


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


# --- WHY NOT, for any conclusion ------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A rule that could conclude the claimed value: fired (and maybe overridden) or blocked."""

    rule: Rule
    fired: bool
    overridden_by: str | None
    failed: list[str]


@dataclass(frozen=True)
class ClaimWhyNot:
    claim: str
    holds: bool
    actual: str
    candidates: list[Candidate]
    note: str = ""


def _shown(c: object) -> str | None:
    """The value a conclusion would give its target, as users write it (risk owner, setting)."""
    if c.competition != "precedence":  # type: ignore[attr-defined]
        return None
    value = getattr(c, "allocate", None)
    if value is not None:
        return value.party
    setting = c.set.value  # type: ignore[attr-defined]
    if isinstance(setting, dict) and set(setting) == {"min", "max"}:
        return f"{setting['min']}-{setting['max']} years"
    return str(setting)


def why_not_claim(kb: KnowledgeBase, trace: Trace, advice: Advice, claim: str) -> ClaimWhyNot:
    """Why the advice does not conclude ``claim``: ``risk:demand=private``, ``red_flag:single_bidder``,
    ``structuring:payment_mechanism=user_fees`` or ``verdict=traditional``."""
    from ppp_expert.errors import CaseError
    from ppp_expert.kb.files import suggest

    target, sep, wanted = claim.partition("=")
    target, wanted = target.strip(), wanted.strip()
    if target in kb.risks:
        target = f"risk:{target}"
    if target == "verdict" or target in (*OUTCOMES, "undetermined"):
        return _why_not_verdict(kb, trace, advice, wanted or target)
    state = _final_state(trace)
    fired = {f.rule.id for f in trace.firings}
    winners = precedence_winners(advice)
    known = {c.target for r in kb.rules for c in r.conclusions}
    if target not in known:
        hint = suggest(target, kb.models) or suggest(target, known)
        raise CaseError(f"no conclusion '{target}'{hint} in the knowledge base; expected a risk "
                        "(risk:demand=private), a red flag (red_flag:single_bidder), a setting "
                        "(structuring:payment_mechanism=user_fees), a model id or verdict=...", field="--why-not")
    rules = [(r, c) for r in kb.rules for c in r.conclusions if c.target == target]
    precedence_kind = rules[0][1].competition == "precedence"
    if precedence_kind and not sep:
        choices = sorted({_shown(c) or "" for _, c in rules})
        raise CaseError(f"say which value: {target}=VALUE, with VALUE one of {', '.join(choices)}", field="--why-not")
    if precedence_kind:
        values = {_shown(c) for _, c in rules}
        if wanted not in values:
            raise CaseError(f"no rule concludes {target} = '{wanted}'{suggest(wanted, [v for v in values if v])}; "
                            f"expected one of {', '.join(sorted(v for v in values if v))}", field="--why-not")
        rules = [(r, c) for r, c in rules if _shown(c) == wanted]
    actual = _winning_values(advice).get(target)
    if not precedence_kind:
        actual = "raised" if any(r.id in fired for r, _ in rules) else "not raised"
    holds = (actual == wanted) if precedence_kind else actual == "raised"
    candidates = []
    for rule, _ in sorted(rules, key=lambda pair: pair[0].precedence):
        is_fired = rule.id in fired
        winner = winners.get(target)
        candidates.append(Candidate(rule, is_fired,
                                    winner if is_fired and precedence_kind and winner != rule.id else None,
                                    [] if is_fired else failed_leaves(rule, state)))
    shown = f"{target}={wanted}" if precedence_kind else target
    return ClaimWhyNot(shown, holds, actual or "not concluded", candidates)


def _final_state(trace: Trace) -> cond.State:
    facts = frozenset(x[len("fact:"):] for f in trace.firings for x in f.declared)
    return cond.State(answers=trace.answers, facts=facts, decisions=decisions_of(trace.decision))


def _why_not_verdict(kb: KnowledgeBase, trace: Trace, advice: Advice, wanted: str) -> ClaimWhyNot:
    from ppp_expert.errors import CaseError

    wanted = "insufficient_information" if wanted == "undetermined" else wanted
    if wanted not in OUTCOMES:
        raise CaseError(f"'{wanted}' is not an outcome; expected one of {', '.join(OUTCOMES)}", field="--why-not")
    d = trace.decision
    threshold = kb.settings.verdict_threshold
    gates = ", ".join(g.title for g in d.gates) or "none"
    need = {
        "ppp": f"a certainty of at least {threshold:+.2f}, no failed gate and a partnership model that fits",
        "traditional": f"a certainty of at most {-threshold:+.2f}, or a gate that rules a partnership out",
        "not_yet": "a failed readiness gate (or no affordable route, or no partnership model that fits) "
                   "while the evidence does not rule a partnership out",
        "insufficient_information": f"a certainty between {-threshold:+.2f} and {threshold:+.2f} and no failed gate",
    }[wanted]
    sign = {"ppp": 1, "traditional": -1, "not_yet": 0,
            "insufficient_information": -1 if d.certainty > 0 else 1}[wanted]
    state = _final_state(trace)
    fired = {f.rule.id for f in trace.firings}
    candidates = []
    for rule in kb.rules:
        if rule.id in fired:
            continue
        weight = sum(w if o == PPP_OUTCOME else -w if o == TRADITIONAL else 0.0
                     for c in rule.conclusions for o, w, _ in c.evidence_on())
        decides = {c.gate.decides for c in rule.conclusions if isinstance(c, GateConclusion)}
        gate_helps = (wanted == "not_yet" and decides & {"not_yet", "rescope"}) or (
            wanted == "traditional" and "traditional" in decides)
        if gate_helps:
            candidates.append((1.0, Candidate(rule, False, None, failed_leaves(rule, state))))
        elif sign and weight * sign > 0:
            candidates.append((abs(weight), Candidate(rule, False, None, failed_leaves(rule, state))))
    candidates.sort(key=lambda pair: (-pair[0], pair[1].rule.position))
    note = (f"The outcome {wanted} needs {need}; the evidence combines to {d.certainty:+.2f} and the failed "
            f"gates are: {gates}.")
    return ClaimWhyNot(f"verdict={wanted}", d.verdict == wanted, d.verdict, [c for _, c in candidates[:10]], note)
