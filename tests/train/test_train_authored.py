"""`ppp-expert train add-items`: a trainer's own items and overrides of the engine's items, from
a YAML file validated like the knowledge base (one-line errors, exit 2, nothing stored), used by
the real tutor: asked in reviews and exams, graded with the trainer's key and feedback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_train_cli import run

from ppp_expert.train.learner import Learner
from ppp_expert.train.store import Database

GOOD = """\
items:
  - id: gateway-review
    topic: governance
    sections: [governance]
    question: Who chairs the review before the contract is awarded?
    context: [A county is about to sign a ten-year managed-service contract.]
    choices: {sro: The senior responsible owner, bidder: The preferred bidder, auditor: The external auditor}
    answer: sro
    accept: {auditor: 0.5}
    feedback: The owner answers for the business case; the review reports to them.
overrides:
  - item: ar/*
    retire: true
  - item: case/*/verdict
    note: Read the gates before the evidence.
"""


def test_a_trainer_item_is_asked_graded_with_its_key_and_its_feedback(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    content = tmp_path / "county-items.yaml"
    content.write_text(GOOD)
    added = run(runner, ["train", "add-items", str(content), "--db", str(db)])
    assert added.exit_code == 0 and "1 item(s), 2 override(s)" in added.output
    Learner(Database(db)).add_trainee("ana")
    result = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--topic", "governance", "--items", "8",
                          "--seed", "2", "--format", "json"], "skip\n" * 3 + "1\n" * 12)
    events = [json.loads(line) for line in result.output.splitlines()]
    prompts = [e for e in events if e["event"] == "prompt"]
    assert not any(p["item"].startswith("ar/") for p in prompts)  # retired by the trainer
    mine = [e for e in events if e["event"] == "graded" and e["item"] == "trainer/gateway-review"]
    assert mine, [p["item"] for p in prompts]
    text = json.dumps(mine[0])
    assert "reports to them" in text  # the trainer's feedback
    exam = run(runner, ["train", "exam", "--db", str(db), "--trainee", "ana", "--topic", "governance",
                        "--items", "6", "--seed", "1", "--format", "json"], "skip\n" * 6)
    assert not any('"item": "ar/' in line for line in exam.output.splitlines() if '"prompt"' in line)


@pytest.mark.parametrize("text, needle", [
    ("items: [{id: x, topic: nope, question: q, choices: {a: A, b: B}, answer: a, feedback: f}]",
     "items.0.topic: expected one of model-selection"),
    ("items: [{id: x, topic: governance, question: q, choices: {a: A, b: B}, answer: c, feedback: f}]",
     "answer 'c' is not one of the choices (a, b)"),
    ("items: [{id: x, topic: governance, question: q, choices: {a: A, b: B}, answer: a, feedback: f, colour: red}]",
     "items.0.colour"),
    ("overrides: [{item: 'case/*/verdict'}]", "an override needs key, accept, note or retire"),
    ("items: [{id: x, topic: governance, sections: [nowhere], question: q, choices: {a: A, b: B}, answer: a, "
     "feedback: f}]", "unknown guide section 'nowhere'"),
    ("- just a list", "expected a mapping with 'items' and/or 'overrides'"),
    ("items: [{id: x, topic: governance, question: !!python/object:os.system q, choices: {a: A}, answer: a}]",
     "county.yaml"),
])
def test_a_bad_content_file_is_one_line_exit_2_and_nothing_stored(runner: Any, tmp_path: Path, text: str,
                                                                  needle: str) -> None:
    db = tmp_path / "t.db"
    bad = tmp_path / "county.yaml"
    bad.write_text(text)
    result = run(runner, ["train", "add-items", str(bad), "--db", str(db)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "county.yaml" in lines[0], result.output
    assert not db.exists() or Learner(Database(db)).trainer_content() == []


def test_an_override_replaces_a_key_and_accepts_another_answer(kb: Any, tmp_path: Path) -> None:
    from test_train import make_tutor

    from ppp_expert.train.authored import Authored, parse_authored
    from ppp_expert.train.grading import grade
    from ppp_expert.train.programme import load_programme

    programme = load_programme(kb)
    tutor, _ = make_tutor(kb, programme, tmp_path, [])
    case_id = sorted(programme.cases)[0]
    item = tutor.step_item(case_id, 5, "verdict")
    other = next(c.value for c in item.prompt.choices if c.value != item.claims[0].expected)
    spec = (f"overrides:\n  - item: case/{case_id}/verdict\n    key: {other}\n"
            f"    accept: {{{item.claims[0].expected}: 0.5}}\n")
    tutor.authored = Authored([parse_authored(spec.encode(), "o.yaml")])
    changed = tutor.step_item(case_id, 5, "verdict")
    assert grade(changed, other).correct
    assert grade(changed, item.claims[0].expected).score == 0.5
    assert "Key set by the trainer" in changed.claims[0].answer_text
    assert tutor.item_by_id(changed.id, 9) is not None and grade(tutor.item_by_id(changed.id, 9), other).correct
