"""Consultation benchmark: how many questions `ppp-expert ask` needs, and how fast it answers.

Run: .venv/bin/python bench/bench_ask.py [--random 300] [--seed 11]

Over the shipped cases/ and generated random complete answer sets, a scripted provider
answers every question the consultation asks from the set (a question the set leaves out is
answered unknown). For each consultation it records the number of questions asked before the
advice is settled, checks that the advice (verdict, model, risk owners, red flags) equals
`evaluate` on the full set, and times every answer: from the moment the provider returns an
answer to the moment the next question is asked (or the advice is ready), including the
atomic write of the session file. Targets: median questions <= 60% of the core
questions with identical advice; per-answer p95 <= 10 ms.

A breakdown settles smaller sets of outcomes (verdict only, + model, + risk owners, + red
flags) to show where the questions go; it depends on the knowledge base, not on the engine.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SHARE = 0.60
TARGET_P95 = 0.010


class Timed:
    """Answers from an answer set and timestamps each exchange."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked = 0
        self.returned: float | None = None
        self.responses: list[float] = []

    def ask(self, question: Any, context: Any) -> Any:
        now = time.perf_counter()
        if self.returned is not None:
            self.responses.append(now - self.returned)
        self.asked += 1
        value = self.answers.get(question.id, "unknown")
        self.returned = time.perf_counter()
        return value

    def show(self, message: Any) -> None:
        pass

    def confirm(self, text: str, default: bool = False) -> bool:
        return False


def outcome(advice: Any) -> tuple[Any, ...]:
    return (advice.appropriate.verdict, advice.recommendation.model,
            tuple((r.risk, r.party) for r in advice.risk_allocation), tuple(sorted(f.id for f in advice.red_flags)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--random", type=int, default=300, help="generated complete answer sets")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-breakdown", action="store_true", help="skip the per-outcome breakdown")
    args = parser.parse_args()

    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.api import default_kb, reasoner_for
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.consult.session import Session
    from ppp_expert.consult.storage import SessionFile
    from ppp_expert.engine.relevance import CORE_TARGETS, relevance_for

    kb = default_kb()
    reasoner = reasoner_for(kb)
    n_core = len(kb.questions)
    rng = random.Random(args.seed)
    cases = [(p.stem, load_case(p, kb).answers) for p in sorted((ROOT / "cases").glob("*.yaml"))]
    generated = [(f"random-{i}", random_answers(kb, rng, unknown_rate=0.0)) for i in range(args.random)]
    start = time.perf_counter()
    relevance_for(kb)
    build = time.perf_counter() - start
    gc.freeze()  # as `ppp-expert ask` does once its analysis is built (cli.common.setting_up)

    def run(sets: list[tuple[str, dict[str, Any]]], targets: frozenset[str], save: bool) -> dict[str, Any]:
        asked, responses, same, saves = [], [], 0, []
        with tempfile.TemporaryDirectory() as tmp:
            for name, full in sets:
                provider = Timed(full)
                store = SessionFile(Path(tmp) / f"{name}.yaml", name)

                def timed_save(answers: dict[str, Any], store: Any = store) -> None:
                    start = time.perf_counter()
                    store.save(answers)
                    saves.append(time.perf_counter() - start)

                session = Session(kb, provider, case_id=name, targets=targets,
                                  on_change=timed_save if save else None)
                result = session.run()
                if provider.returned is not None:
                    provider.responses.append(time.perf_counter() - provider.returned)  # the final advice
                expected = build_advice(kb, name, reasoner.run(full))
                same += outcome(result.advice) == outcome(expected)
                asked.append(provider.asked)
                responses.extend(provider.responses)
        return {"asked": asked, "responses": responses, "same": same, "n": len(sets), "saves": saves}

    print(f"knowledge base: {n_core} core questions, {len(kb.rules)} rules; relevance analysis built in "
          f"{build * 1000:.1f} ms")
    print(f"answer sets: {len(cases)} shipped cases, {len(generated)} generated complete sets (seed {args.seed})\n")
    header = f"{'set':<22}{'n':>5}{'median asked':>14}{'share':>8}{'max':>6}{'min':>6}{'same advice':>13}"
    print(header)
    everything = run(cases + generated, CORE_TARGETS, save=True)
    for label, sets in (("shipped cases", cases), ("generated", generated)):
        if not sets:
            continue
        r = run(sets, CORE_TARGETS, save=False)
        med = statistics.median(r["asked"])
        print(f"{label:<22}{r['n']:>5}{med:>14.1f}{med / n_core:>8.0%}{max(r['asked']):>6}{min(r['asked']):>6}"
              f"{r['same']:>8}/{r['n']}")
    med = statistics.median(everything["asked"])
    print(f"{'all':<22}{everything['n']:>5}{med:>14.1f}{med / n_core:>8.0%}{max(everything['asked']):>6}"
          f"{min(everything['asked']):>6}{everything['same']:>8}/{everything['n']}")
    times = everything["responses"]
    p95 = percentile(times, 0.95)
    print(f"\nper-answer response ({len(times)} answers, session file written each time): "
          f"median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
    saves = everything["saves"]
    if saves:  # the atomic write (YAML, fsync, rename) is part of every answer; its share depends on the disk
        print(f"  of which the session-file write: median {statistics.median(saves) * 1000:.1f} ms, "
              f"p95 {percentile(saves, 0.95) * 1000:.1f} ms")
    share = med / n_core
    print(f"\ntarget median <= {TARGET_SHARE:.0%} of core questions: {share:.0%} "
          f"({'met' if share <= TARGET_SHARE else f'missed by {(share - TARGET_SHARE) * n_core:.1f} questions'}); "
          f"identical advice {everything['same']}/{everything['n']}")
    print(f"target p95 < {TARGET_P95 * 1000:.0f} ms: {p95 * 1000:.1f} ms ({'met' if p95 < TARGET_P95 else 'missed'})")

    if args.no_breakdown:
        return
    print("\nwhere the questions go (median / max asked when only these outcomes must be settled):")
    for targets in (("verdict",), ("verdict", "model"), ("verdict", "model", "risks"),
                    ("verdict", "model", "red_flags"), ("risks",), ("red_flags",),
                    ("verdict", "model", "risks", "red_flags"),
                    ("verdict", "model", "risks", "red_flags", "settings", "advice", "criteria")):
        r = run(cases + generated, frozenset(targets), save=False)
        med = statistics.median(r["asked"])
        print(f"  {' + '.join(targets):<62}{med:>6.1f} ({med / n_core:.0%}){max(r['asked']):>5}")


if __name__ == "__main__":
    main()
