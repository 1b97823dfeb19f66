"""`ppp-expert train`: the defects a trainer found (issue 25), each reproduced on the real tutor
with the shipped knowledge base: a skipped risk table, typed rows lost on quit, an exam that took
answers after its time, ids whose rows changed with the seed, circular reasons, a topic that
asked nothing."""

from __future__ import annotations

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
    assert graded.grade.score == pytest.approx(3 / len(item.prompt.rows), abs=1e-3)


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
