"""Progress for a trainee (mastery by topic and guide section, weakest rules, what is due) and for
a cohort (one line per trainee), as data and as rich tables with bars; the cohort export."""

from __future__ import annotations

import csv
import io
import json
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ppp_expert.errors import PPPExpertError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.sections import section_title
from ppp_expert.train.cohort import cohort_page, exam_rows, export_rows, item_analysis
from ppp_expert.train.learner import Learner, Trainee, find_trainee, open_learner, stored_json
from ppp_expert.train.study_plan import TOPICS, sections

BAR = 20
WEAKEST = 5


@dataclass(frozen=True)
class ProgressRow:
    key: str
    title: str
    mastery: float
    attempts: int


@dataclass(frozen=True)
class Report:
    trainee: str
    topics: tuple[ProgressRow, ...]
    sections: tuple[ProgressRow, ...]
    weakest_rules: tuple[ProgressRow, ...]
    review_rows: int        # FSRS cards: item rows with their own review schedule
    due_now: int
    due_week: int
    cases_done: int
    attempts: int
    exams: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def report(learner: Learner, trainee: Trainee, kb: KnowledgeBase) -> Report:
    topic_levels = learner.mastery(trainee, "topic")
    section_levels = learner.mastery(trainee, "section")
    rule_levels = learner.mastery(trainee, "rule")
    topics = tuple(ProgressRow(t, t, *topic_levels.get(t, (0.0, 0))) for t in TOPICS)
    cited = [s for s in sections(kb) if s in section_levels]
    section_rows = tuple(ProgressRow(s, section_title(s), *section_levels[s]) for s in cited)
    known = {r.id: r.title for r in kb.rules}
    weakest = sorted((level, -n, rule) for rule, (level, n) in rule_levels.items() if rule in known)[:WEAKEST]
    cards = learner.cards(trainee)
    now = learner.clock()
    exams = tuple({"started": e["started"], "finished": e["finished"], "score": e["score"],
                   "passed": (e["score"] is not None and e["score"] >= _pass_mark(learner, e))}
                  for e in learner.exams(trainee))
    return Report(trainee.name, topics, section_rows,
                  tuple(ProgressRow(rule, known[rule], level, -n) for level, n, rule in weakest),
                  len(cards), len(learner.due(trainee, now)), len(learner.due(trainee, now + timedelta(days=7))),
                  sum(learner.cases_done(trainee).values()), len(learner.attempts(trainee)), exams)


def bar(level: float, attempts: int) -> Text:
    if attempts == 0:
        return Text("·" * BAR + "   not yet", style="dim")
    filled = round(level * BAR)
    style = "green" if level >= 0.75 else "yellow" if level >= 0.5 else "red"
    return Text.assemble(("█" * filled, style), ("░" * (BAR - filled), "dim"), f" {level:4.0%}")


def _table(title: str, rows: tuple[ProgressRow, ...], first: str) -> Table:
    table = Table(title=title, expand=False)
    table.add_column(first)
    table.add_column("Mastery")
    table.add_column("Answers", justify="right")
    for r in rows:
        table.add_row(Text(r.title if r.title == r.key else f"{r.title} [{r.key}]"), bar(r.mastery, r.attempts),
                      str(r.attempts))
    return table


def print_report(rep: Report, console: Console) -> None:
    console.print(Text(f"Progress of {rep.trainee}: {rep.cases_done} case{'s' if rep.cases_done != 1 else ''}, "
                       f"{rep.attempts} answer{'s' if rep.attempts != 1 else ''}", style="bold"))
    console.print(_table("Mastery by topic", rep.topics, "Topic"))
    if rep.sections:
        console.print(_table("Mastery by guide section", rep.sections, "Section"))
    if rep.weakest_rules:
        console.print(_table("Weakest rules", rep.weakest_rules, "Rule"))
    console.print(Text(f"Review: {rep.due_now} items due now, {rep.due_week} within a week ({rep.review_rows} item "
                       "rows scheduled by FSRS)"))
    for e in rep.exams:
        passed = "passed" if e["passed"] else "not passed"
        state = "unfinished" if e["finished"] is None else f"{e['score']:.0%} {passed}"
        console.print(Text(f"Exam {e['started']}: {state}", style="dim"))
    if rep.due_now:
        console.print(Text(f"Next: ppp-expert train --trainee {rep.trainee}", style="cyan"))


def cohort(learner: Learner) -> list[dict[str, Any]]:
    """One summary per trainee."""
    rows = []
    for t in learner.trainees():
        topics = learner.mastery(t, "topic")
        seen = {k: v for k, v in topics.items() if v[1]}
        mean = sum(v[0] for v in seen.values()) / len(seen) if seen else 0.0
        weakest = min(seen.items(), key=lambda kv: (kv[1][0], kv[0]))[0] if seen else ""
        exams = learner.exams(t)
        last = exams[-1]["score"] if exams and exams[-1]["score"] is not None else None
        rows.append({"trainee": t.name, "cases": sum(learner.cases_done(t).values()),
                     "answers": len(learner.attempts(t)), "mastery": round(mean, 4), "weakest_topic": weakest,
                     "due": len(learner.due(t)), "last_exam": last})
    return rows


def print_cohort(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title=f"Cohort ({len(rows)} trainees)")
    for name in ("Trainee", "Cases", "Answers", "Mastery", "Weakest topic", "Due", "Last exam"):
        table.add_column(name, justify="right" if name in ("Cases", "Answers", "Due") else "left")
    for r in rows:
        exam = "-" if r["last_exam"] is None else f"{r['last_exam']:.0%}"
        table.add_row(Text(r["trainee"]), str(r["cases"]), str(r["answers"]), bar(r["mastery"], r["answers"]),
                      r["weakest_topic"] or "-", str(r["due"]), exam)
    console.print(table)


#: What a CSV export holds (one table each) and its columns when there is no row.
CSV_TABLES = {"mastery": ["trainee", "scope", "key", "mastery", "attempts"],
              "attempts": ["trainee", "exercise_id", "exercise_kind", "item_id"],
              "exams": ["trainee", "exam", "seed", "started", "finished", "score", "pass_mark", "passed", "items",
                        "answered", "skipped", "not_reached"],
              "items": ["item", "type", "topic", "trainees", "attempts", "difficulty", "discrimination"]}


def export(learner: Learner, fmt: str, with_attempts: bool = False, table: str = "mastery") -> str:
    """The cohort for a trainer: mastery per trainee and topic / section, the exams, the item
    analysis, optionally every attempt (JSON: all in one document; CSV: ``table``, or the attempts)."""

    rows = export_rows(learner, TOPICS)
    if fmt == "html":
        return cohort_page(cohort(learner), rows, exam_rows(learner), item_analysis(learner), TOPICS)
    if fmt == "json":
        data: dict[str, Any] = {"trainees": cohort(learner), "mastery": rows, "exams": exam_rows(learner),
                                "items": item_analysis(learner)}
        if with_attempts:
            data["attempts"] = [_attempt(learner, a) for a in learner.attempts()]
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    out = io.StringIO()
    table = "attempts" if with_attempts else table
    records = {"mastery": lambda: rows, "attempts": lambda: [_attempt(learner, a) for a in learner.attempts()],
               "exams": lambda: exam_rows(learner), "items": lambda: item_analysis(learner)}[table]()
    fields = list(records[0]) if records else CSV_TABLES[table]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else "" if v is None else v
                         for k, v in r.items()})
    return out.getvalue()


def _pass_mark(learner: Learner, exam: dict[str, Any]) -> float:
    plan = stored_json(learner.db, exam["plan"], f"the plan of exam {exam['id']}")
    mark = plan.get("pass_mark", 1) if isinstance(plan, dict) else 1
    return float(mark) if isinstance(mark, (int, float)) else 1.0


def _attempt(learner: Learner, a: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    where = f"attempt on {a['item_id']} in exercise {a['exercise_id']}"
    out["sections"] = stored_json(learner.db, out["sections"], f"the sections of an {where}")
    out["answer"] = stored_json(learner.db, out["answer"], f"the answer of an {where}")
    out["correct"] = bool(out["correct"])
    out["skipped"] = bool(out["skipped"])
    return out


def progress_of(kb: KnowledgeBase, db_path: str | None, trainee: str | None) -> Report | list[dict[str, Any]]:
    """The trainee's report; the cohort's rows when no trainee is named and the database has
    several (or none)."""
    with closing(open_learner(db_path, readonly=True)) as learner:
        if trainee is None and len(learner.trainees()) != 1:
            return cohort(learner)
        return report(learner, find_trainee(learner, trainee), kb)


def export_cohort(db_path: str | None, out_path: str | None, fmt: str | None, attempts: bool,
                  table: str = "mastery") -> str | None:
    """The cohort export (``fmt`` by default from the suffix of ``out_path``, else csv): written
    to ``out_path``, or returned as text when there is none."""
    suffix = out_path.lower().rsplit(".", 1)[-1] if out_path and "." in out_path else ""
    fmt = fmt or {"json": "json", "html": "html", "htm": "html"}.get(suffix, "csv")
    with closing(open_learner(db_path, readonly=True)) as learner:
        text = export(learner, fmt, attempts, table)
    if out_path is None:
        return text
    from ppp_expert.files import write_file

    if out_path == "":
        raise PPPExpertError("is empty; expected a file name", path="''", field="--out")
    write_file(Path(out_path), text, option="--out")
    return None
