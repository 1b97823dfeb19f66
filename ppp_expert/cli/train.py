"""`ppp-expert train`: the case-method tutor, its exam mode, progress, cohort export and the
trainer's programme (add or remove case files)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from ppp_expert.cli.common import State, exit_interrupted, fail, handle_errors
from ppp_expert.errors import ExitCode

DB_HELP = ("Training database (default: $XDG_DATA_HOME/ppp-expert/training.db, "
           "i.e. ~/.local/share/ppp-expert/training.db).")
TRAINEE_HELP = "The trainee's name (env PPP_EXPERT_TRAINEE; may be left out when the database has one trainee)."


def _db_option(f: Any) -> Any:
    return click.option("--db", "db_path", type=click.Path(), default=None, help=DB_HELP)(f)


def _trainee_option(f: Any) -> Any:
    return click.option("--trainee", default=None, envvar="PPP_EXPERT_TRAINEE", help=TRAINEE_HELP)(f)


def _curriculum(f: Any) -> Any:
    f = click.option("--section", default=None, help="Only what cites this guide section (e.g. faq-data-ip).")(f)
    return click.option("--topic", default=None,
                        help="Only one topic: model-selection, risk-allocation, red-flags, structuring, governance, "
                             "procurement, implementation.")(f)


def _output(f: Any) -> Any:
    f = click.option("--no-color", is_flag=True, default=False, help="No colour (also when NO_COLOR is set).")(f)
    f = click.option("--seed", type=int, default=None, help="Make the session reproducible (choices drawn from it).")(f)
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="json: one JSON line per event (prompts, graded steps) for a learning platform.")(f)


@click.group(invoke_without_command=True)
@_trainee_option
@click.option("--new", is_flag=True, default=False, help="Register the trainee named by --trainee.")
@_db_option
@click.option("--case", "case_id", default=None, help="Work this case (an id from 'ppp-expert train cases').")
@_curriculum
@click.option("--items", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Review items after the case (due items first, then the weakest topics).")
@_output
@click.pass_context
def train(ctx: click.Context, trainee: str | None, new: bool, db_path: str | None, case_id: str | None,
          topic: str | None, section: str | None, items: int, fmt: str, seed: int | None, no_color: bool) -> None:
    """Train on real cases: work a case step by step, graded against what the engine concludes.

    Steps: PPP or not, the model (optionally your runner-up), risk owners, red flags, one
    structuring setting. At a prompt: a number or a value, hint, why, brief, glossary TERM,
    skip, quit; after each step: hint, more (the deciding rule), answer. Every answer is saved
    at once; quit, Ctrl-C or the end of piped input keep it, and the case resumes next time.

    Exit codes: 0 done (or quit), 1 input ended mid-exercise, 2 bad input, 130 Ctrl-C.

    Examples: ppp-expert train --trainee ana --new · ppp-expert train --topic risk-allocation ·
    ppp-expert train progress · ppp-expert train exam --minutes 20
    """
    ctx.meta["ppp_train_db"] = db_path
    ctx.meta["ppp_train_trainee"] = trainee
    if ctx.invoked_subcommand is not None:
        return
    _guarded(_session, ctx.find_object(State), trainee, new, db_path, case_id, topic, section, items, fmt, seed,
             no_color)


def _guarded(func: Any, *args: Any) -> None:
    """One-line errors (exit 2) for every training failure, like every other command."""
    from ppp_expert.errors import PPPExpertError

    try:
        handle_errors(func)(*args)
    except PPPExpertError as exc:  # pragma: no cover - handle_errors already maps these
        fail(exc)


# ---------------------------------------------------------------------------- helpers
def _open(db_path: str | None, readonly: bool = False) -> Any:
    from ppp_expert.train.learner import Learner
    from ppp_expert.train.store import Database, default_db_path

    return Learner(Database(Path(db_path) if db_path else default_db_path(), readonly=readonly))


def _who(learner: Any, name: str | None, new: bool = False) -> Any:
    from ppp_expert.train.store import TrainingDBError

    if new:
        if not name:
            raise TrainingDBError("--new needs a name: --trainee NAME --new", field="--trainee")
        return learner.add_trainee(name)
    if name:
        return learner.trainee(name)
    known = learner.trainees()
    if len(known) == 1:
        return known[0]
    if not known:
        raise TrainingDBError("no trainees yet; start with --trainee NAME --new", field="--trainee")
    raise TrainingDBError(f"several trainees; name one with --trainee: {', '.join(t.name for t in known)}",
                          field="--trainee")


def _console(no_color: bool) -> Any:
    from rich.console import Console

    return Console(highlight=False, no_color=no_color or bool(os.environ.get("NO_COLOR")),
                   color_system=None if no_color else "auto")


def _tutor(state: State, learner: Any, who: Any, fmt: str, seed: int, no_color: bool) -> Any:
    from ppp_expert.content.loader import glossary
    from ppp_expert.train.catalogue import Catalogue
    from ppp_expert.train.programme import kb_fingerprint, load_programme
    from ppp_expert.train.tutor import Tutor

    kb = state.kb
    programme = load_programme(kb, learner.trainer_cases())
    if fmt == "json":
        from ppp_expert.train.jsonio import JsonProvider

        provider: Any = JsonProvider()
    else:
        from ppp_expert.train.tutor_terminal import TerminalProvider

        provider = TerminalProvider(_console(no_color))
    tutor = Tutor(provider, programme, learner, who, glossary(), kb_fingerprint(kb), seed)
    tutor.catalogue = Catalogue(programme, learner, tutor.solved)
    return tutor


def _seed(seed: int | None) -> int:
    import secrets

    return seed if seed is not None else secrets.randbelow(1_000_000)


def _note(tutor: Any, text: str, style: str = "dim") -> None:
    from ppp_expert.train.events import Note

    tutor.provider.show(Note(text, style))


# ---------------------------------------------------------------------------- the session
def _session(state: State, trainee: str | None, new: bool, db_path: str | None, case_id: str | None,
             topic: str | None, section: str | None, items: int, fmt: str, seed: int | None, no_color: bool) -> None:
    import random

    from ppp_expert.train.provider import EndOfInput, Quit
    from ppp_expert.train.study_plan import check_section, check_topic, next_case, review_items

    check_topic(topic)
    check_section(state.kb, section)
    learner = _open(db_path)
    who = _who(learner, trainee, new)
    seed = _seed(seed)
    tutor = _tutor(state, learner, who, fmt, seed, no_color)
    if not len(tutor.programme):
        from ppp_expert.train.study_plan import CurriculumError

        raise CurriculumError("the programme has no cases; add one with: ppp-expert train add-case FILE")
    if case_id is not None:
        tutor.programme.get(case_id)  # unknown case: one-line error with the valid ids
    resume = f"ppp-expert train --trainee {shlex.quote(who.name)}"
    if db_path:
        resume += f" --db {shlex.quote(db_path)}"
    rng = random.Random(f"session/{seed}")
    exclude: set[str] = set()
    try:
        _note(tutor, f"Training {who.name} (seed {seed}); every answer is saved to {learner.db.path}.")
        exercise = learner.unfinished(who, "case")
        if exercise is not None and case_id not in (None, exercise.case_id):
            exercise = None
        if exercise is None:
            plan = ((case_id, tuple(s for s in _steps(topic))) if case_id
                    else next_case(tutor, who, topic, section, rng, seed))
            if plan is None:
                _note(tutor, f"No case step exercises this curriculum ({topic or section}); practising items instead.")
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
        _note(tutor, f"Well done. Progress: ppp-expert train progress --trainee {who.name}", "cyan")
    except Quit:
        _note(tutor, f"Stopped; every answer so far is saved. Continue with: {resume}", "")
    except EndOfInput:
        _note(tutor, f"Input ended; every answer so far is saved. Continue with: {resume}", "")
        sys.exit(ExitCode.FAILED)
    except KeyboardInterrupt:
        _note(tutor, f"\nInterrupted; every answer so far is saved. Continue with: {resume}", "")
        exit_interrupted()
    finally:
        tutor.close()
        learner.db.close()


def _steps(topic: str | None) -> tuple[str, ...]:
    from ppp_expert.train.study_plan import steps_for

    return steps_for(topic)


# ---------------------------------------------------------------------------- exam
@train.command()
@_trainee_option
@_db_option
@click.option("--items", "count", type=click.IntRange(1, 100), default=12, show_default=True, help="Items in the exam.")
@click.option("--minutes", type=click.FloatRange(0.5, 600), default=20, show_default=True, help="Time allowed.")
@click.option("--pass-mark", type=click.IntRange(1, 100), default=70, show_default=True, help="Percent needed to pass.")
@_curriculum
@_output
@click.pass_context
def exam(ctx: click.Context, trainee: str | None, db_path: str | None, count: int, minutes: float, pass_mark: int,
         topic: str | None, section: str | None, fmt: str, seed: int | None, no_color: bool) -> None:
    """An exam: a fixed item set (the same for everyone with the same --seed), timed, no hints,
    no feedback until the score report. Exit code 0 passed, 1 not passed.

    Example: ppp-expert train exam --trainee ana --seed 2024 --minutes 20 --pass-mark 70
    """
    _guarded(_exam, ctx.find_object(State), trainee or ctx.meta.get("ppp_train_trainee"),
             db_path or ctx.meta.get("ppp_train_db"), count, minutes, pass_mark, topic, section, fmt, seed, no_color)


def _exam(state: State, trainee: str | None, db_path: str | None, count: int, minutes: float, pass_mark: int,
          topic: str | None, section: str | None, fmt: str, seed: int | None, no_color: bool) -> None:
    from ppp_expert.train.exam import ExamPlan, run_exam
    from ppp_expert.train.provider import EndOfInput, Quit
    from ppp_expert.train.study_plan import check_section, check_topic, exam_items

    check_topic(topic)
    check_section(state.kb, section)
    learner = _open(db_path)
    who = _who(learner, trainee)
    exercise = learner.unfinished(who, "exam")
    seed = exercise.seed if exercise is not None else (seed if seed is not None else 1)
    tutor = _tutor(state, learner, who, fmt, seed, no_color)
    try:
        if exercise is None:
            chosen = exam_items(tutor, count, seed, topic, section)
            if not chosen:
                from ppp_expert.train.study_plan import CurriculumError

                raise CurriculumError("no exam items for this curriculum; choose another --topic or --section")
            plan = ExamPlan(tuple(i.id for i in chosen), minutes, pass_mark / 100)
            exercise = learner.start_exercise(who, "exam", seed, tutor.kb_fingerprint, None, plan.to_plan())
            _note(tutor, f"Exam for {who.name}: {len(chosen)} items, {minutes:g} minutes, pass mark {pass_mark}%. "
                         "No hints; feedback comes with the report.", "bold")
        else:
            chosen = [i for i in (tutor.item_by_id(x, seed) for x in exercise.plan["items"]) if i is not None]
        summary = run_exam(tutor, exercise, chosen)
    except (Quit, EndOfInput):
        _note(tutor, "Stopped; the answers so far are saved and the exam clock keeps running. Continue with: "
                     f"ppp-expert train exam --trainee {shlex.quote(who.name)}", "")
        sys.exit(ExitCode.FAILED)
    except KeyboardInterrupt:
        _note(tutor, "\nInterrupted; the answers so far are saved and the exam clock keeps running.", "")
        exit_interrupted()
    finally:
        tutor.close()
        learner.db.close()
    if not summary.passed:
        sys.exit(ExitCode.FAILED)


# ---------------------------------------------------------------------------- progress, export
@train.command()
@_trainee_option
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-color", is_flag=True, default=False, help="No colour (also when NO_COLOR is set).")
@click.pass_context
def progress(ctx: click.Context, trainee: str | None, db_path: str | None, fmt: str, no_color: bool) -> None:
    """Mastery by topic and guide section (bars), weakest rules, what is due; without --trainee
    (and with several trainees) one line per trainee.

    Example: ppp-expert train progress --trainee ana
    """
    _guarded(_progress, ctx.find_object(State), trainee or ctx.meta.get("ppp_train_trainee"),
             db_path or ctx.meta.get("ppp_train_db"), fmt, no_color)


def _progress(state: State, trainee: str | None, db_path: str | None, fmt: str, no_color: bool) -> None:
    import json

    from ppp_expert.train.progress import cohort, print_cohort, print_report, report

    learner = _open(db_path, readonly=True)
    try:
        console = _console(no_color)
        if trainee is None and len(learner.trainees()) != 1:
            rows = cohort(learner)
            if fmt == "json":
                click.echo(json.dumps(rows, indent=1))
            else:
                print_cohort(rows, console)
            return
        rep = report(learner, _who(learner, trainee), state.kb)
        if fmt == "json":
            click.echo(json.dumps(rep.to_json(), indent=1))
        else:
            print_report(rep, console)
    finally:
        learner.db.close()


@train.command()
@_db_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write here (.csv or .json; default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None,
              help="Default: from --out's suffix, else csv.")
@click.option("--attempts", is_flag=True, default=False, help="Every attempt instead of (CSV) or with (JSON) mastery.")
@click.pass_context
def export(ctx: click.Context, db_path: str | None, out_path: str | None, fmt: str | None, attempts: bool) -> None:
    """Export the cohort for the trainer: mastery per trainee by topic and guide section.

    Example: ppp-expert train export --out cohort.csv
    """
    _guarded(_export, db_path or ctx.meta.get("ppp_train_db"), out_path, fmt, attempts)


def _export(db_path: str | None, out_path: str | None, fmt: str | None, attempts: bool) -> None:
    from ppp_expert.errors import PPPExpertError
    from ppp_expert.train.progress import export as export_text

    fmt = fmt or ("json" if out_path and out_path.lower().endswith(".json") else "csv")
    learner = _open(db_path, readonly=True)
    try:
        text = export_text(learner, fmt, attempts)
    finally:
        learner.db.close()
    if out_path is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out_path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PPPExpertError(f"cannot write the export ({exc.strerror or exc})", path=out_path) from None
    click.echo(f"written {out_path}", err=True)


# ---------------------------------------------------------------------------- the programme
@train.command("cases")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def cases_command(ctx: click.Context, db_path: str | None, fmt: str) -> None:
    """List the programme: shipped and trainer cases, with the engine's difficulty.

    Example: ppp-expert train cases
    """
    _guarded(_cases, ctx.find_object(State), db_path or ctx.meta.get("ppp_train_db"), fmt)


def _cases(state: State, db_path: str | None, fmt: str) -> None:
    import json

    from rich.table import Table
    from rich.text import Text

    from ppp_expert.train.catalogue import Catalogue
    from ppp_expert.train.programme import load_programme
    from ppp_expert.train.store import default_db_path

    learner = _open(db_path, readonly=True) if (Path(db_path) if db_path else default_db_path()).exists() else None
    try:
        programme = load_programme(state.kb, learner.trainer_cases() if learner else [])
        summaries = Catalogue(programme, learner).all()  # cached difficulties when the database has them
    finally:
        if learner is not None:
            learner.db.close()
    rows = sorted(programme.cases.values(), key=lambda c: (summaries[c.id].difficulty.score, c.id))
    if fmt == "json":
        click.echo(json.dumps([{"id": c.id, "title": c.case.title, "origin": c.origin,
                                "level": summaries[c.id].difficulty.level,
                                "difficulty": summaries[c.id].difficulty.score,
                                "model_margin": summaries[c.id].difficulty.margin,
                                "overridden_allocations": summaries[c.id].difficulty.overridden,
                                "red_flags": summaries[c.id].difficulty.red_flags} for c in rows], indent=1))
        return
    table = Table(title=f"Training programme ({len(rows)} cases, clearest first)",
                  caption="* added by a trainer to this database" if any(c.origin == "trainer" for c in rows) else None)
    table.add_column("Case", no_wrap=True)
    for name in ("Level", "Difficulty", "Margin", "Overrides", "Flags"):
        table.add_column(name, justify="left" if name == "Level" else "right", no_wrap=True)
    for c in rows:
        d = summaries[c.id].difficulty
        table.add_row(Text(c.id + (" *" if c.origin == "trainer" else "")), d.level, f"{d.score:.2f}",
                      f"{d.margin:.2f}", str(d.overridden), str(d.red_flags))
    _console(False).print(table)


@train.command("add-case")
@click.argument("case_file", type=click.Path(dir_okay=False))
@_db_option
@click.option("--replace", is_flag=True, default=False, help="Replace a trainer case with the same id.")
@click.pass_context
def add_case(ctx: click.Context, case_file: str, db_path: str | None, replace: bool) -> None:
    """Add a case file (with a narrative) to the programme in this database.

    The case is checked like any case file and solved by the engine; its expected: block is
    never shown to trainees. Example: ppp-expert train add-case county-fibre.yaml
    """
    _guarded(_add_case, ctx.find_object(State), case_file, db_path or ctx.meta.get("ppp_train_db"), replace)


def _add_case(state: State, case_file: str, db_path: str | None, replace: bool) -> None:
    from ppp_expert.cases.case import CaseError
    from ppp_expert.train.programme import case_from_file_bytes, load_programme
    from ppp_expert.yaml_io import read_bytes

    path = Path(case_file)
    raw = read_bytes(path, CaseError)
    added = case_from_file_bytes(raw, str(path), state.kb, "trainer")
    learner = _open(db_path)
    try:
        others = [(n, c) for n, c in learner.trainer_cases() if not (replace and n == path.name)]
        programme = load_programme(state.kb, others)
        if added.id in programme.cases and programme.cases[added.id].origin == "shipped":
            raise CaseError(f"case id '{added.id}' is a shipped case; expected a new id", path=str(path), field="id")
        new = learner.add_case(added.id, path.name, raw, replace)
    finally:
        learner.db.close()
    advice = added.advice
    click.echo(f"{'Added' if new else 'Replaced'} case '{added.id}' ({added.difficulty.level}; the engine "
               f"recommends {advice.recommendation.model}, {len(advice.red_flags)} red flags). It joins the programme "
               "in this database.")


@train.command("remove-case")
@click.argument("case_id")
@_db_option
@click.pass_context
def remove_case(ctx: click.Context, case_id: str, db_path: str | None) -> None:
    """Remove a trainer case from the programme, by its id or the file name it was added from
    (attempts on it are kept). Example: ppp-expert train remove-case county-fibre"""
    _guarded(_remove_case, case_id, db_path or ctx.meta.get("ppp_train_db"))


def _remove_case(case_id: str, db_path: str | None) -> None:
    learner = _open(db_path)
    try:
        learner.remove_case(case_id)
    finally:
        learner.db.close()
    click.echo(f"Removed case '{case_id}' from the programme.")
