"""The next question by its value to the decision: the look ahead, the choice and its words."""

from __future__ import annotations

import random
import statistics
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES

from ppp_expert.api import evaluate
from ppp_expert.cases.case import load_case
from ppp_expert.consult.choice import Chooser, answers_to_try, worth
from ppp_expert.consult.messages import AdviceUpdate
from ppp_expert.consult.session import DECISION, Session
from ppp_expert.consult.wording import decides_text
from ppp_expert.engine.lookahead import Lookahead
from ppp_expert.engine.relevance import CORE_TARGETS, relevance_for
from ppp_expert.kb.conditions import UNKNOWN

SAMPLE = [CASES / f"{stem}.yaml" for stem in (
    "chattanooga-epb-fibre", "copenhagen-city-data-exchange", "crown-hosting-data-centres",
    "dfe-remote-learning-laptops", "dod-jwcc-cloud", "firstnet-public-safety-network",
    "galileo-concession", "gauteng-e-tolls", "ireland-national-broadband-plan", "nasa-cots",
    "linknyc-wifi-kiosks", "x-road-estonia")]


def projected(kb: Any, answers: dict[str, Any]) -> tuple[str, str]:
    advice = evaluate({"answers": {q: v for q, v in answers.items() if v != UNKNOWN}}, kb)
    return advice.appropriate.verdict, advice.recommendation.model if advice.recommendation.determined else ""


class Answering:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers, self.asked, self.shown = answers, [], []

    def ask(self, question: Any, context: Any) -> Any:
        self.asked.append(question.id)
        return self.answers.get(question.id, UNKNOWN)

    def show(self, message: Any) -> None:
        self.shown.append(message)

    def confirm(self, text: str, default: bool = False) -> bool:
        return default


@pytest.mark.parametrize("path", [p for p in SAMPLE if p.exists()][:6], ids=lambda p: p.stem)
def test_the_look_ahead_projects_what_evaluate_gives(kb, path: Path) -> None:
    """Differential: the decision now and after every answer of several open questions equals
    `evaluate` of the same answers (thin evidence and gates included)."""
    full = load_case(path, kb).answers
    rng = random.Random(path.stem)
    relevance = relevance_for(kb, DECISION)
    for size in (0, 4, 9, 16):
        answers = dict(rng.sample(sorted(full.items()), min(size, len(full))))
        ahead = Lookahead(relevance, answers)
        assert (ahead.now.verdict, ahead.now.model) == projected(kb, answers)
        for question in relevance.analyse(answers).needed[:4]:
            for p in ahead.prospects(question, answers_to_try(kb, question)):
                assert (p.projected.verdict, p.projected.model) == projected(kb, {**answers, question: p.value})
                # and what can still happen is what the full analysis says
                after = relevance.analyse({**answers, question: p.value})
                assert (p.possible.verdicts, p.possible.models) == (after.verdicts, after.models)


def test_every_number_range_the_rules_tell_apart_is_tried(kb) -> None:
    values = answers_to_try(kb, "capital_cost_musd")
    assert values[-1] == UNKNOWN and len(values) > 3
    assert answers_to_try(kb, "need_type") == [*kb.questions["need_type"].answers, UNKNOWN]


@pytest.mark.slow
def test_a_verdict_deciding_question_comes_before_a_structuring_detail(kb) -> None:
    """At the start the most valuable question can change the verdict; a question that only
    moves risk owners or red flags is never asked before the decision is settled."""
    relevance = relevance_for(kb, DECISION)
    chooser = Chooser(kb, relevance)
    outlook = relevance.analyse({})
    choice = chooser.deciding({}, outlook)
    assert choice is not None and choice.value > 0
    assert any("verdict" in outlook.moves[rid] for rid in outlook.needed_by[choice.question])
    details_only = set(relevance_for(kb, CORE_TARGETS).analyse({}).needed) - set(outlook.needed)
    assert details_only  # the premise: some questions matter only to risk owners and red flags
    for path in SAMPLE[:6]:
        provider = Answering(load_case(path, kb).answers)
        result = Session(kb, provider, refine=True).run()
        assert result.settled_after is not None
        before = provider.asked[:result.settled_after]
        assert not set(before) & details_only
        assert set(provider.asked[result.settled_after:]) <= set(relevance_for(kb, CORE_TARGETS).analyse({}).needed)


@pytest.mark.slow
def test_value_of_information_settles_sooner_than_the_guide_order(kb) -> None:
    """Over library cases, choosing by value settles the decision in fewer questions (median)
    than asking the needed questions in the guide's order."""
    relevance = relevance_for(kb, DECISION)
    by_value, by_guide = [], []
    for path in SAMPLE:
        full = load_case(path, kb).answers
        provider = Answering(full)
        result = Session(kb, provider, refine=False).run()
        by_value.append(result.settled_after)
        answers: dict[str, Any] = {}
        while not (outlook := relevance.analyse(answers)).settled:
            answers[outlook.needed[0]] = full.get(outlook.needed[0], UNKNOWN)
        by_guide.append(len(answers))
    assert statistics.median(by_value) < statistics.median(by_guide), (by_value, by_guide)


def test_interim_advice_comes_before_settled_and_is_never_contradicted_after(kb) -> None:
    for path in SAMPLE[:8]:
        case = load_case(path, kb)
        provider = Answering(case.answers)
        result = Session(kb, provider, refine=True).run()
        updates = [m for m in provider.shown if isinstance(m, AdviceUpdate)]
        settled = [u for u in updates if u.stage == "settled"]
        assert len(settled) == 1
        after = updates[updates.index(settled[0]):]
        final = result.advice
        model = final.recommendation.model if final.recommendation.determined else ""
        assert all((u.verdict, u.model) == (final.appropriate.verdict, model) for u in after)
        whole = evaluate(case, kb)
        assert (final.appropriate.verdict, model) == (
            whole.appropriate.verdict, whole.recommendation.model if whole.recommendation.determined else "")
        if updates[0].stage == "interim":
            assert updates[0].asked <= settled[0].asked
        assert result.first_advice_after is not None and result.first_advice_after <= result.settled_after


def test_worth_is_zero_when_no_answer_changes_or_narrows_anything(kb) -> None:
    relevance = relevance_for(kb, DECISION)
    full = {q: UNKNOWN for q in kb.questions} | load_case(SAMPLE[0], kb).answers
    ahead = Lookahead(relevance, full)
    assert worth(ahead.now, ahead.possible, ()) == 0.0
    question = next(iter(full))
    rest = {q: v for q, v in full.items() if q != question}
    again = Lookahead(relevance, rest)
    prospects = again.prospects(question, [full[question]])
    assert worth(again.now, again.possible, prospects) >= 0.0


def test_why_says_what_the_answer_decides_in_plain_words(kb) -> None:
    relevance = relevance_for(kb, DECISION)
    choice = Chooser(kb, relevance).deciding({}, relevance.analyse({}))
    assert choice is not None
    text = decides_text(kb, choice)
    assert text.startswith("Your answer decides between") or text.startswith("On the answers so far")
    assert not any(rule.id in text for rule in kb.rules)
    groups = {p.projected for p in choice.prospects}
    assert (len(groups) > 1) == text.startswith("Your answer decides between")


def test_thin_evidence_is_never_settled_while_another_question_behind_the_verdict_is_open(kb) -> None:
    """Any known answer to a question behind the verdict counts toward the share of answers that
    ends thin evidence, whatever it says: a consultation that stopped there would settle on
    'insufficient information' although one more answer gives advice (found by bench_ask)."""
    case = load_case(CASES / "texas-gov-nic-portal.yaml", kb)
    result = Session(kb, Answering(case.answers), refine=False).run()
    whole = evaluate(case, kb)
    assert whole.appropriate.verdict == "ppp"
    assert result.advice.appropriate.verdict == whole.appropriate.verdict
    # the relevance analysis itself: thin now, so an open question behind the verdict is needed
    relevance = relevance_for(kb, DECISION)
    answers = {"need_type": "defined_service", "outputs_measurable": "yes", "revenue_source": "user_fees"}
    outlook = relevance.analyse(answers)
    assert "insufficient_information" in outlook.verdicts and not outlook.settled
    assert "technology_change" in outlook.needed
