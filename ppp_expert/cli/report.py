"""`ppp-expert report`: a decision memo for one case, as Markdown, HTML, PDF or Word, or its one-page brief."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from ppp_expert.cli.common import CliState, handle_errors, pass_state


def _iso_date(text: str) -> str:
    """The --date value, checked: a calendar date written YYYY-MM-DD."""
    try:
        return datetime.date.fromisoformat(text).isoformat() if len(text) == 10 else _bad_date(text)
    except ValueError:
        return _bad_date(text)


def _bad_date(text: str) -> str:
    from ppp_expert.errors import echoed
    from ppp_expert.render.memo import ReportError

    raise ReportError(f"expected a date written YYYY-MM-DD such as 2026-03-31, got {echoed(text)}", field="--date")


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path())
@click.option("--format", "fmt", default="html", show_default=True, metavar="md|html|pdf|docx",
              help="md: Markdown (graphs as SVG files beside it); html: one self-contained page (inline CSS "
                   "and SVG, no scripts); pdf: that page printed to A4 by headless Chromium; docx: a Word "
                   "document with real headings and tables. pdf and docx need -o.")
@click.option("--brief", is_flag=True, default=False,
              help="One page only: decision sought, outcome, model, confidence, red flags, conditions, next steps.")
@click.option("--author", default="", help="Who prepared the memo (on the cover and in the approvals table).")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD", help="The memo's date  [default: today]")
@click.option("--version", "memo_version", default="draft", show_default=True,
              help="The memo's version, as the submission process numbers it (e.g. 1.2 or 'final').")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the memo to this file ('-' or none: standard output, md and html only). Written whole "
                   "or not at all; only a regular file is ever replaced.")
@click.option("--force", is_flag=True, default=False, help="Replace an existing output file.")
@click.option("--sweep/--no-sweep", default=True, show_default=True,
              help="Include what would change the advice: switching values from the sensitivity sweep (about a "
                   "second).")
@pass_state
@handle_errors
def report(state: CliState, case_path: str, fmt: str, brief: bool, author: str, date: str | None,
           memo_version: str, output: str | None, force: bool, sweep: bool) -> None:
    """Write a decision memo an official can submit: a cover (author, date, version), an executive
    summary of at most two pages, the business-case sections (strategic fit, options, commercial
    structure and risk allocation, financial and affordability case, procurement and management,
    sensitivity with switching values, assumptions, next steps and approvals), and an annex.

    Example: ppp-expert report cases/ireland-national-broadband-plan.yaml --format pdf -o ireland.pdf --author "J. Doe"
    """
    from ppp_expert.advice.affordability import affordability
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.cases.case import load_case
    from ppp_expert.files import check_target, write_file
    from ppp_expert.render.graphs import dot_available
    from ppp_expert.render.memo import FORMATS, Cover, ReportError, build_memo
    from ppp_expert.render.memo_output import memo_payload

    if fmt not in FORMATS:  # checked before any work, one line
        raise ReportError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}", field="--format")
    cover_date = _iso_date(date) if date is not None else datetime.date.today().isoformat()
    for name, value in (("--author", author), ("--version", memo_version)):
        if any(not c.isprintable() for c in value):
            raise ReportError("contains a control character; expected plain text", field=name)
    target = Path(output) if output not in (None, "-") else None
    if output == "":
        raise ReportError("is empty; expected a file name, or '-' for standard output", path="''", field="-o")
    if target is None and fmt in ("pdf", "docx"):
        raise ReportError(f"--format {fmt} writes a binary file; give it a name with -o FILE", field="-o")
    if target is not None:
        check_target(target, replace=force, option="-o")
    case = load_case(case_path, state.kb)
    result = appraise(state.kb, case.id, case.answers, with_sweep=sweep)
    cover = Cover(author=author, date=cover_date, version=memo_version, narrative=case.narrative)
    memo = build_memo(state.kb, case.title or case.id, case.answers, result.advice, result.trace, result.summary,
                      result.sweep, graphs=fmt in ("html", "pdf", "docx") and not brief, cover=cover,
                      afford=affordability(case.finance, case.answers))
    if not brief and (fmt != "md" or target is not None) and not dot_available():
        click.echo("note: the Graphviz 'dot' program is not installed (Debian: apt-get install graphviz); "
                   "the memo is written without its explanation graphs", err=True)
    if fmt == "md" and target is not None and not brief:
        memo.graphs = _write_md_graphs(state.kb, result, target, force, write_file)
    payload = memo_payload(memo, fmt, brief)
    if target is None:
        click.echo(payload, nl=False)
        return
    write_file(target, payload, replace=force, option="-o")
    click.echo(f"decision {'brief' if brief else 'memo'} written to {target}", err=True)


def _write_md_graphs(kb, result, target: Path, force: bool, write_file) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Markdown cannot carry inline SVG on Git hosting: the two graphs go beside the memo."""
    from ppp_expert.render.memo import memo_graphs

    files = {}
    for name, svg in memo_graphs(kb, result.trace, result.advice, inline=False).items():
        path = target.with_name(f"{target.stem}.{name}.svg")
        write_file(path, svg, replace=force, option="-o")
        files[name] = path.name
    return files
