"""Training benchmark: building a case exercise, grading a step, and the tutor's start-up.

Run: .venv/bin/python bench/bench_train.py [--repeat 5]
Prints numbers and their ratio to the targets (ratio < 1 means within target):
  - build a case exercise, warm (engine compiled): solve the case and build its five steps;
  - grade a step, warm: grade, build every feedback level, and record it in SQLite (one
    transaction, synchronous=FULL: the fsync of a durable answer is part of the time);
  - start-up: `ppp-expert train --help`, and a fresh process until the first prompt is printed,
    with an empty training database (the case summaries are computed and cached) and with a
    warm one (the usual case).
In-process timings are CPU time (time.process_time) except the SQLite write (wall time, it waits
on the disk); start-ups are wall time of a fresh process. Medians over every shipped case.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"build a case exercise": 0.050, "grade a step": 0.050, "train --help": 0.5, "first prompt (warm db)": 0.5}
PROMPT = b"Answer ["


def first_prompt(exe: str, db: Path, seed: int) -> float:
    """Wall time from starting the process until it prints the first answer prompt."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100")
    start = time.perf_counter()
    proc = subprocess.Popen([exe, "train", "--db", str(db), "--trainee", "bench", "--seed", str(seed), "--items", "0"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    seen = b""
    while PROMPT not in seen:
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            raise RuntimeError(f"no prompt: {seen[-500:]!r} {proc.stderr.read() if proc.stderr else b''!r}")
        seen += chunk
    elapsed = time.perf_counter() - start
    proc.kill()
    proc.wait()
    return elapsed


def cold(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from ppp_expert.api import default_kb, reasoner_for
    from ppp_expert.content.texts import glossary
    from ppp_expert.train.casework import ALL_STEPS, build_step
    from ppp_expert.train.catalogue import Catalogue
    from ppp_expert.train.feedback import build_feedback
    from ppp_expert.train.grading import grade
    from ppp_expert.train.learner import Learner
    from ppp_expert.train.programme import ProgrammeCase, load_programme
    from ppp_expert.train.solved import Solved
    from ppp_expert.train.store import Database

    kb = default_kb()
    reasoner_for(kb)  # warm: the engine is compiled once per process
    programme = load_programme(kb)
    catalogue = Catalogue(programme)
    catalogue.all()
    gloss = glossary()
    builds, grades, records = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        learner = Learner(Database(Path(tmp) / "bench.db"))
        trainee = learner.add_trainee("bench")
        for _ in range(args.repeat):
            for case_id, pc in programme.cases.items():
                fresh = ProgrammeCase(pc.case, pc.origin, pc.source, pc.sha256, kb)  # not solved yet
                start = time.process_time()
                solved = Solved(kb, fresh)
                items = [i for i in (build_step(solved, 7, s, catalogue.flags_elsewhere(case_id)) for s in ALL_STEPS)
                         if i is not None]
                builds.append(time.process_time() - start)
                exercise = learner.start_exercise(trainee, "case", 7, "bench", case_id)
                for item in items:
                    kind = item.prompt.kind
                    answer = ({c.key: "public" for c in item.claims} if kind == "matrix" else
                              [c.value for c in item.prompt.choices[:2]] if kind == "multi" else
                              [item.prompt.choices[0].value] if kind == "rank" else item.prompt.choices[0].value)
                    start = time.process_time()
                    graded = grade(item, answer)
                    build_feedback(item, graded, solved, gloss)
                    grades.append(time.process_time() - start)
                    wall = time.perf_counter()
                    learner.record(trainee, exercise, item, graded, answer, 0, 1.0, "bench")
                    records.append(time.perf_counter() - wall)
        learner.db.close()

        exe = str(Path(sys.executable).with_name("ppp-expert"))
        results = {
            "build a case exercise": statistics.median(builds),
            "build a case exercise p95": sorted(builds)[int(len(builds) * 0.95)],
            "grade a step": statistics.median(grades),
            "grade a step p95": sorted(grades)[int(len(grades) * 0.95)],
            "record an answer (SQLite, wall)": statistics.median(records),
            "train --help": cold([exe, "train", "--help"], args.repeat),
            "ppp-expert --help (reference)": cold([exe, "--help"], args.repeat),
            "evaluate CASE (reference)": cold([exe, "evaluate", str(next(iter(programme.cases.values())).source),
                                               "--format", "json"], args.repeat),
        }
        empty = []
        for n in range(args.repeat):
            db = Path(tmp) / f"empty-{n}.db"
            subprocess.run([exe, "train", "--db", str(db), "--trainee", "bench", "--new"], input=b"",
                           capture_output=True)
            (Path(tmp) / f"empty-{n}.db").unlink()
            for suffix in ("-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            db2 = Path(tmp) / f"fresh-{n}.db"
            learner = Learner(Database(db2))
            learner.add_trainee("bench")
            learner.db.close()
            empty.append(first_prompt(exe, db2, n))
        results["first prompt (empty db)"] = statistics.median(empty)
        warm_db = Path(tmp) / "fresh-0.db"
        results["first prompt (warm db)"] = statistics.median(first_prompt(exe, warm_db, 100 + n)
                                                              for n in range(args.repeat))

    print(f"training benchmark: {len(programme)} cases, {args.repeat} rounds, load average "
          f"{os.getloadavg()[0]:.1f}")
    for name, value in results.items():
        target = TARGETS.get(name)
        ratio = f"  ({value / target:.2f} of the {target * 1000:.0f} ms target)" if target else ""
        print(f"  {name:34s} {value * 1000:8.1f} ms{ratio}")
    evaluate = results["evaluate CASE (reference)"]
    print(f"  first prompt (warm db) / a cold `evaluate CASE` in the same run: "
          f"{results['first prompt (warm db)'] / evaluate:.2f}")


if __name__ == "__main__":
    main()
