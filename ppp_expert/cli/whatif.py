"""`ppp-expert whatif`: change answers of a case and show what changes in the advice."""

from __future__ import annotations

import json

import click

from ppp_expert.cli.common import State, echo_lines, handle_errors, pass_state


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path(readable=False))
@click.option("--set", "assignments", multiple=True, required=True, metavar="QUESTION=VALUE",
              help="Change an answer (repeatable); VALUE unknown removes it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@handle_errors
def whatif(state: State, case_path: str, assignments: tuple[str, ...], fmt: str) -> None:
    """Change some answers of a case and show what changes in the advice.

    Example: ppp-expert whatif cases/hmrc-aspire.yaml --set public_funding=unavailable --set duration_years=12
    """
    from ppp_expert.advice.whatif import apply, compare, parse_assignments
    from ppp_expert.api import evaluate
    from ppp_expert.cases.case import load_case

    case = load_case(case_path, state.kb)
    changes = parse_assignments(state.kb, assignments)
    result = compare(case, changes, evaluate(case, state.kb), evaluate(apply(case, changes), state.kb))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), sort_keys=False))
        return
    from ppp_expert.render.explanations import whatif_lines

    echo_lines(whatif_lines(result))
