"""The tutor: one trainee's programme, its solved cases and items, a case's brief, and the case
and review exercises asked one item at a time (``asking``) through a provider (``provider``).

Cases are solved on demand, the first one in a background thread while the trainee reads the
brief. An unfinished case resumes at the first step not yet answered.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ppp_expert.content.texts import Glossary
from ppp_expert.train import events as ev
from ppp_expert.train.asking import Askable, Asked, Pending, ask
from ppp_expert.train.authored import TRAINER_PREFIX, Authored
from ppp_expert.train.banks import case_bank, resolve
from ppp_expert.train.brief import case_facts, scenario, unknown_questions
from ppp_expert.train.casework import (
    ALL_STEPS,
    STEP_TITLES,
    STEPS,
    build_step,
    model_prompt,
    rebuild_step,
    verdict_prompt,
)
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.items import Item
from ppp_expert.train.jargon import Jargon
from ppp_expert.train.learner import Exercise, Learner, Trainee
from ppp_expert.train.programme import Programme
from ppp_expert.train.provider import Provider
from ppp_expert.train.scaffold import worked_example
from ppp_expert.train.solved import Solved


@dataclass
class Tutor:
    provider: Provider
    programme: Programme
    learner: Learner
    trainee: Trainee
    glossary: Glossary
    kb_fingerprint: str
    seed: int
    monotonic: Callable[[], float] = time.monotonic
    catalogue: Catalogue | None = None
    _solved: dict[str, Solved] = field(default_factory=dict)
    _pending: dict[str, "Future[Solved]"] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None
    _banks: dict[str, list[Item]] = field(default_factory=dict)
    authored: Authored = field(default_factory=lambda: Authored(()))

    def __post_init__(self) -> None:
        if self.catalogue is None:
            self.catalogue = Catalogue(self.programme, None, self.solved)
        self.jargon = Jargon(self.glossary)

    def define_terms(self, texts: Iterable[str], models: bool = True) -> None:
        """Define the glossary terms these texts use for the first time in this session (without
        ``models``: not the terms that name a partnership model, as in a brief)."""
        lines = self.jargon.new_terms(texts, models)
        if lines:
            self.provider.show(ev.Lines("Terms used here", tuple(lines), "terms"))

    # ------------------------------------------------------------------ helpers
    def solved(self, case_id: str) -> Solved:
        if case_id not in self._solved:
            future = self._pending.pop(case_id, None)
            if future is not None:
                self._solved[case_id] = future.result()
            else:
                # The engine is one instance per knowledge base: never run it in two threads.
                for other in list(self._pending):
                    self._solved[other] = self._pending.pop(other).result()
                self._solved[case_id] = Solved(self.programme.kb, self.programme.get(case_id))
        return self._solved[case_id]

    def bank(self, case_id: str) -> list[Item]:
        """Every bank item of a case (they do not depend on the seed: built once per tutor)."""
        if case_id not in self._banks:
            self._banks[case_id] = [i for i in map(self.authored.apply, case_bank(self.solved(case_id))) if i]
        return self._banks[case_id]

    def prefetch(self, case_id: str) -> None:
        """Solve a case in the background (compiling the engine on first use) while the trainee
        reads the brief; ``solved`` waits for it. One worker thread: experta is not thread-safe,
        and only that thread touches the engine until its result is taken."""
        if case_id in self._solved or case_id in self._pending:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ppp-expert-solve")
        case = self.programme.get(case_id)
        self._pending[case_id] = self._pool.submit(Solved, self.programme.kb, case)

    def close(self, wait: bool = True) -> None:
        """Stop the solver thread (without waiting for a solve under way when ``wait`` is False)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def preview(self, case_id: str, seed: int, step: str) -> Askable | None:
        """The step as it can be shown now: the real item once the case is solved; for the steps
        whose prompt is the same for every case (verdict, model), a ``Pending`` before that."""
        assert self.catalogue is not None
        summary = self.catalogue.summary(case_id)
        if step not in summary.steps or self.authored.retired(f"case/{case_id}/{step}"):
            return None
        if case_id in self._solved or step not in ("verdict", "model"):
            return self.step_item(case_id, seed, step)
        part = summary.steps[step]
        prompt = verdict_prompt(seed, case_id) if step == "verdict" else model_prompt(self.programme.kb, seed, case_id)
        return Pending(f"case/{case_id}/{step}", step, part.topic, part.sections, prompt, case_id,
                       lambda: self._made(case_id, seed, step))

    def _made(self, case_id: str, seed: int, step: str) -> Item:
        item = self.step_item(case_id, seed, step)
        assert item is not None
        return item

    def step_item(self, case_id: str, seed: int, step: str) -> Item | None:
        """One step of a case exercise (``verdict``, ``risks``, ``setting:governance`` ...)."""
        assert self.catalogue is not None
        elsewhere = self.catalogue.flags_elsewhere(case_id) if step == "red_flags" else []
        return self.authored.apply(build_step(self.solved(case_id), seed, step, elsewhere))

    def item_by_id(self, item_id: str, seed: int) -> Item | None:
        """Rebuild any item from its id (case steps with ``seed``); None if it no longer exists."""
        parts = item_id.split("/")
        if item_id.startswith(TRAINER_PREFIX):
            return self.authored.items.get(item_id)
        if parts[0] == "case" and len(parts) >= 3:
            if parts[1] not in self.programme.cases:
                return None
            # The id names what the step asks (its rows, options or setting): the same item whatever the seed.
            item = rebuild_step(self.solved(parts[1]), seed, parts[2:], self.catalogue.flags_elsewhere(parts[1])
                                if self.catalogue is not None and parts[2] == "red_flags" else [])
            item = self.authored.apply(item)
            return item if item is not None and item.id == item_id else None
        return self.authored.apply(resolve(item_id, self._solved_in_programme))

    def _solved_in_programme(self, case_id: str) -> Solved:
        """The solved case; a KeyError when it left the programme (``resolve`` then gives None)."""
        if case_id not in self.programme.cases:
            raise KeyError(case_id)
        return self.solved(case_id)

    def show_brief(self, case_id: str, steps: Iterable[str]) -> None:
        pc = self.programme.get(case_id)
        kb = self.programme.kb
        assert self.catalogue is not None
        level = self.catalogue.summary(case_id).difficulty.level
        story, facts = scenario(pc.case, kb), tuple(case_facts(pc.case, kb))
        self.provider.show(ev.Brief(pc.id, pc.case.title or pc.id, level, story, facts,
                                    tuple(STEP_TITLES[s.split(":")[0]] for s in steps),
                                    tuple(unknown_questions(pc.case, kb))))
        self.define_terms([story, *(line for g in facts for line in g.lines)], models=False)

    def show_worked_example(self, case_id: str) -> None:
        """A first case starts with a worked example on the clearest other case of the programme."""
        assert self.catalogue is not None
        summaries = self.catalogue.all()
        others = sorted((s.difficulty.score, c) for c, s in summaries.items() if c != case_id)
        if others:
            self.provider.show(ev.Lines("A worked example", worked_example(self.solved(others[0][1])), "example"))

    # ------------------------------------------------------------------ one item
    def ask(self, askable: Askable, number: int, total: int, exercise: Exercise, *, exam: bool = False,
            deadline: float | None = None, context: dict[str, Any] | None = None) -> Asked:
        """Ask one item until it is answered or skipped; record it; offer feedback (``asking.ask``)."""
        return ask(self, askable, number, total, exercise, exam=exam, deadline=deadline, context=context)

    # ----------------------------------------------------------------- a case
    def run_case(self, exercise: Exercise) -> ev.ExerciseSummary:
        """Ask the steps of a case exercise not yet answered (all of them on a fresh start)."""
        case_id = exercise.case_id or ""
        assert self.catalogue is not None
        summary = self.catalogue.summary(case_id)  # before the background solve: one engine user at a time
        steps = tuple(exercise.plan.get("steps", ALL_STEPS))
        done = self.learner.answered(exercise)
        present = [s for s in steps if s in summary.steps]
        if not done and not self.learner.cases_done(self.trainee):
            self.show_worked_example(case_id)
        self.show_brief(case_id, present)
        if done:
            self.provider.show(ev.NoteShown(f"Resuming this case: {len(done)} of {len(present)} steps already "
                                       "answered.", "dim"))
        results: dict[str, tuple[str, str, float]] = {}
        asked: list[str] = []
        for number, step in enumerate(present, 1):
            shown = self.preview(case_id, exercise.seed, step)
            if shown is None:
                continue
            asked.append(shown.id)
            if shown.id in done:
                results[shown.id] = (shown.prompt.title, _result(done[shown.id]), done[shown.id]["score"])
                continue
            outcome = self.ask(shown, number, len(present), exercise, context={"exercise": exercise.id})
            assert outcome.grade is not None
            results[shown.id] = (outcome.item.prompt.title, outcome.grade.verdict, outcome.grade.score)
        rows = tuple(results[i] for i in asked)
        score = round(sum(r[2] for r in rows) / len(rows), 4) if rows else 0.0
        self.learner.finish(exercise, score)
        title = self.programme.get(case_id).case.title or case_id
        finished = ev.ExerciseSummary(f"Case finished: {title}", rows, score, True)
        self.provider.show(finished)
        return finished

    # --------------------------------------------------------------- reviews
    def brief_for(self, item: Item, last_case: str | None) -> str | None:
        """Show a case's brief before the first of its steps asked outside a case exercise (a review,
        an exam); bank items carry their own situation. Returns the case now on screen."""
        if item.type in STEPS and item.case and item.case != last_case:
            self.show_brief(item.case, ())
            return item.case
        return last_case

    def run_items(self, exercise: Exercise, items: list[Item], title: str) -> ev.ExerciseSummary:
        rows = []
        shown: str | None = None
        for number, item in enumerate(items, 1):
            shown = self.brief_for(item, shown)
            asked = self.ask(item, number, len(items), exercise, context={"exercise": exercise.id})
            assert asked.grade is not None
            rows.append((item.prompt.title, asked.grade.verdict, asked.grade.score))
        score = round(sum(r[2] for r in rows) / len(rows), 4) if rows else 0.0
        self.learner.finish(exercise, score)
        summary = ev.ExerciseSummary(title, tuple(rows), score, True)
        self.provider.show(summary)
        return summary


def _result(attempt: dict[str, Any]) -> str:
    if attempt["skipped"]:
        return "skipped"
    return "right" if attempt["correct"] else "partly right" if attempt["score"] > 0 else "wrong"
