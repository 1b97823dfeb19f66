"""Core speed benchmark: CLI cold start, KB load/compile time, per-case evaluation time.

Run: .venv/bin/python bench/bench_core.py [--cases 300] [--repeat 7]
Prints numbers and their ratio to the core targets (ratio < 1 means within target).
In-process timings use CPU time (time.process_time), which other processes on a shared
machine disturb far less than wall time; cold starts are wall time of a fresh process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"cli --help": 0.3, "kb compile": 0.2, "per case": 0.010}


def cold(command: list[str], repeat: int) -> float:
    """Median wall time of a fresh process (the cold-start a user sees)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    exe = str(Path(sys.executable).with_name("ppp-expert"))
    case = next(iter(sorted((ROOT / "cases").glob("*.yaml"))), None)
    results = {"cli --help": cold([exe, "--help"], args.repeat)}
    if case is not None:
        results["cli evaluate (1 case)"] = cold([exe, "evaluate", str(case), "--format", "json"], args.repeat)

    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.engine.compiler import compile_engine
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.kb.loader import load_kb
    from ppp_expert.engine.reasoner import Reasoner

    loads, compiles = [], []
    for _ in range(args.repeat):
        start = time.process_time()
        kb = load_kb()
        loads.append(time.process_time() - start)
        start = time.process_time()
        compile_engine(kb)()
        compiles.append(time.process_time() - start)
    results["kb load+validate"] = statistics.median(loads)
    results["kb compile"] = statistics.median(compiles)

    reasoner = Reasoner(kb)
    rng = random.Random(7)
    sets = [random_answers(kb, rng) for _ in range(args.cases)]
    reasoner.run(sets[0])  # warm up
    per_case, engine_only = [], []
    for answers in sets:
        start = time.process_time()
        trace = reasoner.run(answers)
        middle = time.process_time()
        build_advice(kb, "bench", trace).to_json()
        end = time.process_time()
        per_case.append(end - start)
        engine_only.append(middle - start)
    results["per case"] = statistics.median(per_case)
    results["per case (engine only)"] = statistics.median(engine_only)
    results["per case p95"] = sorted(per_case)[int(len(per_case) * 0.95)]

    print(f"knowledge base: {len(kb.rules)} rules, {len(kb.questions)} questions; {args.cases} random cases")
    for name, seconds in results.items():
        target = TARGETS.get(name)
        ratio = f"  {seconds / target:5.2f}x target ({target * 1000:.0f} ms)" if target else ""
        print(f"{name:<24} {seconds * 1000:9.2f} ms{ratio}")


if __name__ == "__main__":
    main()
