"""bench/bench_clips.py: the knowledge base translated into CLIPS fires what ppp-expert fires.

The CLIPS checks need clipspy (the optional ``bench`` extra) and skip without it; the message
given when it is missing is checked without it.
"""

from __future__ import annotations

import functools
import importlib.util
import random
import subprocess
import sys
from typing import Any

import pytest
from conftest import CASES, ROOT

from ppp_expert.cases.case import load_case
from ppp_expert.cases.generate import random_answers
from ppp_expert.kb import condition_syntax, conditions as cond

SCRIPT = ROOT / "bench" / "bench_clips.py"


@functools.cache
def _bench() -> Any:
    """The script as a module (loaded once; it imports clipspy only when it builds CLIPS)."""
    spec = importlib.util.spec_from_file_location("bench_clips", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_clips"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> Any:
    return _bench()


def test_saliences_follow_the_engine_order_one_per_rule_within_clips_range(kb: Any, bench: Any) -> None:
    ranks = bench.saliences(kb)
    ordered = sorted(kb.rules, key=bench.firing_order)
    values = [ranks[r.id] for r in ordered]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(kb.rules)
    assert all(-bench.MAX_SALIENCE <= v <= bench.MAX_SALIENCE for v in values)
    # Every first-phase rule outranks every second-phase one, whatever their saliences.
    first = [ranks[r.id] for r in kb.rules if r.phase == 1]
    second = [ranks[r.id] for r in kb.rules if r.phase == 2]
    assert first and second and min(first) > max(second)


def test_negated_any_is_rewritten_into_negated_conjunctions(bench: Any) -> None:
    tree = condition_syntax.parse({"not": {"any": [{"answer": "a", "is": "x"},
                                       {"all": [{"fact": "f"}, {"any": [{"fact": "g"}, {"fact": "h"}]}]}]}})
    text = bench._Translator().ce(tree)
    assert "(or" not in text
    assert text.count("(not ") == 3
    assert bench.disjuncts(tree.part) == [
        (cond.AnswerIn("a", frozenset({"x"})),), (cond.FactIs("f"), cond.FactIs("g")),
        (cond.FactIs("f"), cond.FactIs("h"))]


def test_clips_fires_the_same_rules_in_the_same_order_on_shipped_generated_and_boundary_answers(
        kb: Any, reasoner: Any) -> None:
    pytest.importorskip("clips")
    bench = _bench()
    files = sorted(CASES.glob("*.yaml"))
    assert files
    rng = random.Random(3)
    sets = [dict(load_case(f, kb).answers) for f in files]
    sets += [random_answers(kb, rng, unknown_rate=rate) for rate in bench.UNKNOWN_RATES for _ in range(3)]
    # Numeric answers exactly on each bound a rule tests (strict and non-strict comparisons).
    for rule in kb.rules:
        for leaf in cond.leaves(rule.condition):
            if isinstance(leaf, cond.AnswerCompare):
                for bound in (leaf.low, leaf.high):
                    if bound is not None:
                        sets.append({**random_answers(kb, rng, 0.15), leaf.question: int(bound)})
    expected = [[f.rule.id for f in reasoner.run(a).firings] for a in sets]
    assert sum(map(len, expected)) > 20 * len(sets)
    for recorder in bench.RECORDERS:
        engine = bench.ClipsReasoner(kb, recorder)
        got = [[f.rule.id for f in engine.run(a)] for a in sets]
        same_set, same_order, bad = bench.compare(expected, got)
        assert bad == [], (recorder, [len(set(expected[i]) ^ set(got[i])) for i in bad])
        assert same_order == same_set == len(sets), recorder


def test_a_missing_clipspy_is_one_line_and_exit_code_2() -> None:
    code = ("import runpy, sys; sys.modules['clips'] = None; sys.argv = ['bench_clips.py']; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "bench_clips needs clipspy: pip install -e '.[bench]'"
    assert done.stdout == ""


def test_each_leaf_in_clips_holds_exactly_when_the_python_evaluator_says_so(bench: Any) -> None:
    # The shipped rules never use not_in / is_not; this covers the translation of every leaf
    # shape on its own, against the one evaluator (conditions.holds).
    clips = pytest.importorskip("clips")
    leaves = [
        cond.AnswerIn("q", frozenset({"a", "b"})),
        cond.AnswerIn("q", frozenset({"a", "b"}), negate=True),
        cond.AnswerIn("q", frozenset({"unknown"})),
        cond.AnswerIn("q", frozenset({"5"})),
        cond.AnswerCompare("q", 5.0, 10.0),
        cond.AnswerCompare("q", 5.0, 10.0, low_strict=True, high_strict=True),
        cond.AnswerCompare("q", None, 5.0, high_strict=True),
        cond.AnswerCompare("q", 5.0, None),
    ]
    values: list[Any] = ["a", "b", "c", "unknown", "5", 'say "hi" \\', 4, 4.9, 5, 5.0, 7, 10, 10.0, 10.5, -3]
    for leaf in leaves:
        env = clips.Environment()
        for construct in bench.TEMPLATES:
            env.build(construct)
        env.build(f"(defrule hit {bench._Translator().ce(leaf)} => (assert (fired (id \"hit\"))))")
        answer = env.find_template("answer")
        for value in values:
            env.reset()
            answer.assert_fact(question="q", value=value)
            env.run()
            fired = env.eval("(any-factp ((?f fired)) TRUE)") == "TRUE"  # clipspy gives symbols as text
            assert fired == leaf.holds(value), (leaf, value)
