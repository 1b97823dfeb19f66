"""The keyed matcher gives exactly what experta's stock Rete matcher gives: same firings in the
same order, same matched facts, byte-identical result JSON, on the real knowledge base."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, ROOT, answer_sets
from hypothesis import HealthCheck, given, settings, strategies as st

from ppp_expert.advice.assemble import build_advice
from ppp_expert.cases.case import load_case
from ppp_expert.cases.generate import random_answers
from ppp_expert.engine import plan
from ppp_expert.engine.compat import experta
from ppp_expert.engine.facts import fact_class
from ppp_expert.engine.keyed import DuplicateKeyedFact, KeyedMatcher
from ppp_expert.engine.matchers import MATCHER_ENV
from ppp_expert.engine.patterns import condition_pattern
from ppp_expert.engine.reasoner import Reasoner, reasoner_for
from ppp_expert.engine.recorder import BaseEngine
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.loader import load_kb

# isort: split
from experta import AND, NOT, OR, Fact  # noqa: E402 (after the compat shim)
from experta.fact import InitialFact  # noqa: E402
from experta.fieldconstraint import P  # noqa: E402
from experta.matchers.rete.utils import prepare_rule  # noqa: E402


def _module_scope(fixture_name: str, config: pytest.Config) -> str:
    """Module-wide, except in mutmut's stats run, where ``kb`` is made afresh for every test."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"


@pytest.fixture(scope=_module_scope)
def both(kb: Any) -> dict[str, Reasoner]:
    return {"keyed": Reasoner(kb, "keyed"), "stock": Reasoner(kb, "stock")}


def result(reasoner: Reasoner, answers: dict[str, Any]) -> str:
    return build_advice(reasoner.kb, "case", reasoner.run(answers)).to_json()


def test_the_default_is_the_keyed_matcher_and_the_stock_one_stays_available(kb: Any, both: dict) -> None:
    assert both["keyed"].matcher == "keyed" and both["stock"].matcher == "stock"
    assert both["keyed"].engine_class.__matcher__ is KeyedMatcher
    assert not issubclass(both["stock"].engine_class.__matcher__, KeyedMatcher)
    for reasoner in both.values():  # the same experta engine either way: one rule per knowledge-base rule
        assert issubclass(reasoner.engine_class, BaseEngine)
        assert len(reasoner.engine.get_rules()) == len(kb.rules)


def test_every_shipped_case_gives_byte_identical_json_and_firings(kb: Any, both: dict) -> None:
    files = sorted(CASES.glob("*.yaml"))
    assert files
    for path in files:
        answers = load_case(path, kb).answers
        traces = {m: r.run(answers) for m, r in both.items()}
        keyed, stock = traces["keyed"], traces["stock"]
        assert [(f.rule.id, f.matched, f.declared) for f in keyed.firings] == \
               [(f.rule.id, f.matched, f.declared) for f in stock.firings], path.name
        assert result(both["keyed"], answers) == result(both["stock"], answers), path.name


def test_generated_answer_sets_with_many_unknowns_give_identical_json(kb: Any, both: dict) -> None:
    rng = random.Random(2024)
    for i in range(240):
        answers = random_answers(kb, rng, unknown_rate=(0.0, 0.15, 0.5, 0.9)[i % 4])
        assert result(both["keyed"], answers) == result(both["stock"], answers), answers


def test_hypothesis_answer_sets_give_identical_json(kb: Any, both: dict) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(answers=answer_sets(kb))
    def check(answers: dict) -> None:
        assert result(both["keyed"], answers) == result(both["stock"], answers)

    check()


# --- the match plan is the network experta wires ---------------------------------------------


def _signature(pattern: Any) -> tuple[Any, ...]:
    if isinstance(pattern, InitialFact):
        return ("InitialFact",)
    fields = tuple(sorted((k, "P" if isinstance(v, P) else v) for k, v in pattern.items()
                          if not str(k).startswith("__")))
    return (type(pattern).__name__, *fields)


def experta_branches(condition: cond.Condition) -> Counter:
    """The conjunctions experta's own rewrite (``prepare_rule``) wires for a condition."""
    compiled = condition_pattern(condition)
    rule = experta.Rule(*(compiled if isinstance(compiled, AND) else (compiled,)))(lambda engine: None)
    prepared = prepare_rule(rule)
    branches = []
    for sub in (list(prepared[0]) if isinstance(prepared[0], OR) else [prepared]):
        elements = list(sub) if isinstance(sub, (AND, experta.Rule)) else [sub]
        assert not isinstance(elements[0], NOT), "experta left a conjunction starting with a negation"
        positive = {_signature(e) for e in elements if isinstance(e, Fact)}
        negative = {_signature(e[0]) for e in elements if isinstance(e, NOT)}
        assert len(positive) + len(negative) <= len(elements)
        branches.append((tuple(sorted(positive)), tuple(sorted(negative))))
    return Counter(branches)


def _leaf_signature(leaf: Any) -> tuple[Any, ...]:
    if leaf is None:
        return ("InitialFact",)
    name = fact_class(leaf).__name__
    if isinstance(leaf, cond.FactIs):
        return (name,)
    if (isinstance(leaf, (cond.AnswerIn, cond.DecisionIn)) and len(leaf.values) == 1
            and not getattr(leaf, "negate", False)):
        return (name, ("v", next(iter(leaf.values))))
    return (name, ("v", "P"))


def plan_branches(condition: cond.Condition) -> Counter:
    leaves = list(cond.leaves(condition))
    sig = lambda i: _leaf_signature(None if i == plan.INITIAL else leaves[i])  # noqa: E731
    return Counter((tuple(sorted({sig(i) for i in pos})), tuple(sorted({sig(i) for i in neg})))
                   for pos, neg in plan.branches(condition))


def test_the_plan_of_every_shipped_rule_is_the_network_experta_wires(kb: Any) -> None:
    for rule in kb.rules:
        assert plan_branches(rule.condition) == experta_branches(rule.condition), rule.id


def _leaf() -> Any:
    answer = st.builds(cond.AnswerIn, st.sampled_from(["q1", "q2"]),
                       st.sets(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=2).map(frozenset), st.booleans())
    fact = st.builds(cond.FactIs, st.sampled_from(["f1", "f2"]))
    decision = st.builds(cond.DecisionIn, st.just("model"),
                         st.sets(st.sampled_from(["x", "y"]), min_size=1, max_size=2).map(frozenset))
    number = st.builds(cond.AnswerCompare, st.sampled_from(["n1", "n2"]), st.sampled_from([None, 1.0]),
                       st.sampled_from([None, 5.0]))
    return st.one_of(answer, fact, decision, number)


conditions = st.recursive(_leaf(), lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(lambda parts: cond.All(tuple(parts))),
    st.lists(inner, min_size=1, max_size=3).map(lambda parts: cond.Any_(tuple(parts))),
    inner.map(cond.Not),
), max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(condition=conditions)
def test_the_plan_of_any_condition_is_the_network_experta_wires(condition: cond.Condition) -> None:
    """Nested all/any/not of every depth, single-element lists included (experta's rewrite
    treats those specially)."""
    assert plan_branches(condition) == experta_branches(condition)


def _shapes() -> list[cond.Condition]:
    a = cond.AnswerIn("q1", frozenset(["a"]))
    b = cond.AnswerIn("q2", frozenset(["a", "b"]))
    n = cond.AnswerCompare("n1", 1.0, None)
    f, g = cond.FactIs("f1"), cond.FactIs("f2")
    m = cond.DecisionIn("model", frozenset(["x"]))
    All, Any_, Not = cond.All, cond.Any_, cond.Not
    return [
        a, Not(a), All((a,)), Any_((a,)), All((Not(a),)), Any_((Not(a),)), All((a, b)), All((Not(a), b)),
        All((b, Not(a))), All((Not(a), Not(f))), Any_((a, b)), Any_((Not(a), b)), Any_((b, Not(a))),
        Any_((All((Not(a), b)), f)), Any_((All((b, Not(a))), Not(g))), All((Any_((a, f)), Not(g))),
        All((Any_((Not(a), f)), n)), Not(Any_((a, f))), Not(All((a, f))), Not(Not(a)), All((a, a)),
        Any_((a, a)), All((n, n, Not(n))), All((m, Not(Any_((f, g))))), Any_((All((a, Not(b))), All((f, Not(g))))),
    ]


@pytest.mark.parametrize("condition", _shapes(), ids=lambda c: c.describe()[:60])
def test_the_plan_of_each_condition_shape_is_the_network_experta_wires(condition: cond.Condition) -> None:
    """The shapes experta's rewrite treats specially (a leading negation, a negation inside a
    disjunction, single-element groups, repeated leaves), each checked without the long
    property test."""
    assert plan_branches(condition) == experta_branches(condition)


# --- the switch, the fallback, the contract ------------------------------------------------


def test_the_matcher_is_chosen_by_argument_or_environment(kb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MATCHER_ENV, "stock")
    assert Reasoner(kb).matcher == "stock"
    assert Reasoner(kb, "keyed").matcher == "keyed"
    assert reasoner_for(kb).matcher == "stock" and reasoner_for(kb, "keyed").matcher == "keyed"
    monkeypatch.setenv(MATCHER_ENV, "rete")
    with pytest.raises(PPPExpertError, match=f"{MATCHER_ENV}: unknown matcher 'rete'; expected one of keyed, stock"):
        Reasoner(kb)
    # A name passed in is not blamed on the environment variable.
    with pytest.raises(PPPExpertError) as info:
        Reasoner(kb, "fast")
    assert str(info.value) == "unknown matcher 'fast'; expected one of keyed, stock" and info.value.field is None


def test_cli_output_is_the_same_with_either_matcher(runner: Any) -> None:
    from ppp_expert.cli import main

    case = str(CASES / "ireland-national-broadband-plan.yaml")
    outputs = {m: runner.invoke(main, ["evaluate", case, "--format", "json"], env={MATCHER_ENV: m}) for m in
               ("keyed", "stock")}
    assert {r.exit_code for r in outputs.values()} == {0}
    assert outputs["keyed"].output == outputs["stock"].output
    bad = runner.invoke(main, ["evaluate", case, "--format", "json"], env={MATCHER_ENV: "fast"})
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "unknown matcher 'fast'" in bad.output


def test_an_unreproducible_rewrite_falls_back_to_the_stock_matcher(kb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """If experta ever rewrote a rule into a shape the plan does not reproduce (a conjunction led
    by a negation, say), the engine keeps experta's own network rather than guessing."""
    with pytest.raises(plan.Unsupported):
        plan._conjunction((NOT(plan._PlannedLeaf(0, ("fact", "x"))),))
    real = plan.branches
    last = kb.rules[-1].condition

    def branches(condition: cond.Condition) -> list:
        if condition is last:
            return plan._conjunction((NOT(plan._PlannedLeaf(0, ("fact", "x"))),))
        return real(condition)

    monkeypatch.setattr(plan, "branches", branches)
    monkeypatch.setenv("PPP_EXPERT_CACHE", "off")
    reasoner = Reasoner(kb, "keyed")
    assert reasoner.matcher == "stock" and reasoner.engine_class.__matcher__ is not KeyedMatcher
    assert result(reasoner, {"urgency": "high"}) == result(Reasoner(kb, "stock"), {"urgency": "high"})


def test_one_fact_per_key_is_enforced_not_silently_mismatched(kb: Any) -> None:
    from ppp_expert.engine.facts import DecisionFact

    engine = Reasoner(kb, "keyed").engine
    engine.reset()
    engine.declare(DecisionFact(kind="model", v="alliance"))
    with pytest.raises(DuplicateKeyedFact, match="DecisionFact_model"):
        engine.declare(DecisionFact(kind="model", v="joint_venture"))


def test_retracting_a_fact_retires_the_activations_it_supported(kb: Any, both: dict) -> None:
    """The knowledge-base engine never retracts, but the matcher keeps experta's contract."""
    from ppp_expert.engine.facts import Answer

    agendas = {}
    for name, reasoner in both.items():
        engine = reasoner.engine
        engine.reset()
        facts = [engine.declare(Answer(q=q, v=v)) for q, v in (("need_type", "commodity"), ("urgency", "high"))]
        before = sorted(a.rule.__name__ for a in engine.agenda.activations)
        engine.retract(facts[0])
        after = sorted(a.rule.__name__ for a in engine.agenda.activations)
        engine.declare(Answer(q="need_type", v="commodity"))
        again = sorted(a.rule.__name__ for a in engine.agenda.activations)
        agendas[name] = (before, after, again)
    assert agendas["keyed"] == agendas["stock"]
    before, after, again = agendas["keyed"]
    assert len(after) < len(before) and again == before


def test_retracting_a_negated_fact_restores_the_activations_it_blocked(kb: Any, both: dict) -> None:
    """A fact that a rule needs absent blocks it while declared and frees it again once retracted."""
    from ppp_expert.engine.facts import Answer

    agendas = {}
    for name, reasoner in both.items():
        engine = reasoner.engine
        engine.reset()
        for q, v in (("data_assets", "public"), ("asset_type", "none")):
            engine.declare(Answer(q=q, v=v))
        before = sorted(a.rule.__name__ for a in engine.agenda.activations)
        blocker = engine.declare(Answer(q="revenue_source", v="government_payments"))
        blocked = sorted(a.rule.__name__ for a in engine.agenda.activations)
        engine.retract(blocker)
        after = sorted(a.rule.__name__ for a in engine.agenda.activations)
        agendas[name] = (before, blocked, after)
    assert agendas["keyed"] == agendas["stock"]
    before, blocked, after = agendas["keyed"]
    rule = next(name for name in before if "data_centric_value" in name)
    assert rule not in blocked and after == before


def test_a_rule_blocked_by_two_facts_stays_blocked_until_both_are_retracted(kb: Any, both: dict) -> None:
    from ppp_expert.engine.facts import Answer, Finding

    rule = "finding__private_finance_sensible"  # needs neither fast_technology nor duration_years < 10
    seen = {}
    for name, reasoner in both.items():
        engine = reasoner.engine
        engine.reset()
        engine.declare(Finding(name="long_lived_asset_need"), Finding(name="private_finance_scale"))
        steps = [any(rule in a.rule.__name__ for a in engine.agenda.activations)]
        blockers = [engine.declare(Finding(name="fast_technology")), engine.declare(Answer(q="duration_years", v=5))]
        steps.append(any(rule in a.rule.__name__ for a in engine.agenda.activations))
        for blocker in blockers:
            engine.retract(blocker)
            steps.append(any(rule in a.rule.__name__ for a in engine.agenda.activations))
        seen[name] = steps
    assert seen["keyed"] == seen["stock"] == [True, False, False, True]


def test_a_refused_second_fact_can_be_retracted_and_leaves_the_first_in_place(kb: Any) -> None:
    """After the matcher refuses a second fact of one key, retracting the refused fact changes
    nothing; the first fact still supports its activations until it is retracted itself."""
    from ppp_expert.engine.facts import Answer

    engine = Reasoner(kb, "keyed").engine
    engine.reset()
    first = engine.declare(Answer(q="need_type", v="commodity"))
    supported = sorted(a.rule.__name__ for a in engine.agenda.activations)
    with pytest.raises(DuplicateKeyedFact):
        engine.declare(Answer(q="need_type", v="evolving"))
    refused = next(f for f in engine.facts.values() if f is not first and f.get("q") == "need_type")
    engine.retract(refused)
    assert sorted(a.rule.__name__ for a in engine.agenda.activations) == supported
    engine.retract(first)
    assert len(engine.agenda.activations) < len(supported)
    engine.declare(Answer(q="need_type", v="evolving"))  # the key is free again


def test_a_fact_modified_inside_a_firing_moves_the_activations_to_the_new_fact(kb: Any, both: dict) -> None:
    """experta's ``modify`` in a rule body retracts and declares before the matcher is asked,
    so the matcher sees both in one call; activations that still match must carry the new fact."""
    from ppp_expert.engine.facts import Answer

    def agenda(engine: Any) -> list:
        return sorted((a.rule.__name__, sorted(tuple(sorted((k, repr(v)) for k, v in f.items() if k != "__factid__"))
                                               for f in a.facts)) for a in engine.agenda.activations)

    agendas = {}
    for name, reasoner in both.items():
        engine = reasoner.engine
        engine.reset()
        cost = engine.declare(Answer(q="capital_cost_musd", v=400))
        engine.declare(Answer(q="need_type", v="defined_service"))
        before = agenda(engine)
        engine.running = True  # as inside a rule body: the matcher is asked once the body returns
        engine.modify(cost, v=450)
        engine.running = False
        added, removed = engine.get_activations()
        engine.strategy.update_agenda(engine.agenda, added, removed)
        after = agenda(engine)
        live = {id(f) for f in engine.facts.values()}
        assert all(id(f) in live for a in engine.agenda.activations for f in a.facts), name
        agendas[name] = (before, after)
    assert agendas["keyed"] == agendas["stock"]
    before, after = agendas["keyed"]
    assert before != after and any("450" in str(facts) for _, facts in after)


def test_a_rule_that_only_negates_fires(tmp_path: Path) -> None:
    """experta makes such a rule's activation while resetting; the engine keeps it (it used to
    drop it with the agenda it replaced, so the rule never fired)."""
    import shutil

    shutil.copytree(ROOT / "knowledge_base", tmp_path / "kb")
    (tmp_path / "kb" / "rules" / "99-only-not.yaml").write_text(yaml.safe_dump({"rules": [
        {"id": "test.not_urgent", "title": "Not urgent", "source": "why-ppp",
         "when": {"not": {"answer": "urgency", "is": "high"}},
         "then": [{"advise": {"topic": "implementation", "key": "pace", "text": "Take the time to prepare."}}]},
    ]}), encoding="utf-8")
    kb = load_kb(tmp_path / "kb")
    for matcher in ("keyed", "stock"):
        fired = {f.rule.id for f in Reasoner(kb, matcher).run({"urgency": "low"}).firings}
        assert "test.not_urgent" in fired, matcher
        fired = {f.rule.id for f in Reasoner(kb, matcher).run({"urgency": "high"}).firings}
        assert "test.not_urgent" not in fired, matcher


# --- the same under other hash seeds ---------------------------------------------------------

_SEED_SCRIPT = textwrap.dedent("""
    import hashlib, random, sys
    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.engine.reasoner import Reasoner
    from ppp_expert.kb.loader import load_kb
    kb = load_kb()
    keyed, stock = Reasoner(kb, "keyed"), Reasoner(kb, "stock")
    rng = random.Random(5)
    digest = hashlib.sha256()
    for i in range(int(sys.argv[1])):
        answers = random_answers(kb, rng, unknown_rate=(0.0, 0.3, 0.8)[i % 3])
        out = build_advice(kb, "c", keyed.run(answers)).to_json()
        assert out == build_advice(kb, "c", stock.run(answers)).to_json(), answers
        digest.update(out.encode())
    print(digest.hexdigest())
""")


def test_identical_results_under_different_hash_seeds(tmp_path: Path) -> None:
    digests = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SEED_SCRIPT, "40"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_planned_leaves_equal_exactly_when_their_patterns_would_and_hash_alike() -> None:
    """A placeholder stands for a compiled pattern: equal keys are one pattern (as a set or dict
    key too: Python requires equal objects to hash alike), different keys two."""
    leaf = plan._PlannedLeaf
    a, b, c = leaf(0, ("fact", "x")), leaf(5, ("fact", "x")), leaf(0, ("fact", "y"))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != c and len({a, b, c}) == 2 and {a: 1}[b] == 1
    assert a.__eq__(("fact", "x")) is NotImplemented
