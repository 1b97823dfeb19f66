"""A sitting from start to end: `ppp-expert train` (a case, then review items) and `ppp-expert
train exam`. Open the trainee's record, build the tutor, pick what to ask, run it, and say how
it ended: quit, the end of piped input and Ctrl-C each leave a note saying what is saved and how
to continue. The command line turns the ``SittingOutcome`` into an exit code.
"""

from __future__ import annotations

import random
import secrets
import shlex
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from ppp_expert.content.texts import glossary
from ppp_expert.errors import EndOfInput
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.train.authored import Authored, parse_stored
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.events import NoteShown
from ppp_expert.train.exam import ExamPlan, run_exam
from ppp_expert.train.items import Item
from ppp_expert.train.learner import Learner, Trainee, find_trainee, lock_trainee, open_learner
from ppp_expert.train.programme import kb_fingerprint, load_programme
from ppp_expert.train.provider import Provider, Quit
from ppp_expert.train.study_plan import (
    CurriculumError,
    check_section,
    check_topic,
    exam_blueprint,
    exam_items,
    next_case,
    review_items,
    steps_for,
)
from ppp_expert.train.tutor import Tutor


class SittingOutcome(Enum):
    DONE = "done"                # finished, or the trainee typed quit in a case
    INCOMPLETE = "incomplete"    # input ended mid-exercise, or an exam was left before its end
    INTERRUPTED = "interrupted"  # Ctrl-C
    NOT_PASSED = "not passed"    # an exam finished below its pass mark


def make_tutor(kb: KnowledgeBase, learner: Learner, who: Trainee, provider: Provider, seed: int) -> Tutor:
    """A tutor on the programme (shipped cases and this database's trainer cases)."""
    programme = load_programme(kb, learner.trainer_cases())
    tutor = Tutor(provider, programme, learner, who, glossary(), kb_fingerprint(kb), seed)
    tutor.authored = Authored(parse_stored(name, raw) for name, raw in learner.trainer_content())
    tutor.catalogue = Catalogue(programme, learner, tutor.solved)
    return tutor


@dataclass(frozen=True)
class Stops:
    """What a sitting says when it stops early, and what typing quit means for its outcome."""

    quit: str
    ended: str
    interrupted: str
    on_quit: SittingOutcome


def sitting(tutor: Tutor, learner: Learner, stops: Stops, body: Callable[[], SittingOutcome]) -> SittingOutcome:
    """Run a sitting; every way it can stop early ends here, and the solver thread and the
    database are always closed (at once on Ctrl-C: the process is about to leave). The trainee
    is locked for the sitting: a second session of the same trainee is refused in one line."""
    interrupted = False
    try:
        lock = lock_trainee(learner, tutor.trainee)
    except BaseException:
        tutor.close(wait=True)
        learner.db.close()
        raise
    try:
        return body()
    except Quit:
        note(tutor, stops.quit, "")
        return stops.on_quit
    except EndOfInput:
        note(tutor, stops.ended, "")
        return SittingOutcome.INCOMPLETE
    except KeyboardInterrupt:
        interrupted = True
        note(tutor, stops.interrupted, "")
        return SittingOutcome.INTERRUPTED
    finally:
        tutor.close(wait=not interrupted)
        learner.db.close()
        lock.release()


def note(tutor: Tutor, text: str, style: str = "dim") -> None:
    tutor.provider.show(NoteShown(text, style))


def practise(kb: KnowledgeBase, provider: Provider, db_path: str | None, trainee: str | None, new: bool,
             case_id: str | None, topic: str | None, section: str | None, items: int,
             seed: int | None) -> SittingOutcome:
    """`ppp-expert train`: the unfinished case (or the next one for this curriculum), then review items."""
    check_topic(topic)
    check_section(kb, section)
    learner = open_learner(db_path)
    who = find_trainee(learner, trainee, new)
    asked_seed = seed
    seed = seed if seed is not None else secrets.randbelow(1_000_000)
    tutor = make_tutor(kb, learner, who, provider, seed)
    if not len(tutor.programme):
        raise CurriculumError("the programme has no cases; add one with: ppp-expert train add-case FILE")
    if case_id is not None:
        tutor.programme.get(case_id)  # unknown case: one-line error with the valid ids
    resume = f"ppp-expert train --trainee {shlex.quote(who.name)}"
    if db_path:
        resume += f" --db {shlex.quote(db_path)}"
    saved = f"every answer so far is saved. Continue with: {resume}"
    stops = Stops(f"Stopped; {saved}", f"Input ended; {saved}", f"\nInterrupted; {saved}", SittingOutcome.DONE)

    def body() -> SittingOutcome:
        rng = random.Random(f"session/{seed}")
        exclude: set[str] = set()
        note(tutor, f"Training {who.name} (seed {seed}); every answer is saved to {learner.db.path}.")
        exercise = learner.unfinished(who, "case")
        if exercise is not None and not _resumes(exercise.plan, exercise.seed, exercise.case_id, case_id, topic,
                                                 section, asked_seed):
            # What was asked for wins: the unfinished case waits (its answers are kept) for a plain resume.
            note(tutor, f"Your unfinished case '{exercise.case_id}' is kept for later; this session follows what "
                        "you asked for.")
            exercise = None
        if exercise is None:
            plan = ((case_id, tuple(steps_for(topic))) if case_id
                    else next_case(tutor, who, topic, section, rng, seed))
            if plan is not None and case_id and not _has_steps(tutor, case_id, plan[1]):
                note(tutor, f"Case '{case_id}' has no step to work{f' on {topic}' if topic else ''}: too little is "
                            "known for a rule to decide its outcome, model, risk owners or red flags; practising "
                            "items instead.", "yellow")
                plan = None
            elif plan is None:
                note(tutor, f"No case step exercises this curriculum ({topic or section}); practising items instead.")
            else:
                chosen, steps = plan
                exercise = learner.start_exercise(who, "case", seed, tutor.kb_fingerprint, chosen,
                                                  {"steps": list(steps), "topic": topic, "section": section})
        if exercise is not None:
            tutor.run_case(exercise)
            exclude |= set(learner.answered(exercise))
        if items:
            chosen_items = review_items(tutor, who, topic, section, items, rng, seed, exclude)
            if chosen_items:
                review = learner.start_exercise(who, "review", seed, tutor.kb_fingerprint, None,
                                                {"items": [i.id for i in chosen_items]})
                tutor.run_items(review, chosen_items, "Review")
        note(tutor, f"Well done. Progress: ppp-expert train progress --trainee {who.name}", "cyan")
        return SittingOutcome.DONE

    return sitting(tutor, learner, stops, body)


def _has_steps(tutor: Tutor, case_id: str, steps: tuple[str, ...]) -> bool:
    """Does the case have one of these steps to ask (the catalogue lists only those the tutor builds)?"""
    assert tutor.catalogue is not None
    return any(s in tutor.catalogue.summary(case_id).steps for s in steps)


def _resumes(plan: dict[str, Any], seed: int, was_case: str | None, case_id: str | None, topic: str | None,
             section: str | None, asked_seed: int | None) -> bool:
    """Whether an unfinished exercise is what this command asks for: nothing asked (a plain
    resume), or the same case, topic, section and seed as it was started with."""
    return ((case_id is None or case_id == was_case) and (topic is None or plan.get("topic") == topic)
            and (section is None or plan.get("section") == section) and (asked_seed is None or asked_seed == seed))


def sit_exam(kb: KnowledgeBase, provider: Provider, db_path: str | None, trainee: str | None, count: int,
             minutes: float, pass_mark: int, topic: str | None, section: str | None,
             seed: int | None) -> SittingOutcome:
    """`ppp-expert train exam`: the unfinished exam (its clock still running) or a new one."""
    check_topic(topic)
    check_section(kb, section)
    learner = open_learner(db_path)
    who = find_trainee(learner, trainee)
    exercise = learner.unfinished(who, "exam")
    stale = exercise is not None and not _resumes(exercise.plan, exercise.seed, None, None, topic, section, seed)
    seed = exercise.seed if exercise is not None and not stale else (seed if seed is not None else 1)
    tutor = make_tutor(kb, learner, who, provider, seed)
    if exercise is not None and stale:
        # Another exam was asked for: the unfinished one is closed with the answers it has.
        answered = learner.answered(exercise)
        planned = exercise.plan.get("items", [])
        score = round(sum(a["score"] for a in answered.values()) / len(planned), 4) if planned else 0.0
        learner.finish(exercise, score)
        note(tutor, f"Your unfinished exam (seed {exercise.seed}) is closed with the answers it had ({score:.0%}); "
                    "a new one starts.")
        exercise = None
    saved = "the answers so far are saved and the exam clock keeps running"
    stopped = f"Stopped; {saved}. Continue with: ppp-expert train exam --trainee {shlex.quote(who.name)}"
    stops = Stops(stopped, stopped, f"\nInterrupted; {saved}.", SittingOutcome.INCOMPLETE)

    def body() -> SittingOutcome:
        nonlocal exercise
        chosen: list[Item]
        if exercise is None:
            chosen = exam_items(tutor, count, seed, topic, section)
            if not chosen:
                raise CurriculumError("no exam items for this curriculum; choose another --topic or --section")
            plan = ExamPlan(tuple(i.id for i in chosen), minutes, pass_mark / 100, topic, section)
            exercise = learner.start_exercise(who, "exam", seed, tutor.kb_fingerprint, None, plan.to_plan())
            note(tutor, f"Exam for {who.name}: {len(chosen)} items, {minutes:g} minutes, pass mark {pass_mark}%. "
                        "No hints; feedback comes with the report.", "bold")
            note(tutor, f"Blueprint: {exam_blueprint(count, topic).text()}.")
        else:
            chosen = [i for i in (tutor.item_by_id(x, seed) for x in exercise.plan["items"]) if i is not None]
        summary = run_exam(tutor, exercise, chosen)
        return SittingOutcome.DONE if summary.passed else SittingOutcome.NOT_PASSED

    return sitting(tutor, learner, stops, body)
