"""What a trainer exports about a cohort beyond mastery: every exam (with the items it planned
and which of them were answered, skipped or never reached), and an item analysis in the manner
of classical test theory, so that items that do not tell strong trainees from weak ones can be
retired.

Item analysis: an item's difficulty is its mean score (0 hard .. 1 easy); its discrimination is
the correlation between the score on the item and the trainee's mean score on every other item
(the corrected point-biserial): near zero or negative, the item does not measure what the rest
measures. Items answered by fewer than ``MIN_TRAINEES`` trainees get no discrimination.
Unattempted items are never counted as zero: an unanswered exam item is 'not reached', a
mastery never earned is empty.
"""

from __future__ import annotations

from statistics import mean, pstdev
from typing import Any, Iterable

from ppp_expert.train.learner import Learner, stored_json

MIN_TRAINEES = 3


def exam_rows(learner: Learner) -> list[dict[str, Any]]:
    """One row per exam: who, when, its seed, its score, pass mark and result, and how many of its
    planned items were answered, skipped or not reached (an unfinished exam has no score yet)."""
    rows = []
    by_exam: dict[str, dict[str, dict[str, Any]]] = {}
    for a in learner.attempts():
        by_exam.setdefault(a["exercise_id"], {})[a["item_id"]] = a
    for e in learner.exams():
        plan = stored_json(learner.db, e["plan"], f"the plan of exam {e['id']}")
        planned = [str(i) for i in plan.get("items", [])] if isinstance(plan, dict) else []
        answered = by_exam.get(e["id"], {})
        skipped = sum(1 for i in planned if i in answered and answered[i]["skipped"])
        mark = plan.get("pass_mark") if isinstance(plan, dict) else None
        rows.append({"trainee": e["trainee"], "exam": e["id"], "seed": e["seed"], "started": e["started"],
                     "finished": e["finished"], "score": e["score"], "pass_mark": mark,
                     "passed": None if e["score"] is None or mark is None else e["score"] >= mark,
                     "items": len(planned), "answered": sum(1 for i in planned if i in answered) - skipped,
                     "skipped": skipped, "not_reached": sum(1 for i in planned if i not in answered)})
    return rows


def item_analysis(learner: Learner) -> list[dict[str, Any]]:
    """Per item: trainees, attempts, difficulty (mean score) and discrimination (see the module)."""
    by_item: dict[str, dict[str, list[float]]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for a in learner.attempts():
        if a["skipped"]:
            continue  # a skipped item says nothing about what the trainee knows
        by_item.setdefault(a["item_id"], {}).setdefault(a["trainee"], []).append(float(a["score"]))
        kinds[a["item_id"]] = (a["item_type"], a["topic"])
    totals: dict[str, list[float]] = {}
    for item, per in by_item.items():
        for trainee, scores in per.items():
            totals.setdefault(trainee, []).append(mean(scores))
    rows = []
    for item, per in sorted(by_item.items()):
        own = {t: mean(s) for t, s in per.items()}
        rest = {t: _rest_mean(totals[t], own[t]) for t in own}
        pairs = [(own[t], rest[t]) for t in own if rest[t] is not None]
        rows.append({"item": item, "type": kinds[item][0], "topic": kinds[item][1], "trainees": len(own),
                     "attempts": sum(len(s) for s in per.values()),
                     "difficulty": round(mean(own.values()), 4),
                     "discrimination": _correlation(pairs) if len(pairs) >= MIN_TRAINEES else None})
    return rows


def _rest_mean(all_scores: list[float], own: float) -> float | None:
    others = list(all_scores)
    others.remove(own)
    return mean(others) if others else None


def _correlation(pairs: list[tuple[float, float | None]]) -> float | None:
    xs = [x for x, _ in pairs]
    ys = [float(y) for _, y in pairs if y is not None]
    sx, sy = pstdev(xs), pstdev(ys)
    if sx == 0 or sy == 0:
        return None  # everyone scored the same: nothing to tell apart
    mx, my = mean(xs), mean(ys)
    cov = mean((x - mx) * (y - my) for x, y in zip(xs, ys))
    return round(cov / (sx * sy), 4)


def export_rows(learner: Learner, topics: Iterable[str]) -> list[dict[str, Any]]:
    """One row per trainee and topic or guide section: the cohort view a trainer exports."""
    rows: list[dict[str, Any]] = []
    for t in learner.trainees():
        for scope in ("topic", "section"):
            levels = learner.mastery(t, scope)
            keys = list(topics) if scope == "topic" else sorted(levels)
            for key in keys:  # a topic never answered has no mastery (empty), not a mastery of zero
                level, attempts = levels.get(key, (None, 0))
                rows.append({"trainee": t.name, "scope": scope, "key": key, "mastery": level, "attempts": attempts})
    return rows


#: An item whose discrimination is below this is flagged on the cohort page as a candidate to retire.
RETIRE_BELOW = 0.2


def cohort_page(trainees: list[dict[str, Any]], mastery: list[dict[str, Any]], exams: list[dict[str, Any]],
                items: list[dict[str, Any]], topics: Iterable[str]) -> str:
    """The cohort as one self-contained HTML page in the memo's style (every value escaped)."""
    from ppp_expert.render.memo import page_environment

    env = page_environment()
    topic_list = list(topics)
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for m in mastery:
        if m["scope"] == "topic":
            cells.setdefault(m["trainee"], {})[m["key"]] = m
    grid = [(name, [cells[name].get(t, {"mastery": None, "attempts": 0}) for t in topic_list]) for name in cells]
    return env.get_template("cohort.html.j2").render(trainees=trainees, topics=topic_list, mastery=grid, exams=exams,
                                                     items=items, min_trainees=MIN_TRAINEES, retire_below=RETIRE_BELOW)
