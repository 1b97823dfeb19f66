"""Core speed benchmark, both matchers side by side: start-up, KB load + compile, per case.

Run: .venv/bin/python bench/bench_core.py [--cases 300] [--rounds 3] [--repeat 7]

Prints, for the keyed matcher (the default) and the stock one (experta's Rete with dirty
tracking, ``PPP_EXPERT_MATCHER=stock``):

* cold starts of fresh processes (wall time, median of ``--repeat``): ``ppp-expert --help`` and
  ``ppp-expert evaluate CASE --format json`` (with a warm knowledge-base cache, the normal case,
  and with caching off);
* knowledge-base load + compile (CPU time, median of ``--repeat``), from the cache and without;
* per case, engine and engine + advice (CPU time): the shipped cases plus ``--cases`` generated
  answer sets, all run by one matcher and then by the other (alternating which goes first by
  round), the median over the cases, best of ``--rounds`` rounds. Every case's result JSON is compared
  byte for byte between the matchers. Measured twice: as a library call with the garbage
  collector as Python leaves it, then as ``evaluate``, batch workers and ``ask`` run (the
  objects built while setting up frozen out of garbage collection, ``gc.freeze``).

In-process timings use CPU time (time.process_time), which other processes on a shared machine
disturb far less than wall time; the ratio of the two matchers, measured in the same run, is
the figure to trust on a noisy machine.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"cli --help": 0.100, "cli evaluate (1 case)": 0.250, "kb load + compile": 0.050,
           "per case (engine + advice)": 0.003}
MATCHERS = ("keyed", "stock")


def cold(command: list[str], repeat: int, env: dict[str, str]) -> float:
    """Median wall time of a fresh process (the cold start a user sees)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def show(name: str, values: dict[str, float]) -> None:
    target = TARGETS.get(name)
    keyed, stock = values.get("keyed"), values.get("stock")
    cells = "".join(f"{values[m] * 1000:11.2f} ms" if m in values else " " * 14 for m in MATCHERS)
    ratio = f"{stock / keyed:7.2f}x" if keyed and stock else " " * 8
    goal = ""
    if target is not None and keyed is not None:
        goal = f"   target {target * 1000:g} ms: {keyed / target:4.2f} of it ({'met' if keyed <= target else 'MISSED'})"
    print(f"{name:<34}{cells}  {ratio}{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300, help="generated answer sets besides the shipped cases")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all cases (best median kept)")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions of cold starts and compiles")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from ppp_expert import __version__
    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.engine.reasoner import Reasoner
    from ppp_expert.kb import cache
    from ppp_expert.kb.loader import load_kb

    print(f"bench_core: ppp-expert {__version__}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    exe = str(Path(sys.executable).with_name("ppp-expert"))
    # Cold starts are timed with the package byte-compiled, as a wheel install leaves it (pip
    # compiles on install); where PYTHONDONTWRITEBYTECODE is set (CI images, this sandbox) a
    # checkout would otherwise recompile every module on every start (50-90 ms more).
    compileall.compile_dir(str(ROOT / "ppp_expert"), quiet=1)
    case_files = sorted((ROOT / "cases").glob("*.yaml"))
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_CACHE_HOME": tmp}
        rows["cli --help"] = {"keyed": cold([exe, "--help"], args.repeat, env)}
        if case_files:
            evaluate = [exe, "evaluate", str(case_files[0]), "--format", "json"]
            subprocess.run(evaluate, cwd=ROOT, capture_output=True, check=True, env=env)  # fills the cache
            rows["cli evaluate (1 case)"] = {
                m: cold(evaluate, args.repeat, {**env, "PPP_EXPERT_MATCHER": m}) for m in MATCHERS}
            rows["cli evaluate, cache off"] = {
                m: cold(evaluate, args.repeat, {**env, "PPP_EXPERT_MATCHER": m, cache.ENV: "off"})
                for m in MATCHERS}

        saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", cache.ENV)}
        os.environ["XDG_CACHE_HOME"] = tmp
        os.environ.pop(cache.ENV, None)
        kb = load_kb()  # fills the cache
        Reasoner(kb, "keyed")
        rows["kb load (cache)"] = {"keyed": cpu(load_kb, args.repeat)}
        rows["kb compile"] = {m: cpu(lambda m=m: Reasoner(load_kb(), m), args.repeat) - rows["kb load (cache)"]["keyed"]
                              for m in MATCHERS}
        rows["kb load + compile"] = {m: cpu(lambda m=m: Reasoner(load_kb(), m), args.repeat) for m in MATCHERS}
        os.environ[cache.ENV] = "off"
        rows["kb load + compile, cache off"] = {m: cpu(lambda m=m: Reasoner(load_kb(), m), args.repeat)
                                                for m in MATCHERS}
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    kb = load_kb()
    reasoners = {m: Reasoner(kb, m) for m in MATCHERS}
    assert reasoners["keyed"].matcher == "keyed", "the keyed matcher fell back to the stock one"
    rng = random.Random(args.seed)
    sets = [load_case(p, kb).answers for p in case_files]
    sets += [random_answers(kb, rng, unknown_rate=rng.choice((0.0, 0.15, 0.5))) for _ in range(args.cases)]
    for r in reasoners.values():
        build_advice(kb, "warm-up", r.run(sets[0])).to_json()

    def per_case(label: str) -> tuple[dict[str, dict[str, float]], int]:
        best: dict[str, dict[str, float]] = {}
        different = 0
        for round_ in range(args.rounds):
            engine: dict[str, list[float]] = {m: [] for m in MATCHERS}
            total: dict[str, list[float]] = {m: [] for m in MATCHERS}
            outputs: dict[str, list[str]] = {m: [] for m in MATCHERS}
            # One matcher over every case, then the other (which goes first alternates by round):
            # interleaving them per case would charge each with the other's garbage collections
            # and cache misses (the stock matcher allocates several times more).
            for m in (MATCHERS if round_ % 2 else MATCHERS[::-1]):
                for answers in sets:
                    start = time.process_time()
                    trace = reasoners[m].run(answers)
                    middle = time.process_time()
                    outputs[m].append(build_advice(kb, "bench", trace).to_json())
                    end = time.process_time()
                    engine[m].append(middle - start)
                    total[m].append(end - start)
            different += sum(k != s for k, s in zip(outputs["keyed"], outputs["stock"]))
            for name, samples in ((f"per case (engine){label}", engine),
                                  (f"per case (engine + advice){label}", total)):
                for m in MATCHERS:
                    value = statistics.median(samples[m])
                    best.setdefault(name, {})[m] = min(best.get(name, {}).get(m, value), value)
            p95 = {m: sorted(total[m])[int(len(total[m]) * 0.95)] for m in MATCHERS}
            key = f"per case p95 (engine + advice){label}"
            best[key] = {m: min(best.get(key, {}).get(m, p95[m]), p95[m]) for m in MATCHERS}
        return best, different

    # As a library call in a process with the collector untouched, then as `evaluate`, `batch`
    # workers and `ask` run it: the set-up objects frozen out of garbage collection (gc.freeze).
    library, different = per_case(", library")
    gc.freeze()
    frozen, different_frozen = per_case("")
    rows.update(library)
    rows.update(frozen)
    different += different_frozen

    print(f"knowledge base: {len(kb.rules)} rules, {len(kb.questions)} questions; per case: {len(case_files)} shipped "
          f"+ {args.cases} generated cases, median over cases, best of {args.rounds} rounds (CPU time)")
    print(f"{'':<34}{'keyed':>14}{'stock':>14}  {'stock/keyed':>8}")
    for name, values in rows.items():
        show(name, values)
    print(f"identical result JSON: {2 * len(sets) * args.rounds - different}/{2 * len(sets) * args.rounds} case runs")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    if different:
        raise SystemExit("the matchers disagree")


if __name__ == "__main__":
    main()
