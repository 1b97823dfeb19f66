"""The training database: migrations from an older schema, bad files, read-only and missing folders,
two trainees at once, and kill -9 in the middle of an answer (nothing lost, nothing doubled)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from ppp_expert.cli import main
from ppp_expert.train.learner import Learner
from ppp_expert.train.store import APPLICATION_ID, SCHEMA_VERSION, Database, TrainingDBError

#: Schema version 1 exactly as it was released (frozen here: a later change to the migrations
#: must still open a file written by it).
SCHEMA_V1 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trainees(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL);
CREATE TABLE exercises(id TEXT PRIMARY KEY, trainee_id INTEGER NOT NULL REFERENCES trainees(id), kind TEXT NOT NULL,
    case_id TEXT, seed INTEGER NOT NULL, kb_fingerprint TEXT NOT NULL, plan TEXT NOT NULL DEFAULT '{}',
    started TEXT NOT NULL, finished TEXT, score REAL);
CREATE INDEX exercises_trainee ON exercises(trainee_id, kind, finished);
CREATE TABLE attempts(id INTEGER PRIMARY KEY, attempt_key TEXT NOT NULL UNIQUE,
    trainee_id INTEGER NOT NULL REFERENCES trainees(id), exercise_id TEXT REFERENCES exercises(id),
    item_id TEXT NOT NULL, item_type TEXT NOT NULL, case_id TEXT, topic TEXT NOT NULL, sections TEXT NOT NULL,
    rules TEXT NOT NULL, answer TEXT NOT NULL, score REAL NOT NULL, correct INTEGER NOT NULL,
    skipped INTEGER NOT NULL DEFAULT 0, hints INTEGER NOT NULL, seconds REAL NOT NULL, kb_fingerprint TEXT NOT NULL,
    created TEXT NOT NULL);
CREATE INDEX attempts_trainee ON attempts(trainee_id, created);
CREATE TABLE mastery(trainee_id INTEGER NOT NULL REFERENCES trainees(id), scope TEXT NOT NULL, key TEXT NOT NULL,
    attempts INTEGER NOT NULL, score_sum REAL NOT NULL, level REAL NOT NULL, last TEXT NOT NULL,
    PRIMARY KEY(trainee_id, scope, key));
CREATE TABLE leitner(trainee_id INTEGER NOT NULL REFERENCES trainees(id), item_id TEXT NOT NULL, box INTEGER NOT NULL,
    due TEXT NOT NULL, last TEXT NOT NULL, PRIMARY KEY(trainee_id, item_id));
"""


def v1_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO meta VALUES ('created_by', 'ppp-expert train')")
    conn.execute("INSERT INTO trainees(name, created) VALUES ('ana', '2025-01-01T00:00:00Z')")
    conn.execute("INSERT INTO exercises(id, trainee_id, kind, case_id, seed, kb_fingerprint, started, finished, score) "
                 "VALUES ('e1', 1, 'case', 'x', 1, 'fp', '2025-01-01T00:00:00Z', '2025-01-01T00:10:00Z', 1.0)")
    conn.execute("INSERT INTO attempts(attempt_key, trainee_id, exercise_id, item_id, item_type, case_id, topic, "
                 "sections, rules, answer, score, correct, hints, seconds, kb_fingerprint, created) "
                 "VALUES ('e1/case/x/verdict', 1, 'e1', 'case/x/verdict', 'verdict', 'x', 'model-selection', "
                 "'[\"why-ppp\"]', '{}', '\"ppp\"', 1.0, 1, 0, 3.0, 'fp', '2025-01-01T00:05:00Z')")
    conn.execute("INSERT INTO mastery VALUES (1, 'topic', 'model-selection', 1, 1.0, 0.5, '2025-01-01T00:05:00Z')")
    conn.execute("INSERT INTO leitner VALUES (1, 'case/x/verdict', 2, '2025-01-02T00:05:00Z', '2025-01-01T00:05:00Z')")
    conn.commit()
    conn.close()


def test_a_version_1_database_is_migrated_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    v1_database(path)
    db = Database(path)
    assert db.version == SCHEMA_VERSION
    learner = Learner(db)
    ana = learner.trainee("ana")
    assert [a["item_id"] for a in learner.attempts(ana)] == ["case/x/verdict"]
    assert learner.mastery(ana, "topic") == {"model-selection": (round(1 / 3, 4), 1)}  # one right answer: 1/3
    assert learner.cards(ana) == {}  # the Leitner boxes of version 1 are not review cards
    assert learner.cases_done(ana) == {"x": 1}
    # What the newer schema added works on the migrated file.
    assert learner.add_case("new-case", "new.yaml", b"id: new-case\n")
    learner.put_summaries({"k": "{}"})
    assert learner.get_summaries(["k"]) == {"k": "{}"}
    db.close()
    assert Database(path).version == SCHEMA_VERSION  # opening again is a no-op


def test_a_new_database_is_created_with_missing_folders_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "training.db"
    db = Database(path)
    assert path.exists() and db.version == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


@pytest.mark.parametrize("content, message", [
    (b"this is not a database" * 200, "not a training database"),
    (b"", None),  # an empty file is a new database
])
def test_a_file_that_is_not_sqlite(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "t.db"
    path.write_bytes(content)
    if message is None:
        assert Database(path).version == SCHEMA_VERSION
        return
    with pytest.raises(TrainingDBError, match=message):
        Database(path)


def test_a_foreign_a_newer_and_a_damaged_database_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices(id)")
    conn.commit()
    conn.close()
    with pytest.raises(TrainingDBError, match="another program .tables: invoices"):
        Database(foreign)
    newer = tmp_path / "newer.db"
    Database(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(TrainingDBError, match="newer ppp-expert"):
        Database(newer)
    damaged = tmp_path / "damaged.db"
    learner = Learner(Database(damaged))
    for i in range(300):
        learner.add_trainee(f"trainee {i:03d} " + "x" * 40)
    learner.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    learner.db.close()
    raw = bytearray(damaged.read_bytes())
    raw[4096 * 2: 4096 * 2 + 2000] = os.urandom(2000)
    damaged.write_bytes(bytes(raw))
    with pytest.raises(TrainingDBError):
        Learner(Database(damaged)).trainees()


@pytest.mark.parametrize("setup, message", [
    ("junk", "not a training database"),
    ("newer", "newer ppp-expert"),
    ("foreign", "another program"),
    ("directory", "is not a file"),
])
def test_cli_bad_database_is_one_line_exit_2(runner: Any, tmp_path: Path, setup: str, message: str) -> None:
    path = tmp_path / "t.db"
    if setup == "junk":
        path.write_bytes(b"\x00garbage" * 500)
    elif setup == "newer":
        Database(path).close()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 99")
        conn.commit()
        conn.close()
    elif setup == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE photos(id)")
        conn.commit()
        conn.close()
    else:
        path.mkdir()
    for args in (["train", "--db", str(path), "--trainee", "ana", "--new"], ["train", "progress", "--db", str(path)],
                 ["train", "export", "--db", str(path)]):
        result = runner.invoke(main, args, input="")
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
        assert str(path) in lines[0]


def test_cli_missing_folder_that_cannot_be_created_is_one_line(runner: Any) -> None:
    result = runner.invoke(main, ["train", "--db", "/proc/no-such/training.db", "--trainee", "a", "--new"], input="")
    assert result.exit_code == 2 and "cannot create its folder" in result.output
    result = runner.invoke(main, ["train", "progress", "--db", "/nonexistent/training.db"])
    assert result.exit_code == 2 and "no training database here yet" in result.output


SCRIPT = Path(sys.executable).parent / "ppp-expert"


def test_read_only_folder_and_file(tmp_path: Path) -> None:
    """Progress and export read a database in a read-only folder; training there is a one-line error.

    As root (permissions do not stop root) the folder is made read-only by a read-only bind mount
    in a private mount namespace of the command alone; otherwise by its mode."""
    import shutil

    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "training.db"
    learner = Learner(Database(db))
    learner.add_trainee("ana")
    learner.db.close()
    env = dict(os.environ, NO_COLOR="1")
    root = os.geteuid() == 0

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(SCRIPT), *args]
        if root:
            inner = (f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && exec "
                     + " ".join(f"'{a}'" for a in command))
            command = ["unshare", "-m", "sh", "-c", inner]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    if root:
        if not shutil.which("unshare") or run("--version").returncode != 0:
            pytest.skip("cannot make a read-only folder for root here (unshare/mount not permitted)")
    else:
        os.chmod(db, 0o444)
        os.chmod(folder, 0o555)
    try:
        shown = run("train", "progress", "--db", str(db))
        assert shown.returncode == 0, shown.stderr
        assert "ana" in shown.stdout
        exported = run("train", "export", "--db", str(db), "--format", "json")
        assert exported.returncode == 0, exported.stderr
        assert json.loads(exported.stdout)["trainees"][0]["trainee"] == "ana"
        trained = run("train", "--db", str(db), "--trainee", "ana")
        assert trained.returncode == 2, trained.stdout + trained.stderr
        assert trained.stderr.count("\n") == 1 and "error: " in trained.stderr, trained.stderr
        assert "read-only" in trained.stderr or "cannot be written" in trained.stderr, trained.stderr
    finally:
        os.chmod(folder, 0o755)
        os.chmod(db, 0o644)


# ----------------------------------------------------------------------- concurrency, kill -9
WORKER = textwrap.dedent("""
    import sys
    from ppp_expert.api import default_kb
    from ppp_expert.train.casework import build_step
    from ppp_expert.train.grading import grade
    from ppp_expert.train.learner import Learner
    from ppp_expert.train.programme import load_programme
    from ppp_expert.train.solved import Solved
    from ppp_expert.train.store import Database

    db, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kb = default_kb()
    programme = load_programme(kb)
    solved = Solved(kb, programme.get(sorted(programme.cases)[0]))
    item = build_step(solved, 1, "risks", [])
    answer = {c.key: c.expected for c in item.claims}
    graded = grade(item, answer)
    learner = Learner(Database(db))
    trainee = learner.add_trainee(name)
    print("ready", flush=True)
    n = 0
    while count < 0 or n < count:
        exercise = learner.start_exercise(trainee, "review", n, "fp")
        learner.record(trainee, exercise, item, graded, answer, 0, 0.1, "fp")
        n += 1
    print("done", n, flush=True)
""")


def _worker(tmp_path: Path, db: Path, name: str, count: int) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    return subprocess.Popen([sys.executable, str(script), str(db), name, str(count)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def consistent(db: Path, name: str) -> int:
    """The attempts of a trainee, checked against the mastery and box rows written with them."""
    learner = Learner(Database(db))
    try:
        trainee = learner.trainee(name)
        attempts = learner.attempts(trainee)
        keys = [a["item_id"] + "@" + a["exercise_id"] for a in attempts]
        assert len(keys) == len(set(keys))
        topics = learner.mastery(trainee, "topic")
        total = sum(n for _, n in topics.values())
        assert total == len(attempts), (total, len(attempts))
        rules = learner.mastery(trainee, "rule")
        assert all(n == len(attempts) for _, n in rules.values())
        return len(attempts)
    finally:
        learner.db.close()


def test_two_trainees_train_at_once_on_one_database(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    Database(db).close()
    workers = [_worker(tmp_path, db, name, 25) for name in ("ana", "ben")]
    for w in workers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err[-2000:]
        assert "done 25" in out
    assert consistent(db, "ana") == 25 and consistent(db, "ben") == 25


def test_kill_9_in_the_middle_of_answers_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    Database(db).close()
    recorded = 0
    for round_ in range(3):
        worker = _worker(tmp_path, db, "ana", -1)
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read() if worker.stderr else ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05 + 0.03 * round_)
            # Progress only: the strict check waits until the writer is dead (separate reads of a
            # live database may straddle one of its transactions).
            probe = sqlite3.connect(db)
            try:
                written = probe.execute("SELECT count(*) FROM attempts").fetchone()[0]
            except sqlite3.OperationalError:
                written = 0
            finally:
                probe.close()
            if written > recorded + 3:
                break
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        now = consistent(db, "ana")  # every attempt has its mastery and box updates, none twice
        assert now > recorded
        recorded = now
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # Answering an item of an exercise again records nothing twice.
    learner = Learner(Database(db))
    ana = learner.trainee("ana")
    last = learner.attempts(ana)[-1]
    exercise = learner.exercise(last["exercise_id"])
    from ppp_expert.api import default_kb
    from ppp_expert.train.casework import build_step
    from ppp_expert.train.grading import grade
    from ppp_expert.train.programme import load_programme
    from ppp_expert.train.solved import Solved

    kb = default_kb()
    programme = load_programme(kb)
    item = build_step(Solved(kb, programme.get(sorted(programme.cases)[0])), 1, "risks", [])
    answer = {c.key: c.expected for c in item.claims}
    assert exercise is not None
    assert not learner.record(ana, exercise, item, grade(item, answer), answer, 0, 0.1, "fp")
    learner.db.close()
    assert consistent(db, "ana") == recorded
