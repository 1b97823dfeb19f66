"""`ppp-expert train` and `ppp-expert glossary` from the command line: piped sessions, JSON lines,
reproducible seeds, progress, export, the trainer's programme, exams, one-line errors, and a real
terminal session (pexpect) with hints, a wrong answer, quit and resume, and Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CASES, default_sigint
from pty_helpers import phrase

from ppp_expert.cli import main
from ppp_expert.kb.schema import PARTIES
from ppp_expert.train.casework import ALL_STEPS, build_step
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.items import Item
from ppp_expert.train.learner import Learner
from ppp_expert.train.programme import load_programme
from ppp_expert.train.solved import Solved
from ppp_expert.train.store import Database

SCRIPT = Path(sys.executable).parent / "ppp-expert"


@pytest.fixture(scope="module")
def programme(kb: Any) -> Any:
    return load_programme(kb)


@pytest.fixture(scope="module")
def catalogue(programme: Any) -> Catalogue:
    return Catalogue(programme)


def case_items(kb: Any, programme: Any, catalogue: Catalogue, case_id: str, seed: int) -> list[Item]:
    """The steps `train --case CASE --seed SEED` asks, built the way the tutor builds them."""
    solved = Solved(kb, programme.get(case_id))
    steps = [s for s in ALL_STEPS if s in catalogue.summary(case_id).steps]
    return [i for i in (build_step(solved, seed, s, catalogue.flags_elsewhere(case_id)) for s in steps) if i]


def lines_for(item: Item, right: bool = True) -> list[str]:
    numbers = {c.value: str(i) for i, c in enumerate(item.prompt.choices, 1)}
    kind = item.prompt.kind
    if kind == "matrix":
        return [numbers[c.expected if right else next(p for p in PARTIES if p != c.expected)] for c in item.claims]
    if kind == "multi":
        chosen = [c.key for c in item.claims if c.expected == right]
        return [" ".join(numbers[v] for v in chosen) or "none"]
    expected = item.claims[0].expected
    value = expected if right else next(c.value for c in item.prompt.choices if c.value != expected)
    return [numbers[value]]


def keys(data: Any) -> list[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(data, dict):
        return [k for key, value in data.items() for k in (key, *keys(value))]
    if isinstance(data, list):
        return [k for value in data for k in keys(value)]
    return []


def run(runner: Any, args: list[str], text: str = "", **env: str) -> Any:
    return runner.invoke(main, args, input=text, env={"NO_COLOR": "1", "COLUMNS": "100", **env})


def first_case(programme: Any) -> str:
    return sorted(programme.cases)[0]


# ----------------------------------------------------------------------------- sessions
def test_piped_session_works_a_whole_case_and_records_every_step(kb: Any, runner: Any, programme: Any,
                                                                 catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed, db = first_case(programme), 11, tmp_path / "t.db"
    items = case_items(kb, programme, catalogue, case_id, seed)
    text = "".join("\n".join(lines_for(i)) + "\n\n" for i in items)
    result = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed),
                          "--items", "0"], text)
    assert result.exit_code == 0, result.output
    assert "Case finished" in result.output and "Total" in result.output and "100%" in result.output
    learner = Learner(Database(db))
    attempts = learner.attempts(learner.trainee("ana"))
    assert [a["item_id"] for a in attempts] == [i.id for i in items]
    assert all(a["correct"] for a in attempts)
    assert len({a["kb_fingerprint"] for a in attempts}) == 1


def test_json_lines_give_every_graded_step_and_never_the_answer_before_it(
        kb: Any, runner: Any, programme: Any, catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed = first_case(programme), 4
    items = case_items(kb, programme, catalogue, case_id, seed)
    text = "\n".join(line for i in items for line in lines_for(i, right=False)) + "\n"
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--case", case_id,
                          "--seed", str(seed), "--items", "0", "--format", "json"], text)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    graded = [e for e in events if e["event"] == "graded"]
    assert [g["item"] for g in graded] == [i.id for i in items]
    for g, item in zip(graded, items):
        assert g["result"] in ("wrong", "partly right") and g["recorded"]
        assert g["feedback"]["claims"] and g["sections"] == list(item.sections)
        assert all(r["section"] for c in g["feedback"]["claims"] for r in c["rules"])
    expected_model = programme.get(case_id).case.expected.model if programme.get(case_id).case.expected else None
    before = events[: events.index(graded[0])]
    assert not any(key in ("expected", "answer", "feedback", "claims") for e in before for key in keys(e))
    brief = next(e for e in events if e["event"] == "brief")
    if expected_model:
        assert kb.models[expected_model].title.lower() not in brief["scenario"].lower()
    prompts = [e for e in events if e["event"] == "prompt"]
    assert prompts and all("choices" in p for p in prompts)


def test_the_same_seed_replays_the_same_session(runner: Any, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        result = run(runner, ["train", "--db", str(tmp_path / f"{name}.db"), "--trainee", "ana", "--new",
                              "--seed", "77", "--format", "json"], "1\n2\n")
        assert result.exit_code == 1, result.output  # input ended mid-exercise
        events = [json.loads(line) for line in result.output.splitlines()]
        outputs.append([{k: v for k, v in e.items() if k not in ("seconds", "exercise")} for e in events
                        if e["event"] != "note"])
    assert outputs[0] == outputs[1]
    graded = [e for e in outputs[0] if e["event"] == "graded"]
    assert len(graded) == 2


def test_quit_saves_and_the_case_resumes_where_it_stopped(kb: Any, runner: Any, programme: Any,
                                                          catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed, db = first_case(programme), 5, tmp_path / "t.db"
    items = case_items(kb, programme, catalogue, case_id, seed)
    first = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed)],
                "\n".join(lines_for(items[0])) + "\n\nquit\n")
    assert first.exit_code == 0 and "every answer so far is saved" in first.output
    second = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--items", "0"],
                 "".join("\n".join(lines_for(i)) + "\n\n" for i in items[1:]))
    assert second.exit_code == 0, second.output
    assert f"Resuming this case: 1 of {len(items)} steps already answered" in second.output
    learner = Learner(Database(db))
    attempts = learner.attempts(learner.trainee("ana"))
    assert [a["item_id"] for a in attempts] == [i.id for i in items]


def test_end_of_input_mid_case_exits_1_with_everything_saved(runner: Any, tmp_path: Path) -> None:
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--seed", "1"], "1\n")
    assert result.exit_code == 1 and "Input ended" in result.output
    assert "ppp-expert train --trainee ana" in result.output


def test_glossary_at_a_prompt_and_commands_that_do_not_answer(runner: Any, tmp_path: Path) -> None:
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--seed", "1"],
                 "glossary tupe\nglossary avilability payment\nwhy\nhelp\nprimer\nprimer risk-alocation\n7\nfoo\n")
    assert result.exit_code == 1
    out = result.output
    assert "Transfer of Undertakings" in out
    assert "did you mean 'Availability payment'" in out
    assert "Why this step" in out and "quit" in out
    assert "There is no choice 7" in out and "'foo' is not a choice here" in out
    assert "Primer: Model selection" in out  # the primer page of the step's topic
    assert "No primer page 'risk-alocation' (did you mean 'risk-allocation'?)" in out


def test_topic_and_section_curricula(runner: Any, tmp_path: Path, kb: Any) -> None:
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--seed", "2",
                          "--topic", "red-flags", "--format", "json"], "none\n\n")
    events = [json.loads(line) for line in result.output.splitlines()]
    prompts = [e for e in events if e["event"] == "prompt"]
    assert prompts and all(p["topic"] == "red-flags" for p in prompts)
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--seed", "2",
                          "--section", "faq-data-ip", "--format", "json", "--items", "2"], "")
    events = [json.loads(line) for line in result.output.splitlines()]
    prompts = [e for e in events if e["event"] == "prompt"]
    assert prompts and all("faq-data-ip" in p["sections"] for p in prompts)


@pytest.mark.parametrize("args, needle", [
    (["--trainee", "bob"], "unknown trainee 'bob'; expected one of ana"),
    (["--trainee", "anna"], "did you mean 'ana'"),
    (["--trainee", "ana", "--topic", "risk"], "expected one of model-selection, risk-allocation, red-flags"),
    (["--trainee", "ana", "--section", "faq-data"], "did you mean 'faq-data-ip'"),
    (["--trainee", "ana", "--case", "hmrc"], "no case 'hmrc' in the programme"),
])
def test_unknown_names_are_one_line_errors_listing_the_valid_ones(runner: Any, tmp_path: Path, args: list[str],
                                                                   needle: str) -> None:
    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    result = run(runner, ["train", "--db", str(db), *args])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and needle in result.output


def test_several_trainees_need_a_name(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    learner = Learner(Database(db))
    learner.add_trainee("ana")
    learner.add_trainee("ben")
    result = run(runner, ["train", "--db", str(db)])
    assert result.exit_code == 2 and "name one with --trainee: ana, ben" in result.output
    empty = run(runner, ["train", "--db", str(tmp_path / "empty.db")])
    assert empty.exit_code == 2 and "--trainee NAME --new" in empty.output


# ----------------------------------------------------------------------------- progress, export
def test_progress_shows_mastery_bars_and_what_is_due_and_the_cohort(kb: Any, runner: Any, programme: Any,
                                                                    catalogue: Catalogue, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    case_id, seed = first_case(programme), 3
    items = case_items(kb, programme, catalogue, case_id, seed)
    text = "".join("\n".join(lines_for(i, right=(n % 2 == 0))) + "\n\n" for n, i in enumerate(items))
    assert run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed),
                        "--items", "0"], text).exit_code == 0
    shown = run(runner, ["train", "progress", "--db", str(db), "--trainee", "ana"])
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "Mastery by topic" in out and "Mastery by guide section" in out and "Weakest rules" in out
    assert "█" in out and "░" in out and "not yet" in out
    assert re.search(r"Review: \d+ items due now, \d+ within a week \(\d+ item rows scheduled by FSRS\)", out)
    data = json.loads(run(runner, ["train", "progress", "--db", str(db), "--format", "json"]).output)
    assert data["trainee"] == "ana" and data["attempts"] == len(items) and data["due_now"] >= 1
    topics = {t["key"]: t for t in data["topics"]}
    assert topics["model-selection"]["attempts"] == sum(1 for i in items if i.topic == "model-selection")
    Learner(Database(db)).add_trainee("ben")
    cohort = run(runner, ["train", "progress", "--db", str(db)])
    assert "Cohort (2 trainees)" in cohort.output and "ben" in cohort.output


def test_export_writes_the_cohort_as_csv_and_json(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--seed", "8", "--items", "0"], "1\n\n2\n\n")
    out_csv = tmp_path / "cohort.csv"
    result = run(runner, ["train", "export", "--db", str(db), "--out", str(out_csv)])
    assert result.exit_code == 0, result.output
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "trainee,scope,key,mastery,attempts"
    assert any(r.startswith("ana,topic,model-selection,") and not r.endswith(",0") for r in rows)
    data = json.loads(run(runner, ["train", "export", "--db", str(db), "--format", "json", "--attempts"]).output)
    # every stored attempt is exported (a screening case has one graded step, others two or more)
    with sqlite3.connect(db) as stored:
        (count,) = stored.execute("select count(*) from attempts").fetchone()
    assert data["trainees"][0]["trainee"] == "ana" and len(data["attempts"]) == count >= 1
    assert {"item_id", "score", "hints", "seconds", "kb_fingerprint"} <= set(data["attempts"][0])
    attempts_csv = run(runner, ["train", "export", "--db", str(db), "--attempts"]).output.splitlines()
    assert attempts_csv[0].startswith("trainee,exercise_id") and len(attempts_csv) == count + 1


# ----------------------------------------------------------------------------- the trainer
def test_a_trainer_adds_a_case_file_and_it_joins_the_programme(kb: Any, runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    data = yaml.safe_load((CASES / "hmrc-aspire.yaml").read_text())
    data["id"] = "county-desktops-2030"
    data["title"] = "County desktop service"
    case_file = tmp_path / "county.yaml"
    case_file.write_text(yaml.safe_dump(data))
    added = run(runner, ["train", "add-case", str(case_file), "--db", str(db)])
    assert added.exit_code == 0, added.output
    assert "Added case 'county-desktops-2030'" in added.output
    listed = json.loads(run(runner, ["train", "cases", "--db", str(db), "--format", "json"]).output)
    mine = next(c for c in listed if c["id"] == "county-desktops-2030")
    assert mine["origin"] == "trainer" and mine["level"] in ("clear", "moderate", "hard")
    table = run(runner, ["train", "cases", "--db", str(db)]).output
    assert "county-desktops-2030 *" in table and "added by a trainer" in table
    session = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--case", "county-desktops-2030",
                           "--seed", "1", "--format", "json"], "1\n")
    brief = next(json.loads(line) for line in session.output.splitlines() if '"brief"' in line)
    assert brief["case"] == "county-desktops-2030"
    again = run(runner, ["train", "add-case", str(case_file), "--db", str(db)])
    assert again.exit_code == 2 and "--replace" in again.output
    assert run(runner, ["train", "add-case", str(case_file), "--db", str(db), "--replace"]).exit_code == 0
    data["id"] = "hmrc-aspire"
    clash = tmp_path / "clash.yaml"
    clash.write_text(yaml.safe_dump(data))
    result = run(runner, ["train", "add-case", str(clash), "--db", str(db)])
    assert result.exit_code == 2 and "shipped case" in result.output
    del data["narrative"]
    data["id"] = "no-story"
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(data))
    result = run(runner, ["train", "add-case", str(bare), "--db", str(db)])
    assert result.exit_code == 2 and "narrative" in result.output and result.output.count("\n") == 1
    removed = run(runner, ["train", "remove-case", "county-desktops-2030", "--db", str(db)])
    assert removed.exit_code == 0
    assert run(runner, ["train", "remove-case", "nope", "--db", str(db)]).exit_code == 2


# ----------------------------------------------------------------------------- exams
def test_an_exam_is_timed_without_hints_and_reports_a_pass_mark(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    base = ["train", "exam", "--db", str(db), "--trainee", "ana", "--items", "3", "--seed", "9"]
    result = run(runner, [*base, "--format", "json"], "hint\nskip\nskip\nskip\n")
    assert result.exit_code == 1, result.output  # all skipped: not passed
    events = [json.loads(line) for line in result.output.splitlines()]
    assert any(e["event"] == "note" and "No hints in an exam" in e["text"] for e in events)
    graded = [e for e in events if e["event"] == "graded"]
    assert len(graded) == 3 and all("feedback" not in g and "claims" not in g for g in graded)
    report = next(e for e in events if e["event"] == "summary")
    assert report["passed"] is False and report["score"] == 0 and report["pass_mark"] == 0.7
    # The same seed gives the same items to another trainee.
    Learner(Database(db)).add_trainee("ben")
    other = run(runner, ["train", "exam", "--db", str(db), "--trainee", "ben", "--items", "3", "--seed", "9",
                         "--format", "json"], "skip\nskip\nskip\n")
    items_ben = [json.loads(line)["item"] for line in other.output.splitlines() if '"prompt"' in line]
    assert items_ben == [g["item"] for g in graded]


def test_an_interrupted_exam_resumes_and_closes_when_its_time_is_up(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    base = ["train", "exam", "--db", str(db), "--trainee", "ana", "--items", "3", "--seed", "4", "--minutes", "5"]
    first = run(runner, base, "skip\nquit\n")
    assert first.exit_code == 1 and "exam clock keeps running" in first.output
    conn = sqlite3.connect(db)
    conn.execute("UPDATE exercises SET started = '2000-01-01T00:00:00Z' WHERE kind = 'exam'")
    conn.commit()
    conn.close()
    late = run(runner, base, "")
    assert late.exit_code == 1, late.output
    assert "Time ran out" in late.output and "NOT PASSED" in late.output
    learner = Learner(Database(db))
    attempts = learner.attempts(learner.trainee("ana"))
    assert len(attempts) == 3 and all(a["skipped"] for a in attempts)


# ----------------------------------------------------------------------------- glossary command
def test_glossary_looks_terms_up_by_name_alias_or_id_in_any_case(runner: Any) -> None:
    for query in ("TUPE", "tupe", "transfer of undertakings (protection of employment) regulations 2006",
                  "step in rights", "cpi-x"):
        result = run(runner, ["glossary", query])
        assert result.exit_code == 0, (query, result.output)
    data = json.loads(run(runner, ["glossary", "psc", "--format", "json"]).output)
    assert data["id"] and data["definition"]
    missing = run(runner, ["glossary", "swiss chalenge"])
    assert missing.exit_code == 2 and "did you mean 'Swiss challenge'" in missing.output
    listed = run(runner, ["glossary", "--topic", "risk-allocation"])
    assert listed.exit_code == 0 and "Glossary (" in listed.output
    bad_topic = run(runner, ["glossary", "--topic", "risks"])
    assert bad_topic.exit_code == 2 and "risk-allocation" in bad_topic.output
    primer = run(runner, ["glossary", "--primer", "red-flags"])
    assert primer.exit_code == 0 and "Terms:" in primer.output
    assert run(runner, ["glossary", "--primer", "nope"]).exit_code == 2


def test_a_malformed_glossary_is_a_one_line_error(tmp_path: Path) -> None:
    from ppp_expert.content.texts import ContentError, load_glossary

    bad = tmp_path / "glossary.yaml"
    bad.write_text("terms:\n  - term: X\n    id: x\n    definition: ''\n")
    with pytest.raises(ContentError, match=r"terms.x.definition: expected non-empty text"):
        load_glossary(bad)


# ----------------------------------------------------------------------------- real terminal
pexpect = pytest.importorskip("pexpect")


def _spawn(args: list[str], tmp_path: Path, no_color_env: bool = True) -> Any:
    env = dict(os.environ, COLUMNS="110", TERM="xterm", XDG_DATA_HOME=str(tmp_path / "xdg"))
    env.pop("NO_COLOR", None)
    if no_color_env:
        env["NO_COLOR"] = "1"
    return pexpect.spawn(str(SCRIPT), args, env=env, encoding="utf-8", timeout=60, dimensions=(60, 110),
                         preexec_fn=default_sigint)


@pytest.mark.pty
@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_real_terminal_case_with_hints_a_wrong_answer_quit_and_resume(kb: Any, programme: Any,
                                                                       catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed = first_case(programme), 21
    items = case_items(kb, programme, catalogue, case_id, seed)
    verdict, model, risks = items[0], items[1], items[2]
    child = _spawn(["train", "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed), "--items", "0"],
                   tmp_path)
    verdict_prompt = f"Answer [1-{len(verdict.prompt.choices)}"  # the four outcomes
    child.expect(phrase("Case: "))
    child.expect(phrase(verdict_prompt))
    child.sendline("hint")
    child.expect(r"Hint")
    child.expect(phrase(verdict_prompt))
    child.sendline(lines_for(verdict, right=False)[0])              # a wrong answer
    child.expect(phrase("Not right"))
    child.expect(phrase("Feedback ["))
    child.sendline("more")
    deciding = verdict.claims[0].deciding[0].rule
    child.expect(re.escape(deciding))
    child.expect(re.escape(f"[{kb.rule(deciding).source}]"))
    child.expect(phrase("Feedback ["))
    child.sendline("answer")
    child.expect(phrase("The engine's answer"))
    child.expect(phrase("Feedback ["))
    child.sendline("")
    child.expect(phrase("Answer [1-6"))
    child.sendline(lines_for(model)[0])
    child.expect(r"Right\.")
    child.expect(phrase("Feedback ["))
    child.sendline("")
    child.expect(re.escape(risks.prompt.rows[0].label) + r" \[1-3")
    child.sendline("hint")
    child.expect(r"Hint")
    child.expect(phrase("[1-3 or a command]"))
    child.sendline("quit")
    child.expect(phrase("every answer so far is saved"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    db = tmp_path / "xdg" / "ppp-expert" / "training.db"
    learner = Learner(Database(db))
    attempts = learner.attempts(learner.trainee("ana"))
    assert [(a["item_id"], a["hints"], bool(a["correct"])) for a in attempts] == \
        [(verdict.id, 1, False), (model.id, 0, True)]
    learner.db.close()

    child = _spawn(["train", "--trainee", "ana", "--items", "0"], tmp_path)
    child.expect(f"Resuming this case: 2 of {len(items)} steps already answered")
    for item in items[2:]:
        for line in lines_for(item):
            child.expect(r"(Answer \[|or a command\]: )")
            child.sendline(line)
        child.expect(r"Right\.")
        child.expect(phrase("Feedback ["))
        child.sendline("")
    child.expect(phrase("Case finished"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    output = child.before or ""
    assert not re.search(r"\x1b\[(3[0-8]|4[0-8]|9[0-7])[;m]", output)  # NO_COLOR: bold maybe, colour never
    learner = Learner(Database(db))
    attempts = learner.attempts(learner.trainee("ana"))
    assert [a["item_id"] for a in attempts] == [i.id for i in items]  # nothing lost, nothing twice


@pytest.mark.pty
@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_ctrl_c_saves_and_exits_130(kb: Any, programme: Any, catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed = first_case(programme), 2
    items = case_items(kb, programme, catalogue, case_id, seed)
    child = _spawn(["train", "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed), "--no-color"],
                   tmp_path, no_color_env=False)
    child.expect(phrase(f"Answer [1-{len(items[0].prompt.choices)}"))
    assert not re.search(r"\x1b\[(3[0-8]|4[0-8]|9[0-7])[;m]", child.before or "")  # --no-color on a terminal
    child.sendline(lines_for(items[0])[0])
    child.expect(phrase("Feedback ["))
    child.sendline("")
    child.expect(phrase("Answer [1-6"))
    child.sendintr()
    child.expect(phrase("Interrupted; every answer so far is saved"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    learner = Learner(Database(tmp_path / "xdg" / "ppp-expert" / "training.db"))
    assert [a["item_id"] for a in learner.attempts(learner.trainee("ana"))] == [items[0].id]


def test_a_stored_trainer_case_that_no_longer_fits_says_how_to_mend_it(runner: Any, tmp_path: Path) -> None:
    """A trainer case checked against an older knowledge base: one line naming it and the way out."""
    db = tmp_path / "t.db"
    learner = Learner(Database(db))
    learner.add_trainee("ana")
    learner.add_case("old-case", "old.yaml", b"id: old-case\nnarrative: A story.\nanswers:\n  no_such_question: 1\n")
    learner.db.close()
    result = run(runner, ["train", "--db", str(db), "--trainee", "ana"])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "old.yaml" in result.output and "remove-case old.yaml" in result.output
    assert run(runner, ["train", "remove-case", "old.yaml", "--db", str(db)]).exit_code == 0
    assert run(runner, ["train", "cases", "--db", str(db)]).exit_code == 0


def test_input_ending_after_the_last_answer_still_finishes_the_case(kb: Any, runner: Any, programme: Any,
                                                                    catalogue: Catalogue, tmp_path: Path) -> None:
    case_id, seed, db = first_case(programme), 12, tmp_path / "t.db"
    items = case_items(kb, programme, catalogue, case_id, seed)
    text = "\n\n".join("\n".join(lines_for(i)) for i in items)  # no Enter after the last answer
    result = run(runner, ["train", "--db", str(db), "--trainee", "ana", "--new", "--case", case_id, "--seed", str(seed),
                          "--items", "0"], text)
    assert result.exit_code == 0 and "Case finished" in result.output, result.output
    learner = Learner(Database(db))
    assert learner.unfinished(learner.trainee("ana"), "case") is None


def test_the_terminal_draws_every_kind_of_tutor_event() -> None:
    """Each event class has its drawing in the terminal's one table, so no event goes unshown."""
    from ppp_expert.train import events as ev
    from ppp_expert.train.tutor_terminal import _DRAW

    kinds = {c for c in vars(ev).values() if isinstance(c, type) and issubclass(c, ev.Event) and c is not ev.Event}
    assert kinds <= set(_DRAW), sorted(c.__name__ for c in kinds - set(_DRAW))


# ----------------------------------------------------------------------------- issue 25 defects
@pytest.mark.parametrize("topic", ["model-selection", "risk-allocation", "red-flags", "structuring", "governance",
                                   "procurement", "implementation"])
def test_every_topic_asks_items_of_its_own(runner: Any, tmp_path: Path, topic: str) -> None:
    """`--topic implementation` used to ask nothing and exit 0."""
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--seed", "3",
                          "--topic", topic, "--items", "2", "--format", "json"], "skip\n" * 20)
    events = [json.loads(line) for line in result.output.splitlines()]
    prompts = [e for e in events if e["event"] == "prompt"]
    assert prompts and all(p["topic"] == topic for p in prompts), (topic, result.output[-400:])
    assert len([e for e in events if e["event"] == "graded"]) == len(prompts)


def test_an_unfinished_case_does_not_override_what_is_asked_for(runner: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    first = run(runner, ["train", "--db", db, "--trainee", "ana", "--new", "--seed", "3", "--items", "0",
                         "--format", "json"], "quit\n")
    started = next(json.loads(line) for line in first.output.splitlines() if '"prompt"' in line)
    # Asking for a topic: its own steps, not the unfinished case's verdict.
    topic = run(runner, ["train", "--db", db, "--trainee", "ana", "--topic", "red-flags", "--items", "0",
                         "--format", "json"], "none\n")
    prompts = [json.loads(line) for line in topic.output.splitlines() if '"prompt"' in line]
    assert prompts and all(p["topic"] == "red-flags" for p in prompts)
    assert "kept for later" in topic.output
    # A plain resume still finds the unfinished case.
    plain = run(runner, ["train", "--db", db, "--trainee", "ana", "--items", "0", "--format", "json"], "")
    resumed = next(json.loads(line) for line in plain.output.splitlines() if '"prompt"' in line)
    assert resumed["item"] == started["item"]


def test_an_unfinished_exam_does_not_override_another_seed(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    base = ["train", "exam", "--db", str(db), "--trainee", "ana", "--items", "3", "--format", "json"]
    first = run(runner, [*base, "--seed", "4"], "quit\n")
    items_4 = [json.loads(line)["item"] for line in first.output.splitlines() if '"prompt"' in line]
    other = run(runner, [*base, "--seed", "5"], "skip\nskip\nskip\n")
    items_5 = [json.loads(line)["item"] for line in other.output.splitlines() if '"prompt"' in line]
    fresh = run(runner, ["train", "exam", "--db", str(tmp_path / "u.db"), "--trainee", "ana", "--items", "3",
                         "--seed", "5", "--format", "json"], "skip\nskip\nskip\n") if Learner(
        Database(tmp_path / "u.db")).add_trainee("ana") else None
    assert fresh is not None
    assert items_5 == [json.loads(line)["item"] for line in fresh.output.splitlines() if '"prompt"' in line]
    assert items_5 != items_4[:len(items_5)] and "closed with the answers it had" in other.output
    debrief = next(json.loads(line) for line in other.output.splitlines() if '"debrief"' in line)
    assert len(debrief["items"]) == 3 and all(d["answer"] and d["sections"] for d in debrief["items"])


def test_a_screening_no_rule_decides_is_taught_without_an_outcome_step(kb: Any, runner: Any, programme: Any,
                                                                        catalogue: Catalogue, tmp_path: Path) -> None:
    """No evidence and no gate (the need itself is unknown): no rule explains the outcome, so the
    tutor does not grade one; the case is still worked on the steps a rule decides (its red flags)."""
    case_id = "uk-digital-id-2025-screening"
    solved = Solved(kb, programme.get(case_id))
    assert solved.advice.appropriate.verdict == "insufficient_information" and not solved.advice.appropriate.reasons
    assert build_step(solved, 3, "verdict", []) is None
    assert "verdict" not in catalogue.summary(case_id).steps and catalogue.summary(case_id).steps
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--case", case_id,
                          "--seed", "3", "--items", "0", "--format", "json"], "1\n" * 10)
    graded = [e for e in (json.loads(line) for line in result.output.splitlines()) if e["event"] == "graded"]
    assert graded and all(e["type"] != "verdict" for e in graded)
    assert "red_flags" in {e["type"] for e in graded}


def test_the_catalogue_lists_exactly_the_steps_the_tutor_builds_and_a_case_with_none_is_not_worked(
        kb: Any, runner: Any, programme: Any, catalogue: Catalogue, tmp_path: Path) -> None:
    """A screening whose answers let no rule decide its outcome, model or flags has no step: the
    tutor never picks it, and asked for it by name says so instead of an empty exercise."""
    empty = []
    for case_id in programme.cases:
        solved, summary = Solved(kb, programme.get(case_id)), catalogue.summary(case_id)
        for step in ("verdict", "model", "risks", "red_flags"):
            built = build_step(solved, 3, step, catalogue.flags_elsewhere(case_id))
            assert (built is not None) == (step in summary.steps), (case_id, step)
        if not summary.steps:
            empty.append(case_id)
    assert empty == ["sri-lanka-digital-id-2022-screening"]
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--case", empty[0],
                          "--seed", "3", "--items", "2", "--format", "json"], "1\n" * 10)
    events = [json.loads(line) for line in result.output.splitlines()]
    assert any(e["event"] == "note" and "has no step to work" in e["text"] for e in events)
    assert not any(e["event"] == "brief" for e in events)
    for seed in range(8):  # never picked for a trainee with nothing asked for
        picked = run(runner, ["train", "--db", str(tmp_path / f"s{seed}.db"), "--trainee", "b", "--new",
                              "--seed", str(seed), "--items", "0", "--format", "json"], "")
        briefs = [json.loads(line) for line in picked.output.splitlines() if '"event": "brief"' in line]
        assert briefs and briefs[0]["case"] != empty[0]
