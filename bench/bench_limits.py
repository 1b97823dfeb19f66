"""How far from the limits: every speed target of issue 24 as a ratio measured in one run.

Run: .venv/bin/python bench/bench_limits.py [--rounds 11] [--cases 300] [--batch 2000] [--batch-rounds 3] [--skip-batch]

On a shared, noisy machine absolute times move with the load, so each figure here is a ratio of
runs made side by side (interleaved, the order rotating by round) and the median is kept:

* cold start (wall time of fresh processes): a bare ``python -c pass`` (the same interpreter,
  with its site packages), ``ppp-expert --help``, ``ppp-expert evaluate CASE --format json``,
  ``whatif CASE --sweep`` and ``report CASE --format html``; targets: ``--help`` <= 2x the bare
  interpreter, ``evaluate`` <= 5x, ``whatif --sweep`` and ``report`` <= 3x a cold ``evaluate``;
* the same three commands in process (the knowledge base loaded, click's own runner, output
  captured), against the cold ``evaluate`` (the target) and the in-process one;
* per case (CPU time, median over the shipped cases and ``--cases`` generated answer sets):
  CLIPS running the knowledge base translated rule for rule (``bench_clips.py``), ppp-expert's
  engine alone and engine + advice (the result built and written as JSON); target engine +
  advice <= 3x CLIPS;
* batch: ``--batch`` generated case files through the real CLI with ``--jobs 2``; target at
  least 0.85 of ``2 / (engine + advice per case)``, the rate two cores allow. The machine's load
  takes its share of both cores, so the rate is also given per CPU second the workers got.

Needs clipspy for the CLIPS row (``pip install -e '.[bench]'``); without it that row is skipped.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CASE = ROOT / "cases" / "hmrc-aspire.yaml"


def interleaved(actions: Mapping[str, Callable[[], Any]], rounds: int, clock: Callable[[], float]) -> dict[str, float]:
    """Median time of each action over ``rounds``, the actions run one after another in each
    round, the order rotating from round to round."""
    names = list(actions)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            actions[name]()
            samples[name].append(clock() - start)
    return {n: statistics.median(v) for n, v in samples.items()}


def cold_starts(rounds: int, env: dict[str, str]) -> dict[str, float]:
    exe = str(Path(sys.executable).with_name("ppp-expert"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--help": [exe, "--help"],
        "evaluate --format json": [exe, "evaluate", str(CASE), "--format", "json"],
        "whatif --sweep": [exe, "whatif", str(CASE), "--sweep"],
        "report --format html": [exe, "report", str(CASE), "--format", "html"],
    }
    for command in commands.values():  # fills the knowledge-base cache; fails loudly on an error
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=env)
    actions = {name: (lambda c=c: subprocess.run(c, cwd=ROOT, capture_output=True, check=True, env=env))
               for name, c in commands.items()}
    return interleaved(actions, rounds, time.perf_counter)


def in_process(rounds: int) -> dict[str, float]:
    from click.testing import CliRunner

    from ppp_expert.cli import main

    runner = CliRunner()

    def invoke(*args: str) -> Callable[[], None]:
        def run() -> None:
            result = runner.invoke(main, list(args))
            assert result.exit_code == 0, result.output
        return run

    actions = {
        "evaluate --format json": invoke("evaluate", str(CASE), "--format", "json"),
        "whatif --sweep": invoke("whatif", str(CASE), "--sweep"),
        "report --format html": invoke("report", str(CASE), "--format", "html"),
    }
    for action in actions.values():
        action()
    return interleaved(actions, rounds, time.perf_counter)


def answer_sets(kb: Any, generated: int, seed: int) -> list[dict[str, Any]]:
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers

    rng = random.Random(seed)
    sets = [dict(load_case(p, kb).answers) for p in sorted((ROOT / "cases").glob("*.yaml"))]
    return sets + [random_answers(kb, rng, unknown_rate=(0.0, 0.15, 0.5, 0.9)[i % 4]) for i in range(generated)]


def per_case(sets: Sequence[Mapping[str, Any]], rounds: int, with_clips: bool = True,
             statistic: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """Median CPU time per case of CLIPS, the engine and engine + advice; each runs over every
    set in turn (so none pays for another's garbage), the order rotating by round, and the best
    round's median is kept for each."""
    import gc

    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.api import default_kb, reasoner_for

    kb = default_kb()
    reasoner = reasoner_for(kb)
    runs: dict[str, Callable[[Mapping[str, Any]], Any]] = {
        "engine": reasoner.run,
        "engine + advice": lambda a: build_advice(kb, "bench", reasoner.run(a)).to_json(),
    }
    try:
        if with_clips:
            from bench_clips import ClipsReasoner

            clips = ClipsReasoner(kb, "global")
            runs = {"CLIPS": clips.run, **runs}
    except ImportError:
        print("(clipspy missing: no CLIPS row; pip install -e '.[bench]')")
    for run in runs.values():
        run(sets[0])
    gc.freeze()  # as evaluate, batch workers and ask run: the set-up objects out of collections
    from bench_clips import per_case as timed  # the same interleaved timing as the CLIPS comparison

    return timed(runs, sets, rounds, statistic)


def batch(n: int, jobs: int, rounds: int, batch_rounds: int) -> list[tuple[dict[str, float], float]]:
    """The real CLI over ``n`` generated case files with ``jobs`` workers, ``batch_rounds`` times,
    each run paired with the engine + advice CPU time per case of the same cases in this process
    (mean, best of ``rounds``), measured just before and just after it: the batch target is put
    against the work its own cases need (all answered, so heavier than the mix). This machine's
    speed drifts by a third within minutes (other tenants), so each run is compared with the
    measurements around it, never with one taken minutes away."""
    from bench_batch import generate, run

    from ppp_expert.api import default_kb
    from ppp_expert.cases.case import load_case

    workdir = Path(tempfile.mkdtemp(prefix="ppp-limits-"))
    try:
        generate(workdir / "cases", n)
        kb = default_kb()
        files = sorted((workdir / "cases").rglob("case-*"))
        sample = [load_case(f, kb).answers for f in files[:: max(1, n // 300)]]

        def needed() -> float:  # the mean, not the median: a batch's rate is its total work over its cases
            return per_case(sample, rounds, with_clips=False, statistic=statistics.mean)["engine + advice"]

        pairs = []
        before = needed()
        for _ in range(batch_rounds):
            shutil.rmtree(workdir / "out", ignore_errors=True)
            row = run(workdir / "cases", workdir / "out", jobs)
            assert row["lines"] == n, f"expected {n} results, got {row['lines']}"
            after = needed()
            pairs.append((row, (before + after) / 2))
            before = after
        return pairs
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def line(name: str, value: float, unit: str, ratio: float | None = None, target: float | None = None,
         of: str = "", at_least: bool = False) -> None:
    shown = f"{value * 1000:9.2f} ms" if unit == "ms" else f"{value:9.1f} {unit}"
    text = f"  {name:<36}{shown}"
    if ratio is not None:
        met = ratio >= target if at_least else ratio <= target  # type: ignore[operator]
        sign = ">=" if at_least else "<="
        text += f"   {ratio:5.2f}x {of} (target {sign} {target:g}x: {'met' if met else 'MISSED'})"
    print(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=11, help="paired rounds of the process timings")
    parser.add_argument("--case-rounds", type=int, default=3, help="rounds over every case (per-case figures)")
    parser.add_argument("--cases", type=int, default=300, help="generated answer sets besides the shipped cases")
    parser.add_argument("--batch", type=int, default=2000, help="generated case files for the batch run")
    parser.add_argument("--batch-rounds", type=int, default=3, help="batch runs, each paired with its own measurements")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from ppp_expert import __version__

    print(f"bench_limits: ppp-expert {__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    # Timed as a wheel install leaves the package: byte-compiled (see bench_core.py).
    compileall.compile_dir(str(ROOT / "ppp_expert"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        cold = cold_starts(args.rounds, {**os.environ, "XDG_CACHE_HOME": tmp})
    bare, evaluate = cold["python -c pass"], cold["evaluate --format json"]
    print(f"cold start, wall time, median of {args.rounds} interleaved rounds ({CASE.name}; knowledge-base cache warm)")
    line("python -c pass", bare, "ms")
    line("ppp-expert --help", cold["--help"], "ms", cold["--help"] / bare, 2, "python")
    line("evaluate --format json", evaluate, "ms", evaluate / bare, 5, "python")
    line("whatif --sweep", cold["whatif --sweep"], "ms", cold["whatif --sweep"] / evaluate, 3, "evaluate")
    line("report --format html", cold["report --format html"], "ms", cold["report --format html"] / evaluate, 3,
         "evaluate")

    warm = in_process(args.rounds)
    print(f"in process (knowledge base loaded; click's runner), wall time, median of {args.rounds} interleaved rounds")
    line("evaluate --format json", warm["evaluate --format json"], "ms")
    for name in ("whatif --sweep", "report --format html"):
        line(name, warm[name], "ms", warm[name] / evaluate, 3, "a cold evaluate")
        print(f"  {'':<36}{'':12}   {warm[name] / warm['evaluate --format json']:5.2f}x evaluate in process")

    from ppp_expert.api import default_kb

    kb = default_kb()
    sets = answer_sets(kb, args.cases, args.seed)
    cpu = per_case(sets, args.case_rounds)
    print(f"per case, CPU time, median over {len(sets)} cases, best of {args.case_rounds} rounds")
    clips = cpu.get("CLIPS")
    if clips is not None:
        line("CLIPS (same rules, same firings)", clips, "ms")
    for name in ("engine", "engine + advice"):
        line(name, cpu[name], "ms", cpu[name] / clips if clips else None, 3, "CLIPS")

    if not args.skip_batch:
        pairs = batch(args.batch, 2, args.case_rounds, args.batch_rounds)
        print(f"batch, {args.batch:,} generated case files (every question answered), --jobs 2, the real CLI, "
              f"{len(pairs)} runs; each against engine + advice on the same cases (CPU, in process, mean) "
              "measured just before and after it; the median run:")
        for row, needed in pairs:
            wall, cpu = row["lines"] / row["wall"], row["lines"] / row["cpu"]
            print(f"    run: {wall:6.1f} cases/s wall, {cpu:6.1f} per CPU second; engine + advice "
                  f"{needed * 1000:.2f} ms: {wall * needed / 2:.2f}x wall, {cpu * needed:.2f}x per CPU second")
        row, needed = sorted(pairs, key=lambda p: p[0]["lines"] / p[0]["cpu"] * p[1])[len(pairs) // 2]
        allowed = 2 / needed
        rate = row["lines"] / row["wall"]
        per_cpu = row["lines"] / row["cpu"]  # cases per CPU second of every process of the run
        line("cases/s (wall)", rate, "/s", rate / allowed, 0.85, f"of 2/(engine+advice) = {allowed:.0f}/s",
             at_least=True)
        line("cases per CPU second (all processes)", per_cpu, "/s", per_cpu / (allowed / 2), 0.85,
             "of 1/(engine+advice)", at_least=True)
        line("peak memory, whole process tree", max(r["tree_mib"] for r, _ in pairs), "MiB")
    print(f"load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
