"""One lock per trainee, and a training database that never crashes a command: defects 5, 14, 15
and the --db part of 22 of the second adversarial review."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import bounded_in_time, one_line_error  # noqa: F401  (an autouse fixture)

from ppp_expert.cli import main
from ppp_expert.train.learner import Learner
from ppp_expert.train.store import Database

SCRIPT = Path(sys.executable).parent / "ppp-expert"
CASE = ROOT / "cases" / "hmrc-aspire.yaml"


def train(db: Path, *args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.Popen[str]:
    return subprocess.Popen([str(SCRIPT), "train", "--db", str(db), "--format", "json", *args], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, NO_COLOR="1"))


# ------------------------------------------------------------------------------ defect 5
def test_defect5_a_second_session_of_the_same_trainee_is_refused(tmp_path) -> None:
    db = tmp_path / "t.db"
    first = train(db, "--trainee", "ana", "--new", stdin=subprocess.PIPE)
    assert first.stdout is not None and first.stdin is not None
    for _ in range(500):  # until the first session waits for an answer
        line = first.stdout.readline()
        assert line, first.stderr.read() if first.stderr else ""
        if '"prompt"' in line or "question" in line.lower():
            break
    try:
        second = train(db, "--trainee", "ana")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2, (out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
        assert "already" in lines[0] and "'ana'" in lines[0] and f"process {first.pid}" in lines[0], lines[0]
        other = train(db, "--trainee", "bo", "--new")  # another trainee trains at the same time
        out, err = other.communicate(timeout=120)
        assert "already" not in err and other.returncode in (0, 1), err
    finally:
        first.communicate(timeout=120)  # closes its input: the first session ends
    again = train(db, "--trainee", "ana")  # the lock went with the first session
    out, err = again.communicate(timeout=120)
    assert "already" not in err and again.returncode in (0, 1), err
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")] == []


# ----------------------------------------------------------------------------- defect 14
def damaged_db(tmp_path: Path, answer: str = '{"a": 1}', due: str = "2030-01-01T00:00:00Z") -> Path:
    db = tmp_path / "t.db"
    learner = Learner(Database(db))
    who = learner.add_trainee("ana")
    exercise = learner.start_exercise(who, "review", 1, "fp")
    learner.db.close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO attempts(attempt_key, trainee_id, exercise_id, item_id, item_type, topic, sections, "
                     "rules, answer, score, correct, hints, seconds, kb_fingerprint, created) VALUES "
                     "('k', ?, ?, 'item-1', 'mcq', 'risk', '[]', '{}', ?, 1, 1, 0, 1.0, 'fp', '2024-01-01T00:00:00Z')",
                     (who.id, exercise.id, answer))
        conn.execute("INSERT INTO review_cards(trainee_id, card_key, item_id, card, due, reviews) VALUES "
                     "(?, 'item-1', 'item-1', '{}', ?, 1)", (who.id, due))
    return db


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_defect14_a_damaged_answer_is_one_line_not_a_crash(runner, tmp_path, fmt) -> None:
    db = damaged_db(tmp_path, answer="{not json")
    result = runner.invoke(main, ["train", "export", "--db", str(db), "--attempts", "--format", fmt])
    one_line_error(result, str(db), "is damaged", "not valid JSON")


def test_defect14_a_damaged_due_date_is_one_line_not_a_crash(runner, tmp_path) -> None:
    db = damaged_db(tmp_path, due="next tuesday")
    result = runner.invoke(main, ["train", "progress", "--db", str(db), "--trainee", "ana"])
    one_line_error(result, str(db), "is damaged", "due time")


def test_defect14_an_intact_database_still_exports(runner, tmp_path) -> None:
    db = damaged_db(tmp_path)
    result = runner.invoke(main, ["train", "export", "--db", str(db), "--attempts", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"item_id": "item-1"' in result.stdout


# ----------------------------------------------------------------------------- defect 15
@pytest.mark.parametrize("command", [[], ["exam"]])
def test_defect15_a_seed_too_large_is_bad_input(runner, tmp_path, command) -> None:
    db = damaged_db(tmp_path)
    result = runner.invoke(main, ["train", *command, "--db", str(db), "--trainee", "ana",
                                  "--seed", "99999999999999999999"], input="")
    assert result.exit_code == 2, result.output
    assert "--seed" in result.stderr and "internal error" not in result.output


# ----------------------------------------------------------------------------- defect 22
@pytest.mark.parametrize("command", [["progress"], ["export"], ["add-case", str(CASE)], []])
def test_defect22_an_empty_db_is_refused_not_the_default(runner, tmp_path, monkeypatch, command) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = runner.invoke(main, ["train", *command, "--db", ""])
    one_line_error(result, "is empty")
    assert not (tmp_path / "data").exists()
