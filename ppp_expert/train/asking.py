"""Asking one item: the prompt, the commands a trainee may type instead of an answer, grading,
recording and the feedback levels offered after it.

At a prompt: a choice's number or value, ``hint``, ``why``, ``brief``, ``glossary TERM``,
``primer``, ``guide [SECTION]``, ``skip``, ``quit``; after grading ``hint``, ``more``, ``answer``,
``guide``, Enter to go on.
Every graded answer is recorded at once in its own transaction, so ``quit``, Ctrl-C, the end of
piped input or a crash lose nothing already answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Union

from ppp_expert.content.texts import ContentError, Glossary
from ppp_expert.errors import EndOfInput
from ppp_expert.train import events as ev
from ppp_expert.train.authored import authored_feedback
from ppp_expert.train.casework import STEPS
from ppp_expert.train.feedback import Feedback, build_feedback, prompt_hint
from ppp_expert.train.grading import Grade, grade, skipped
from ppp_expert.train.guide_pages import show_guide
from ppp_expert.train.items import Item, Prompt
from ppp_expert.train.learner import Exercise, Learner, Trainee
from ppp_expert.train.parse import FEEDBACK_COMMANDS, AnswerError, answer, command, row_answer
from ppp_expert.train.provider import Provider, Quit
from ppp_expert.train.solved import Solved


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


class AskingTutor(Protocol):
    """What asking needs of the tutor (``tutor.Tutor``): where to show and read, whom to record,
    the solved cases and the glossary."""

    provider: Provider
    learner: Learner
    trainee: Trainee
    glossary: Glossary
    kb_fingerprint: str

    def monotonic(self) -> float: ...

    def solved(self, case_id: str) -> Solved: ...

    def prefetch(self, case_id: str) -> None: ...

    def show_brief(self, case_id: str, steps: Iterable[str]) -> None: ...

    def define_terms(self, texts: Iterable[str], models: bool = True) -> None: ...


def ask(tutor: AskingTutor, askable: Askable, number: int, total: int, exercise: Exercise, *, exam: bool = False,
        deadline: float | None = None, context: dict[str, Any] | None = None) -> Asked:
    """Ask one item until it is answered or skipped; record it; offer feedback."""
    left = None if deadline is None else max(0.0, deadline - tutor.monotonic())
    tutor.provider.show(ev.Ask(askable, number, total, exam, left))
    p = askable.prompt
    tutor.define_terms([p.question, *p.context, *(f"{c.label} {c.detail}" for c in p.choices),
                        *(f"{r.label} {r.detail}" for r in p.rows)])
    if isinstance(askable, Pending):
        tutor.prefetch(askable.case)  # the engine compiles while the trainee reads, not before the prompt
    started = tutor.monotonic()
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
            tutor.provider.show(ev.Lines("Commands", HELP_LINES + (EXAM_NOTE if exam else ()), "help"))
        elif cmd.name == "glossary":
            show_term(tutor, cmd.argument)
        elif cmd.name == "primer" and not exam:
            show_primer(tutor, cmd.argument or askable.topic)
        elif cmd.name == "guide" and not exam:
            show_guide(tutor, cmd.argument, askable.sections, case_id)
        elif cmd.name == "brief" and case_id:
            if askable.type in STEPS:
                tutor.show_brief(case_id, ())
            else:
                tutor.provider.show(ev.Lines("Brief", askable.prompt.context or ("This item has no case brief.",),
                                            "brief"))
        elif exam and cmd.name in ("hint", "why", "primer", "guide"):
            tutor.provider.show(ev.NoteShown(f"No {cmd.name}s in an exam.", "yellow"))
        elif cmd.name == "hint" and case_id:
            hints += 1
            tutor.provider.show(ev.Lines("Hint", prompt_hint(full(), tutor.solved(case_id), row), "hint"))
        elif cmd.name == "why":
            tutor.provider.show(ev.Lines("Why this step", (full().extra.get("why") or WHY_DEFAULT,), "why"))
        return None

    item_prompt = askable.prompt
    given: Any
    if item_prompt.kind == "matrix":
        # Rows typed before a quit come back; each row is kept as it is typed.
        keys = {r.key for r in item_prompt.rows}
        given = {k: v for k, v in tutor.learner.draft(exercise, askable.id).items() if k in keys}
        rows = item_prompt.rows
        if given:
            tutor.provider.show(ev.NoteShown(f"Resuming this step: {len(given)} of {len(rows)} rows already answered.",
                                             "dim"))
        i = next((n for n, r in enumerate(rows) if r.key not in given), len(rows))
        shown = -1
        while i < len(rows):
            row = rows[i]
            if shown != i:
                tutor.provider.show(ev.AskRow(askable, row, i + 1, len(rows)))
                shown = i
            line = tutor.provider.read(f"{row.label} [1-{len(item_prompt.choices)} or a command]: ")
            cmd = command(line)
            if cmd is not None:
                if run_command(cmd, row.key) == "skip":
                    # The rows answered so far are graded; the rest count as not answered.
                    given = given or None
                    break
                continue
            try:
                given[row.key] = row_answer(item_prompt, line)
                i += 1
                if i < len(rows):
                    tutor.learner.save_draft(exercise, askable.id, given)
            except AnswerError as exc:
                tutor.provider.show(ev.Retry(str(exc)))
    else:
        while True:
            line = tutor.provider.read(_answer_prompt(item_prompt))
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
                tutor.provider.show(ev.Retry(str(exc)))
    seconds = tutor.monotonic() - started
    item = full()
    if deadline is not None and given is not None and tutor.monotonic() > deadline:
        # An exam's time is enforced: an answer given after it is not counted.
        tutor.provider.show(ev.NoteShown("Time is up: this answer came after the exam's time and is not counted.",
                                         "yellow"))
        given = None
    graded = skipped(item) if given is None else grade(item, given)
    recorded = tutor.learner.record(tutor.trainee, exercise, item, graded, given, hints, seconds, tutor.kb_fingerprint)
    feedback = None if exam else (build_feedback(item, graded, tutor.solved(case_id), tutor.glossary) if case_id
                                  else authored_feedback(item, graded))
    tutor.provider.show(ev.Graded(item, graded, feedback, given, hints, seconds, recorded, exam, context or {}))
    if feedback is not None and tutor.provider.interactive:
        _feedback_loop(tutor, item, feedback)
    return Asked(item, graded, recorded)


def _answer_prompt(prompt: Prompt) -> str:
    n = len(prompt.choices)
    shape = {"single": f"1-{n}", "rank": f"1-{n}, optionally a runner-up", "multi": f"numbers 1-{n} or none",
             "order": f"all {n} numbers in order"}[prompt.kind]
    return f"Answer [{shape}, or hint, why, skip, quit]: "


def show_term(tutor: AskingTutor, text: str) -> None:
    """``glossary TERM``: the entry, or a one-line note when there is none."""
    if not text:
        tutor.provider.show(ev.NoteShown("Type glossary and a term, e.g. 'glossary step-in rights'."))
        return
    try:
        term = tutor.glossary.lookup(text)
    except ContentError as exc:
        tutor.provider.show(ev.NoteShown(exc.detail, "yellow"))
        return
    see = tuple(t.term for t in (tutor.glossary.get(i) for i in term.see_also) if t is not None)
    tutor.provider.show(ev.TermShown(term, see))


def show_primer(tutor: AskingTutor, name: str) -> None:
    """The primer's page on a topic, a question phase or a question (the item's topic by default)."""
    from ppp_expert.content.texts import primer

    p = primer()
    entries = {**p.topics, **p.phases, **p.questions}
    entry = entries.get(name.strip().lower())
    if entry is None:
        from ppp_expert.kb.sources import suggest

        tutor.provider.show(ev.NoteShown(f"No primer page '{name}'{suggest(name, entries)}; topics: "
                                   f"{', '.join(p.topics)}.", "yellow"))
        return
    terms = [t.term for t in (tutor.glossary.get(i) for i in entry.terms) if t is not None]
    lines = (entry.body, *((f"Terms: {', '.join(terms)} (glossary TERM)",) if terms else ()))
    tutor.provider.show(ev.Lines(f"Primer: {entry.title}", lines, "primer"))


def _feedback_loop(tutor: AskingTutor, item: Item, feedback: Feedback) -> None:
    while True:
        try:
            line = tutor.provider.read("Feedback [hint, more, answer, guide, glossary TERM; Enter to go on]: ")
        except EndOfInput:
            return  # the answer is recorded; the next prompt (if any) ends the session
        text = line.strip().lower()
        if text in ("", "next", "n", "go", "continue", "c"):
            return
        cmd = command(line, FEEDBACK_COMMANDS)
        if cmd is None:
            tutor.provider.show(ev.Retry("Type hint, more, answer, guide, glossary TERM, primer, quit, "
                                         "or Enter to go on."))
            continue
        if cmd.name == "quit":
            raise Quit
        if cmd.name == "glossary":
            show_term(tutor, cmd.argument)
        elif cmd.name == "primer":
            show_primer(tutor, cmd.argument or item.topic)
        elif cmd.name == "guide":
            show_guide(tutor, cmd.argument, item.sections, item.case)
        elif cmd.name == "help":
            tutor.provider.show(ev.Lines("Feedback", FEEDBACK_HELP, "help"))
        else:
            tutor.provider.show(ev.Level(cmd.name, item, feedback))


HELP_LINES = (
    "A number or a value answers (a unique start of a value is enough); several answers: spaces or commas.",
    "hint      the facts that matter (counted: a right answer after a hint comes back sooner)",
    "why       how the engine decides this kind of step",
    "brief     the scenario again",
    "glossary  TERM: look a term up (e.g. glossary availability payment)",
    "primer    the primer's page on this topic (or: primer TOPIC, a question phase or a question id)",
    "guide     what the guide section behind this step teaches, in our words, and the rules of this case "
    "citing it (or: guide SECTION, e.g. guide faq-term)",
    "skip      skip this step (it counts as not answered; in a risk table, the rows answered so far count)",
    "quit      stop; everything answered is saved and the case resumes next time",
)
EXAM_NOTE = ("In an exam there are no hints and no feedback until the end.",)
FEEDBACK_HELP = (
    "hint     the facts of the case that matter, in plain words",
    "more     the rule that decides it: title, reason, the facts that made it fire, guide section; "
    "and why not what you said",
    "answer   the engine's answer, with its ranking",
    "guide    the page of the guide section behind this step (or: guide SECTION)",
    "glossary TERM, primer, or Enter to go on",
)
WHY_DEFAULT = "The answer is what the engine concludes from the rules that fire for this situation."
