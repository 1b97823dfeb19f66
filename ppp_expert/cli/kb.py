"""`ppp-expert kb`: knowledge-engineering tools (lint, stats, coverage, graph)."""

from __future__ import annotations

import json
import sys

import click

from ppp_expert.cli.common import CliState, check_graph_target, handle_errors, pass_state
from ppp_expert.errors import ExitCode


@click.group()
def kb() -> None:
    """Knowledge-engineering tools: lint, stats, graph, coverage."""


@kb.command("lint")
@pass_state
@handle_errors
def kb_lint(state: CliState) -> None:
    """Check the knowledge base; exit 1 when there are errors.

    Example: ppp-expert kb lint
    """
    from ppp_expert.kb.lint import lint

    findings = lint(state.kb)
    for finding in findings:
        click.echo(finding.line())
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    click.echo(f"{len(state.kb.rules)} rules, {len(state.kb.questions)} questions, {len(state.kb.risks)} risks: "
               f"{errors} errors, {warnings} warnings")
    if errors:
        sys.exit(ExitCode.FAILED)


@kb.command("stats")
@pass_state
@handle_errors
def kb_stats(state: CliState) -> None:
    """Print counts of questions, risks and rules by topic (JSON).

    Example: ppp-expert kb stats
    """
    from ppp_expert.kb.lint import stats

    click.echo(json.dumps(stats(state.kb), indent=1))


@kb.command("coverage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("--show", type=click.IntRange(min=0), default=50, show_default=True,
              help="How many never-fired rules to list.")
@pass_state
@handle_errors
def kb_coverage(state: CliState, paths: tuple[str, ...], show: int) -> None:
    """Evaluate case files and list the rules they never fire and the questions they never answer.

    Example: ppp-expert kb coverage cases/
    """
    from ppp_expert.batch.coverage import measure

    result = measure(state.kb, paths)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if not result.cases and not result.errors:  # a folder without case files measures nothing
        click.echo(f"error: no case files found in {' '.join(paths)}", err=True)
    never = result.never_fired(state.kb)
    total = len(state.kb.rules)
    click.echo(f"{result.cases} cases: {total - len(never)}/{total} rules fired at least once "
               f"({(total - len(never)) / total:.0%})")
    unanswered = result.never_answered(state.kb)
    if unanswered:
        click.echo("questions never answered: " + ", ".join(unanswered))
    if never:
        click.echo(f"rules never fired ({len(never)}):")
        for rule_id in never[:show]:
            rule = state.kb.rule(rule_id)
            click.echo(f"  {rule_id}  [{rule.file.rsplit('/', 1)[-1]}] {rule.title}")
        if len(never) > show:
            click.echo(f"  ... and {len(never) - show} more (--show N)")
    if result.errors or not result.cases:
        sys.exit(ExitCode.BAD_INPUT)


@kb.command("graph")
@click.argument("output", type=click.Path(readable=False))
@pass_state
@handle_errors
def kb_graph(state: CliState, output: str) -> None:
    """Write the knowledge base's dependency graph (questions -> rules -> facts -> rules).

    Example: ppp-expert kb graph kb.svg
    """
    from ppp_expert.kb.graph import build_kb_graph
    from ppp_expert.render.graphs import write_graph

    check_graph_target(output)
    path = write_graph(build_kb_graph(state.kb), output)
    click.echo(f"knowledge-base graph written to {path}", err=True)
