"""How `ppp-expert ask` ends: the one-screen summary (as `evaluate` prints it), the paths of the
session file and of the memo, and the offers to write the explanation graph and a copy of the
case file; with ``--format json``, the ``done`` event instead."""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from typing import Any

import click

MEMO_FORMATS = {".html": "html", ".htm": "html", ".md": "md"}


def check_memo_target(memo_path: str | None) -> None:
    """Refuse a memo path before any question is asked: a wrong suffix, or a file already there."""
    from ppp_expert.render.memo import ReportError

    if memo_path is None:
        return
    if Path(memo_path).suffix.lower() not in MEMO_FORMATS:
        raise ReportError(f"expected a file name ending in {', '.join(MEMO_FORMATS)}", path=memo_path, field="--memo")
    if os.path.lexists(memo_path):
        raise ReportError("already exists; choose another --memo path", path=memo_path, field="--memo")


def write_memo(kb: Any, result: Any, title: str, memo_path: str) -> str:
    """The decision memo of the consultation's answers, in the format its suffix names."""
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.files import write_file
    from ppp_expert.kb.conditions import UNKNOWN
    from ppp_expert.render.memo import Cover, build_memo, render

    fmt = MEMO_FORMATS[Path(memo_path).suffix.lower()]
    known = {q: v for q, v in result.answers.items() if v != UNKNOWN}
    appraisal = appraise(kb, result.advice.case, known)
    memo = build_memo(kb, title, known, appraisal.advice, appraisal.trace, appraisal.summary, appraisal.sweep,
                      graphs=fmt == "html", cover=Cover(date=datetime.date.today().isoformat(), version="draft"))
    write_file(Path(memo_path), render(memo, fmt), replace=False, option="--memo")
    return memo_path


def _done(protocol: Any, advice: Any, result: Any, store: Any, memo: str | None) -> None:
    """The protocol's last event: the outcome, the count, the files."""
    from ppp_expert.advice.answer_changes import recommended

    protocol.emit("done", verdict=advice.appropriate.verdict, model=recommended(advice),
                  confidence=advice.appropriate.confidence.level, asked=result.asked, session=str(store.path),
                  memo=memo, settled=result.settled_after is not None, quit=not result.finished)


def finish(kb: Any, result: Any, store: Any, provider: Any, protocol: Any, console: Any, graph_path: str | None,
           memo_path: str | None, resume_hint: str) -> None:
    """The end of a consultation, finished or quit."""
    from ppp_expert.api import evaluate
    from ppp_expert.errors import PPPExpertError
    from ppp_expert.kb.conditions import UNKNOWN

    known = {q: v for q, v in result.answers.items() if v != UNKNOWN}
    if not result.finished:
        if protocol:  # quit: the outcome of the answers so far, as evaluate gives it
            _done(protocol, evaluate({"id": store.id, "answers": known}, kb), result, store, None)
            return
        console.print(f"Saved {len(result.answers)} answers in {store.path}; continue with: {resume_hint}",
                      soft_wrap=True, markup=False)
        return
    advice = result.advice
    written = None
    if memo_path:
        try:
            written = write_memo(kb, result, store.title or store.id, memo_path)
        except PPPExpertError as exc:
            if not protocol:
                console.print(f"Could not write the memo: {exc.one_line()}", style="yellow", markup=False)
            else:
                protocol.emit("error", message=f"could not write the memo: {exc.one_line()}")
    if protocol:
        _done(protocol, advice, result, store, written)
        if graph_path:
            _write_graph(kb, result, graph_path, None)
        return
    from ppp_expert.advice.summary import summarise
    from ppp_expert.render.summary_panel import summary_panel

    console.print(summary_panel(summarise(kb, advice, known), store.title or store.id))
    if not {"risks", "red_flags"} <= result.assessed:
        console.print("The risk owners and red flags above are provisional: the consultation stopped once the "
                      f"outcome and model were settled. Settle them with: {resume_hint} --refine",
                      style="yellow", soft_wrap=True, markup=False)
    if written:
        console.print(f"Decision memo written to {written}", soft_wrap=True, markup=False)
    _closing(kb, result, store, provider, console, graph_path)


def _write_graph(kb: Any, result: Any, target: str, console: Any) -> None:
    from ppp_expert.advice.explain import build_graph
    from ppp_expert.errors import PPPExpertError
    from ppp_expert.render.graphs import write_graph

    try:
        written = write_graph(build_graph(kb, result.trace, result.advice), target)
        if console is not None:
            console.print(f"Explanation graph written to {written}", markup=False)
    except PPPExpertError as exc:
        if console is not None:
            console.print(f"Could not write the graph: {exc.one_line()}", style="yellow", markup=False)
        else:
            click.echo(f"error: could not write the graph: {exc.one_line()}", err=True)


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
        _write_graph(kb, result, target, console)
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
