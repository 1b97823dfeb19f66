"""The shipped knowledge base translated rule for rule into CLIPS, checked and timed against ppp-expert.

Run: .venv/bin/python bench/bench_clips.py [--cases 300] [--rounds 3] [--seed 7]
Needs clipspy (C CLIPS 6.4 behind a Python binding): ``pip install -e '.[bench]'``.

Why: the engine's speed goal was put as "within 10x of CLIPS on the same rules". This script
makes the CLIPS side from the loaded knowledge base instead of quoting an old figure:

* one ``deftemplate`` each for answers ``(answer (question Q) (value V))``, derived facts
  ``(finding (name F))``, decisions ``(decision (kind K) (value V))`` and fired rules
  ``(fired (id R))``; one ``defrule`` per knowledge-base rule (``any`` becomes an ``or`` CE,
  ``not`` a ``not`` CE, a numeric comparison a predicate constraint on the answer's value,
  ``unknown`` a literal answer value);
* the firing order ppp-expert uses (phase, stratum, salience, knowledge-base position; see
  ``StableStrategy`` in ``ppp_expert/engine/firing_order.py``) becomes one CLIPS salience per rule:
  the rules are ranked by that key and rule k of n gets salience n - k, so each rule has its own
  salience and CLIPS's agenda orders activations as experta's does (a rank, not arithmetic on
  the four numbers: it fits any knowledge base of up to 20,001 rules);
* second-phase rules start with a ``(phase-two)`` pattern, asserted only with the decision, as
  ppp-expert's agenda holds them back until the decision exists;
* a rule fires once per case. A rule with an ``or`` activates once per disjunct (in CLIPS as in
  experta); how the repeat is dropped depends on the recorder (``RECORDERS``): the ``fact``
  recorder adds ``(not (fired (id R)))`` to such a rule, so its other activations leave the
  agenda when it fires; the ``global`` and ``callback`` recorders let them fire and drop the
  repeats in Python, as ppp-expert's ``record`` ignores them. Derived facts are asserted with
  fact duplication off, so a finding already present is not asserted twice. The ratios use the
  fastest recorder.

A case runs as ``Reasoner._finish`` runs it: reset, assert every answer (``unknown`` filled
in, ``kb.question_order``), run the first phase, ``aggregate.decide`` in Python on the rules
fired, assert the verdict, the model (when one is recommended) and the phase gate, run the second
phase.

Checks, then times (CPU time, median over cases, best of ``--rounds``; each engine runs over all
cases in turn): the CLIPS engine, ppp-expert's keyed matcher and its stock one (engine only:
``Reasoner.run``), and the knowledge-base load + translate + build against load + compile. The
fired rules must be the same set as ppp-expert's on every shipped case and every generated
answer set (unknown rates 0, 0.15, 0.5 and 0.9); the share with the same firing order is printed.
Exit 1 if a set differs, 2 if clipspy is missing.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_core import cpu  # noqa: E402 (median CPU time of an action, as bench_core measures it)

from ppp_expert.engine.aggregate import decide  # noqa: E402
from ppp_expert.engine.reasoner import open_bounds  # noqa: E402
from ppp_expert.kb import conditions as cond  # noqa: E402
from ppp_expert.kb.conditions import UNKNOWN  # noqa: E402
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule  # noqa: E402

#: CLIPS accepts saliences from -10000 to 10000.
MAX_SALIENCE = 10000
UNKNOWN_RATES = (0.0, 0.15, 0.5, 0.9)

TEMPLATES = (
    "(deftemplate answer (slot question) (slot value))",
    "(deftemplate finding (slot name))",
    "(deftemplate decision (slot kind) (slot value))",
    "(deftemplate fired (slot id))",
    "(deftemplate phase-two)",
)


def literal(value: Any) -> str:
    """A knowledge-base value as a CLIPS literal: text as a string, numbers as numbers."""
    if isinstance(value, bool):  # answers never are; kept distinct from the strings rules test
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _alternatives(values: Iterable[str]) -> str:
    return "|".join(literal(v) for v in sorted(values))


class _Translator:
    """The CE text of one rule's condition; numbered variables keep leaves from joining."""

    def __init__(self) -> None:
        self.variables = 0

    def ce(self, node: cond.Condition) -> str:
        if isinstance(node, cond.All):
            return "(and " + " ".join(self.ce(p) for p in node.parts) + ")"
        if isinstance(node, cond.Any_):
            return "(or " + " ".join(self.ce(p) for p in node.parts) + ")"
        if isinstance(node, cond.Not):
            inner = node.part
            if has_or(inner):  # CLIPS takes no `or` inside a `not`: not (A or B) = not A and not B
                return self.ce(cond.All(tuple(cond.Not(cond.All(d)) for d in disjuncts(inner))))
            return f"(not {self.ce(inner)})"
        return LEAF_CE[type(node)](self, node)

    def answer_in(self, node: cond.AnswerIn) -> str:
        if node.negate:  # known and none of the values
            constraint = "&".join("~" + literal(v) for v in (UNKNOWN, *sorted(node.values)))
        else:
            constraint = _alternatives(node.values)
        return f"(answer (question {literal(node.question)}) (value {constraint}))"

    def answer_compare(self, node: cond.AnswerCompare) -> str:
        self.variables += 1
        var = f"?v{self.variables}"
        # AnswerCompare.holds: a number (never unknown or text) inside the range.
        tests = [f":(numberp {var})"]
        if node.low is not None:
            tests.append(f":({'>' if node.low_strict else '>='} {var} {node.low!r})")
        if node.high is not None:
            tests.append(f":({'<' if node.high_strict else '<='} {var} {node.high!r})")
        return f"(answer (question {literal(node.question)}) (value {var}&{'&'.join(tests)}))"

    def fact_is(self, node: cond.FactIs) -> str:
        return f"(finding (name {literal(node.name)}))"

    def decision_in(self, node: cond.DecisionIn) -> str:
        return f"(decision (kind {literal(node.kind)}) (value {_alternatives(node.values)}))"


#: The CLIPS pattern of each kind of condition leaf.
LEAF_CE: dict[type, Callable[[_Translator, Any], str]] = {
    cond.AnswerIn: _Translator.answer_in,
    cond.AnswerCompare: _Translator.answer_compare,
    cond.FactIs: _Translator.fact_is,
    cond.DecisionIn: _Translator.decision_in,
}


def has_or(node: cond.Condition) -> bool:
    """Is there an ``any`` outside every ``not``? Then the rule can activate once per disjunct."""
    if isinstance(node, cond.Any_):
        return True
    if isinstance(node, cond.All):
        return any(has_or(p) for p in node.parts)
    return False


def disjuncts(node: cond.Condition) -> list[tuple[cond.Condition, ...]]:
    """``node`` as a disjunction of conjunctions (``any`` outside every ``not`` distributed)."""
    if isinstance(node, cond.Any_):
        return [d for p in node.parts for d in disjuncts(p)]
    if isinstance(node, cond.All):
        out: list[tuple[cond.Condition, ...]] = [()]
        for part in node.parts:
            out = [left + right for left in out for right in disjuncts(part)]
        return out
    return [(node,)]


def firing_order(rule: Rule) -> tuple[int, int, int, int]:
    """ppp-expert's firing order as an ascending key (``compile_engine``'s key, read forwards):
    lower phase, lower stratum, higher salience, earlier position first."""
    return (rule.phase, rule.stratum, -rule.salience, rule.position)


def saliences(kb: KnowledgeBase) -> dict[str, int]:
    """One distinct CLIPS salience per rule, decreasing along ppp-expert's firing order."""
    ordered = sorted(kb.rules, key=firing_order)
    if len(ordered) > 2 * MAX_SALIENCE + 1:
        raise SystemExit(f"{len(ordered)} rules do not fit CLIPS's {2 * MAX_SALIENCE + 1} saliences")
    top = min(MAX_SALIENCE, len(ordered))
    return {rule.id: top - rank for rank, rule in enumerate(ordered)}


def rule_name(rule: Rule) -> str:
    return f"r{rule.position:04d}"


def defrule(rule: Rule, salience: int, recorder: str) -> str:
    """One knowledge-base rule as a CLIPS ``defrule``.

    ``recorder`` (see ``RECORDERS``) is how the RHS records the firing: ``fact`` asserts
    ``(fired (id R))``, ``global`` appends the rule's position to the ``?*fired*`` multifield,
    ``callback`` calls the registered Python function ``fired`` with the rule's position.
    """
    translator = _Translator()
    top = rule.condition
    parts = top.parts if isinstance(top, cond.All) else (top,)
    lhs = [translator.ce(p) for p in parts]
    if rule.phase > 1:
        lhs.insert(0, "(phase-two)")
    once = has_or(rule.condition)
    if once and recorder == "fact":
        lhs.append(f"(not (fired (id {literal(rule.id)})))")
    rhs = [{"fact": f"(assert (fired (id {literal(rule.id)})))",
            "global": f"(bind ?*fired* (create$ ?*fired* {rule.position}))",
            "callback": f"(fired {rule.position})"}[recorder]]
    rhs += [f"(assert (finding (name {literal(fact)})))" for fact in rule.concluded_facts]
    return (f"(defrule {rule_name(rule)} (declare (salience {salience}))\n  " + "\n  ".join(lhs)
            + "\n  =>\n  " + "\n  ".join(rhs) + ")")


def translate(kb: KnowledgeBase, recorder: str = "fact") -> list[str]:
    """Every construct of the CLIPS version of ``kb``, templates first."""
    ranks = saliences(kb)
    extra = ["(defglobal ?*fired* = (create$))"] if recorder == "global" else []
    return [*TEMPLATES, *extra, *(defrule(rule, ranks[rule.id], recorder) for rule in kb.rules)]


#: How a rule's RHS records that it fired: a ``fired`` fact (read back with a query function;
#: the fact also keeps an ``or`` rule from firing twice), a global multifield of rule positions,
#: or a call into Python. The last two leave repeats of an ``or`` rule to be dropped in Python,
#: as ppp-expert's ``record`` ignores them.
RECORDERS = ("fact", "global", "callback")


@dataclass(frozen=True)
class Fired:
    """What ``aggregate.decide`` reads of a firing: its rule."""

    rule: Rule


class ClipsReasoner:
    """One CLIPS environment holding the translated knowledge base; ``run`` evaluates a case.

    Facts are asserted through CLIPS's fact builder directly, not through clipspy's
    ``Template.assert_fact``: that wraps each new fact in a Python object that retains and
    releases it, and in clipspy 1.0.6 every fact so wrapped stays in CLIPS's memory after it is
    retracted (about 160 bytes each, measured with ``mem-used``), so a long run slowed down case
    after case. For the same reason the fired rules are read as one list of ids from a
    ``deffunction``, not fact by fact.
    """

    def __init__(self, kb: KnowledgeBase, recorder: str = "fact") -> None:
        import clips
        from clips._clips import ffi, lib
        from clips.common import environment_builder
        from clips.values import clips_value

        self.kb = kb
        self.recorder = recorder
        self.env = env = clips.Environment()
        env.fact_duplication = False
        self._log: list[int] = []
        if recorder == "callback":
            env.define_function(self._log.append, "fired")
        for construct in translate(kb, recorder):
            env.build(construct)
        env.build("(deffunction fired-ids () (bind ?ids (create$))"
                  " (do-for-all-facts ((?f fired)) TRUE (bind ?ids (create$ ?ids ?f:id))) ?ids)")
        self._fired_ids = env.find_function("fired-ids")
        self._global = env.find_global("fired") if recorder == "global" else None
        self._lib, self._ffi, self._value, self._raw = lib, ffi, clips_value, env._env
        self._builder = environment_builder(self._raw, "fact")
        self._by_id = {rule.id: Fired(rule) for rule in kb.rules}
        self._by_position = {rule.position: Fired(rule) for rule in kb.rules}

    def _assert(self, template: bytes, *slots: tuple[bytes, Any]) -> None:
        lib, builder = self._lib, self._builder
        lib.FBSetDeftemplate(builder, template)
        for slot, value in slots:
            lib.FBPutSlot(builder, slot, self._value(self._raw, value))
        if lib.FBAssert(builder) == self._ffi.NULL and lib.FBError(self._raw) != lib.FBE_NO_ERROR:
            raise RuntimeError(f"CLIPS refused a {template.decode()} fact (error {lib.FBError(self._raw)})")

    def _fired_so_far(self) -> list[Fired]:
        if self.recorder != "fact":
            seen: set[int] = set()
            out = []
            # an `or` rule may fire once per disjunct: count it once
            for position in (self._log if self._global is None else self._global.value):
                if position not in seen:
                    seen.add(position)
                    out.append(self._by_position[position])
            return out
        by_id = self._by_id
        return [by_id[rule_id] for rule_id in self._fired_ids()]

    def run(self, answers: Mapping[str, Any], clock: list[float] | None = None) -> list[Fired]:
        """Reset, assert the answers, phase one, decide, assert the decision, phase two.

        ``clock``, when given, receives the CPU time after each step (``STEPS``)."""
        env = self.env
        tick = clock.append if clock is not None else _no_tick
        env.reset()
        self._log.clear()
        tick(time.process_time())
        put = self._assert
        for q in self.kb.question_order:
            put(b"answer", (b"question", q), (b"value", answers.get(q, UNKNOWN)))
        tick(time.process_time())
        env.run()
        tick(time.process_time())
        # The thin-information bounds are ppp-expert's Python analysis, as in the engine's own path.
        decision = decide(self.kb, self._fired_so_far(), lambda: open_bounds(self.kb, answers))
        tick(time.process_time())
        put(b"decision", (b"kind", "verdict"), (b"value", decision.verdict))
        if decision.determined:  # as the Reasoner: no model declared when none is recommended
            put(b"decision", (b"kind", "model"), (b"value", decision.model))
        put(b"phase-two")
        env.run()
        tick(time.process_time())
        fired = self._fired_so_far()
        tick(time.process_time())
        return fired


def _no_tick(_: float) -> None:
    pass


STEPS = ("reset", "assert answers", "run phase one", "read fired + decide", "assert decision + run phase two",
         "read fired")


def breakdown(engine: ClipsReasoner, sets: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Median CPU time of each step of a CLIPS case (where the time goes: CLIPS or Python)."""
    samples: dict[str, list[float]] = {step: [] for step in STEPS}
    for answers in sets:
        clock = [time.process_time()]
        engine.run(answers, clock)
        for step, before, after in zip(STEPS, clock, clock[1:]):
            samples[step].append(after - before)
    return {step: statistics.median(values) for step, values in samples.items()}


def answer_sets(kb: KnowledgeBase, generated: int, seed: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The shipped cases and ``generated`` random answer sets over ``UNKNOWN_RATES`` (names, sets)."""
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers

    files = sorted((ROOT / "cases").glob("*.yaml"))
    names = [f.name for f in files]
    sets: list[dict[str, Any]] = [dict(load_case(f, kb).answers) for f in files]
    rng = random.Random(seed)
    for i in range(generated):
        rate = UNKNOWN_RATES[i % len(UNKNOWN_RATES)]
        names.append(f"generated #{i} (unknown rate {rate:g})")
        sets.append(random_answers(kb, rng, unknown_rate=rate))
    return names, sets


def compare(expected: Sequence[Sequence[str]], got: Sequence[Sequence[str]]) -> tuple[int, int, list[int]]:
    """(same sets, same order, indices of differing sets)."""
    same_set = same_order = 0
    bad = []
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        if set(e) == set(g) and len(e) == len(g):
            same_set += 1
            same_order += list(e) == list(g)
        else:
            bad.append(i)
    return same_set, same_order, bad


def per_case(engines: Mapping[str, Callable[[Mapping[str, Any]], Any]], sets: Sequence[Mapping[str, Any]],
             rounds: int, statistic: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """Median (or ``statistic``) CPU time per case of each engine, best of ``rounds``; each engine
    runs over all sets before the next (the order rotates by round)."""
    best: dict[str, float] = {}
    names = list(engines)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            run = engines[name]
            samples = []
            for answers in sets:
                start = time.process_time()
                run(answers)
                samples.append(time.process_time() - start)
            value = statistic(samples)
            best[name] = min(best.get(name, value), value)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="generated answer sets besides the shipped cases")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all cases (best median kept)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of load + build")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        import clips
    except ImportError:
        print("bench_clips needs clipspy: pip install -e '.[bench]'", file=sys.stderr)
        raise SystemExit(2)

    from ppp_expert.engine.reasoner import Reasoner
    from ppp_expert.kb.loader import load_kb

    print(f"bench_clips: clipspy {getattr(clips, '__version__', '?')}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    kb = load_kb()
    reasoners = {"keyed": Reasoner(kb, "keyed"), "stock": Reasoner(kb, "stock")}
    assert reasoners["keyed"].matcher == "keyed", "the keyed matcher fell back to the stock one"
    clips_engines = {r: ClipsReasoner(kb, r) for r in RECORDERS}
    names, sets = answer_sets(kb, args.cases, args.seed)
    shipped = len(sets) - args.cases

    expected = [[f.rule.id for f in reasoners["keyed"].run(a).firings] for a in sets]
    failed = False
    for recorder, engine in clips_engines.items():
        got = [[f.rule.id for f in engine.run(a)] for a in sets]
        same_set, same_order, bad = compare(expected, got)
        print(f"fired rules, CLIPS ({recorder} recorder) vs ppp-expert: same set {same_set}/{len(sets)} "
              f"({shipped} shipped + {args.cases} generated), same order {same_order}/{len(sets)}")
        for i in bad[:5]:
            print(f"  differs on {names[i]}: only ppp-expert {sorted(set(expected[i]) - set(got[i]))}, "
                  f"only CLIPS {sorted(set(got[i]) - set(expected[i]))}")
        failed |= bool(bad)
    fired = [len(e) for e in expected]
    print(f"rules fired per case: median {statistics.median(fired):g}, max {max(fired)} of {len(kb.rules)}")

    # Engine time per case: each engine over every set in turn, so none pays another's garbage.
    engines: dict[str, Callable[[Mapping[str, Any]], Any]] = {
        **{f"CLIPS ({r} recorder)": e.run for r, e in clips_engines.items()},
        "ppp-expert keyed": reasoners["keyed"].run,
        "ppp-expert stock": reasoners["stock"].run,
    }
    for run in engines.values():
        run(sets[0])
    timed = per_case(engines, sets, args.rounds)

    steps = {recorder: breakdown(engine, sets) for recorder, engine in clips_engines.items()}

    fastest = min(RECORDERS, key=lambda r: timed[f"CLIPS ({r} recorder)"])

    def build_clips() -> Any:
        return ClipsReasoner(load_kb(), fastest)

    gc.collect()
    load = {
        "kb load (ppp-expert)": cpu(load_kb, args.repeat),
        "translate only (CLIPS text)": cpu(lambda: translate(kb, fastest), args.repeat),
        "kb load + translate + build (CLIPS)": cpu(build_clips, args.repeat),
        "kb load + compile (ppp-expert keyed)": cpu(lambda: Reasoner(load_kb(), "keyed"), args.repeat),
        "kb load + compile (ppp-expert stock)": cpu(lambda: Reasoner(load_kb(), "stock"), args.repeat),
    }

    print(f"knowledge base: {len(kb.rules)} rules, {len(kb.questions)} questions; {len(sets)} cases, "
          f"engine only (reset, answers, phase one, decide, phase two), CPU time, median over cases, "
          f"best of {args.rounds} rounds")
    for name, value in timed.items():
        print(f"  {name:<34}{value * 1000:9.3f} ms per case")
    clips_best = timed[f"CLIPS ({fastest} recorder)"]
    print(f"  keyed / CLIPS {timed['ppp-expert keyed'] / clips_best:6.2f}x   "
          f"stock / CLIPS {timed['ppp-expert stock'] / clips_best:6.2f}x   (CLIPS with the {fastest} recorder, "
          "the fastest)")
    print(f"  CLIPS case step by step, median of each step ({' / '.join(RECORDERS)} recorder):")
    for step in STEPS:
        cells = " / ".join(f"{steps[r][step] * 1000:.3f}" for r in RECORDERS)
        print(f"    {step:<34}{cells} ms")
    print(f"load and build, CPU time, median of {args.repeat} (CLIPS with the {fastest} recorder)")
    for name, value in load.items():
        print(f"  {name:<38}{value * 1000:9.1f} ms")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
