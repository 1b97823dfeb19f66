"""The learner model: trainees, exercises, attempts, mastery per rule / topic / guide section, and
the review cards (FSRS, one per item row), on top of the training database.

Every answer is one transaction: the attempt row, the mastery rows it moves and its review cards
are written together or not at all. An attempt's key is its exercise and item, unique in the
table, so an answer retried after an interruption is never recorded twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from ppp_expert import files
from ppp_expert.train.grading import Grade
from ppp_expert.train.items import Item
from ppp_expert.train.review_cards import review, rows_of
from ppp_expert.train.store import Database, TrainingDBError, default_db_path

Clock = Callable[[], datetime]
NAME_MAX = 64
#: A review card due this soon counts as due now.
DUE_AHEAD = timedelta(hours=1)


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def stored_json(db: Database, text: Any, what: str) -> Any:
    """A JSON column as written by ``record``; a damaged value is a one-line error, not a crash."""
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        raise _damaged(db, f"{what} is not valid JSON") from None


def stored_stamp(db: Database, text: Any, what: str) -> datetime:
    """A time column as written by ``stamp``; a damaged value is a one-line error, not a crash."""
    try:
        return parse_stamp(text)
    except (TypeError, ValueError):
        raise _damaged(db, f"{what} is not a time like 2024-01-31T12:00:00Z") from None


def _damaged(db: Database, what: str) -> TrainingDBError:
    return TrainingDBError(f"is damaged ({what}); restore a copy or choose another --db", path=str(db.path))


def lock_trainee(learner: "Learner", trainee: "Trainee") -> files.FileLock:
    """One session per trainee and database at a time: an exclusive lock beside the database (as
    ``ask`` locks a session file); a second session is refused in one line naming the process that
    holds it. Two sessions would both resume the same exercise and drop one's answers."""
    path = learner.db.path
    digest = hashlib.sha256(trainee.name.encode("utf-8")).hexdigest()[:16]
    lock = files.FileLock(path.parent / f".{path.name}.{digest}.lock", f"the training of '{trainee.name}' in this "
                          "database", hint="finish or quit that session first (one session per trainee at a time)")
    return lock.acquire()


def mastery_step(level: float, attempts_before: int, score: float) -> float:
    """Move a mastery level towards a new score: the first answers count a lot, later ones at
    least 30%, so old mistakes fade and recent ones show."""
    weight = max(0.3, 1.0 / (attempts_before + 2))
    return round(level + weight * (score - level), 4)


#: Answers' worth of evidence a mastery starts from (at zero): one right answer is not mastery.
MASTERY_PRIOR = 2


def honest_mastery(level: float, attempts: int, score_sum: float) -> float:
    """Mastery never above what the answers support: the recent level (recent answers weigh
    most), but at most the share of credit over all answers with ``MASTERY_PRIOR`` answers' worth
    of doubt (8 right after 7 wrong: at most 8/17, not the 96% recent answers alone suggest)."""
    return round(min(level, score_sum / (attempts + MASTERY_PRIOR)), 4) if attempts else 0.0


@dataclass(frozen=True)
class Trainee:
    id: int
    name: str


@dataclass(frozen=True)
class Exercise:
    id: str
    trainee_id: int
    kind: str
    case_id: str | None
    seed: int
    kb_fingerprint: str
    plan: dict[str, Any]
    started: str
    finished: str | None


class Learner:
    """The learner-model operations the tutor needs, on an open ``Database``."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self.db = db
        self.clock = clock

    def close(self) -> None:  # ``with closing(open_learner(...))``: closed however the work ends
        self.db.close()

    # ------------------------------------------------------------------ trainees
    def trainees(self) -> list[Trainee]:
        return [Trainee(r["id"], r["name"]) for r in self.db.query("SELECT id, name FROM trainees ORDER BY name")]

    def trainee(self, name: str) -> Trainee:
        """A known trainee by name; unknown names are a one-line error listing the valid ones."""
        rows = self.db.query("SELECT id, name FROM trainees WHERE name = ?", (name,))
        if rows:
            return Trainee(rows[0]["id"], rows[0]["name"])
        names = [t.name for t in self.trainees()]
        from ppp_expert.kb.sources import suggest

        known = f"expected one of {', '.join(names)}" if names else "no trainees yet"
        raise TrainingDBError(f"unknown trainee '{name}'{suggest(name, names)}; {known} "
                              "(add a new trainee with --new)", field="--trainee")

    def add_trainee(self, name: str) -> Trainee:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX or not name.isprintable():
            raise TrainingDBError(f"expected a printable name of 1 to {NAME_MAX} characters, got {name!r}",
                                  field="--trainee")
        with self.db.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO trainees(name, created) VALUES (?, ?)", (name, stamp(self.clock())))
        return self.trainee(name)

    # ----------------------------------------------------------------- exercises
    def start_exercise(self, trainee: Trainee, kind: str, seed: int, kb_fingerprint: str,
                       case_id: str | None = None, plan: dict[str, Any] | None = None) -> Exercise:
        exercise = Exercise(uuid.uuid4().hex, trainee.id, kind, case_id, seed, kb_fingerprint, plan or {},
                            stamp(self.clock()), None)
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO exercises(id, trainee_id, kind, case_id, seed, kb_fingerprint, plan, started) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (exercise.id, trainee.id, kind, case_id, seed, kb_fingerprint,
                          json.dumps(exercise.plan, sort_keys=True), exercise.started))
        return exercise

    def _exercise(self, row: Any) -> Exercise:
        return Exercise(row["id"], row["trainee_id"], row["kind"], row["case_id"], row["seed"], row["kb_fingerprint"],
                        stored_json(self.db, row["plan"], f"the plan of exercise {row['id']}"), row["started"],
                        row["finished"])

    def unfinished(self, trainee: Trainee, kind: str) -> Exercise | None:
        """The trainee's latest unfinished exercise of a kind (a quit or interrupted case)."""
        rows = self.db.query("SELECT * FROM exercises WHERE trainee_id = ? AND kind = ? AND finished IS NULL "
                             "ORDER BY started DESC, rowid DESC LIMIT 1", (trainee.id, kind))
        return self._exercise(rows[0]) if rows else None

    def exercise(self, exercise_id: str) -> Exercise | None:
        rows = self.db.query("SELECT * FROM exercises WHERE id = ?", (exercise_id,))
        return self._exercise(rows[0]) if rows else None

    def finish(self, exercise: Exercise, score: float | None) -> None:
        with self.db.transaction() as conn:
            conn.execute("UPDATE exercises SET finished = ?, score = ? WHERE id = ? AND finished IS NULL",
                         (stamp(self.clock()), score, exercise.id))

    def answered(self, exercise: Exercise) -> dict[str, dict[str, Any]]:
        """Item id -> its recorded attempt (score, answer ...) in this exercise."""
        rows = self.db.query("SELECT item_id, score, correct, skipped, answer, hints FROM attempts "
                             "WHERE exercise_id = ? ORDER BY id", (exercise.id,))
        return {r["item_id"]: {"score": r["score"], "correct": bool(r["correct"]), "skipped": bool(r["skipped"]),
                               "answer": stored_json(self.db, r["answer"], f"an answer in exercise {exercise.id}"),
                               "hints": r["hints"]} for r in rows}

    def cases_done(self, trainee: Trainee) -> dict[str, int]:
        """Case id -> how many case exercises of it the trainee finished."""
        rows = self.db.query("SELECT case_id, count(*) AS n FROM exercises WHERE trainee_id = ? AND kind = 'case' "
                             "AND finished IS NOT NULL GROUP BY case_id", (trainee.id,))
        return {r["case_id"]: r["n"] for r in rows}

    def finished_scores(self, trainee: Trainee, kind: str = "case") -> list[float]:
        rows = self.db.query("SELECT score FROM exercises WHERE trainee_id = ? AND kind = ? AND finished IS NOT NULL "
                             "AND score IS NOT NULL ORDER BY finished", (trainee.id, kind))
        return [r["score"] for r in rows]

    # ------------------------------------------------------------------ attempts
    def record(self, trainee: Trainee, exercise: Exercise, item: Item, grade: Grade, answer: Any, hints: int,
               seconds: float, kb_fingerprint: str) -> bool:
        """Record one graded answer with its mastery and review-card (FSRS) updates, in one transaction.
        Returns False (and changes nothing) when this exercise already has an answer for the item."""
        now = stamp(self.clock())
        rule_scores = rule_scores_of(item, grade)
        key = f"{exercise.id}/{item.id}"
        with self.db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO attempts(attempt_key, trainee_id, exercise_id, item_id, item_type, case_id, "
                "topic, sections, rules, answer, score, correct, skipped, hints, seconds, kb_fingerprint, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, trainee.id, exercise.id, item.id, item.type, item.case, item.topic,
                 json.dumps(list(item.sections)), json.dumps(rule_scores, sort_keys=True),
                 json.dumps(answer, sort_keys=True), grade.score, int(grade.correct), int(grade.skipped), hints,
                 round(seconds, 3), kb_fingerprint, now))
            if cursor.rowcount == 0:
                return False
            conn.execute("DELETE FROM drafts WHERE exercise_id = ? AND item_id = ?", (exercise.id, item.id))
            updates = [("topic", item.topic, grade.score)]
            updates += [("section", s, grade.score) for s in item.sections]
            updates += [("rule", r, s) for r, s in rule_scores.items()]
            for scope, key_, score in updates:
                row = conn.execute("SELECT attempts, level FROM mastery WHERE trainee_id = ? AND scope = ? AND key = ?",
                                   (trainee.id, scope, key_)).fetchone()
                before, level = (row[0], row[1]) if row else (0, 0.0)
                conn.execute("INSERT INTO mastery(trainee_id, scope, key, attempts, score_sum, level, last) "
                             "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT(trainee_id, scope, key) DO UPDATE SET "
                             "attempts = attempts + 1, score_sum = score_sum + excluded.score_sum, "
                             "level = excluded.level, last = excluded.last",
                             (trainee.id, scope, key_, score, mastery_step(level, before, score), now))
            for key_, claim in rows_of(item, grade):  # one FSRS card per item row
                row = conn.execute("SELECT card, reviews FROM review_cards WHERE trainee_id = ? AND card_key = ?",
                                   (trainee.id, key_)).fetchone()
                card, due_at = review(row[0] if row else None, claim, grade, hints, self.clock())
                conn.execute("INSERT INTO review_cards(trainee_id, card_key, item_id, card, due, reviews) "
                             "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(trainee_id, card_key) DO UPDATE SET "
                             "card = excluded.card, due = excluded.due, reviews = reviews + 1",
                             (trainee.id, key_, item.id, card, stamp(due_at)))
        return True

    def save_draft(self, exercise: Exercise, item_id: str, rows: dict[str, Any]) -> None:
        """Keep the rows of a matrix typed so far: quit, Ctrl-C or a crash before its last row
        loses none of them, and the item resumes at the first row not yet answered."""
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO drafts(exercise_id, item_id, answer) VALUES (?, ?, ?) ON CONFLICT(exercise_id, "
                         "item_id) DO UPDATE SET answer = excluded.answer",
                         (exercise.id, item_id, json.dumps(rows, sort_keys=True)))

    def draft(self, exercise: Exercise, item_id: str) -> dict[str, Any]:
        rows = self.db.query("SELECT answer FROM drafts WHERE exercise_id = ? AND item_id = ?", (exercise.id, item_id))
        if not rows:
            return {}
        found = stored_json(self.db, rows[0]["answer"], f"the draft of {item_id} in exercise {exercise.id}")
        return found if isinstance(found, dict) else {}

    # ------------------------------------------------------------------ reading
    def mastery(self, trainee: Trainee, scope: str) -> dict[str, tuple[float, int]]:
        """Key -> (mastery, attempts) for one scope (rule, topic or section): the one mastery every
        view shows (``honest_mastery``)."""
        rows = self.db.query("SELECT key, level, attempts, score_sum FROM mastery WHERE trainee_id = ? AND scope = ?",
                             (trainee.id, scope))
        return {r["key"]: (honest_mastery(r["level"], r["attempts"], r["score_sum"]), r["attempts"]) for r in rows}

    def cards(self, trainee: Trainee) -> dict[str, tuple[str, datetime, int]]:
        """Card key (item row) -> (its item id, when it is due, reviews so far)."""
        rows = self.db.query("SELECT card_key, item_id, due, reviews FROM review_cards WHERE trainee_id = ?",
                             (trainee.id,))
        return {r["card_key"]: (r["item_id"], stored_stamp(self.db, r["due"], f"the due time of {r['card_key']}"),
                                r["reviews"]) for r in rows}

    def seen(self, trainee: Trainee) -> set[str]:
        """Every item the trainee has a review card for."""
        return {r["item_id"] for r in self.db.query("SELECT DISTINCT item_id FROM review_cards WHERE trainee_id = ?",
                                                     (trainee.id,))}

    def due(self, trainee: Trainee, now: datetime | None = None) -> list[str]:
        """Items with a row due for review (or due within ``DUE_AHEAD``: a row answered wrongly
        comes back in the same sitting), the longest overdue first."""
        moment = stamp((now or self.clock()) + DUE_AHEAD)
        rows = self.db.query("SELECT item_id, min(due) AS first FROM review_cards WHERE trainee_id = ? AND due <= ? "
                             "GROUP BY item_id ORDER BY first, item_id", (trainee.id, moment))
        return [r["item_id"] for r in rows]

    def attempts(self, trainee: Trainee | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT t.name AS trainee, a.exercise_id, e.kind AS exercise_kind, a.item_id, a.item_type, a.case_id, "
               "a.topic, a.sections, a.answer, a.score, a.correct, a.skipped, a.hints, a.seconds, a.kb_fingerprint, "
               "a.created FROM attempts a JOIN trainees t ON t.id = a.trainee_id "
               "LEFT JOIN exercises e ON e.id = a.exercise_id")
        params: tuple = ()
        if trainee is not None:
            sql += " WHERE a.trainee_id = ?"
            params = (trainee.id,)
        return [dict(r) for r in self.db.query(sql + " ORDER BY a.id", params)]

    def exams(self, trainee: Trainee | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT t.name AS trainee, e.id, e.seed, e.started, e.finished, e.score, e.plan FROM exercises e "
               "JOIN trainees t ON t.id = e.trainee_id WHERE e.kind = 'exam'")
        params: tuple = ()
        if trainee is not None:
            sql += " AND e.trainee_id = ?"
            params = (trainee.id,)
        return [dict(r) for r in self.db.query(sql + " ORDER BY e.started", params)]

    # ------------------------------------------------------------ trainer cases
    def add_case(self, case_id: str, name: str, content: bytes, replace: bool = False) -> bool:
        """Store a trainer's case file in the programme; False if one with this id was replaced."""
        sha = hashlib.sha256(content).hexdigest()
        with self.db.transaction() as conn:
            exists = conn.execute("SELECT 1 FROM programme_cases WHERE case_id = ?", (case_id,)).fetchone()
            if exists and not replace:
                raise TrainingDBError(f"case '{case_id}' is already in the programme; add it with --replace to "
                                      "update it", field="case")
            conn.execute("INSERT OR REPLACE INTO programme_cases(case_id, name, content, sha256, added) "
                         "VALUES (?, ?, ?, ?, ?)", (case_id, name, content, sha, stamp(self.clock())))
        return not exists

    def remove_case(self, case_id: str) -> None:
        """Remove a trainer case by its id or by the file name it was added from (a file that no
        longer fits the knowledge base has no readable id)."""
        with self.db.transaction() as conn:
            deleted = conn.execute("DELETE FROM programme_cases WHERE case_id = ? OR name = ?", (case_id, case_id))
            if deleted.rowcount == 0:
                names = [r[0] for r in conn.execute("SELECT case_id FROM programme_cases ORDER BY case_id")]
                raise TrainingDBError(f"no trainer case '{case_id}'; expected one of {', '.join(names) or '(none)'}",
                                      field="case")

    # ---------------------------------------------------------- case summaries
    def get_summaries(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.query(f"SELECT key, data FROM case_summaries WHERE key IN ({marks})", tuple(chunk)):
                found[r["key"]] = r["data"]
        return found

    def put_summaries(self, entries: dict[str, str]) -> None:
        """Cache case summaries (skipped on a read-only database: they are only a cache)."""
        if self.db.readonly or not entries:
            return
        with self.db.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO case_summaries(key, data) VALUES (?, ?)", sorted(entries.items()))

    def add_content(self, name: str, content: bytes, replace: bool = False) -> bool:
        """Store a trainer's item and override file; False if one with this name was replaced."""
        with self.db.transaction() as conn:
            exists = conn.execute("SELECT 1 FROM trainer_content WHERE name = ?", (name,)).fetchone()
            if exists and not replace:
                raise TrainingDBError(f"trainer content '{name}' is already stored; add it with --replace to update "
                                      "it", field="file")
            conn.execute("INSERT OR REPLACE INTO trainer_content(name, content, sha256, added) VALUES (?, ?, ?, ?)",
                         (name, content, hashlib.sha256(content).hexdigest(), stamp(self.clock())))
        return not exists

    def remove_content(self, name: str) -> None:
        with self.db.transaction() as conn:
            if conn.execute("DELETE FROM trainer_content WHERE name = ?", (name,)).rowcount == 0:
                names = [r[0] for r in conn.execute("SELECT name FROM trainer_content ORDER BY name")]
                raise TrainingDBError(f"no trainer content '{name}'; expected one of {', '.join(names) or '(none)'}",
                                      field="name")

    def trainer_content(self) -> list[tuple[str, bytes]]:
        """``(name, content)`` of every trainer content file, in the order they were added."""
        rows = self.db.query("SELECT name, content FROM trainer_content ORDER BY added, name")
        return [(r["name"], bytes(r["content"])) for r in rows]

    def trainer_cases(self) -> list[tuple[str, bytes]]:
        """``(name, content)`` of every case a trainer added, in the order they were added."""
        rows = self.db.query("SELECT name, content FROM programme_cases ORDER BY added, case_id")
        return [(r["name"], bytes(r["content"])) for r in rows]


def open_learner(db_path: str | None, readonly: bool = False) -> Learner:
    """The learner model on the training database (``--db`` or the default path)."""
    return Learner(Database(Path(db_path) if db_path is not None else default_db_path(), readonly=readonly))


def find_trainee(learner: Learner, name: str | None, new: bool = False) -> Trainee:
    """The trainee named (registered first with ``new``), or the only one in the database."""
    if new:
        if not name:
            raise TrainingDBError("--new needs a name: --trainee NAME --new", field="--trainee")
        return learner.add_trainee(name)
    if name:
        return learner.trainee(name)
    known = learner.trainees()
    if len(known) == 1:
        return known[0]
    if not known:
        raise TrainingDBError("no trainees yet; start with --trainee NAME --new", field="--trainee")
    raise TrainingDBError(f"several trainees; name one with --trainee: {', '.join(t.name for t in known)}",
                          field="--trainee")


def rule_scores_of(item: Item, grade: Grade) -> dict[str, float]:
    """Rule id -> the mean score of the claims it decides in this answer."""
    totals: dict[str, list[float]] = {}
    for claim, graded in zip(item.claims, grade.claims):
        for backing in claim.deciding:
            totals.setdefault(backing.rule, []).append(graded.score)
    return {rule: round(sum(s) / len(s), 4) for rule, s in totals.items()}
