"""`ppp-expert ask`: an interactive consultation that asks only what can still change the advice."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from ppp_expert.cli.common import exit_interrupted, handle_errors
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
@click.option("--memo", "memo_path", type=click.Path(readable=False), default=None,
              help="At the end, write the decision memo here (.html or .md); an existing file is refused.")
@click.option("--screening", is_flag=True, default=False,
              help="Stop once the verdict and the recommended model are settled, without offering to settle "
                   "the risk owners and red flags (the same as --no-refine).")
@click.option("--refine/--no-refine", default=None,
              help="Once the verdict and model are settled, go on to settle the risk owners and red flags "
                   "(--refine) or stop (--no-refine) without asking.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the JSON-lines protocol for other front ends (one event per line out, one answer "
                   "per line in; `ppp-expert schema --of ask-events`).")
@click.pass_obj
def ask(state: Any, answers_path: str | None, save_path: str | None, resume_path: str | None,
        title: str | None, graph_path: str | None, memo_path: str | None, screening: bool, refine: bool | None,
        fmt: str) -> None:
    """Consult interactively: the question that matters most to the decision comes next.

    Says early what the advice looks like and how sure it is, and stops as soon as no remaining
    answer can change the outcome or the model; then offers to settle the risk owners and red
    flags. At any prompt: a number or a value, unknown, or why, help, back, skip, status, quit.
    Every answer is saved at once to the session file (a case file: evaluate and batch accept
    it). Works with answers piped on stdin, and as a JSON-lines protocol (--format json).
    Exit codes: 0 advice given (or quit), 1 input ended before the advice, 2 bad input,
    130 interrupted (the session is saved; continue with --resume).

    Example: ppp-expert ask --answers cases/nasa-cots.yaml --save nasa-session.yaml
    """
    from ppp_expert.errors import PPPExpertError

    protocol = None
    if fmt == "json":
        from ppp_expert.consult.protocol import JsonLines

        protocol = JsonLines()
    try:
        _consult(state, answers_path, save_path, resume_path, title, graph_path, memo_path,
                 False if screening else refine, protocol)
    except PPPExpertError as exc:
        if protocol is not None:
            protocol.emit("error", message=exc.one_line())
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)


def _consult(state: Any, answers_path: str | None, save_path: str | None, resume_path: str | None,
             title: str | None, graph_path: str | None, memo_path: str | None, refine: bool | None,
             protocol: Any) -> None:
    from ppp_expert.cli.common import check_graph_target
    from ppp_expert.cli.consult_end import check_memo_target
    from ppp_expert.consult.storage import default_session_path, lock_session

    if answers_path and resume_path:
        raise click.UsageError("use --answers to start from a case file or --resume to continue a session, not both")
    check_graph_target(graph_path)
    check_memo_target(memo_path)
    kb = state.kb
    if resume_path:
        path = Path(save_path or resume_path)
    else:
        path = Path(save_path) if save_path else default_session_path()
    lock, stale = lock_session(path)  # one consultation per session file, before reading or writing it
    try:
        _locked(kb, path, stale, answers_path, save_path, resume_path, title, graph_path, memo_path, refine, protocol)
    finally:
        lock.release()


def _locked(kb: Any, path: Path, stale: list[Path], answers_path: str | None, save_path: str | None,
            resume_path: str | None, title: str | None, graph_path: str | None, memo_path: str | None,
            refine: bool | None, protocol: Any) -> None:
    from ppp_expert.cli.common import setting_up
    from ppp_expert.cli.consult_end import finish
    from ppp_expert.consult.session import Session
    from ppp_expert.consult.storage import SessionFile, read_case
    from ppp_expert.consult.terminal import ConsultTerminal
    from ppp_expert.engine.relevance import CORE_TARGETS
    from ppp_expert.errors import CaseError, EndOfInput
    from ppp_expert.render.text import make_console

    answers: dict[str, Any] = {}
    if resume_path:
        loaded = read_case(resume_path, kb)
        answers = loaded.answers
        store = SessionFile(path, loaded.id, title or loaded.title, loaded.extra, loaded.asked)
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

    console = make_console(file=sys.stderr if protocol else None)
    provider = protocol or ConsultTerminal(kb, console)
    say = (lambda *a, **k: None) if protocol else console.print  # the protocol's stdout is for events only
    for leftover in stale:
        say(f"Removed {leftover.name}, a temporary file an interrupted save left behind.", style="dim", markup=False)
    verb = "Resuming" if resume_path else "Starting"
    given = f" with {len(answers)} answer{'s' if len(answers) != 1 else ''} given" if answers else ""
    # markup=False wherever a path or a file's content is printed: "[/x].yaml" is a valid file name.
    say(f"{verb} a consultation{given}. Every answer is saved to {store.path}", soft_wrap=True, markup=False)
    say("Type a number or a value, unknown, or: why, help, back, skip, status, quit.", style="dim")
    with setting_up():  # the relevance analysis is built here: keep it out of garbage collection
        session = Session(kb, provider, case_id=store.id, answers=answers, refine=refine, targets=CORE_TARGETS,
                          asked=store.asked, on_change=lambda given: _save(store, session, given))
    resume_hint = f"ppp-expert ask --resume {shlex.quote(str(store.path))}"
    interrupted = (f"\nInterrupted. The session is saved in {store.path}; continue with: {resume_hint}")
    try:
        result = session.run()
    except KeyboardInterrupt:
        if protocol:
            protocol.emit("error", message=f"interrupted; the session is saved in {store.path}")
        say(interrupted, soft_wrap=True, markup=False)
        exit_interrupted()
    except EndOfInput:
        message = (f"Input ended before the advice was settled. The session is saved in {store.path}; "
                   f"continue with: {resume_hint}")
        if protocol:
            protocol.emit("error", message=message)
        say(message, soft_wrap=True, markup=False)
        sys.exit(ExitCode.FAILED)
    try:
        finish(kb, result, store, provider, protocol, console, graph_path, memo_path, resume_hint)
    except KeyboardInterrupt:  # the advice is given and the session saved: the same 130 as during questions
        say(interrupted, soft_wrap=True, markup=False)
        exit_interrupted()


def _save(store: Any, session: Any, answers: dict[str, Any]) -> None:
    """Every change goes to the session file at once, with the count of questions asked."""
    store.asked = session.asked
    store.save(answers)


# The same one-line errors as every other command, never a traceback (wrapped here rather than by
# decorator so that the function keeps its own name and signature for click).
assert ask.callback is not None
ask.callback = handle_errors(ask.callback)
