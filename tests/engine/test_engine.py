"""The real experta engine on the real knowledge base: firings, order, aggregation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import BROADBAND, COMMODITY, ROOT, rule, write_kb

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.engine.aggregate import (
    NO_MODEL_FITS_GATE,
    PPP_MODELS,
    VIABLE_MODEL_GATE,
    combine,
    rule_reasons,
    weigh_pooled,
    weigh_rules,
)
from ppp_expert.engine.reasoner import open_bounds, reasoner_for
from ppp_expert.engine.recorder import BaseEngine
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.loader import load_kb


def test_engine_is_a_compiled_experta_engine_with_one_rule_per_kb_rule(kb, reasoner) -> None:
    assert issubclass(reasoner.engine_class, BaseEngine)
    assert len(reasoner.engine.get_rules()) == len(kb.rules)


def test_every_firing_records_its_matched_and_declared_facts(reasoner) -> None:
    trace = reasoner.run(BROADBAND)
    assert trace.firings, "no rule fired"
    declared = {fact for f in trace.firings for fact in f.declared}
    for firing in trace.firings:
        for fact in firing.matched:
            if fact.startswith("answer:"):
                question, value = fact[len("answer:"):].split("=", 1)
                assert str(trace.answers[question]) == value
            elif fact.startswith("fact:"):
                assert fact in declared, f"{firing.rule.id} matched {fact} that no rule declared"
    # A rule fires at most once per case, even when several branches of an `any` match.
    ids = [f.rule.id for f in trace.firings]
    assert len(ids) == len(set(ids))


def test_watching_rules_logs_what_experta_own_run_loop_logs(kb, caplog) -> None:
    """The engine's run loop skips building experta's FIRE trace line when nobody watches;
    when the RULES or AGENDA watchers are on, it logs exactly what experta's own ``run`` logs."""
    import logging

    from experta import KnowledgeEngine, watchers

    from ppp_expert.engine.facts import Answer
    from ppp_expert.engine.reasoner import Reasoner

    watched = {watchers.RULES.name, watchers.AGENDA.name}

    def log_lines(run) -> list[str]:
        reasoner = Reasoner(kb)
        engine = reasoner.engine
        engine.reset()
        engine.declare(*(Answer(q=q, v=BROADBAND.get(q, UNKNOWN)) for q in kb.question_order))
        caplog.clear()
        run(engine)
        return [f"{r.name} {r.getMessage()}" for r in caplog.records if r.name in watched]

    assert log_lines(lambda e: e.run()) == []  # not watched: nothing logged
    with caplog.at_level(logging.INFO, logger=watchers.RULES.name):  # experta.watch('RULES') at INFO
        ours = log_lines(lambda e: e.run())
        theirs = log_lines(lambda e: KnowledgeEngine.run(e))
    assert ours and ours == theirs
    assert ours[0].startswith(f"{watchers.RULES.name} FIRE 1 ")
    with caplog.at_level(logging.DEBUG, logger=watchers.AGENDA.name):  # the agenda before each firing
        ours = log_lines(lambda e: e.run(steps=3))
        theirs = log_lines(lambda e: KnowledgeEngine.run(e, steps=3))
    assert ours == theirs and len(ours) > 3
    assert ours[0].startswith(f"{watchers.AGENDA.name} 0: '")


def test_run_takes_experta_steps_and_leaves_the_engine_stopped(kb) -> None:
    """``run(steps=n)`` fires at most n activations and can be resumed, as in experta; after a
    run the engine is no longer running, so a later declaration updates the agenda at once."""
    from ppp_expert.engine.facts import Answer
    from ppp_expert.engine.reasoner import Reasoner

    engine = Reasoner(kb).engine
    engine.reset()
    engine.declare(*(Answer(q=q, v=BROADBAND.get(q, UNKNOWN)) for q in kb.question_order))
    pending = len(engine.agenda.activations)
    engine.run(steps=0)
    assert engine.firings == [] and len(engine.agenda.activations) == pending
    engine.run(steps=1)
    assert len(engine.firings) == 1 and not engine.running
    engine.run(steps=2)
    assert len(engine.firings) == 3
    engine.run()
    assert len(engine.firings) > 3 and not engine.running


def test_producers_fire_before_the_rules_that_read_their_facts(reasoner) -> None:
    trace = reasoner.run(BROADBAND)
    position = {f.rule.id: i for i, f in enumerate(trace.firings)}
    first_declared = {}
    for i, firing in enumerate(trace.firings):
        for fact in firing.declared:
            first_declared.setdefault(fact, i)
    for firing in trace.firings:
        for fact in firing.matched:
            if fact.startswith("fact:"):
                assert first_declared[fact] < position[firing.rule.id]


def test_second_phase_rules_see_the_recommended_model(reasoner) -> None:
    trace = reasoner.run(BROADBAND)
    phase2 = [f for f in trace.firings if f.rule.phase == 2]
    assert phase2, "no risk/structuring rule fired after the decision"
    for firing in phase2:
        decisions = [m for m in firing.matched if m.startswith(("model:", "verdict:"))]
        assert decisions, firing.rule.id
        for m in decisions:
            kind, value = m.split(":", 1)
            assert value == (trace.decision.model if kind == "model" else trace.decision.verdict)


def test_missing_answers_are_unknown_not_errors(reasoner, kb) -> None:
    trace = reasoner.run({})
    assert set(trace.answers) == set(kb.questions)
    assert all(v == UNKNOWN for v in trace.answers.values())
    assert trace.decision.verdict == "insufficient_information"


def test_certainty_factor_combination() -> None:
    assert combine([]) == 0.0
    assert combine([0.5, 0.5]) == 0.75
    assert combine([-0.5, -0.5]) == -0.75
    assert combine([0.6, -0.6]) == 0.0
    assert abs(combine([0.6, -0.3]) - (0.6 - 0.3) / (1 - 0.3)) < 1e-4
    assert combine([0.2, 0.7, -0.1]) == combine([-0.1, 0.7, 0.2])
    assert all(-1 <= combine([w] * 30) <= 1 for w in (-0.9, 0.9))


def test_evidence_decides_verdict_and_ranking_consistently(kb) -> None:
    advice = evaluate({"answers": COMMODITY})
    assert advice.appropriate.verdict == "traditional"
    assert advice.recommendation.model == "traditional_procurement"
    scores = [r.score for r in advice.recommendation.ranking]
    assert scores == sorted(scores, reverse=True)
    by_model = {r.model: r.score for r in advice.recommendation.ranking}
    assert by_model["traditional_procurement"] == -advice.appropriate.certainty


def test_no_evidence_scores_traditional_procurement_zero_not_negative_zero(kb) -> None:
    """Traditional procurement scores minus the PPP certainty; with no evidence that is 0.0,
    which must not reach the JSON as ``-0.0`` (a reader sees a sign where there is none)."""
    import math

    from ppp_expert.engine.aggregate import decide

    decision = decide(kb, [])
    assert decision.certainty == 0.0
    assert math.copysign(1.0, decision.scores["traditional_procurement"]) == 1.0
    assert "-0.0" not in json.dumps(decision.scores)


def test_firing_order_is_the_same_under_any_hash_seed() -> None:
    """experta's default strategy depends on hash seeds; ours must not."""
    script = (
        "from ppp_expert.api import evaluate;import sys;sys.path.insert(0,'tests');"
        "from conftest import BROADBAND;print(evaluate({'answers':BROADBAND}).to_json())"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outputs) == 1


def test_weighing_fired_rules_alone_gives_the_decisions_numbers_on_every_library_case(kb) -> None:
    """``weigh_rules`` (what the consultation's look-ahead weighs each candidate answer with) and
    ``decide`` (what an evaluation reports) are one computation: same certainty, scores and outcome."""
    outcomes = set()
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        trace = reasoner_for(kb).run(load_case(path, kb).answers)
        evidence_phase = [f.rule for f in trace.firings if f.rule.phase == 1]
        weighed = weigh_rules(kb, evidence_phase, open_bounds(kb, trace.answers))
        d = trace.decision
        assert (weighed.certainty, weighed.scores, weighed.verdict) == (d.certainty, d.scores, d.verdict), path.stem
        assert weighed.leader == (d.runner_up if d.model == "traditional_procurement" else d.model), path.stem
        outcomes.add(d.verdict)
    assert outcomes == {"ppp", "traditional", "not_yet", "insufficient_information"}


def test_evidence_exactly_at_the_threshold_is_thin_when_the_open_questions_could_cross_it(kb) -> None:
    """The line counts as reached (certainty >= threshold), so evidence standing exactly on it is
    thin when the unanswered questions could still take it past the line on the other side;
    the open questions' bounds may be given as a pair or as a function giving one (or None)."""
    threshold = kb.settings.verdict_threshold
    models = {m: [0.5] if m == PPP_MODELS[0] else [] for m in PPP_MODELS}
    on_the_line = ([threshold], models, [])
    assert weigh_pooled(kb, on_the_line).certainty == threshold
    assert weigh_pooled(kb, on_the_line).verdict == "ppp"
    crossable = (-threshold - 0.1, threshold + 0.5)
    assert weigh_pooled(kb, on_the_line, crossable).verdict == "insufficient_information"
    assert weigh_pooled(kb, on_the_line, lambda: crossable).verdict == "insufficient_information"
    assert weigh_pooled(kb, on_the_line, lambda: None).verdict == "ppp"
    assert weigh_pooled(kb, on_the_line, (-threshold + 0.05, threshold + 0.5)).verdict == "ppp"


def test_weighing_fired_rules_finds_thin_evidence_as_the_decision_does(kb) -> None:
    """Two answers lean towards a partnership past the line, but the open questions could still
    take it past the other side: thin, so insufficient information, for ``weigh_rules`` given the
    open questions' bounds as for the engine; without them nothing can count as thin."""
    trace = reasoner_for(kb).run({"need_type": "defined_service", "in_house_expertise": "lacking"})
    assert trace.decision.verdict == "insufficient_information"
    assert trace.decision.certainty >= kb.settings.verdict_threshold
    evidence_phase = [f.rule for f in trace.firings if f.rule.phase == 1]
    assert weigh_rules(kb, evidence_phase, open_bounds(kb, trace.answers)).verdict == "insufficient_information"
    assert weigh_rules(kb, evidence_phase).verdict != "insufficient_information"


def test_every_case_citing_a_rule_shares_its_reasons(kb) -> None:
    """A rule's reasons are built once, the first time it fires, and shared by every later case."""
    rule = next(r for r in kb.rules if any(c.evidence_on() for c in r.conclusions))
    first = rule_reasons(kb, rule)
    assert first and all(reason.rule == rule.id and against.weight == -reason.weight
                         for _, reason, against in first)
    assert all(a is b for a, b in zip(rule_reasons(kb, rule), first, strict=True))


def test_no_model_fits_is_named_only_where_nothing_else_decided_traditional(tmp_path: Path) -> None:
    """The 'no model fits' condition explains a traditional outcome that only the partnership
    models' scores decided: not one the evidence against a partnership already decides (certainty
    at or past -threshold), nor one a failed gate decides."""
    against_every_model = [{"evidence": {"model": m, "weight": -0.3, "reason": "r"}} for m in PPP_MODELS]
    gate = {"gate": {"id": "ruled_out", "title": "t", "decides": "traditional", "clear": {"c": ["no"]},
                     "reason": "r"}}
    rules = [rule("t.models", {"answer": "a", "is": "yes"}, *against_every_model),
             rule("t.against", {"answer": "b", "is": "yes"}, {"ppp": -0.2, "reason": "r"}),
             rule("t.gate", {"answer": "c", "is": "yes"}, gate)]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": rules}, verdict_threshold=0.2))

    def decision(**answers: str) -> Any:
        made = reasoner_for(kb).run({"a": "no", "b": "no", "c": "no", **answers}).decision
        assert made.verdict == "traditional", answers
        return made

    def gates(**answers: str) -> list[str]:
        return [g.id for g in decision(**answers).gates]

    assert gates(a="yes") == [NO_MODEL_FITS_GATE]  # the models' scores alone
    (named,) = decision(a="yes").gates
    leader = decision(a="yes").runner_up
    assert (named.title, named.decides, named.clear, named.rule) == (
        "A partnership model with more evidence for it than against", "traditional", {}, None)
    assert named.reason == (f"Every partnership model scores below zero (the best, {leader}, scores -0.30): the "
                            "answers speak against each form of partnership, so buy conventionally, or reshape the "
                            "project before considering a partnership again.")
    assert gates(a="yes", b="yes") == []  # certainty -0.2: the evidence decides, exactly at the line
    assert gates(a="yes", c="yes") == ["ruled_out"]  # a failed gate decides


def test_a_partnership_no_model_fits_well_enough_waits_for_one(tmp_path: Path) -> None:
    """Evidence for a partnership but no model at the model threshold: not yet, with the
    aggregation's own condition saying what clears it, unless a failed gate already says rescope."""
    rescope = {"gate": {"id": "unaffordable", "title": "t", "decides": "rescope", "clear": {"c": ["no"]},
                        "reason": "r"}}
    rules = [rule("t.for", {"answer": "a", "is": "yes"}, {"ppp": 0.6, "reason": "r"},
                  {"evidence": {"model": "alliance", "weight": 0.1, "reason": "r"}}),
             rule("t.rescope", {"answer": "c", "is": "yes"}, rescope)]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": rules}))
    decision = reasoner_for(kb).run({"a": "yes", "b": "no", "c": "no"}).decision
    assert decision.verdict == "not_yet"
    (gate,) = decision.gates
    threshold = kb.settings.model_threshold
    assert (gate.id, gate.title, gate.decides, gate.clear, gate.rule) == (
        VIABLE_MODEL_GATE, "A partnership model that fits the case", "not_yet", {}, None)
    assert gate.reason == (f"No partnership model scores {threshold:.2f} or more (the best, alliance, scores "
                           "+0.10): shape the project until one model clearly fits before going to market.")
    rescoped = reasoner_for(kb).run({"a": "yes", "b": "no", "c": "yes"}).decision
    assert [g.id for g in rescoped.gates] == ["unaffordable"]


def test_no_model_is_recommended_out_of_a_tie_at_the_top(tmp_path: Path) -> None:
    evidence = [{"evidence": {"model": m, "weight": 0.6, "reason": "r"}} for m in ("alliance", "joint_venture")]
    rules = [rule("t.for", {"answer": "a", "is": "yes"}, {"ppp": 0.6, "reason": "r"}, *evidence),
             rule("t.jv", {"answer": "b", "is": "yes"}, {"evidence": {"model": "joint_venture", "weight": 0.1,
                                                                      "reason": "r"}})]
    kb = load_kb(write_kb(tmp_path, {"10.yaml": rules}))
    tied = reasoner_for(kb).run({"a": "yes", "b": "no", "c": "no"}).decision
    assert tied.verdict == "ppp" and tied.scores["alliance"] == tied.scores["joint_venture"]
    assert not tied.determined
    ahead = reasoner_for(kb).run({"a": "yes", "b": "yes", "c": "no"}).decision
    assert ahead.determined and ahead.model == "joint_venture"
