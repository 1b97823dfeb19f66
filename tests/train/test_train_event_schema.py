"""`train --format json` is a contract: `ppp-expert schema --of train-events` describes every line
that real practice sessions and exams write (real tutor, real knowledge base, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ppp_expert.cli import main

jsonschema = pytest.importorskip("jsonschema")

#: Commands a trainee types at the first prompt, then answers: every kind of event appears.
COMMANDS = "help\nhint\nwhy\nbrief\nglossary step-in rights\nprimer\nguide\nnonsense\n"


def _events(runner: Any, args: list[str], text: str) -> list[dict[str, Any]]:
    result = runner.invoke(main, args, input=text, env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert result.exit_code in (0, 1), result.output  # 1: input ended mid-exercise, or an exam not passed
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def validator(tmp_path_factory: Any) -> Any:
    from click.testing import CliRunner

    schema = json.loads(CliRunner().invoke(main, ["schema", "--of", "train-events"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _invalid(validator: Any, events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["event"], err.message[:200]) for e in events for err in validator.iter_errors(e)]


def test_every_line_of_practice_sessions_and_an_exam_follows_the_schema(runner: Any, validator: Any,
                                                                          tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    events: list[dict[str, Any]] = []
    for n, seed in enumerate((3, 11, 2024)):
        who = ["--trainee", f"t{seed}", "--new"]
        answers = COMMANDS + "".join(f"{1 + i % 3}\n\n" for i in range(40)) if n == 0 else "1\n\n" * 40
        events += _events(runner, ["train", "--db", db, *who, "--seed", str(seed), "--items", "4",
                                   "--format", "json"], answers)
    events += _events(runner, ["train", "exam", "--db", db, "--trainee", "t3", "--items", "4", "--seed", "5",
                               "--format", "json"], "hint\n" + "1\n" * 30)
    assert _invalid(validator, events) == []
    seen = {e["event"] for e in events}
    assert {"note", "brief", "terms", "example", "prompt", "row", "retry", "help", "hint", "why", "primer", "guide",
            "glossary", "graded", "summary", "debrief"} <= seen, seen
    assert any(e["event"] == "graded" and "feedback" in e for e in events)  # practice: feedback travels along
    assert any(e["event"] == "graded" and "feedback" not in e for e in events)  # exam: withheld until the debrief


def test_the_schema_rejects_what_the_tutor_does_not_write(validator: Any) -> None:
    note = {"event": "note", "text": "Resuming this case."}
    assert not list(validator.iter_errors(note))
    assert list(validator.iter_errors({**note, "answer": "ppp"}))  # an undeclared field
    assert list(validator.iter_errors({"event": "verdict", "text": "ppp"}))  # an unknown event
    assert list(validator.iter_errors({"event": "row", "item": "x", "row": "design", "label": "Design",
                                       "number": 0, "total": 6}))  # rows count from 1


def test_train_progress_json_follows_its_schema_for_a_trainee_and_a_cohort(runner: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    schema = json.loads(CliRunner().invoke(main, ["schema", "--of", "train-progress"]).stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    db = str(tmp_path / "t.db")
    _events(runner, ["train", "--db", db, "--trainee", "ana", "--new", "--seed", "4", "--format", "json"], "1\n\n" * 20)
    _events(runner, ["train", "exam", "--db", db, "--trainee", "ana", "--items", "3", "--seed", "5",
                     "--format", "json"], "1\n" * 10)
    _events(runner, ["train", "--db", db, "--trainee", "ben", "--new", "--seed", "9", "--format", "json"], "")
    progress = ["train", "progress", "--db", db, "--format", "json"]
    one = json.loads(runner.invoke(main, [*progress, "--trainee", "ana"]).stdout)
    everyone = json.loads(runner.invoke(main, progress).stdout)
    assert one["trainee"] == "ana" and one["exams"] and one["attempts"] > 0
    assert [r["trainee"] for r in everyone] == ["ana", "ben"]
    for data in (one, everyone):
        assert [e.message[:200] for e in validator.iter_errors(data)] == []
    assert list(validator.iter_errors({**one, "mastery": 0.5}))  # an undeclared field
    # The trainer's other outputs on the same database: the programme and the export.
    for name, args in (("train-cases", ["train", "cases", "--db", db, "--format", "json"]),
                       ("train-export", ["train", "export", "--db", db, "--format", "json", "--attempts"]),
                       ("train-export", ["train", "export", "--db", db, "--format", "json"])):
        other = jsonschema.Draft202012Validator(json.loads(CliRunner().invoke(main, ["schema", "--of", name]).stdout))
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data and [e.message[:200] for e in other.iter_errors(data)] == [], args
        if name == "train-export":
            assert data["exams"] and data["items"] and ("attempts" in data) == ("--attempts" in args)
