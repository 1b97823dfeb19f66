"""Exam mode: a fixed item set for a seed, timed, no hints and no feedback, a pass mark, a
score report by topic and a debrief per item (the right answer, the deciding rules in plain
words, the guide section). An answer given after the time is not counted. An interrupted exam
resumes with the time it had left; an exam whose
time ran out is closed with the unanswered items scored zero (and recorded as skipped)."""

from __future__ import annotations

from dataclasses import dataclass

from ppp_expert.kb.sections import section_title
from ppp_expert.train import events as ev
from ppp_expert.train.grading import skipped
from ppp_expert.train.items import Item
from ppp_expert.train.learner import Exercise, parse_stamp
from ppp_expert.train.solved import plain_reason
from ppp_expert.train.tutor import Tutor

#: Rules named per item in the debrief (a risk table has one per row).
MAX_DEBRIEF_RULES = 4


@dataclass(frozen=True)
class ExamPlan:
    items: tuple[str, ...]
    minutes: float
    pass_mark: float   # 0..1
    topic: str | None = None
    section: str | None = None

    def to_plan(self) -> dict[str, object]:
        return {"items": list(self.items), "minutes": self.minutes, "pass_mark": self.pass_mark,
                "topic": self.topic, "section": self.section}


def seconds_left(tutor: Tutor, exercise: Exercise) -> float:
    elapsed = (tutor.learner.clock() - parse_stamp(exercise.started)).total_seconds()
    return float(exercise.plan["minutes"]) * 60 - elapsed


def run_exam(tutor: Tutor, exercise: Exercise, items: list[Item]) -> ev.ExerciseSummary:
    """Ask every item not yet answered in this exam until the time is up; then report."""
    done = tutor.learner.answered(exercise)
    left = seconds_left(tutor, exercise)
    deadline = tutor.monotonic() + left
    pending = [i for i in items if i.id not in done]
    if done and pending and left > 0:
        tutor.provider.show(ev.NoteShown(f"Resuming the exam: {len(done)} of {len(items)} answered, "
                                    f"{int(left // 60)} min {int(left % 60)} s left.", "dim"))
    timed_out = False
    shown: str | None = None
    for number, item in enumerate(items, 1):
        if item.id in done:
            continue
        if tutor.monotonic() >= deadline:
            timed_out = True
            tutor.learner.record(tutor.trainee, exercise, item, skipped(item), None, 0, 0.0, tutor.kb_fingerprint)
            continue
        shown = tutor.brief_for(item, shown)
        tutor.ask(item, number, len(items), exercise, exam=True, deadline=deadline,
                  context={"exercise": exercise.id})
    answered = tutor.learner.answered(exercise)
    by_item = {i.id: answered.get(i.id, {"score": 0.0, "skipped": True, "correct": False}) for i in items}
    score = round(sum(a["score"] for a in by_item.values()) / len(items), 4) if items else 0.0
    pass_mark = float(exercise.plan["pass_mark"])
    topics: dict[str, list[float]] = {}
    for item in items:
        topics.setdefault(item.topic, []).append(by_item[item.id]["score"])
    rows = tuple((i.prompt.title, "skipped" if by_item[i.id]["skipped"] else "right" if by_item[i.id]["correct"]
                  else "partly right" if by_item[i.id]["score"] > 0 else "wrong", by_item[i.id]["score"])
                 for i in items)
    tutor.learner.finish(exercise, score)
    summary = ev.ExerciseSummary("Exam report", rows, score, True,
                         "Time ran out; unanswered items score zero." if timed_out else "",
                         score >= pass_mark, pass_mark,
                         tuple((t, round(sum(s) / len(s), 4), len(s)) for t, s in sorted(topics.items())))
    tutor.provider.show(summary)
    tutor.provider.show(ev.Debrief(tuple(debrief_entry(tutor, item, row) for item, row in zip(items, rows))))
    return summary


def debrief_entry(tutor: Tutor, item: Item, row: tuple[str, str, float]) -> ev.DebriefEntry:
    """What the exam held back for one item: the engine's answer, the rules that decide it in plain
    words (their reason, never their title again), and the guide sections to read."""
    kb = tutor.programme.kb
    answer = " ".join(c.answer_text for c in item.claims if c.answer_text) or "-"
    rules: dict[str, tuple[str, str, str]] = {}
    for claim in item.claims:
        for backing in claim.deciding:
            if backing.rule not in rules and len(rules) < MAX_DEBRIEF_RULES:
                rule = kb.rule(backing.rule)
                rules[rule.id] = (rule.id, rule.title, plain_reason(kb, rule))
    sections = tuple((s, section_title(s)) for s in item.sections)
    return ev.DebriefEntry(row[0], row[1], row[2], answer, tuple(rules.values()), sections)
