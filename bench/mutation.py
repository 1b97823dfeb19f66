#!/usr/bin/env python3
"""Mutation testing of the reasoning core: do the tests notice when the code is broken?

mutmut (the `mutation` extra: ``.venv/bin/pip install -e '.[mutation]'``) makes thousands of
one-token changes (mutants) to the modules listed under ``[mutmut] only_mutate`` in setup.cfg
and runs, for each, the fast test selection given there, limited to the tests that call the
mutated function. A mutant is *killed* when a test fails (or it hangs until the time limit),
and *survives* when every test still passes: a regression the suite would let through.

    .venv/bin/python bench/mutation.py                 # full run (hours; see docs/development.md), then the report
    .venv/bin/python bench/mutation.py --keep          # resume an interrupted run (the untested mutants only)
    .venv/bin/python bench/mutation.py --report        # the report of the last run, no new run
    .venv/bin/python bench/mutation.py --survivors     # ... listing every surviving mutant
    .venv/bin/python bench/mutation.py --markdown      # the last run's table for docs/development.md
    .venv/bin/python bench/mutation.py --named         # the hand-made regressions below, each must be killed

The score of a module is killed / (mutants - equivalent mutants). Equivalent mutants (changes
no test can observe, because the program behaves the same) are listed with the reason in
bench/mutation-equivalents.md. The named regressions are one-line breaks of the reasoning that
once went unnoticed; ``--named`` applies each to a copy of the checkout and runs the same test
selection there, so they stay killed whatever mutmut generates.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "bench" / "mutation-equivalents.md"
OUT = ROOT / "bench" / "out"
#: mutmut's exit codes for a mutant that the tests detected: a failure, or a hang until the limit.
KILLED = {1, 3}
TIMEOUT = {-24, 24, 152, 255, 36}


@dataclass(frozen=True)
class Named:
    """A hand-made regression: in ``path``, ``old`` (exactly once) becomes ``new``."""

    name: str
    path: str
    old: str
    new: str


NAMED = [
    Named("close call never flagged", "ppp_expert/engine/aggregate.py",
          "close = scores[model] - scores[runner_up] < kb.settings.close_call_margin", "close = False"),
    Named("firing order ignores salience", "ppp_expert/engine/compiler.py",
          "order = (-rule.phase, -rule.stratum, rule.salience, -rule.position)",
          "order = (-rule.phase, -rule.stratum, 0, -rule.position)"),
    Named("conflict precedence ignores salience", "ppp_expert/kb/knowledge_base.py",
          "return (-self.specificity, -self.salience, self.position)", "return (-self.specificity, 0, self.position)"),
    Named("alias-bomb guard returns at once", "ppp_expert/yaml_io.py",
          "JSON output) would then run for ever.\n    \"\"\"\n",
          "JSON output) would then run for ever.\n    \"\"\"\n    return\n"),
    Named("first-firing lookup forgets that no rule may fire", "ppp_expert/engine/relevance.py",
          "    values.add(None)  # possibly no rule fires at all\n", "\n"),
    Named("fact readers no longer ordered after their producers", "ppp_expert/kb/strata.py",
          "stratum, phase = max(stratum, p_stratum + 1), max(phase, p_phase)",
          "stratum, phase = 0, max(phase, p_phase)"),
    Named("rounding margin of the relevance bounds set to zero", "ppp_expert/engine/bounds.py",
          "EPS = 1.5e-4", "EPS = 0.0"),
    Named("combine() no longer rounds", "ppp_expert/engine/aggregate.py",
          "return round((positive - negative) / denominator, 4)", "return (positive - negative) / denominator"),
    Named("model-evidence weight flipped in sign", "ppp_expert/kb/conclusions.py",
          "return ((e.model, e.weight, e.reason),)", "return ((e.model, -e.weight, e.reason),)"),
    Named("verdict evidence flipped in sign", "ppp_expert/kb/conclusions.py",
          "return ((PPP_OUTCOME, self.ppp, self.reason),)", "return ((PPP_OUTCOME, -self.ppp, self.reason),)"),
    Named("demand risk with gap-funded user revenue flipped from shared to private",
          "knowledge_base/rules/40-risk-allocation.yaml",
          "GAP_FUNDED_DEMAND_SHARED", "GAP_FUNDED_DEMAND_PRIVATE"),
]


def mutmut_config() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser["mutmut"]


def selection() -> list[str]:
    """The pytest arguments of the fast test selection (shared with mutmut's own runs)."""
    return [line for line in mutmut_config()["pytest_add_cli_args_test_selection"].splitlines() if line]


def mutmut_exe() -> str:
    exe = Path(sys.executable).with_name("mutmut")
    if not exe.exists():
        sys.exit("error: mutmut is not installed; install it with: .venv/bin/pip install -e '.[mutation]'")
    return str(exe)


def run_mutmut(jobs: int, keep: bool) -> tuple[float, float]:
    """A full mutmut run: its wall time and the CPU time of all its processes, in seconds.

    The machine is shared, so the wall time depends on the other load; the CPU time does not.
    """
    if not keep and MUTANTS.exists():
        shutil.rmtree(MUTANTS)  # mutmut keeps old results: start clean so changed tests count
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([mutmut_exe(), "run", "--max-children", str(jobs)], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"error: mutmut failed (exit {done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def rerun_survivors(jobs: int) -> tuple[float, float]:
    """After tests were added: test the mutants without a result (functions changed since the
    run), then every surviving mutant again, keeping the results of those already killed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()

    def mutmut(*names: str) -> None:
        done = subprocess.run([mutmut_exe(), "run", "--max-children", str(jobs), *names], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"error: mutmut failed (exit {done.returncode}): {done.stderr[-2000:]}")

    mutmut()
    survivors = [n for codes in results().values() for n, code in codes.items() if code not in KILLED | TIMEOUT]
    if survivors:
        mutmut(*survivors)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic() - start, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def equivalents() -> dict[str, str]:
    """Mutant name -> reason, from the bullet list in bench/mutation-equivalents.md."""
    found: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s*[-*]\s+`([\w.ǁ]+__mutmut_\d+)`\s*[:—-]?\s*(.*)$", line)
            if match:
                found[match.group(1)] = match.group(2).strip()
    return found


def results() -> dict[str, dict[str, int | None]]:
    """module path -> mutant name -> mutmut exit code, from the last run."""
    out: dict[str, dict[str, int | None]] = {}
    for meta in sorted(MUTANTS.glob("ppp_expert/**/*.py.meta")):
        module = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        out[module] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return out


def report(show_survivors: bool, elapsed: tuple[float, float] | None) -> int:
    data = results()
    if not data:
        print("no mutation results: run bench/mutation.py first", file=sys.stderr)
        return 2
    equivalent = equivalents()
    rows = []
    totals: Counter[str] = Counter()
    survivors: list[str] = []
    for module, codes in data.items():
        c: Counter[str] = Counter()
        for name, code in codes.items():
            if name in equivalent:
                c["equivalent"] += 1
            elif code in KILLED:
                c["killed"] += 1
            elif code in TIMEOUT:
                c["timeout"] += 1
            elif code is None:
                c["untested"] += 1
            else:
                c["survived" if code == 0 else "no tests" if code in (5, 33) else "other"] += 1
                survivors.append(f"{name}  ({'survived' if code == 0 else f'exit {code}'})")
        c["mutants"] = len(codes)
        totals.update(c)
        rows.append((module, c))
    rows.append(("total", totals))
    print(f"{'module':34} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'no tests':>8} "
          f"{'equiv.':>6} {'untested':>8} {'score':>6}")
    summary = {}
    for module, c in rows:
        scored = c["mutants"] - c["equivalent"]
        score = (c["killed"] + c["timeout"]) / scored if scored else 1.0
        summary[module] = {**c, "score": round(score, 4)}
        print(f"{module:34} {c['mutants']:7} {c['killed']:6} {c['timeout']:7} {c['survived']:8} "
              f"{c['no tests']:8} {c['equivalent']:6} {c['untested']:8} {score:6.1%}")
    if elapsed is not None:
        print(f"mutmut run: {elapsed[0] / 60:.1f} min wall time, {elapsed[1] / 60:.1f} min CPU time, "
              f"{os.cpu_count()} cores")
    stale = sorted(set(equivalent) - {n for codes in data.values() for n in codes})
    if stale:
        print(f"note: {len(stale)} mutants listed as equivalent no longer exist: {', '.join(stale[:5])}")
    if totals["untested"]:
        print(f"note: {totals['untested']} mutants not yet tested (an interrupted run; the scores are lower "
              "bounds): --keep resumes it")
    killed_equivalent = sorted(n for codes in data.values() for n, code in codes.items()
                               if n in equivalent and code in KILLED | TIMEOUT)
    if killed_equivalent:
        print(f"note: {len(killed_equivalent)} mutants listed as equivalent were killed by a test; drop them "
              f"from the list: {', '.join(killed_equivalent[:5])}")
    if show_survivors:
        print("\nsurvivors (mutmut show NAME prints the change):")
        print("\n".join(f"  {s}" for s in survivors))
    OUT.mkdir(parents=True, exist_ok=True)
    timing = {"wall_s": round(elapsed[0]), "cpu_s": round(elapsed[1])} if elapsed else {}
    (OUT / "mutation.json").write_text(json.dumps({**timing, "modules": summary}, indent=1) + "\n")
    return 0


def named(jobs: int) -> int:
    """Apply each named regression to a copy of the checkout and run the test selection there."""
    failures = 0
    for mutant in NAMED:
        with tempfile.TemporaryDirectory(prefix="ppp-named-") as tmp:
            copy = Path(tmp) / "repo"
            shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
                ".venv", ".git", "mutants", "out", "bench", "__pycache__", ".hypothesis", ".pytest_cache"))
            target = copy / mutant.path
            text = target.read_text(encoding="utf-8")
            old, new = mutant.old, mutant.new
            if old.startswith("GAP_FUNDED_DEMAND_"):
                old, new = _gap_funded_demand(text)
            if text.count(old) != 1:
                print(f"?  {mutant.name}: the code it breaks has changed ({mutant.path}); update NAMED")
                failures += 1
                continue
            target.write_text(text.replace(old, new), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
            # The package is imported from the copy (PYTHONPATH comes before the editable install).
            done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                   *selection()], cwd=copy, env=env, capture_output=True, text=True)
            killed = done.returncode == 1
            first = next((line for line in done.stdout.splitlines() if line.startswith("FAILED")), "")
            print(f"{'killed  ' if killed else 'SURVIVED'} {mutant.name}" + (f"\n         {first}" if first else ""))
            failures += not killed
    return 1 if failures else 0


def _gap_funded_demand(text: str) -> tuple[str, str]:
    """The party line of the rule sharing demand risk under gap-funded user revenue."""
    start = text.find("id: risk.demand.gap_funded_user_revenue")
    party = text.find("party: shared", start)
    if start < 0 or party < 0 or "- id:" in text[start + 5:party]:
        return "\0not found\0", ""
    end = party + len("party: shared")
    block = text[start:end]
    return block, block[: -len("shared")] + "private"


def markdown() -> int:
    """The last run's scores as the table of docs/development.md (a row per module, then the total)."""
    data = results()
    if not data:
        print("no mutation results: run bench/mutation.py first", file=sys.stderr)
        return 2
    equivalent = equivalents()
    rows: list[tuple[str, Counter[str]]] = []
    totals: Counter[str] = Counter()
    for module, codes in data.items():
        c: Counter[str] = Counter(mutants=len(codes))
        for name, code in codes.items():
            c["equivalent" if name in equivalent else "killed" if code in KILLED | TIMEOUT
              else "not tested" if code is None else "survived"] += 1
        totals.update(c)
        rows.append((f"`{module.removeprefix('ppp_expert/')}`", c))
    rows.append(("total", totals))
    print("| module | mutants | killed | equivalent | survived | not tested | score |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, c in rows:
        scored = c["mutants"] - c["equivalent"]
        score = c["killed"] / scored if scored else 1.0
        print(f"| {name} | {c['mutants']:,} | {c['killed']:,} | {c['equivalent']:,} | {c['survived']:,} "
              f"| {c['not tested']:,} | {score:.1%} |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", action="store_true", help="only print the report of the last run")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    parser.add_argument("--markdown", action="store_true",
                        help="print the last run's scores as the table of docs/development.md")
    parser.add_argument("--named", action="store_true", help="check that the named regressions are killed")
    parser.add_argument("--keep", action="store_true", help="reuse the results of the last run (mutmut's cache)")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="after adding tests: test the survivors of the last run again")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested in parallel")
    args = parser.parse_args()
    if args.markdown:
        return markdown()
    if args.named:
        return named(args.jobs)
    if args.rerun_survivors:
        return report(args.survivors, rerun_survivors(args.jobs))
    elapsed = None if args.report else run_mutmut(args.jobs, args.keep)
    return report(args.survivors, elapsed)


if __name__ == "__main__":
    sys.exit(main())
