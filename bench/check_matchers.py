"""The full identity check: the keyed matcher and experta's stock Rete give byte-identical results.

Run: .venv/bin/python bench/check_matchers.py [--n 2000] [--seeds 0 1 4242]

For every shipped case and ``--n`` generated answer sets (a quarter each with 0%, 15%, 50% and
90% of the questions left unknown), both matchers evaluate the case and their result JSON
(the whole contract: verdict, model, scores, risk owners, settings, red flags, fired rules in
firing order with the facts each matched and declared) is compared byte for byte. The whole run
is repeated in a fresh process for each PYTHONHASHSEED in ``--seeds``; the results must also be
the same across seeds (their digest is printed). Exit status 1 on any difference.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def check(n: int) -> None:
    """One process: compare the matchers on every case, print ``digest mismatches cases``."""
    import hashlib
    import random

    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.cases.case import load_case
    from ppp_expert.cases.generate import random_answers
    from ppp_expert.engine.reasoner import Reasoner
    from ppp_expert.kb.loader import load_kb

    kb = load_kb()
    keyed, stock = Reasoner(kb, "keyed"), Reasoner(kb, "stock")
    if keyed.matcher != "keyed":
        raise SystemExit("the keyed matcher fell back to the stock one for this knowledge base")
    rng = random.Random(2026)
    sets = [(p.stem, load_case(p, kb).answers) for p in sorted((ROOT / "cases").glob("*.yaml"))]
    sets += [(f"generated-{i}", random_answers(kb, rng, unknown_rate=(0.0, 0.15, 0.5, 0.9)[i % 4])) for i in range(n)]
    digest = hashlib.sha256()
    mismatches = []
    for name, answers in sets:
        one = build_advice(kb, name, keyed.run(answers)).to_json()
        two = build_advice(kb, name, stock.run(answers)).to_json()
        digest.update(one.encode())
        if one != two:
            mismatches.append(name)
    print(digest.hexdigest(), len(mismatches), len(sets), " ".join(mismatches[:10]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="generated answer sets (default 2000)")
    parser.add_argument("--seeds", nargs="+", default=["0", "1", "4242"], help="PYTHONHASHSEED values")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        check(args.n)
        return
    digests = set()
    failed = False
    for seed in args.seeds:
        start = time.perf_counter()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, __file__, "--worker", "--n", str(args.n)], env=env, cwd=ROOT,
                              capture_output=True, text=True)
        if done.returncode != 0:
            print(f"PYTHONHASHSEED={seed}: failed\n{done.stderr}")
            failed = True
            continue
        digest, mismatches, total, names = (done.stdout.split(maxsplit=3) + [""])[:4]
        digests.add(digest)
        print(f"PYTHONHASHSEED={seed:>5}: {int(total) - int(mismatches)}/{total} cases byte-identical "
              f"(keyed vs stock){' MISMATCH: ' + names if int(mismatches) else ''}; results digest {digest[:16]}; "
              f"{time.perf_counter() - start:.0f} s")
        failed |= int(mismatches) > 0
    same = len(digests) == 1
    print(f"same results under every hash seed: {'yes' if same else 'NO'}")
    if failed or not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
