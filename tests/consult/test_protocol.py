"""`ppp-expert ask --format json`: the JSON-lines protocol, driven the way a front end drives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.cli import main
from ppp_expert.consult.protocol import protocol_json_schema
from ppp_expert.kb.conditions import UNKNOWN

SCRIPT = Path(sys.executable).parent / "ppp-expert"
CASE = CASES / "firstnet-public-safety-network.yaml"
VALIDATOR = jsonschema.Draft202012Validator(protocol_json_schema())


def events(output: str) -> list[dict[str, Any]]:
    """Every stdout line is one JSON event that the published schema accepts."""
    parsed = [json.loads(line) for line in output.splitlines() if line.strip()]
    for event in parsed:
        VALIDATOR.validate(event)
    return parsed


class Driver:
    """Answers each question event from a case file, as a front end would, in a real process."""

    def __init__(self, args: list[str], answers: dict[str, Any], stop_after: int | None = None) -> None:
        self.proc = subprocess.Popen([str(SCRIPT), "ask", "--format", "json", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.answers = answers
        self.stop_after = stop_after
        self.seen: list[dict[str, Any]] = []

    def run(self) -> int:
        assert self.proc.stdin and self.proc.stdout
        answered = 0
        for line in self.proc.stdout:
            event = json.loads(line)
            VALIDATOR.validate(event)
            self.seen.append(event)
            if event["event"] != "question":
                continue
            if self.stop_after is not None and answered == self.stop_after:
                self.proc.stdin.close()  # the end of input: the session is kept
                continue
            self.proc.stdin.write(f"{self.answers.get(event['id'], UNKNOWN)}\n")
            self.proc.stdin.flush()
            answered += 1
        return self.proc.wait(timeout=60)


def test_the_schema_is_a_valid_json_schema_and_printed_by_the_cli(runner) -> None:
    jsonschema.Draft202012Validator.check_schema(protocol_json_schema())
    result = runner.invoke(main, ["schema", "--of", "ask-events"])
    assert result.exit_code == 0 and json.loads(result.output) == protocol_json_schema()


@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_a_front_end_drives_a_whole_consultation_in_a_real_process(kb, tmp_path: Path) -> None:
    case = load_case(CASE, kb)
    session = tmp_path / "s.yaml"
    driver = Driver(["--save", str(session)], case.answers)
    assert driver.run() == 0, driver.proc.stderr.read() if driver.proc.stderr else ""
    kinds = [e["event"] for e in driver.seen]
    assert kinds[0] == "question" and kinds[-1] == "done"
    questions = [e for e in driver.seen if e["event"] == "question"]
    assert [q["asked"] for q in questions] == list(range(1, len(questions) + 1))
    assert all(q["why"] for q in questions)  # every deciding question says what it decides
    advice = [e for e in driver.seen if e["event"] == "advice"]
    settled = [e for e in advice if e["stage"] == "settled"]
    assert advice[0]["stage"] == "interim" and len(settled) == 1
    whole = evaluate(case, kb)
    done = driver.seen[-1]
    expected = (whole.appropriate.verdict, whole.recommendation.model if whole.recommendation.determined else None)
    assert (settled[0]["verdict"], settled[0]["model"]) == (done["verdict"], done["model"]) == expected
    assert done["session"] == str(session) and done["asked"] == len(questions)
    assert load_case(session, kb).asked == len(questions)


def test_resume_continues_the_count_of_questions(kb, runner, tmp_path: Path) -> None:
    case = load_case(CASE, kb)
    session = tmp_path / "s.yaml"
    first = runner.invoke(main, ["ask", "--format", "json", "--save", str(session)], input="evolving\nunknown\n")
    assert first.exit_code == 1  # input ended before the advice was settled
    out = events(first.stdout)
    assert [e["asked"] for e in out if e["event"] == "question"] == [1, 2, 3]
    assert out[-1]["event"] == "error" and "--resume" in out[-1]["message"]
    saved = yaml.safe_load(session.read_text())
    assert saved["consultation"] == {"asked": 2} and len(saved["answers"]) == 2
    script = "\n".join(str(case.answers.get(q, UNKNOWN)) for q in kb.questions) + "\n"
    resumed = runner.invoke(main, ["ask", "--format", "json", "--resume", str(session)], input=script)
    later = events(resumed.stdout)
    assert [e for e in later if e["event"] == "question"][0]["asked"] == 3


def test_a_bad_answer_gets_an_error_event_and_the_same_question_again(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["ask", "--format", "json", "--save", str(tmp_path / "s.yaml")],
                           input="comodity\nwhy\nglossary PSC\nevolving\n")
    out = events(result.stdout)
    questions = [e for e in out if e["event"] == "question"]
    errors = [e for e in out if e["event"] == "error"]
    assert "Did you mean 'commodity'?" in errors[0]["message"]
    assert "not available in the JSON protocol" in errors[1]["message"]
    assert "not available in the JSON protocol" in errors[2]["message"]
    assert questions[0]["id"] == questions[1]["id"] == questions[2]["id"] == questions[3]["id"]
    assert questions[4]["asked"] == 2 and questions[4]["id"] != questions[0]["id"]


def test_quit_and_back_in_the_protocol(kb, runner, tmp_path: Path) -> None:
    session = tmp_path / "s.yaml"
    result = runner.invoke(main, ["ask", "--format", "json", "--save", str(session)],
                           input="evolving\nback\nexploratory\nquit\n")
    assert result.exit_code == 0
    out = events(result.stdout)
    assert any(e["event"] == "note" and e["message"].startswith("Undid need_type") for e in out)
    done = out[-1]
    assert done["event"] == "done" and done["quit"] and not done["settled"]
    assert yaml.safe_load(session.read_text())["answers"] == {"need_type": "exploratory"}


def test_bad_options_are_an_error_event_and_exit_2(runner, tmp_path: Path) -> None:
    (tmp_path / "m.html").write_text("x")
    result = runner.invoke(main, ["ask", "--format", "json", "--save", str(tmp_path / "s.yaml"),
                                  "--memo", str(tmp_path / "m.html")], input="")
    assert result.exit_code == 2
    assert events(result.stdout)[0]["event"] == "error" and "already exists" in result.stderr
    wrong = runner.invoke(main, ["ask", "--save", str(tmp_path / "t.yaml"), "--memo", str(tmp_path / "m.pdf")])
    assert wrong.exit_code == 2 and "expected a file name ending in .html" in wrong.output


def test_the_memo_is_written_at_the_end(kb, runner, tmp_path: Path) -> None:
    case = load_case(CASE, kb)
    script = "\n".join(str(case.answers.get(q, UNKNOWN)) for q in kb.questions) + "\n"
    memo = tmp_path / "memo.md"
    result = runner.invoke(main, ["ask", "--format", "json", "--save", str(tmp_path / "s.yaml"),
                                  "--answers", str(CASE), "--memo", str(memo)], input=script)
    assert result.exit_code == 0, result.output
    done = events(result.stdout)[-1]
    assert done["memo"] == str(memo) and memo.read_text().startswith("#")
