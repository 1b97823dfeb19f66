"""`ppp-expert ask`: an interactive consultation that asks only what can still change the advice."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from ppp_expert.cli.common import exit_interrupted
from ppp_expert.errors import ExitCode


@click.command()
@click.option("--answers", "answers_path", type=click.Path(readable=False), default=None,
              help="Pre-fill answers from a case file (YAML or JSON); only what is still needed is asked.")
@click.option("--save", "save_path", type=click.Path(readable=False), default=None,
              help="Session file, rewritten after every answer (default: a new file under "
                   "$XDG_DATA_HOME/ppp-expert/sessions/, i.e. ~/.local/share/ppp-expert/sessions/).")
@click.option("--resume", "resume_path", type=click.Path(readable=False), default=None,
              help="Continue a saved session (or any case file); it keeps being updated unless --save is given.")
@click.option("--title", default=None, help="Title stored in the session file (the case title).")
@click.option("--graph", "graph_path", type=click.Path(readable=False), default=None,
              help="At the end, write the explanation graph here (.svg .png .dot .graphml .json) without asking.")
@click.option("--screening", is_flag=True, default=False,
              help="Quick screening: stop as soon as the verdict and the recommended model are settled "
                   "(risk owners and red flags may still change; refinement continues to them).")
@click.option("--refine/--no-refine", default=None,
              help="Once the advice is settled, go on with refinement questions (--refine) or stop "
                   "(--no-refine) without asking.")
@click.pass_obj
def ask(state: Any, answers_path: str | None, save_path: str | None, resume_path: str | None,
        title: str | None, graph_path: str | None, screening: bool, refine: bool | None) -> None:
    """Consult interactively: only questions whose answer can still change the advice, in the guide's order.

    Stops as soon as the verdict, the model, every risk owner and every red flag are settled,
    and offers to continue for refinement. At any prompt: a number or a value, unknown, or
    why, help, back, skip, status, quit. Every answer is saved at once to the session file (a
    case file: evaluate and batch accept it). Works with answers piped on stdin.
    Exit codes: 0 advice given (or quit), 1 input ended before the advice, 2 bad input,
    130 interrupted (the session is saved; continue with --resume).

    Example: ppp-expert ask --answers cases/nasa-cots.yaml --save nasa-session.yaml
    """
    from ppp_expert.errors import PPPExpertError

    try:
        _consult(state, answers_path, save_path, resume_path, title, graph_path, refine, screening)
    except PPPExpertError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)


def _consult(state: Any, answers_path: str | None, save_path: str | None, resume_path: str | None,
             title: str | None, graph_path: str | None, refine: bool | None, screening: bool = False) -> None:
    from ppp_expert.cli.common import check_graph_target
    from ppp_expert.consult.storage import default_session_path, lock_session

    if answers_path and resume_path:
        raise click.UsageError("use --answers to start from a case file or --resume to continue a session, not both")
    check_graph_target(graph_path)
    kb = state.kb
    if resume_path:
        path = Path(save_path or resume_path)
    else:
        path = Path(save_path) if save_path else default_session_path()
    lock, stale = lock_session(path)  # one consultation per session file, before reading or writing it
    try:
        _locked(kb, path, stale, answers_path, save_path, resume_path, title, graph_path, refine, screening)
    finally:
        lock.release()


def _locked(kb: Any, path: Path, stale: list[Path], answers_path: str | None, save_path: str | None,
            resume_path: str | None, title: str | None, graph_path: str | None, refine: bool | None,
            screening: bool) -> None:
    from ppp_expert.cli.common import setting_up
    from ppp_expert.consult.session import Session
    from ppp_expert.consult.storage import SessionFile, read_case
    from ppp_expert.consult.terminal import ConsultTerminal
    from ppp_expert.engine.relevance import CORE_TARGETS
    from ppp_expert.errors import CaseError, EndOfInput
    from ppp_expert.render.text import make_console, print_advice

    answers: dict[str, Any] = {}
    if resume_path:
        loaded = read_case(resume_path, kb)
        answers = loaded.answers
        store = SessionFile(path, loaded.id, title or loaded.title, loaded.extra)
    else:
        if os.path.lexists(path):
            raise CaseError("already exists; continue it with --resume, or choose another --save path", path=str(path))
        if answers_path:
            loaded = read_case(answers_path, kb)
            answers = loaded.answers
            extra = {"narrative": loaded.extra["narrative"]} if "narrative" in loaded.extra else {}
            store = SessionFile(path, loaded.id, title or loaded.title, extra)
        else:
            store = SessionFile(path, path.stem if save_path else f"consultation-{path.stem}", title or "")
    store.save(answers)  # at once: even an immediate Ctrl-C leaves a valid session file

    console = make_console()
    provider = ConsultTerminal(kb, console)
    for leftover in stale:
        console.print(f"Removed {leftover.name}, a temporary file an interrupted save left behind.", style="dim",
                      markup=False)
    verb = "Resuming" if resume_path else "Starting"
    given = f" with {len(answers)} answer{'s' if len(answers) != 1 else ''} given" if answers else ""
    # markup=False wherever a path or a file's content is printed: "[/x].yaml" is a valid file name.
    console.print(f"{verb} a consultation{given}. Every answer is saved to {store.path}", soft_wrap=True,
                  markup=False)
    console.print("Type a number or a value, unknown, or: why, help, back, skip, status, quit.", style="dim")
    targets = frozenset({"verdict", "model"}) if screening else CORE_TARGETS
    with setting_up():  # the relevance analysis is built here: keep it out of garbage collection
        session = Session(kb, provider, case_id=store.id, answers=answers, on_change=store.save, refine=refine,
                          targets=targets)
    resume_hint = f"ppp-expert ask --resume {shlex.quote(str(store.path))}"
    interrupted = (f"\nInterrupted. The session is saved in {store.path}; continue with: {resume_hint}")
    try:
        result = session.run()
    except KeyboardInterrupt:
        console.print(interrupted, soft_wrap=True, markup=False)
        exit_interrupted()
    except EndOfInput:
        console.print(f"Input ended before the advice was settled. The session is saved in {store.path}; "
                      f"continue with: {resume_hint}", soft_wrap=True, markup=False)
        sys.exit(ExitCode.FAILED)
    if not result.finished:
        console.print(f"Saved {len(result.answers)} answers in {store.path}; continue with: {resume_hint}",
                      soft_wrap=True, markup=False)
        return
    assert result.advice is not None and result.trace is not None
    try:
        print_advice(result.advice, kb, console, title=store.title or store.id, assessed=result.assessed)
        _closing(kb, result, store, provider, console, graph_path)
    except KeyboardInterrupt:  # the advice is given and the session saved: the same 130 as during questions
        console.print(interrupted, soft_wrap=True, markup=False)
        exit_interrupted()


def _closing(kb: Any, result: Any, store: Any, provider: Any, console: Any, graph_path: str | None) -> None:
    """The end-of-session offers: the explanation graph and a copy of the case file.

    Nothing is overwritten without a yes at a prompt (``--graph`` on the command line is
    already that yes). With input that is not a terminal the offers are not made: leftover
    lines of a script must not become file names.
    """
    from ppp_expert.consult.storage import SessionFile
    from ppp_expert.errors import PPPExpertError

    interactive = sys.stdin.isatty()
    target = graph_path
    if target is None and interactive:
        target = provider.text("Write the explanation graph to a file (.svg .png .dot .graphml .json; Enter to skip):")
        if target and os.path.lexists(target) and not provider.confirm(f"{target} exists. Overwrite it?"):
            console.print("The graph was not written.", markup=False)
            target = ""
    if target:
        from ppp_expert.advice.explain import build_graph
        from ppp_expert.render.graphs import write_graph

        try:
            written = write_graph(build_graph(kb, result.trace, result.advice), target)
            console.print(f"Explanation graph written to {written}", markup=False)
        except PPPExpertError as exc:
            console.print(f"Could not write the graph: {exc.one_line()}", style="yellow", markup=False)
    if not interactive:
        console.print(f"The case file is saved in {store.path}.", soft_wrap=True, markup=False)
        return
    copy = provider.text(f"The case file is saved in {store.path}. Save a copy as (Enter to skip):")
    if not copy:
        return
    overwrite = False
    if os.path.lexists(copy):
        if not provider.confirm(f"{copy} exists. Overwrite it?"):
            console.print("The copy was not written.", markup=False)
            return
        overwrite = True
    try:
        SessionFile(Path(copy), store.id, store.title, store.extra).save(result.answers, overwrite=overwrite)
        console.print(f"Case file written to {copy}", markup=False)
    except FileExistsError:
        console.print(f"Could not write the case file: {copy} appeared meanwhile; it was left as it is.",
                      style="yellow", markup=False)
    except PPPExpertError as exc:
        console.print(f"Could not write the case file: {exc.one_line()}", style="yellow", markup=False)
