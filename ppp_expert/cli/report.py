"""`ppp-expert report`: a decision memo for one case, as Markdown or one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from ppp_expert.cli.common import CliState, handle_errors, pass_state


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path())
@click.option("--format", "fmt", default="html", show_default=True, metavar="md|html",
              help="md: Markdown (renders on Git hosting; graphs as SVG files beside it); html: one "
                   "self-contained page (inline CSS and SVG, no scripts, prints well).")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the memo to this file ('-' or none: standard output). Written whole or not at all; "
                   "only a regular file is ever replaced.")
@click.option("--force", is_flag=True, default=False, help="Replace an existing output file.")
@click.option("--sweep/--no-sweep", default=True, show_default=True,
              help="Include what would change the advice (the sensitivity sweep; about a second).")
@pass_state
@handle_errors
def report(state: CliState, case_path: str, fmt: str, output: str | None, force: bool, sweep: bool) -> None:
    """Write a decision memo for a case: bottom line first, then facts, strategic fit, options,
    risk matrix, commercial structure, procurement, governance, implementation, red flags, what
    would change the advice, and an annex with explanation graphs and every rule fired.

    Example: ppp-expert report cases/ireland-national-broadband-plan.yaml --format html -o ireland.html
    """
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.cases.case import load_case
    from ppp_expert.files import check_target, write_file
    from ppp_expert.render.graphs import dot_available
    from ppp_expert.render.memo import FORMATS, ReportError, build_memo, render, svg_of

    if fmt not in FORMATS:  # checked before any work, one line
        raise ReportError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}", field="--format")
    target = Path(output) if output not in (None, "-") else None
    if output == "":
        raise ReportError("is empty; expected a file name, or '-' for standard output", path="''", field="-o")
    if target is not None:
        check_target(target, replace=force, option="-o")
    case = load_case(case_path, state.kb)
    result = appraise(state.kb, case.id, case.answers, with_sweep=sweep)
    memo = build_memo(state.kb, case.title or case.id, case.answers, result.advice, result.trace, result.summary,
                      result.sweep, graphs=fmt == "html")
    if (fmt == "html" or target is not None) and not dot_available():
        click.echo("note: the Graphviz 'dot' program is not installed (Debian: apt-get install graphviz); "
                   "the memo is written without its explanation graphs", err=True)
    if fmt == "md" and target is not None:
        memo.graphs = _write_md_graphs(state.kb, result, target, force, svg_of, write_file)
    text = render(memo, fmt)
    if target is None:
        click.echo(text, nl=False)
        return
    write_file(target, text, replace=force, option="-o")
    click.echo(f"decision memo written to {target}", err=True)


def _write_md_graphs(kb, result, target: Path, force: bool, svg_of, write_file) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Markdown cannot carry inline SVG on Git hosting: the two graphs go beside the memo."""
    from ppp_expert.advice.explain import build_graph, focus

    g = build_graph(kb, result.trace, result.advice)
    files = {}
    for name in ("verdict", "model"):
        svg = svg_of(focus(g, name), inline=False)
        if svg:
            path = target.with_name(f"{target.stem}.{name}.svg")
            write_file(path, svg, replace=force, option="-o")
            files[name] = path.name
    return files
