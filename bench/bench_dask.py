"""Dask benchmark: the same N generated cases with a local pool and on a Dask LocalCluster.

Run: .venv/bin/python bench/bench_dask.py [--n 1000] [--workers 2]
Starts a LocalCluster of WORKERS single-threaded worker processes on 127.0.0.1, then runs the
real CLI in subprocesses: `batch --jobs WORKERS` (the local process pool) and
`batch --scheduler ADDRESS`, and prints the rate each reports ("batch: N cases in S s"),
which counts only the evaluation, not start-up or cluster start, their ratio, and whether
results.jsonl and summary.csv are byte-identical. Timings on a shared machine are noisy: read
the ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import generate  # noqa: E402


def run(args: list[str]) -> float:
    """Run the CLI; return the cases/s it reports."""
    result = subprocess.run([sys.executable, "-m", "ppp_expert", "batch", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    match = re.search(r"cases in [\d.]+ s \(([\d,.]+) cases/s\)", result.stderr)
    assert match, result.stderr
    return float(match.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        cases = Path(tmp) / "cases"
        generate(cases, args.n)
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=50) as cluster, Client(cluster):
            local = run([str(cases), "--out", f"{tmp}/local", "--jobs", str(args.workers)])
            on_dask = run([str(cases), "--out", f"{tmp}/dask", "--scheduler", cluster.scheduler_address])
        same = all((Path(tmp, "local", name).read_bytes() == Path(tmp, "dask", name).read_bytes())
                   for name in ("results.jsonl", "summary.csv"))
    print(f"{args.n} cases, {args.workers} workers: local pool {local:,.0f} cases/s, Dask LocalCluster "
          f"{on_dask:,.0f} cases/s ({on_dask / local:.2f}x the local pool); outputs byte-identical: {same}")


if __name__ == "__main__":
    main()
