"""Batch benchmark: cases/s with 1 and 2 jobs and peak memory, for N random valid cases.

Run: .venv/bin/python bench/bench_batch.py [--n 1000 10000] [--jobs 1 2]
Generates N random valid case files into a temporary folder, runs the real CLI
(`python -m ppp_expert batch`) in a subprocess for each job count, and prints wall time,
cases/s, the 2-job/1-job ratio and peak memory against the batch targets:
at least 400 cases/s with 2 jobs, at least 1.6x the 1-job rate, memory flat in N.
Peak memory is reported two ways, both polled from /proc every 50 ms: the largest peak of a
single process (VmHWM) and the whole process tree (main + workers, resident memory summed).
CPU time per case (wait4: main + workers) does not depend on other load on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATE_2_JOBS = 400.0
TARGET_SPEEDUP = 1.6
TARGET_MEMORY_GROWTH = 1.25  # peak RSS at the largest N over the smallest


def generate(folder: Path, n: int, seed: int = 2026) -> None:
    """N valid case files, YAML (and every tenth JSON), spread over sub-folders of 500."""
    import json

    import yaml

    from ppp_expert.api import default_kb
    from ppp_expert.cases.generate import random_answers

    kb = default_kb()
    rng = random.Random(seed)
    for i in range(n):
        sub = folder / f"part-{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        data = {"id": f"bench-{i:06d}", "title": f"Generated case {i}", "answers": random_answers(kb, rng)}
        if i % 10 == 9:
            (sub / f"case-{i:06d}.json").write_text(json.dumps(data), encoding="utf-8")
        else:
            (sub / f"case-{i:06d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _tree_memory(pid: int) -> tuple[int, int]:
    """(resident bytes summed over ``pid`` and its descendants, largest peak RSS of one of them), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, peak, stack, page = 0, 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
            # VmHWM starts afresh at exec, unlike wait4's ru_maxrss, which keeps the peak of the
            # forked copy of this (bigger) benchmark process.
            with open(f"/proc/{current}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
        except (OSError, IndexError, ValueError):
            continue
    return total, peak


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (not its children)."""
    with open(f"/proc/{pid}/stat", "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(cases: Path, out: Path, jobs: int, matcher: str = "keyed") -> dict[str, float]:
    """Run the real CLI once: wall time, CPU time (all processes; main alone), peak RSS."""
    command = [sys.executable, "-m", "ppp_expert", "batch", str(cases), "--out", str(out), "--jobs", str(jobs)]
    peak_tree = peak_process = 0
    main_cpu = 0.0
    start = time.perf_counter()
    env = {**os.environ, "PPP_EXPERT_MATCHER": matcher}
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak_tree, peak_process, main_cpu
        while not stop.is_set():
            tree, largest = _tree_memory(process.pid)
            peak_tree, peak_process = max(peak_tree, tree), max(peak_process, largest)
            try:
                main_cpu = _cpu_seconds(process.pid)
            except (OSError, IndexError, ValueError):
                pass
            stop.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    poller.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        raise SystemExit(f"batch failed with exit {process.returncode}:\n{stderr.decode(errors='replace')}")
    lines = (out / "results.jsonl").read_bytes().count(b"\n")
    return {"wall": wall, "lines": lines, "max_process_mib": peak_process / 2**20, "tree_mib": peak_tree / 2**20,
            "cpu": usage.ru_utime + usage.ru_stime, "main_cpu": main_cpu}


def verdict(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10000], help="numbers of cases (default 1000 10000)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="job counts to compare (default 1 2)")
    parser.add_argument("--matcher", choices=["keyed", "stock"], default="keyed",
                        help="the rule matcher (PPP_EXPERT_MATCHER; default keyed)")
    args = parser.parse_args()
    print(f"bench_batch: {args.matcher} matcher, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} "
          "(other work on the machine lowers cases/s; CPU ms/case hardly moves)")
    rows: dict[tuple[int, int], dict[str, float]] = {}
    for n in args.n:
        workdir = Path(tempfile.mkdtemp(prefix=f"ppp-bench-{n}-"))
        try:
            started = time.perf_counter()
            generate(workdir / "cases", n)
            print(f"\nN = {n:,}: generated in {time.perf_counter() - started:.1f} s")
            for jobs in args.jobs:
                out = workdir / f"out-{jobs}"
                row = rows[(n, jobs)] = run(workdir / "cases", out, jobs, args.matcher)
                assert row["lines"] == n, f"expected {n} results, got {row['lines']}"
                row["rate"] = n / row["wall"]
                print(f"  --jobs {jobs}: {row['wall']:7.1f} s  {row['rate']:7.1f} cases/s   "
                      f"CPU {1000 * row['cpu'] / n:5.2f} ms/case (main process {1000 * row['main_cpu'] / n:4.2f})   "
                      f"peak RSS: largest process {row['max_process_mib']:5.1f} MiB, "
                      f"whole tree {row['tree_mib']:6.1f} MiB")
                shutil.rmtree(out)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\nAgainst the targets:")
    for n in args.n:
        if (n, 1) in rows and (n, 2) in rows:
            rate2, ratio = rows[(n, 2)]["rate"], rows[(n, 2)]["rate"] / rows[(n, 1)]["rate"]
            print(f"  N = {n:>6,}: 2 jobs {rate2:6.1f} cases/s (target >= {TARGET_RATE_2_JOBS:.0f}: "
                  f"{rate2 / TARGET_RATE_2_JOBS:.2f}x, {verdict(rate2 >= TARGET_RATE_2_JOBS)}); "
                  f"2-job/1-job {ratio:.2f}x (target >= {TARGET_SPEEDUP}: {verdict(ratio >= TARGET_SPEEDUP)})")
    print(f"  load average now {os.getloadavg()[0]:.2f}")
    if len(args.n) > 1:
        small, large = min(args.n), max(args.n)
        for jobs in args.jobs:
            if (small, jobs) in rows and (large, jobs) in rows:
                growth = rows[(large, jobs)]["tree_mib"] / rows[(small, jobs)]["tree_mib"]
                print(f"  memory, --jobs {jobs}: whole tree {rows[(small, jobs)]['tree_mib']:.1f} MiB at N={small:,} "
                      f"-> {rows[(large, jobs)]['tree_mib']:.1f} MiB at N={large:,} ({growth:.2f}x; flat means "
                      f"<= {TARGET_MEMORY_GROWTH}x: {verdict(growth <= TARGET_MEMORY_GROWTH)})")


if __name__ == "__main__":
    main()
