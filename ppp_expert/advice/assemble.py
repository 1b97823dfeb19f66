"""Assemble the Advice contract from a trace: resolve competing conclusions, keep the losers."""

from __future__ import annotations

from typing import Any, Iterable, TypeVar

from ppp_expert.advice import confidence, contract as out
from ppp_expert.engine.aggregate import Decision, rank
from ppp_expert.engine.reasoner import Trace
from ppp_expert.engine.recorder import Firing
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.kb.schema import TOPICS

T = TypeVar("T")
CRITERION_FLOOR = 5.0


def _resolve(candidates: list[tuple[Rule, T]]) -> tuple[tuple[Rule, T], list[tuple[Rule, T]]]:
    """The winner of a precedence competition (see ``Rule.precedence``) and the overridden rest."""
    ordered = sorted(candidates, key=lambda pair: pair[0].precedence)
    return ordered[0], ordered[1:]


Index = dict[str, list[tuple[Rule, Any]]]


def index(firings: Iterable[Firing]) -> Index:
    """Every conclusion of the fired rules with its rule, grouped by kind, in firing order (one pass)."""
    grouped: Index = {}
    for firing in firings:
        for c in firing.rule.conclusions:
            grouped.setdefault(c.kind, []).append((firing.rule, c))
    return grouped


def risk_allocation(kb: KnowledgeBase, conclusions: Index) -> list[out.RiskAllocation]:
    by_risk: dict[str, list[tuple[Rule, Any]]] = {}
    for rule, c in conclusions.get("allocate", ()):
        by_risk.setdefault(c.allocate.risk, []).append((rule, c.allocate))
    result = []
    for risk_id in kb.risks:  # catalogue order
        if risk_id not in by_risk:
            continue
        (rule, win), losers = _resolve(by_risk[risk_id])
        result.append(out.RiskAllocation(
            risk=risk_id, title=kb.risks[risk_id].title, party=win.party, mechanism=win.mechanism,
            rationale=win.rationale, rules=[rule.id],
            overridden=[out.Overridden(value=a.party, rule=r.id) for r, a in losers],
        ))
    return result


def topic_advice(kb: KnowledgeBase, conclusions: Index, topic: str) -> out.TopicAdvice:
    by_key: dict[str, list[tuple[Rule, Any]]] = {}
    for rule, c in conclusions.get("set", ()):
        if c.set.topic == topic:
            by_key.setdefault(c.set.key, []).append((rule, c.set))
    settings = {}
    for key in sorted(by_key):
        (rule, win), losers = _resolve(by_key[key])
        settings[key] = out.Setting(
            value=win.value, reason=win.reason, rules=[rule.id],
            overridden=[out.Overridden(value=s.value, rule=r.id) for r, s in losers],
        )
    items: dict[tuple[str, str], list[str]] = {}
    for rule, item in conclusions.get("advise", ()):
        if item.advise.topic == topic:
            items.setdefault((item.advise.key, item.advise.text), []).append(rule.id)
    advice_items = [out.AdviceItem(key=k, text=t, rules=rules) for (k, t), rules in items.items()]
    weights = criteria_weights(kb, conclusions) if topic == "procurement" else None
    return out.TopicAdvice(settings=settings, advice=advice_items, criteria_weights=weights)


def criteria_weights(kb: KnowledgeBase, conclusions: Index) -> dict[str, int]:
    """Base weights plus every shift, floored, normalised to whole numbers summing to 100."""
    raw = dict(kb.settings.criteria_weights)
    for _, c in conclusions.get("criteria", ()):
        raw[c.criteria.criterion] += c.criteria.delta
    raw = {k: max(CRITERION_FLOOR, v) for k, v in raw.items()}
    total = sum(raw.values())
    exact = {k: v * 100 / total for k, v in raw.items()}
    floored = {k: int(v) for k, v in exact.items()}
    # Largest remainder: hand out the missing points to the biggest fractional parts.
    missing = 100 - sum(floored.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - floored[k]), k))[:missing]:
        floored[k] += 1
    return floored


def red_flags(conclusions: Index) -> list[out.RedFlag]:
    flags: dict[str, out.RedFlag] = {}
    for rule, c in conclusions.get("red_flag", ()):
        flag = c.red_flag
        if flag.id in flags:
            flags[flag.id].rules.append(rule.id)
        else:
            flags[flag.id] = out.RedFlag(id=flag.id, title=flag.title, mitigation=flag.mitigation,
                                                         rules=[rule.id])
    return list(flags.values())


def conditions(decision: Decision) -> list[out.Condition]:
    """The failed gates of the decision, in the order their rules fired."""
    return [out.Condition(id=g.id, title=g.title, decides=g.decides,  # type: ignore[arg-type]
                                          clear={q: list(v) for q, v in g.clear.items()}, reason=g.reason, rule=g.rule)
            for g in decision.gates]


def build_advice(kb: KnowledgeBase, case_id: str, trace: Trace) -> out.Advice:
    """The full Advice for one evaluated case.

    Plain objects, not validated: every value in them comes from the validated knowledge base or
    from the engine's arithmetic (tests check whole results against the JSON Schema, and that
    validating them changes nothing)."""
    d = trace.decision
    firings = list(trace.firings)
    unknown = [q for q, v in trace.answers.items() if v == UNKNOWN]
    ranking = [out.Ranked(model=m, score=d.scores[m], evidence=list(d.evidence[m]))
               for m in rank(d.scores)]
    conclusions = index(firings)
    topics = {t: topic_advice(kb, conclusions, t) for t in TOPICS}
    flags = red_flags(conclusions)
    sure = confidence.assess(kb, trace.answers, d, (f.rule for f in firings), len(flags))
    return out.Advice(
        case=case_id,
        appropriate=out.Appropriate(
            verdict=d.verdict, certainty=d.certainty, reasons=list(d.ppp_reasons),  # type: ignore[arg-type]
            conditions=conditions(d),
            questions_first=list(sure.could_flip) if d.verdict == "insufficient_information" else [],
            confidence=out.ConfidenceOut(**sure.to_dict()),
        ),
        recommendation=out.Recommendation(
            model=d.model, score=d.scores[d.model], close_call=d.close_call, runner_up=d.runner_up,
            ranking=ranking, determined=d.determined,
        ),
        risk_allocation=risk_allocation(kb, conclusions),
        structuring=topics["structuring"], governance=topics["governance"],
        procurement=topics["procurement"], implementation=topics["implementation"],
        red_flags=flags,
        fired_rules=[out.FiredRule(id=f.rule.id, source=f.rule.source, facts=list(f.matched),
                                   declared=list(f.declared)) for f in firings],
        unknown_questions=unknown,
    )
