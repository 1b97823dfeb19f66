"""The tutoring loop: brief, ask, grade, record, feedback on request; behind a provider seam.

The provider is the seam (as in the consultation): the terminal, ``--format json`` for a
learning platform, or a test script. It shows events and returns the lines a trainee types.
The tutor never prints and never reads on its own, so every command works the same way
everywhere: a choice's number or value, ``hint``, ``why``, ``brief``, ``glossary TERM``,
``skip``, ``quit``; after grading ``hint``, ``more``, ``answer``, Enter to go on.

Every graded answer is recorded at once in its own transaction, so ``quit``, Ctrl-C, the end
of piped input or a crash lose nothing already answered, and the unfinished case resumes at
the first step not yet answered.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Union

from ppp_expert.content.loader import ContentError, Glossary
from ppp_expert.train import events as ev
from ppp_expert.train.banks import resolve
from ppp_expert.train.brief import case_facts, scenario, unknown_questions
from ppp_expert.train.casework import STEP_TITLES, build_step, model_prompt, setting_step, verdict_prompt
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.feedback import Feedback, build_feedback, prompt_hint
from ppp_expert.train.grading import Grade, grade, skipped
from ppp_expert.train.items import Item, Prompt
from ppp_expert.train.learner import Exercise, Learner, Trainee
from ppp_expert.train.parse import FEEDBACK_COMMANDS, AnswerError, answer, command, row_answer
from ppp_expert.train.programme import Programme
from ppp_expert.train.solved import Solved

TOPIC_STEPS = {"model-selection": ("verdict", "model"), "risk-allocation": ("risks",), "red-flags": ("red_flags",),
               "structuring": ("setting:structuring",), "governance": ("setting:governance",),
               "procurement": ("setting:procurement",)}
ALL_STEPS = ("verdict", "model", "risks", "red_flags", "setting:structuring")
CASE_STEP_TYPES = ("verdict", "model", "risks", "red_flags", "setting")


class EndOfInput(Exception):
    """Standard input closed: a script ran out of lines (what was answered is saved)."""


class Quit(Exception):
    """The trainee typed quit (what was answered is saved)."""


class Provider(Protocol):
    #: Offer the feedback levels one at a time after grading (the terminal); a JSON client gets
    #: every level with the graded event instead.
    interactive: bool

    def show(self, event: ev.Event) -> None: ...

    def read(self, prompt: str) -> str: ...


@dataclass(frozen=True)
class Pending:
    """A step shown before the engine has solved its case: the first prompt does not wait for the
    engine to compile. ``make`` builds the real item (with its key) once it is needed."""

    id: str
    type: str
    topic: str
    sections: tuple[str, ...]
    prompt: Prompt
    case: str
    make: Callable[[], Item]


Askable = Union[Item, Pending]


@dataclass
class Asked:
    """The outcome of one item: its grade (None when the trainee quit before answering)."""

    item: Item
    grade: Grade | None
    recorded: bool = False


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

    def __post_init__(self) -> None:
        if self.catalogue is None:
            self.catalogue = Catalogue(self.programme, None, self.solved)

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

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def preview(self, case_id: str, seed: int, step: str) -> Askable | None:
        """The step as it can be shown now: the real item once the case is solved; for the steps
        whose prompt is the same for every case (verdict, model), a ``Pending`` before that."""
        assert self.catalogue is not None
        summary = self.catalogue.summary(case_id)
        if step not in summary.steps:
            return None
        if case_id in self._solved or step not in ("verdict", "model"):
            return self.step_item(case_id, seed, step)
        part = summary.steps[step]
        prompt = verdict_prompt() if step == "verdict" else model_prompt(self.programme.kb)
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
        return build_step(self.solved(case_id), seed, step, elsewhere)

    def item_by_id(self, item_id: str, seed: int) -> Item | None:
        """Rebuild any item from its id (case steps with ``seed``); None if it no longer exists."""
        parts = item_id.split("/")
        if parts[0] == "case" and len(parts) >= 3:
            if parts[1] not in self.programme.cases:
                return None
            if parts[2] == "setting" and len(parts) == 4:  # this very setting, whatever the seed draws
                topic, _, key = parts[3].partition(".")
                item = setting_step(self.solved(parts[1]), seed, topic, key)
            else:
                item = self.step_item(parts[1], seed, parts[2])
            return item if item is not None and item.id == item_id else None
        return resolve(item_id, self._solved_in_programme)

    def _solved_in_programme(self, case_id: str) -> Solved:
        """The solved case; a KeyError when it left the programme (``resolve`` then gives None)."""
        if case_id not in self.programme.cases:
            raise KeyError(case_id)
        return self.solved(case_id)

    def _show_brief(self, case_id: str, steps: Iterable[str]) -> None:
        pc = self.programme.get(case_id)
        kb = self.programme.kb
        assert self.catalogue is not None
        level = self.catalogue.summary(case_id).difficulty.level
        self.provider.show(ev.Brief(pc.id, pc.case.title or pc.id, level, scenario(pc.case, kb),
                                    tuple(case_facts(pc.case, kb)),
                                    tuple(STEP_TITLES[s.split(":")[0]] for s in steps),
                                    tuple(unknown_questions(pc.case, kb))))

    # ------------------------------------------------------------------ one item
    def ask(self, askable: Askable, number: int, total: int, exercise: Exercise, *, exam: bool = False,
            deadline: float | None = None, context: dict[str, Any] | None = None) -> Asked:
        """Ask one item until it is answered or skipped; record it; offer feedback."""
        left = None if deadline is None else max(0.0, deadline - self.monotonic())
        self.provider.show(ev.Ask(askable, number, total, exam, left))
        if isinstance(askable, Pending):
            self.prefetch(askable.case)  # the engine compiles while the trainee reads, not before the prompt
        started = self.monotonic()
        hints = 0
        case_id = askable.case
        resolved: list[Item] = [askable] if isinstance(askable, Item) else []

        def full() -> Item:
            if not resolved:
                assert isinstance(askable, Pending)
                resolved.append(askable.make())
            return resolved[0]

        def run_command(cmd: Any, row: str | None) -> str | None:
            nonlocal hints
            if cmd.name == "quit":
                raise Quit
            if cmd.name == "skip":
                return "skip"
            if cmd.name == "help":
                self.provider.show(ev.Lines("Commands", HELP_LINES + (EXAM_NOTE if exam else ()), "help"))
            elif cmd.name == "glossary":
                self._glossary(cmd.argument)
            elif cmd.name == "primer" and not exam:
                self._primer(cmd.argument or askable.topic)
            elif cmd.name == "brief" and case_id:
                if askable.type in CASE_STEP_TYPES:
                    self._show_brief(case_id, ())
                else:
                    self.provider.show(ev.Lines("Brief", askable.prompt.context or ("This item has no case brief.",),
                                                "brief"))
            elif exam and cmd.name in ("hint", "why", "primer"):
                self.provider.show(ev.Note(f"No {cmd.name}s in an exam.", "yellow"))
            elif cmd.name == "hint" and case_id:
                hints += 1
                self.provider.show(ev.Lines("Hint", prompt_hint(full(), self.solved(case_id), row), "hint"))
            elif cmd.name == "why":
                self.provider.show(ev.Lines("Why this step", (full().extra.get("why") or WHY_DEFAULT,), "why"))
            return None

        item_prompt = askable.prompt
        given: Any
        if item_prompt.kind == "matrix":
            given = {}
            rows = item_prompt.rows
            i = 0
            shown = -1
            while i < len(rows):
                row = rows[i]
                if shown != i:
                    self.provider.show(ev.AskRow(askable, row, i + 1, len(rows)))
                    shown = i
                line = self.provider.read(f"{row.label} [1-{len(item_prompt.choices)} or a command]: ")
                cmd = command(line)
                if cmd is not None:
                    if run_command(cmd, row.key) == "skip":
                        given = None
                        break
                    continue
                try:
                    given[row.key] = row_answer(item_prompt, line)
                    i += 1
                except AnswerError as exc:
                    self.provider.show(ev.Retry(str(exc)))
        else:
            while True:
                line = self.provider.read(self._answer_prompt(item_prompt))
                cmd = command(line)
                if cmd is not None:
                    if run_command(cmd, None) == "skip":
                        given = None
                        break
                    continue
                try:
                    given = answer(item_prompt, line)
                    break
                except AnswerError as exc:
                    self.provider.show(ev.Retry(str(exc)))
        seconds = self.monotonic() - started
        item = full()
        graded = skipped(item) if given is None else grade(item, given)
        recorded = self.learner.record(self.trainee, exercise, item, graded, given, hints, seconds, self.kb_fingerprint)
        feedback = None if exam or not case_id else build_feedback(item, graded, self.solved(case_id), self.glossary)
        self.provider.show(ev.Graded(item, graded, feedback, given, hints, seconds, recorded, exam, context or {}))
        if feedback is not None and self.provider.interactive:
            self._feedback_loop(item, feedback)
        return Asked(item, graded, recorded)

    @staticmethod
    def _answer_prompt(prompt: Prompt) -> str:
        n = len(prompt.choices)
        shape = {"single": f"1-{n}", "rank": f"1-{n}, optionally a runner-up", "multi": f"numbers 1-{n} or none",
                 "order": f"all {n} numbers in order"}[prompt.kind]
        return f"Answer [{shape}, or hint, why, skip, quit]: "

    def _glossary(self, text: str) -> None:
        if not text:
            self.provider.show(ev.Note("Type glossary and a term, e.g. 'glossary step-in rights'."))
            return
        try:
            term = self.glossary.lookup(text)
        except ContentError as exc:
            self.provider.show(ev.Note(exc.detail, "yellow"))
            return
        see = tuple(t.term for t in (self.glossary.get(i) for i in term.see_also) if t is not None)
        self.provider.show(ev.Term(term, see))

    def _primer(self, name: str) -> None:
        """The primer's page on a topic, a question phase or a question (the item's topic by default)."""
        from ppp_expert.content.loader import primer

        p = primer()
        entries = {**p.topics, **p.phases, **p.questions}
        entry = entries.get(name.strip().lower())
        if entry is None:
            from ppp_expert.kb.files import suggest

            self.provider.show(ev.Note(f"No primer page '{name}'{suggest(name, entries)}; topics: "
                                       f"{', '.join(p.topics)}.", "yellow"))
            return
        terms = [t.term for t in (self.glossary.get(i) for i in entry.terms) if t is not None]
        lines = (entry.body, *((f"Terms: {', '.join(terms)} (glossary TERM)",) if terms else ()))
        self.provider.show(ev.Lines(f"Primer: {entry.title}", lines, "primer"))

    def _feedback_loop(self, item: Item, feedback: Feedback) -> None:
        while True:
            try:
                line = self.provider.read("Feedback [hint, more, answer, glossary TERM; Enter to go on]: ")
            except EndOfInput:
                return  # the answer is recorded; the next prompt (if any) ends the session
            text = line.strip().lower()
            if text in ("", "next", "n", "go", "continue", "c"):
                return
            cmd = command(line, FEEDBACK_COMMANDS)
            if cmd is None:
                self.provider.show(ev.Retry("Type hint, more, answer, glossary TERM, primer, quit, or Enter to go on."))
                continue
            if cmd.name == "quit":
                raise Quit
            if cmd.name == "glossary":
                self._glossary(cmd.argument)
            elif cmd.name == "primer":
                self._primer(cmd.argument or item.topic)
            elif cmd.name == "help":
                self.provider.show(ev.Lines("Feedback", FEEDBACK_HELP, "help"))
            else:
                self.provider.show(ev.Level(cmd.name, item, feedback))

    # ----------------------------------------------------------------- a case
    def run_case(self, exercise: Exercise) -> ev.Summary:
        """Ask the steps of a case exercise not yet answered (all of them on a fresh start)."""
        case_id = exercise.case_id or ""
        assert self.catalogue is not None
        summary = self.catalogue.summary(case_id)  # before the background solve: one engine user at a time
        steps = tuple(exercise.plan.get("steps", ALL_STEPS))
        done = self.learner.answered(exercise)
        present = [s for s in steps if s in summary.steps]
        self._show_brief(case_id, present)
        if done:
            self.provider.show(ev.Note(f"Resuming this case: {len(done)} of {len(present)} steps already "
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
        finished = ev.Summary(f"Case finished: {self.programme.get(case_id).case.title or case_id}", rows, score,
                              True)
        self.provider.show(finished)
        return finished

    # --------------------------------------------------------------- reviews
    def brief_for(self, item: Item, last_case: str | None) -> str | None:
        """Show a case's brief before the first of its steps asked outside a case exercise (a review,
        an exam); bank items carry their own situation. Returns the case now on screen."""
        if item.type in CASE_STEP_TYPES and item.case and item.case != last_case:
            self._show_brief(item.case, ())
            return item.case
        return last_case

    def run_items(self, exercise: Exercise, items: list[Item], title: str) -> ev.Summary:
        rows = []
        shown: str | None = None
        for number, item in enumerate(items, 1):
            shown = self.brief_for(item, shown)
            asked = self.ask(item, number, len(items), exercise, context={"exercise": exercise.id})
            assert asked.grade is not None
            rows.append((item.prompt.title, asked.grade.verdict, asked.grade.score))
        score = round(sum(r[2] for r in rows) / len(rows), 4) if rows else 0.0
        self.learner.finish(exercise, score)
        summary = ev.Summary(title, tuple(rows), score, True)
        self.provider.show(summary)
        return summary


def _result(attempt: dict[str, Any]) -> str:
    if attempt["skipped"]:
        return "skipped"
    return "right" if attempt["correct"] else "partly right" if attempt["score"] > 0 else "wrong"


HELP_LINES = (
    "A number or a value answers (a unique start of a value is enough); several answers: spaces or commas.",
    "hint      the facts that matter (counted as a hint; fewer boxes gained)",
    "why       how the engine decides this kind of step",
    "brief     the scenario again",
    "glossary  TERM: look a term up (e.g. glossary availability payment)",
    "primer    the primer's page on this topic (or: primer TOPIC, a question phase or a question id)",
    "skip      skip this step (it counts as not answered)",
    "quit      stop; everything answered is saved and the case resumes next time",
)
EXAM_NOTE = ("In an exam there are no hints and no feedback until the end.",)
FEEDBACK_HELP = (
    "hint     the facts of the case that matter, in plain words",
    "more     the rule that decides it: title, reason, the facts that made it fire, guide section; "
    "and why not what you said",
    "answer   the engine's answer, with its ranking",
    "glossary TERM, primer, or Enter to go on",
)
WHY_DEFAULT = "The answer is what the engine concludes from the rules that fire for this situation."
