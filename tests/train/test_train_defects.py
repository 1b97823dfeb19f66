"""`ppp-expert train`: the defects a trainer found (issue 25), each reproduced on the real tutor
with the shipped knowledge base: a skipped risk table, typed rows lost on quit, an exam that took
answers after its time, ids whose rows changed with the seed, circular reasons, a topic that
asked nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_train import Script, answer_lines, make_tutor

from ppp_expert.train import events as ev
from ppp_expert.train.programme import load_programme
from ppp_expert.train.provider import Quit
from ppp_expert.train.solved import circular, plain_reason


@pytest.fixture(scope="module")
def programme(kb: Any) -> Any:
    return load_programme(kb)


def risk_case(tutor: Any, programme: Any) -> tuple[str, Any]:
    for case_id in sorted(programme.cases):
        item = tutor.step_item(case_id, tutor.seed, "risks")
        if item is not None and len(item.prompt.rows) >= 5:
            return case_id, item
    raise AssertionError("no case with a risk table")


def test_skip_on_a_risk_row_keeps_the_rows_already_answered(kb: Any, programme: Any, tmp_path: Path) -> None:
    tutor, script = make_tutor(kb, programme, tmp_path, [])
    case_id, item = risk_case(tutor, programme)
    exercise = tutor.learner.start_exercise(tutor.trainee, "case", tutor.seed, "fp", case_id, {"steps": ["risks"]})
    right = answer_lines(item)
    script.lines = right[:3] + ["skip", ""]
    tutor.run_case(exercise)
    graded = script.of(ev.Graded)[0]
    assert not graded.grade.skipped
    assert sorted(graded.answer) == sorted(r.key for r in item.prompt.rows[:3])
    by_row = {c.key: c.score for c in graded.grade.claims}
    assert [by_row[r.key] for r in item.prompt.rows[:3]] == [1.0, 1.0, 1.0]
    assert all(by_row[r.key] == 0 for r in item.prompt.rows[3:]) and 0 < graded.grade.score < 1


def test_typed_risk_rows_survive_a_quit_and_the_table_resumes_at_the_next_row(kb: Any, programme: Any,
                                                                              tmp_path: Path) -> None:
    tutor, script = make_tutor(kb, programme, tmp_path, [])
    case_id, item = risk_case(tutor, programme)
    exercise = tutor.learner.start_exercise(tutor.trainee, "case", tutor.seed, "fp", case_id, {"steps": ["risks"]})
    right = answer_lines(item)
    script.lines = right[:2] + ["quit"]
    with pytest.raises(Quit):
        tutor.run_case(exercise)
    assert not script.of(ev.Graded)
    tutor.learner.db.close()

    tutor2, script2 = make_tutor(kb, programme, tmp_path, [])
    again = tutor2.learner.unfinished(tutor2.trainee, "case")
    assert again is not None and again.id == exercise.id
    script2.lines = right[2:] + [""]
    tutor2.run_case(again)
    rows_asked = [e.row.key for e in script2.of(ev.AskRow)]
    assert rows_asked == [r.key for r in item.prompt.rows[2:]]  # the first two are not asked again
    graded = script2.of(ev.Graded)[0]
    assert graded.grade.correct and len(graded.answer) == len(item.prompt.rows)
    assert not tutor2.learner.draft(again, item.id)  # the draft goes with the recorded answer


def test_an_exam_answer_after_its_time_is_not_counted(kb: Any, programme: Any, tmp_path: Path) -> None:
    from ppp_expert.train.exam import ExamPlan, run_exam

    tutor, script = make_tutor(kb, programme, tmp_path, [])
    items = [tutor.step_item(c, 5, "verdict") for c in sorted(programme.cases)[:3]]
    clock = [0.0]
    tutor.monotonic = lambda: clock[0]  # type: ignore[method-assign]
    plan = ExamPlan(tuple(i.id for i in items), 1.0, 0.5)
    exam = tutor.learner.start_exercise(tutor.trainee, "exam", 5, "fp", None, plan.to_plan())

    class Slow(Script):
        def read(self, prompt: str) -> str:
            clock[0] += 45.0  # each answer takes 45 s of a 60 s exam
            return super().read(prompt)

    slow = Slow([line for i in items for line in answer_lines(i)])
    tutor.provider = slow
    summary = run_exam(tutor, exam, items)
    results = [r[1] for r in summary.rows]
    assert results[0] == "right"
    assert results[1] == "skipped"  # given at 90 s: refused
    assert results[2] == "skipped"  # never asked
    assert any("Time is up" in n.text for n in slow.of(ev.NoteShown))
    debrief = slow.of(ev.Debrief)
    assert debrief and len(debrief[0].entries) == 3
    for entry, item in zip(debrief[0].entries, items):
        assert entry.answer and entry.rules and entry.sections
        assert all(not circular(title, why) for _, title, why in entry.rules)
        assert {s for s, _ in entry.sections} <= set(item.sections) | {kb.rule(r).source for r, _, _ in entry.rules}


def test_a_risk_step_id_names_its_rows_and_comes_back_the_same_whatever_the_seed(kb: Any, programme: Any,
                                                                                tmp_path: Path) -> None:
    tutor, _ = make_tutor(kb, programme, tmp_path, [])
    for case_id in sorted(programme.cases)[:8]:
        for step in ("risks", "red_flags", "advice:implementation"):
            item = tutor.step_item(case_id, 3, step)
            if item is None:
                continue
            other = tutor.step_item(case_id, 4, step)
            keys = sorted(c.key for c in item.claims)
            assert "+".join(keys) in item.id
            for seed in (4, 77):
                again = tutor.item_by_id(item.id, seed)
                assert again is not None and sorted(c.key for c in again.claims) == keys
            if other is not None and sorted(c.key for c in other.claims) != keys:
                assert other.id != item.id  # different rows, a different schedule entry


def test_no_reason_repeats_its_rule_title(kb: Any) -> None:
    """61 rules used to give their title as their reason ('why' said the same thing twice)."""
    assert not [r.id for r in kb.rules if circular(r.title, plain_reason(kb, r))]


def test_the_exam_blueprint_holds_over_100_draws(kb: Any, programme: Any, tmp_path: Path) -> None:
    """Each exam has the published number of items per topic (the exam used to draw 7 of 12 from
    model selection and none from governance, procurement or implementation), no guide section
    as the main source of more than its cap, and one seed is one fixed exam."""
    from collections import Counter

    from ppp_expert.train.blueprint import TOPIC_SHARES, main_section, quotas
    from ppp_expert.train.study_plan import exam_items

    tutor, _ = make_tutor(kb, programme, tmp_path, [])
    blueprint = quotas(12)
    assert dict(blueprint.topics) == {"model-selection": 3, "risk-allocation": 2, "red-flags": 2, "structuring": 2,
                                      "governance": 1, "procurement": 1, "implementation": 1}
    assert abs(sum(s for _, s in TOPIC_SHARES) - 1) < 1e-9
    kinds: Counter[str] = Counter()
    for seed in range(100):
        items = exam_items(tutor, 12, seed, None, None)
        assert len(items) == 12 and len({i.id for i in items}) == 12
        assert Counter(i.topic for i in items) == Counter(dict(blueprint.topics)), seed
        assert max(Counter(main_section(i) for i in items).values()) <= blueprint.section_cap, seed
        kinds.update(i.type for i in items)
    assert [i.id for i in exam_items(tutor, 12, 7, None, None)] == [i.id for i in exam_items(tutor, 12, 7, None, None)]
    assert kinds["ar"] <= 0.25 * sum(kinds.values())  # no longer mostly true/false


def test_mastery_never_reads_more_than_the_answers_support(kb: Any, programme: Any, tmp_path: Path) -> None:
    """7 wrong then 8 right used to read 96% (recent answers alone); the evidence supports at most 8/15."""
    from test_train import right_answer, wrong_answer

    from ppp_expert.train.grading import grade

    tutor, _ = make_tutor(kb, programme, tmp_path, [])
    learner, who = tutor.learner, tutor.trainee
    cases = sorted(programme.cases)[:15]
    for n, case_id in enumerate(cases):
        item = tutor.step_item(case_id, 5, "verdict")
        answer = wrong_answer(item) if n < 7 else right_answer(item)
        exercise = learner.start_exercise(who, "review", 5, "fp", None, {})
        learner.record(who, exercise, item, grade(item, answer), answer, 0, 1.0, "fp")
    level, answers = learner.mastery(who, "topic")["model-selection"]
    assert answers == 15 and level <= 8 / 15
    from ppp_expert.train.progress import report

    row = next(r for r in report(learner, who, kb).topics if r.key == "model-selection")
    assert row.mastery == level and row.attempts == 15  # shown with its evidence, the same value


def test_the_export_has_exams_with_unreached_items_and_no_zero_for_what_was_never_tried(runner: Any, tmp_path: Path
                                                                                       ) -> None:
    import csv
    import io
    import json

    from test_train_cli import run

    from ppp_expert.train.learner import Learner
    from ppp_expert.train.store import Database

    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    run(runner, ["train", "exam", "--db", str(db), "--trainee", "ana", "--items", "4", "--seed", "3"], "skip\nquit\n")
    data = json.loads(run(runner, ["train", "export", "--db", str(db), "--format", "json"]).output)
    exam = data["exams"][0]
    assert exam["items"] == 4 and exam["skipped"] == 1 and exam["not_reached"] == 3 and exam["score"] is None
    never = [m for m in data["mastery"] if m["attempts"] == 0]
    assert never and all(m["mastery"] is None for m in never)  # not a mastery of zero
    table = run(runner, ["train", "export", "--db", str(db), "--table", "exams"]).output
    rows = list(csv.DictReader(io.StringIO(table)))
    assert rows[0]["not_reached"] == "3" and rows[0]["score"] == ""
    # The CSV and the JSON say the same (round trip through the file formats).
    mastery_csv = list(csv.DictReader(io.StringIO(run(runner, ["train", "export", "--db", str(db)]).output)))
    assert [(r["key"], r["mastery"] or None, int(r["attempts"])) for r in mastery_csv] == \
        [(m["key"], None if m["mastery"] is None else str(m["mastery"]), m["attempts"]) for m in data["mastery"]]


def test_item_analysis_gives_difficulty_and_discrimination(kb: Any, programme: Any, tmp_path: Path) -> None:
    """Classical test theory: an item everyone strong gets right and everyone weak gets wrong
    discriminates (+1); difficulty is the mean score."""
    from test_train import right_answer, wrong_answer

    from ppp_expert.train.cohort import item_analysis
    from ppp_expert.train.grading import grade

    tutor, _ = make_tutor(kb, programme, tmp_path, [])
    learner = tutor.learner
    items = [tutor.step_item(c, 5, "verdict") for c in sorted(programme.cases)[:4]]
    for n, name in enumerate(["t1", "t2", "t3", "t4"]):
        who = learner.add_trainee(name)
        exercise = learner.start_exercise(who, "review", 5, "fp", None, {})
        for k, item in enumerate(items):
            right = k < n + (1 if k == 0 else 0)  # t4 knows the most; item 0 is the easiest
            answer = right_answer(item) if right else wrong_answer(item)
            learner.record(who, exercise, item, grade(item, answer), answer, 0, 1.0, "fp")
    rows = {r["item"]: r for r in item_analysis(learner)}
    assert rows[items[0].id]["difficulty"] == 1.0 and rows[items[0].id]["discrimination"] is None  # all right
    assert rows[items[1].id]["difficulty"] == 0.5 and rows[items[1].id]["discrimination"] > 0.5


def test_jargon_is_defined_at_first_use_and_never_points_at_the_model(kb: Any, programme: Any,
                                                                     tmp_path: Path) -> None:
    """A glossary term in a brief or a question gets a one-line definition the first time the
    session shows it, once; a term naming a model is not defined in the brief (it would hint)."""
    from ppp_expert.content.texts import glossary

    gloss = glossary()
    for case_id in sorted(programme.cases)[:10]:
        tutor, script = make_tutor(kb, programme, tmp_path / case_id, [])
        tutor.show_brief(case_id, ())
        tutor.show_brief(case_id, ())
        shown = [e for e in script.of(ev.Lines) if e.role == "terms"]
        assert len(shown) <= 1  # the second brief defines nothing new
        brief = script.of(ev.Brief)[0]
        text = " ".join([brief.scenario, *(line for g in brief.facts for line in g.lines)]).lower()
        defined = [line.split(":")[0] for e in shown for line in e.lines]
        for name in defined:
            term = gloss.find(name)
            assert term is not None and not any(r.startswith("model:") for r in term.kb_refs), (case_id, name)
        for term in gloss.terms:  # every non-model term the brief uses is defined
            if any(r.startswith("model:") for r in term.kb_refs) or len(term.term) < 4:
                continue
            if re.search(r"\b" + re.escape(term.term.lower()) + r"\b", text):
                assert term.term in defined, (case_id, term.term)


def test_a_first_case_starts_with_a_worked_example_and_the_risk_step_states_the_model(kb: Any, programme: Any,
                                                                                       tmp_path: Path) -> None:
    from ppp_expert.train.describe import model_title

    tutor, script = make_tutor(kb, programme, tmp_path, [])
    case_id, item = risk_case(tutor, programme)
    exercise = tutor.learner.start_exercise(tutor.trainee, "case", tutor.seed, "fp", case_id, {"steps": ["risks"]})
    script.lines = answer_lines(item) + [""]
    tutor.run_case(exercise)
    examples = [e for e in script.of(ev.Lines) if e.role == "example"]
    assert len(examples) == 1 and script.events.index(examples[0]) < script.events.index(script.of(ev.Brief)[0])
    assert programme.get(case_id).case.title not in " ".join(examples[0].lines)  # another case
    model = model_title(kb, tutor.solved(case_id).advice.recommendation.model)
    assert any(model in line for line in item.prompt.context)
    # The second case has no worked example.
    second = tutor.learner.start_exercise(tutor.trainee, "case", tutor.seed, "fp", case_id, {"steps": ["risks"]})
    script.lines = answer_lines(item) + [""]
    before = len(examples)
    tutor.run_case(second)
    assert len([e for e in script.of(ev.Lines) if e.role == "example"]) == before


def test_the_cohort_page_is_html_with_every_value_escaped(runner: Any, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    from test_train_cli import run

    db = tmp_path / "t.db"
    hostile = "<script>alert(1)</script>"
    run(runner, ["train", "--db", str(db), "--trainee", hostile, "--new", "--seed", "8", "--items", "0"], "1\n\n2\n\n")
    out = tmp_path / "cohort.html"
    result = run(runner, ["train", "export", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert hostile not in page and "&lt;script&gt;" in page
    assert "Mastery by topic" in page and "Exams" in page and "Discrimination" in page

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.tags.append(tag)

    parsed = Cells()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.tags.count("table") == 4
