"""`ppp-expert ask`: relevance, the consultation through the provider seam, session files, the CLI."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BROADBAND, CASES, COMMODITY, default_sigint
from hypothesis import HealthCheck, given, settings, strategies as st
from pty_helpers import phrase

from ppp_expert.advice.assemble import build_advice
from ppp_expert.api import default_kb, evaluate, reasoner_for
from ppp_expert.cases.case import load_case
from ppp_expert.cli import main
from ppp_expert.consult.engine import ConsultEngine, Need
from ppp_expert.consult.messages import AdviceUpdate, AskContext, Command, Help, Note, Rejected, Status, Why
from ppp_expert.consult.session import Session
from ppp_expert.consult.storage import SessionFile, default_session_path, read_case
from ppp_expert.consult.terminal import ConsultTerminal
from ppp_expert.engine.relevance import ALL_TARGETS, Relevance, relevance_for
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.schema import Question

# Library cases are picked by name, not by position, so that adding a case cannot change which
# project a test consults. SETTLING: its answers settle the advice with nothing left to ask;
# PIPED: suits the piped-session script; SAMPLE: a spread of models and verdicts.
SETTLING = CASES / "chattanooga-epb-fibre.yaml"
REFINED = CASES / "copenhagen-city-data-exchange.yaml"
BACKTRACKED = CASES / "crown-hosting-data-centres.yaml"
PREFILLED = CASES / "dfe-remote-learning-laptops.yaml"
DETAILED = CASES / "dod-jwcc-cloud.yaml"
PIPED = CASES / "firstnet-public-safety-network.yaml"
SAMPLE = [CASES / f"{stem}.yaml" for stem in (
    "chattanooga-epb-fibre", "copenhagen-city-data-exchange", "crown-hosting-data-centres",
    "dfe-remote-learning-laptops", "dod-jwcc-cloud", "firstnet-public-safety-network",
    "galileo-concession", "gauteng-e-tolls")]
SCRIPT = Path(sys.executable).parent / "ppp-expert"


class Scripted:
    """An answer provider that answers from an answer set; ``commands`` maps call numbers to replies."""

    def __init__(self, answers: dict[str, Any], commands: dict[int, Any] | None = None,
                 refine: bool = False) -> None:
        self.answers = answers
        self.commands = commands or {}
        self.refine = refine
        self.asked: list[str] = []
        self.contexts: list[AskContext] = []
        self.shown: list[Any] = []
        self.calls = 0

    def ask(self, question: Question, context: AskContext) -> Any:
        self.calls += 1
        self.contexts.append(context)
        if self.calls in self.commands:
            return self.commands[self.calls]
        self.asked.append(question.id)
        return self.answers.get(question.id, UNKNOWN)

    def show(self, message: Any) -> None:
        self.shown.append(message)

    def confirm(self, text: str, default: bool = False) -> bool:
        return self.refine


def outcome(advice: Any) -> dict[str, Any]:
    """What a settled consultation guarantees: verdict, model, risk owners, red flags."""
    return {
        "verdict": advice.appropriate.verdict,
        # Without a recommendation the model field is only the ranking's first: nothing is settled.
        "model": advice.recommendation.model if advice.recommendation.determined else None,
        "risks": {r.risk: r.party for r in advice.risk_allocation},
        "red_flags": sorted(f.id for f in advice.red_flags),
    }


def decision(advice: Any) -> dict[str, Any]:
    """What a consultation settles before refinement: the verdict and the model."""
    return {k: v for k, v in outcome(advice).items() if k in ("verdict", "model")}


def comparable(advice: Any) -> dict[str, Any]:
    """The whole result JSON minus what depends on which questions were left unasked.

    ``unknown_questions`` and ``appropriate.questions_first`` name unasked questions, and the
    confidence judges the answers given (an unasked answer can be neither fragile nor open);
    ``fired_rules[].facts`` names the answers a firing matched (an `any` matches whichever
    branch experta saw first, and an unasked question is `unknown`). Which rules fired is kept.
    """
    data = json.loads(advice.to_json())
    data.pop("case")
    data.pop("unknown_questions")
    data["appropriate"].pop("questions_first", None)
    data["appropriate"].pop("confidence", None)
    data["fired_rules"] = sorted(r["id"] for r in data["fired_rules"])
    return data


def consult(kb: Any, full: dict[str, Any], refine: bool = False, **kwargs: Any) -> tuple[Any, Scripted]:
    """A consultation answering from ``full``, refining the risk owners and red flags when
    ``refine``; ``kwargs`` go to Session (``answers`` pre-fills)."""
    provider = Scripted(full, refine=refine)
    result = Session(kb, provider, refine=refine, **kwargs).run()
    return result, provider


# ------------------------------------------------------------------------- relevance
def test_nothing_answered_everything_is_open(kb) -> None:
    outlook = relevance_for(kb).analyse({})
    assert not outlook.settled
    assert {"verdict", "model"} <= set(outlook.open_targets)
    assert outlook.needed[0] == next(iter(kb.questions))  # the guide's first question


def test_a_complete_answer_set_is_settled_with_nothing_to_ask(kb) -> None:
    answers = {q: UNKNOWN for q in kb.questions} | BROADBAND
    outlook = relevance_for(kb).analyse(answers)
    assert outlook.settled and outlook.needed == () and outlook.refinable == ()
    assert all(state is not None for state in outlook.status.values())


def test_three_valued_states_agree_with_the_engine_on_closed_answers(kb, reasoner) -> None:
    answers = {q: UNKNOWN for q in kb.questions} | COMMODITY
    outlook = relevance_for(kb).analyse(answers)
    fired = {f.rule.id for f in reasoner.run(answers).firings}
    assert {rid for rid, state in outlook.status.items() if state} == fired


def test_an_unknown_answer_is_closed_but_a_missing_one_is_open(kb) -> None:
    relevance = relevance_for(kb)
    first = next(iter(kb.questions))
    assert first in relevance.analyse({}).needed
    assert first not in relevance.analyse({first: UNKNOWN}).needed


def test_needed_questions_only_shrink_and_come_in_guide_order(kb) -> None:
    relevance = relevance_for(kb)
    full = load_case(SETTLING, kb).answers
    answers: dict[str, Any] = {}
    previous = set(relevance.analyse(answers).needed)
    last_rank = (-1, -1)
    while True:
        outlook = relevance.analyse(answers)
        assert set(outlook.needed) <= previous
        if outlook.settled:
            break
        question = outlook.needed[0]
        assert relevance.rank[question] > last_rank
        last_rank = relevance.rank[question]
        previous = set(outlook.needed) - {question}
        answers[question] = full.get(question, UNKNOWN)


def test_unknown_targets_are_refused(kb) -> None:
    with pytest.raises(ValueError, match="unknown targets"):
        Relevance(kb, {"verdict", "colour"})


# --------------------------------------------------------------- the provider seam
@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.stem)
def test_consultation_of_a_case_reaches_the_advice_of_evaluate(kb, path: Path) -> None:
    case = load_case(path, kb)
    result, provider = consult(kb, case.answers, case_id=case.id)
    assert result.finished
    assert decision(result.advice) == decision(evaluate(case, kb))
    assert result.asked == len(provider.asked)
    refined, more = consult(kb, case.answers, refine=True, case_id=case.id)
    assert outcome(refined.advice) == outcome(evaluate(case, kb))
    assert more.asked[:len(provider.asked)] == provider.asked and len(more.asked) >= len(provider.asked)
    assert len(provider.asked) == len(set(provider.asked)) < len(kb.questions)  # each once, not all of them
    assert any(isinstance(m, AdviceUpdate) and m.stage == "settled" for m in provider.shown)


def test_refinement_reaches_the_whole_advice_of_evaluate(kb) -> None:
    case = load_case(REFINED, kb)
    result, provider = consult(kb, case.answers, refine=True, case_id=case.id, targets=ALL_TARGETS)
    assert comparable(result.advice) == comparable(evaluate(case, kb))
    assert provider.contexts[-1].refining


def test_the_asking_rule_asks_exactly_the_declared_needs(kb) -> None:
    seen: list[tuple[str, set[str], set[str]]] = []
    chosen: list[str] = []

    class Watching(Scripted):
        def ask(self, question: Question, context: AskContext) -> Any:
            needs = {f["q"] for f in session.engine.facts.values() if isinstance(f, Need)}
            assert session.choice is not None
            chosen.append(session.choice.question)  # the most valuable question, ranked first
            seen.append((question.id, needs, set(session.outlook.needed)))
            return super().ask(question, context)

    session = Session(kb, Watching(BROADBAND))
    assert isinstance(session.engine, ConsultEngine)
    session.run()
    assert seen
    for (question, needs, needed), best in zip(seen, chosen):
        assert needs == needed
        assert question == best


def test_the_asking_rule_never_asks_an_answered_question_and_follows_guide_rank() -> None:
    class Driver:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def plan(self) -> list[tuple[str, int]]:
            return [("c", 2), ("a", 0), ("b", 1)]  # "a" is needed but already answered

        def ask(self, question: str) -> None:
            self.asked.append(question)
            engine.halt()

    driver = Driver()
    engine = ConsultEngine(driver)
    engine.replay({"a": "x"})
    engine.run()
    assert driver.asked == ["b"]


def test_why_names_rules_that_can_change_an_open_outcome(kb) -> None:
    provider = Scripted(BROADBAND, commands={1: Command.WHY, 2: Command.HELP, 3: Command.STATUS})
    Session(kb, provider).run()
    why = next(m for m in provider.shown if isinstance(m, Why))
    assert why.question.id == provider.asked[0] and not why.refining
    assert why.reasons and all(r.changes and r.could and r.source for r in why.reasons)
    assert all(kb.rule(r.rule) for r in why.reasons)
    help_ = next(m for m in provider.shown if isinstance(m, Help))
    assert [p.section for p in help_.passages] == list(help_.question.guide)
    status = next(m for m in provider.shown if isinstance(m, Status))
    assert status.answered == 0 and status.needed == len(relevance_for(kb, {"verdict", "model"}).analyse({}).needed)
    assert provider.asked[0] == why.question.id  # commands did not consume the question


def test_back_undoes_the_last_answer_and_replays_to_the_same_state(kb) -> None:
    case = load_case(BACKTRACKED, kb)
    plain, _ = consult(kb, case.answers)
    provider = Scripted(case.answers, commands={1: Command.BACK, 5: Command.BACK, 6: Command.BACK})
    result = Session(kb, provider).run()
    notes = [m.text for m in provider.shown if isinstance(m, Note)]
    assert notes[0].startswith("Nothing to undo")
    assert sum(text.startswith("Undid") for text in notes) == 2
    assert provider.asked[3:5] == provider.asked[1:3]  # the two undone questions are asked again
    assert result.answers == plain.answers
    assert outcome(result.advice) == outcome(plain.advice)


def test_skip_answers_unknown_and_quit_stops_without_advice(kb) -> None:
    changes: list[dict[str, Any]] = []
    provider = Scripted(BROADBAND, commands={2: Command.SKIP, 3: Command.QUIT})
    result = Session(kb, provider, on_change=changes.append).run()
    assert not result.finished and result.advice is None
    first, second = [c for c in provider.contexts[:2]], None
    asked = list(result.answers)
    assert len(asked) == 2 and result.answers[asked[1]] == UNKNOWN
    assert changes == [{asked[0]: BROADBAND.get(asked[0], UNKNOWN)}, dict(result.answers)]
    assert [c.number for c in first] == [1, 2] and second is None


def test_an_invalid_reply_is_refused_with_a_note_and_asked_again(kb) -> None:
    provider = Scripted(BROADBAND, commands={1: "no_such_value", 2: 12})
    Session(kb, provider).run()
    notes = [m.text for m in provider.shown if isinstance(m, Rejected)]
    assert "not an allowed answer" in notes[0] and len(notes) >= 2
    assert provider.contexts[0].number == provider.contexts[2].number == 1  # the same question again


def test_prefilled_answers_are_not_asked_again(kb) -> None:
    case = load_case(PREFILLED, kb)
    some = dict(list(case.answers.items())[:10])
    result, provider = consult(kb, case.answers, answers=some)
    assert not set(provider.asked) & set(some)
    assert outcome(result.advice) == outcome(evaluate(case, kb))


def test_a_settled_prefill_asks_nothing_and_refinement_can_be_declined(kb) -> None:
    case = load_case(SETTLING, kb)
    result, provider = consult(kb, {}, answers=case.answers, refine=False)
    assert provider.asked == [] and result.settled_after == 0
    assert outcome(result.advice) == outcome(evaluate(case, kb))


def test_all_targets_settle_the_details_too(kb) -> None:
    case = load_case(DETAILED, kb)
    provider = Scripted(case.answers)
    result = Session(kb, provider, targets=ALL_TARGETS, refine=True).run()
    full = evaluate(case, kb)
    got, want = comparable(result.advice), comparable(full)
    for topic in ("structuring", "governance", "procurement", "implementation"):
        assert {k: v["value"] for k, v in got[topic]["settings"].items()} == \
               {k: v["value"] for k, v in want[topic]["settings"].items()}
        assert {(a["key"], a["text"]) for a in got[topic]["advice"]} == \
               {(a["key"], a["text"]) for a in want[topic]["advice"]}
    assert got["procurement"]["criteria_weights"] == want["procurement"]["criteria_weights"]


def test_plain_evaluate_does_not_carry_the_consultation(kb) -> None:
    # The consultation lives in its own engine: the compiled knowledge-base engine is unchanged.
    before = evaluate({"answers": BROADBAND}, kb).to_json()
    consult(kb, BROADBAND)
    assert "Need" not in {type(f).__name__ for f in reasoner_for(kb).engine.facts.values()}
    assert not any(hasattr(r, "ask") for r in reasoner_for(kb).engine.get_rules())
    assert evaluate({"answers": BROADBAND}, kb).to_json() == before


# --------------------------------------------------------------- property test
def _numbers(kb: Any, question: str) -> list[float]:
    """Interesting values of a numeric question: every threshold the rules use, and around it."""
    q = kb.questions[question]
    found = {q.min or 0.0, q.max or 1000.0}
    for rule in kb.rules:
        for leaf in cond.leaves(rule.condition):
            if isinstance(leaf, cond.AnswerCompare) and leaf.question == question:
                for edge in (leaf.low, leaf.high):
                    if edge is not None:
                        found.update({edge - 1, edge, edge + 1})
    lo, hi = q.min if q.min is not None else float("-inf"), q.max if q.max is not None else float("inf")
    values = sorted(v for v in found if lo <= v <= hi)
    return [int(v) for v in values] if q.type == "integer" else values


def complete_answer_sets(kb: Any) -> Any:
    """Hypothesis strategy: a valid value (or unknown) for every question."""
    per_question = {}
    for q in kb.questions.values():
        values = list(q.answers) if q.type == "choice" else _numbers(kb, q.id)
        per_question[q.id] = st.sampled_from([*values, UNKNOWN])
    return st.fixed_dictionaries(per_question)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_consultation_reaches_the_advice_of_evaluate_on_the_full_set(data) -> None:
    kb = default_kb()  # not a fixture argument: hypothesis would print the whole knowledge base
    full = data.draw(complete_answer_sets(kb))
    result, provider = consult(kb, full, refine=True)
    expected = build_advice(kb, "case", reasoner_for(kb).run(full))
    assert outcome(result.advice) == outcome(expected)
    # Every unasked question can no longer change anything tracked, whatever its value.
    assert set(result.answers) == set(provider.asked)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_three_valued_rule_states_match_the_engine_on_closed_answers(data) -> None:
    # The settled criterion is only sound if the analysis reads rules as the engine fires them.
    kb = default_kb()
    full = data.draw(complete_answer_sets(kb))
    outlook = relevance_for(kb).analyse(full)
    fired = {f.rule.id for f in reasoner_for(kb).run(full).firings}
    assert outlook.settled and all(state is not None for state in outlook.status.values())
    assert {rid for rid, state in outlook.status.items() if state} == fired


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_refined_consultation_gives_the_whole_advice(data) -> None:
    kb = default_kb()
    full = data.draw(complete_answer_sets(kb))
    result, _ = consult(kb, full, refine=True, targets=ALL_TARGETS)
    expected = build_advice(kb, "case", reasoner_for(kb).run(full))
    assert comparable(result.advice) == comparable(expected)


# --------------------------------------------------------------- session files
def test_session_file_is_a_case_file_written_atomically_after_every_answer(kb, tmp_path: Path) -> None:
    store = SessionFile(tmp_path / "s.yaml", "s", "A title")
    snapshots: list[dict[str, Any]] = []

    def save(answers: dict[str, Any]) -> None:
        store.save(answers)
        snapshots.append(yaml.safe_load(store.path.read_text()))

    provider = Scripted(BROADBAND, commands={3: Command.SKIP})
    result = Session(kb, provider, on_change=save).run()
    assert len(snapshots) == result.asked
    assert [len(s["answers"]) for s in snapshots] == list(range(1, result.asked + 1))
    assert list(os.listdir(tmp_path)) == ["s.yaml"]  # no temporary file left behind
    case = load_case(store.path, kb)  # what evaluate reads
    assert case.id == "s" and case.title == "A title"
    assert outcome(evaluate(case, kb)) == outcome(result.advice)
    loaded = read_case(store.path, kb)
    assert list(loaded.answers) == list(result.answers)  # order kept for `back`
    assert UNKNOWN in loaded.answers.values()  # explicit unknowns kept for `--resume`


def test_yes_no_answers_round_trip_as_strings(kb, tmp_path: Path) -> None:
    yes_no = next(q for q in kb.questions.values() if set(q.answers) == {"yes", "no"})
    store = SessionFile(tmp_path / "s.yaml", "s")
    store.save({yes_no.id: "no"})
    assert read_case(store.path, kb).answers == {yes_no.id: "no"}


def test_default_session_path_is_under_the_xdg_data_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = default_session_path()
    assert path.parent == tmp_path / "ppp-expert" / "sessions" and path.suffix == ".yaml"
    path.parent.mkdir(parents=True)
    path.write_text("x")
    assert default_session_path() != path


def test_an_unwritable_session_file_is_a_one_line_error(runner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(main, ["ask", "--save", str(blocker / "s.yaml")], input="")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "cannot write the session file" in result.output


# ------------------------------------------------------------- terminal provider
@pytest.mark.parametrize("line, expected", [
    ("1", "broadband"), ("broadband", "broadband"), ("BROAD", "broadband"), ("unknown", UNKNOWN),
    ("why", Command.WHY), ("?", Command.HELP), ("skip", Command.SKIP), ("quit", Command.QUIT),
])
def test_terminal_parses_numbers_values_and_commands(kb, line: str, expected: Any) -> None:
    reply, problem = ConsultTerminal(kb).parse(kb.questions["application_area"], line)
    assert problem is None and reply == expected


@pytest.mark.parametrize("question, line, message", [
    ("application_area", "42", "There is no answer 42: type a number from 1 to"),
    ("application_area", "brodband", "Did you mean 'broadband'?"),
    ("application_area", "", "Please type an answer"),
    ("duration_years", "7.5", "not a whole number"),
    ("duration_years", "500", "out of range"),
    ("capital_cost_musd", "lots", "not an amount"), ("capital_cost_musd", "$250", "dollars or millions"),
        ("capital_cost_musd", "18,5", "not an amount"),
])
def test_terminal_explains_a_bad_answer(kb, question: str, line: str, message: str) -> None:
    reply, problem = ConsultTerminal(kb).parse(kb.questions[question], line)
    assert reply is None and message in problem


# --------------------------------------------------------------------- the CLI
def _script(kb: Any, answers: dict[str, Any], refine: bool = False) -> str:
    """stdin for a consultation answering from ``answers`` in the order the session asks
    (found by running the same session with a scripted provider; extra lines are harmless)."""
    _, provider = consult(kb, answers, refine=refine)
    return "\n".join(str(answers.get(q, UNKNOWN)) for q in provider.asked) + "\n"


def test_cli_piped_consultation_prints_the_advice_and_saves_the_case(kb, runner, tmp_path: Path) -> None:
    case = load_case(PIPED, kb)
    session = tmp_path / "session.yaml"
    # Lines left over after the last question are not file names: the closing offers take
    # their defaults with piped input (the graph comes from --graph).
    stdin = _script(kb, case.answers) + "n\n" + f"{tmp_path / 'stray.dot'}\n" + f"{tmp_path / 'stray.yaml'}\n"
    result = runner.invoke(main, ["ask", "--save", str(session), "--title", "Piped", "--graph",
                                  str(tmp_path / "graph.dot")], input=stdin, env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "Settled after" in result.output
    assert evaluate(case, kb).appropriate.confidence.level in result.output
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "stray.dot").exists() and not (tmp_path / "stray.yaml").exists()
    saved = load_case(session, kb)
    assert saved.title == "Piped" and decision(evaluate(saved, kb)) == decision(evaluate(case, kb))
    evaluated = runner.invoke(main, ["evaluate", str(session), "--format", "json"])
    assert evaluated.exit_code == 0 and json.loads(evaluated.output)["case"] == "session"


def test_cli_answers_prefill_asks_nothing_when_settled(kb, runner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["ask", "--answers", str(SETTLING), "--save", str(tmp_path / "s.yaml"),
                                  "--no-refine"], input="")
    assert result.exit_code == 0, result.output
    assert "Question 1" not in result.output and "Settled after 0 questions" in result.output
    assert load_case(tmp_path / "s.yaml", kb).answers == load_case(SETTLING, kb).answers


def test_cli_input_ending_early_keeps_the_session_and_exits_1(kb, runner, tmp_path: Path) -> None:
    session = tmp_path / "s.yaml"
    result = runner.invoke(main, ["ask", "--save", str(session)], input="evolving\n2\n")
    assert result.exit_code == 1
    assert f"ppp-expert ask --resume {session}" in result.output
    assert len(read_case(session, kb).answers) == 2


def test_cli_refuses_to_overwrite_an_existing_session_without_resume(runner, tmp_path: Path) -> None:
    existing = tmp_path / "s.yaml"
    existing.write_text("answers: {need_type: commodity}\n")
    result = runner.invoke(main, ["ask", "--save", str(existing)], input="")
    assert result.exit_code == 2 and "already exists; continue it with --resume" in result.output
    assert existing.read_text() == "answers: {need_type: commodity}\n"


@pytest.mark.parametrize("args, message", [
    (["--answers", "no-such-file.yaml"], "no-such-file.yaml: no such file"),
    (["--resume", "no-such-file.yaml"], "no-such-file.yaml: no such file"),
    (["--answers", "BAD", "--resume", "x.yaml"], "not both"),
])
def test_cli_bad_input_is_one_line_and_exit_2(runner, tmp_path: Path, args: list[str], message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: {need_type: comodity}\n")
    args = [str(bad) if a == "BAD" else a for a in args]
    result = runner.invoke(main, ["ask", *args, "--save", str(tmp_path / "s.yaml")], input="")
    assert result.exit_code == 2
    assert message in result.output


def test_cli_bad_answer_in_the_prefill_file_names_field_and_suggestion(runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: {need_type: comodity}\n")
    result = runner.invoke(main, ["ask", "--answers", str(bad), "--save", str(tmp_path / "s.yaml")], input="")
    assert result.exit_code == 2
    assert "answers.need_type" in result.output and "did you mean 'commodity'" in result.output


# ------------------------------------------------------------- a real terminal
def _pexpect() -> Any:
    """pexpect, or a skip of the calling test: only the terminal tests need it, the other tests
    of this module run without it."""
    return pytest.importorskip("pexpect")


def _spawn(args: list[str], tmp_path: Path) -> Any:
    pexpect = _pexpect()
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", TERM="xterm", XDG_DATA_HOME=str(tmp_path / "xdg"))
    return pexpect.spawn(str(SCRIPT), args, env=env, encoding="utf-8", timeout=30, dimensions=(50, 100),
                         preexec_fn=default_sigint)


@pytest.mark.pty
@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_real_terminal_session_with_why_back_quit_then_resume(kb, tmp_path: Path) -> None:
    session = tmp_path / "pty-session.yaml"
    case = load_case(CASES / "nasa-cots.yaml", kb) if (CASES / "nasa-cots.yaml").exists() else load_case(SETTLING, kb)
    child = _spawn(["ask", "--save", str(session)], tmp_path)
    child.expect(phrase("Question 1 "))
    child.expect(r"─ (\w+) ─╯")                                  # the question id, in the panel's corner
    first = kb.questions[child.match.group(1)]
    child.expect(phrase("Answer ["))
    number = list(first.answers).index(case.answers[first.id]) + 1
    child.sendline(str(number))                                   # by number
    child.expect(phrase("Question 2 "))
    child.expect(r"─ (\w+) ─╯")
    second = kb.questions[child.match.group(1)]
    second_answer = str(case.answers.get(second.id, "unknown"))  # a question the case leaves open
    child.expect(phrase("Answer ["))
    child.sendline("why")
    child.expect(phrase("Why I ask: "))                                  # in plain words, no rule ids
    child.expect(r"Your answer (decides between|narrows|can still change)")
    child.expect(phrase("Answer ["))
    child.sendline("why detail")                                  # the rules behind it, on request
    child.expect(r"Why ask " + second.id)
    child.expect(r"\[(?:[a-z-]+|practice:[a-z0-9-]+)\]")
    child.expect(phrase("Answer ["))
    child.sendline("glossary availability payment")               # a term at any prompt
    child.expect(r"Glossary")
    child.expect(phrase("Answer ["))
    child.sendline("42")
    child.expect(phrase("There is no answer 42"))
    child.sendline(second_answer)                       # by value
    child.expect(phrase("Question 3 "))
    child.expect(phrase("Answer ["))
    child.sendline("back")                                        # undo the second answer
    child.expect(r"Undid " + second.id)
    child.expect(phrase("Answer ["))
    child.sendline(second_answer)
    child.expect(phrase("Question 3 "))
    child.expect(phrase("Answer ["))
    child.sendline("quit")
    child.expect(r"--resume")
    child.expect(_pexpect().EOF)
    child.close()
    assert child.exitstatus == 0
    saved = read_case(session, kb)
    assert saved.answers == {first.id: case.answers[first.id], second.id: second_answer}

    child = _spawn(["ask", "--resume", str(session), "--no-refine"], tmp_path)
    child.expect(phrase("Resuming a consultation with 2 answers given"))
    child.expect(phrase("Question 3 "))                           # the count continues after --resume
    interim = 0
    while True:
        index = child.expect([r"─ (\w+) ─╯", r"Enter to skip\)", r"to settle the risk owners"])
        if index == 1:
            break
        if index == 2:  # the interim advice once verdict and model are settled: go on
            interim += 1
            child.sendline("y")
            continue
        question = child.match.group(1)
        child.expect(phrase("Answer ["))
        child.sendline(str(case.answers.get(question, UNKNOWN)))
    child.sendline(str(tmp_path / "graph.dot"))
    child.expect(phrase("Save a copy as"))
    child.sendline("")
    child.expect(_pexpect().EOF)
    child.close()
    output = child.before or ""
    assert child.exitstatus == 0, output
    assert (tmp_path / "graph.dot").exists()
    resumed = load_case(session, kb)
    assert decision(evaluate(resumed, kb)) == decision(evaluate(case, kb))


@pytest.mark.pty
@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_ctrl_c_leaves_a_valid_session_file(kb, tmp_path: Path) -> None:
    session = tmp_path / "interrupted.yaml"
    child = _spawn(["ask", "--save", str(session)], tmp_path)
    child.expect(phrase("Answer ["))
    child.sendline("evolving")
    child.expect(phrase("Question 2 "))
    child.expect(phrase("Answer ["))
    child.sendintr()
    child.expect(r"Interrupted")
    child.expect(_pexpect().EOF)
    child.close()
    assert child.exitstatus == 130
    assert len(load_case(session, kb).answers) == 1


def test_cli_screening_stops_at_a_settled_verdict_and_model_with_fewer_questions(kb, runner, tmp_path: Path) -> None:
    """--screening stops once verdict and model are settled; --refine goes on to settle the risk
    owners and red flags: more questions, the same verdict and model, and then the same risk owners
    and red flags as evaluate."""
    case = load_case(PIPED, kb)
    asked = {}
    for mode, refine in (("screening", False), ("refined", True)):
        session = tmp_path / f"{mode}.yaml"
        flags = ["--refine"] if refine else ["--screening"]
        result = runner.invoke(main, ["ask", *flags, "--save", str(session)],
                               input=_script(kb, case.answers, refine) + "\n\n", env={"NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        assert ("risk owners and red flags above are provisional" in " ".join(result.output.split())) != refine
        saved = load_case(session, kb)
        asked[mode] = len(saved.answers)
        got, expected = evaluate(saved, kb), evaluate(case, kb)
        assert decision(got) == decision(expected)
        if refine:
            assert outcome(got) == outcome(expected)
    assert 0 < asked["screening"] < asked["refined"]


def test_cli_session_path_with_brackets_is_printed_as_is_not_as_markup(runner, tmp_path: Path) -> None:
    # "[/x]" in the path crashed with a rich MarkupError traceback; "[bold]" vanished from the
    # resume hint, which then named a file that does not exist.
    for name in ("[/x].yaml", "[bold]my session.yaml"):
        session = tmp_path / name
        result = runner.invoke(main, ["ask", "--save", str(session)], input="evolving\n")
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and session.exists()
        assert f"continue with: ppp-expert ask --resume '{session}'" in result.output


def test_cli_unexpected_failure_is_one_line_not_a_traceback(runner, tmp_path: Path, monkeypatch) -> None:
    from ppp_expert.consult import session as session_module

    def boom(self):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(session_module.Session, "run", boom)
    result = runner.invoke(main, ["ask", "--save", str(tmp_path / "s.yaml")], input="")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("internal error: RuntimeError: engine bug")


@pytest.mark.parametrize("line, millions", [
    ("18", 18.0), ("18 million", 18.0), ("$18m", 18.0), ("1.2bn", 1200.0), ("US$ 1.2 billion", 1200.0),
    ("750k", 0.75), ("$18,000,000", 18.0), ("1,200", 1200.0),
])
def test_money_is_read_in_the_forms_officials_type(kb, line: str, millions: float) -> None:
    reply, problem = ConsultTerminal(kb).parse(kb.questions["capital_cost_musd"], line)
    assert problem is None and reply == pytest.approx(millions)


def test_a_money_answer_is_said_back_in_its_unit(kb) -> None:
    import io

    from rich.console import Console

    out = io.StringIO()
    provider = ConsultTerminal(kb, Console(file=out, width=100))
    provider._read = lambda prompt: "1.2bn"  # type: ignore[method-assign]
    context = AskContext(number=1, remaining=3, answered=0, refining=False, can_go_back=False)
    assert provider.ask(kb.questions["capital_cost_musd"], context) == pytest.approx(1200.0)
    assert "Read as US$1,200 million." in out.getvalue()


def test_the_question_panel_is_not_redrawn_after_a_command(kb) -> None:
    import io

    from rich.console import Console

    out = io.StringIO()
    provider = ConsultTerminal(kb, Console(file=out, width=100))
    lines = iter(["why", "1"])
    provider._read = lambda prompt: next(lines)  # type: ignore[method-assign]
    context = AskContext(number=4, remaining=3, answered=3, refining=False, can_go_back=True)
    question = kb.questions["need_type"]
    assert provider.ask(question, context) is Command.WHY
    assert provider.ask(question, context) == "commodity"
    text = out.getvalue()
    assert text.count("Commands: why") == 1  # the panel once; a reminder line the second time
    assert "Question 4: How well defined" in text


@pytest.mark.pty
@pytest.mark.skipif(not SCRIPT.exists(), reason="the ppp-expert console script is not installed")
def test_interim_advice_then_settled_then_stopping_before_refinement(kb, tmp_path: Path) -> None:
    """At a terminal: the advice so far appears as one line once an outcome leads, "Settled"
    once no answer can change the outcome or the model; declining to go on prints the one-screen
    summary and says the risk owners and red flags are provisional."""
    case = load_case(CASES / "ireland-national-broadband-plan.yaml", kb)
    child = _spawn(["ask", "--save", str(tmp_path / "s.yaml"), "--graph", str(tmp_path / "g.dot")], tmp_path)
    interim = False
    while True:
        index = child.expect([r"─ (\w+) ─╯", phrase("Advice so far:"), r"─ Settled ─"])
        if index == 1:
            interim = True
            continue
        if index == 2:
            break
        question = child.match.group(1)
        child.expect(phrase("Answer ["))
        child.sendline(str(case.answers.get(question, UNKNOWN)))
    assert interim
    child.expect(phrase("to settle the risk owners and red flags?"))
    child.sendline("n")
    child.expect(phrase("Confidence"))
    child.expect(phrase("provisional"))
    child.expect(phrase("Save a copy as"))
    child.sendline("")
    child.expect(_pexpect().EOF)
    child.close()
    assert child.exitstatus == 0
    expected = evaluate(case, kb)
    assert decision(evaluate(load_case(tmp_path / "s.yaml", kb), kb)) == decision(expected)


def _rendered(kb, message) -> str:
    import io

    from rich.console import Console

    out = io.StringIO()
    ConsultTerminal(kb, Console(file=out, width=120)).show(message)
    return out.getvalue()


def test_why_answers_as_an_adviser_without_rule_ids_unless_asked(kb) -> None:
    session = Session(kb, Scripted({}), answers={"application_area": "broadband"})
    question = session.outlook.needed[0]
    plain = _rendered(kb, session.why(question))
    assert "I ask because" in plain and "can still change" in plain
    assert not any(rule.id in plain for rule in kb.rules)
    detail = _rendered(kb, session.why(question, detail=True))
    assert any(rule.id in detail for rule in kb.rules)


def test_help_shows_the_projects_own_primer(kb) -> None:
    from ppp_expert.content.texts import primer

    session = Session(kb, Scripted({}))
    shown = _rendered(kb, session.help("need_type"))
    body = " ".join(primer().questions["need_type"].body.split())
    assert body[:60] in " ".join(shown.split())
    assert primer().phases[kb.questions["need_type"].phase].title in shown


def test_glossary_at_a_prompt(kb) -> None:
    reply, problem = ConsultTerminal(kb).parse(kb.questions["need_type"], "glossary PSC")
    assert problem is None and reply.definition and "comparator" in reply.term.lower()
    missing, _ = ConsultTerminal(kb).parse(kb.questions["need_type"], "glossary frobnication")
    assert not missing.definition and "No glossary entry" in _rendered(kb, missing)
