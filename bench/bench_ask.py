"""Consultation benchmark: how soon `ppp-expert ask` gives advice, when it settles, how fast it answers.

Run: .venv/bin/python bench/bench_ask.py [--random 100] [--seed 11]

Every shipped case in cases/ (and, with --random, generated complete answer sets) is replayed
through the JSON-lines protocol of `ppp-expert ask --format json` (the same provider and session
the command runs, in process): each question event is answered from the case file, "unknown"
where the file has no answer. For each consultation it records

- the questions answered before the first `advice` event (the first interim advice),
- the questions answered before the `advice` event with stage `settled`,
- whether the settled verdict and model equal `evaluate` of the whole case (a false "settled"
  would be a bug: settled means no remaining answer can change them),
- the latency of every answer: from the moment the answer line is read to the moment the next
  question (or the end) is written, including the analysis, the choice of the next question, the
  interim advice and the atomic write of the session file.

Targets (the consultation issue): median questions before the first interim advice <= 10, before
settled <= 20, identical verdict and model for every case, p95 latency <= 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_FIRST = 10
TARGET_SETTLED = 20
TARGET_P95 = 0.050


class Replay(io.TextIOBase):
    """stdin and stdout of the protocol at once: answers each question event from a case file."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.events: list[dict[str, Any]] = []
        self.latencies: list[float] = []
        self.cpu: list[float] = []  # the process's CPU time over the same span: unaffected by other load
        self._read_at: float | None = None
        self._cpu_at = 0.0
        self._pending: str | None = None

    def write(self, text: str) -> int:  # stdout: one event per line
        for line in text.splitlines():
            event = json.loads(line)
            if self._read_at is not None and event["event"] in ("question", "done"):
                self.latencies.append(time.perf_counter() - self._read_at)
                self.cpu.append(time.process_time() - self._cpu_at)
                self._read_at = None
            self.events.append(event)
            if event["event"] == "question":
                self._pending = event["id"]
        return len(text)

    def flush(self) -> None:
        pass

    def readline(self, size: int = -1) -> str:  # stdin: the answer to the last question
        assert self._pending is not None
        value = self.answers.get(self._pending, "unknown")
        self._pending = None
        self._read_at = time.perf_counter()
        self._cpu_at = time.process_time()
        return f"{value}\n"


def consult(kb: Any, name: str, answers: dict[str, Any], folder: Path) -> Replay:
    """One consultation through the protocol, saving the session file as `ask` does."""
    from ppp_expert.consult.protocol import JsonLines
    from ppp_expert.consult.session import Session
    from ppp_expert.consult.storage import SessionFile
    from ppp_expert.engine.relevance import CORE_TARGETS

    replay = Replay(answers)
    provider = JsonLines(stdin=replay, stdout=replay)  # type: ignore[arg-type]
    store = SessionFile(folder / f"{name}.yaml", name)
    session = Session(kb, provider, case_id=name, refine=False, targets=CORE_TARGETS,
                      on_change=lambda given: store.save(given))
    result = session.run()
    provider.emit("done", verdict=result.advice.appropriate.verdict if result.advice else None, asked=result.asked)
    return replay


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--random", type=int, default=0, help="also replay this many generated complete answer sets")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from ppp_expert.advice.answer_changes import recommended
    from ppp_expert.api import default_kb, evaluate
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.engine.relevance import relevance_for

    kb = default_kb()
    rng = random.Random(args.seed)
    sets = [("case", p.stem, load_case(p, kb).answers) for p in sorted((ROOT / "cases").glob("*.yaml"))]
    sets += [("generated", f"random-{i}", random_answers(kb, rng, unknown_rate=0.0)) for i in range(args.random)]
    relevance_for(kb, {"verdict", "model"})
    evaluate({"id": "warm-up", "answers": {}}, kb)
    gc.freeze()  # as `ppp-expert ask` does once its analysis is built (cli.common.setting_up)

    rows: dict[str, dict[str, list[Any]]] = {}
    latencies: list[float] = []
    cpu: list[float] = []
    wrong: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, name, answers in sets:
            replay = consult(kb, name, answers, Path(tmp))
            advice = [e for e in replay.events if e["event"] == "advice"]
            settled = next((e for e in advice if e["stage"] == "settled"), None)
            asked = [e for e in replay.events if e["event"] == "question"]
            first = advice[0]["asked"] if advice else len(asked)
            whole = evaluate({"id": name, "answers": answers}, kb)
            expected = (whole.appropriate.verdict, recommended(whole))
            if settled is None or (settled["verdict"], settled["model"]) != expected:
                got = settled and (settled["verdict"], settled["model"])
                wrong.append(f"{name}: settled {got}, evaluate {expected}")
            row = rows.setdefault(kind, {"first": [], "settled": [], "asked": []})
            row["first"].append(first)
            row["settled"].append(settled["asked"] if settled else len(asked))
            row["asked"].append(len(asked))
            latencies.extend(replay.latencies)
            cpu.extend(replay.cpu)

    n_questions = len(kb.questions)
    print(f"knowledge base: {n_questions} questions, {len(kb.rules)} rules; every answer replayed through "
          "ask --format json\n")
    print(f"{'answer sets':<16}{'n':>5}{'first advice':>14}{'settled':>9}{'max settled':>13}{'same':>10}")
    for kind, row in rows.items():
        n = len(row["settled"])
        same = n - sum(1 for w in wrong if any(w.startswith(nm + ":") for k, nm, _ in sets if k == kind))
        print(f"{kind:<16}{n:>5}{statistics.median(row['first']):>14.1f}{statistics.median(row['settled']):>9.1f}"
              f"{max(row['settled']):>13}{same:>7}/{n}")
    p95 = percentile(latencies, 0.95)
    print(f"\nlatency per answer ({len(latencies)} answers): median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    print(f"  CPU time of the process over the same spans: median {statistics.median(cpu) * 1000:.1f} ms, "
          f"p95 {percentile(cpu, 0.95) * 1000:.1f} ms (what the wall time would be on an idle machine)")
    print(f"  load average while running: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cases = rows["case"]
    first, settled = statistics.median(cases["first"]), statistics.median(cases["settled"])
    print("\ntargets on the shipped cases:")
    print(f"  median questions before the first interim advice <= {TARGET_FIRST}: {first:.1f} "
          f"({'met' if first <= TARGET_FIRST else 'missed'})")
    print(f"  median questions before settled <= {TARGET_SETTLED}: {settled:.1f} "
          f"({'met' if settled <= TARGET_SETTLED else 'missed'})")
    print(f"  settled verdict and model equal evaluate of the whole case: {len(sets) - len(wrong)}/{len(sets)} "
          f"({'met' if not wrong else 'MISSED'})")
    verdict = "met" if p95 <= TARGET_P95 else "missed"
    print(f"  p95 latency <= {TARGET_P95 * 1000:.0f} ms: {p95 * 1000:.1f} ms ({verdict})")
    for line in wrong:
        print("  false settled:", line)


if __name__ == "__main__":
    main()
