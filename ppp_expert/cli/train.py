"""`ppp-expert train`: the case-method tutor, its exam mode, progress, cohort export and the
trainer's programme (add or remove case files)."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ppp_expert.cli.common import CliState, exit_interrupted, handle_errors
from ppp_expert.errors import ExitCode

DB_HELP = ("Training database (default: $XDG_DATA_HOME/ppp-expert/training.db, "
           "i.e. ~/.local/share/ppp-expert/training.db).")
TRAINEE_HELP = "The trainee's name (env PPP_EXPERT_TRAINEE; may be left out when the database has one trainee)."


def _db_option(f: Any) -> Any:  # a subcommand's --db, else the group's; an empty one is kept (and refused)
    return click.option("--db", "db_path", type=click.Path(), default=None, help=DB_HELP,
                        callback=lambda ctx, _, value: ctx.meta.get("ppp_train_db") if value is None else value)(f)


def _trainee_option(f: Any) -> Any:
    return click.option("--trainee", default=None, envvar="PPP_EXPERT_TRAINEE", help=TRAINEE_HELP)(f)


def _curriculum(f: Any) -> Any:
    f = click.option("--section", default=None, help="Only what cites this guide section (e.g. faq-data-ip).")(f)
    return click.option("--topic", default=None,
                        help="Only one topic: model-selection, risk-allocation, red-flags, structuring, governance, "
                             "procurement, implementation.")(f)


def _output(f: Any) -> Any:
    f = click.option("--no-color", is_flag=True, default=False, help="No colour (also when NO_COLOR is set).")(f)
    f = click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
                     help="Make the session reproducible (choices drawn from it).")(f)
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
    _guarded(_sit, "practise", ctx.find_object(CliState), fmt, no_color, db_path, trainee, new, case_id, topic, section,
             items, seed)


def _guarded(func: Any, *args: Any) -> None:
    """One-line errors (exit 2) for every training failure, like every other command."""
    handle_errors(func)(*args)


def _console(no_color: bool) -> Any:
    from ppp_expert.render.text import make_console

    return make_console(no_color=no_color or bool(os.environ.get("NO_COLOR")),
                        color_system=None if no_color else "auto")


def _provider(fmt: str, no_color: bool) -> Any:
    if fmt == "json":
        from ppp_expert.train.jsonio import JsonProvider

        return JsonProvider()
    from ppp_expert.train.tutor_terminal import TutorTerminal

    return TutorTerminal(_console(no_color))


def _sit(run: str, state: CliState, fmt: str, no_color: bool, *args: Any) -> None:
    """Run a sitting (``practise`` or ``sit_exam``) and turn how it ended into the exit code:
    0 done or quit, 1 unfinished or not passed, 130 Ctrl-C."""
    from ppp_expert.train import practice

    outcome = getattr(practice, run)(state.kb, _provider(fmt, no_color), *args)
    if outcome is practice.SittingOutcome.INTERRUPTED:
        exit_interrupted()
    if outcome in (practice.SittingOutcome.INCOMPLETE, practice.SittingOutcome.NOT_PASSED):
        sys.exit(ExitCode.FAILED)


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
    _guarded(_sit, "sit_exam", ctx.find_object(CliState), fmt, no_color, db_path,
             trainee or ctx.meta.get("ppp_train_trainee"), count, minutes, pass_mark, topic, section, seed)


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
    _guarded(_progress, ctx.find_object(CliState), trainee or ctx.meta.get("ppp_train_trainee"),
             db_path, fmt, no_color)


def _progress(state: CliState, trainee: str | None, db_path: str | None, fmt: str, no_color: bool) -> None:
    import json

    from ppp_expert.train.progress import print_cohort, print_report, progress_of

    found = progress_of(state.kb, db_path, trainee)
    if fmt == "json":
        click.echo(json.dumps(found if isinstance(found, list) else found.to_json(), indent=1))
    elif isinstance(found, list):
        print_cohort(found, _console(no_color))
    else:
        print_report(found, _console(no_color))
