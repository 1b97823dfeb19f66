"""`ppp-expert whatif`: change answers of a case and show what changes in the advice."""

from __future__ import annotations

import json

import click

from ppp_expert.cli.common import CliState, echo_lines, handle_errors, pass_state


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path(readable=False))
@click.option("--set", "assignments", multiple=True, metavar="QUESTION=VALUE",
              help="Change an answer (repeatable); VALUE unknown removes it.")
@click.option("--sweep", is_flag=True, default=False,
              help="Try every other answer of every question, one at a time, and report which single "
                   "changes flip the verdict, the model or a risk owner (smallest change first).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@handle_errors
def whatif(state: CliState, case_path: str, assignments: tuple[str, ...], sweep: bool, fmt: str) -> None:
    """Change some answers of a case and show what changes in the advice, or sweep them all.

    Examples: ppp-expert whatif cases/hmrc-aspire.yaml --set public_funding=unavailable --set duration_years=12;
    ppp-expert whatif cases/hmrc-aspire.yaml --sweep
    """
    from ppp_expert.advice.answer_changes import apply, compare, parse_assignments
    from ppp_expert.api import evaluate
    from ppp_expert.cases.case import load_case
    from ppp_expert.errors import CaseError

    if sweep == bool(assignments):
        raise CaseError("give --set QUESTION=VALUE (repeatable) or --sweep, not both and not neither",
                        field="--set" if assignments else "--sweep")
    case = load_case(case_path, state.kb)
    if sweep:
        from ppp_expert.advice.sensitivity import sweep as run_sweep

        swept = run_sweep(state.kb, case.id, case.answers)
        if fmt == "json":
            click.echo(json.dumps(swept.to_dict()))
        else:
            from ppp_expert.render.explanations import sweep_lines

            echo_lines(sweep_lines(swept, state.kb))
        return
    changes = parse_assignments(state.kb, assignments)
    before, after = evaluate(case, state.kb), evaluate(apply(case, changes), state.kb)
    result = compare(case, changes, before, after)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), sort_keys=False))
        return
    from ppp_expert.render.explanations import whatif_lines

    titles = {f.id: f.title for f in (*before.red_flags, *after.red_flags)}
    echo_lines(whatif_lines(result, state.kb, titles))
