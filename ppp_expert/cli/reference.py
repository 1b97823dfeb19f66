"""`ppp-expert questions` and `ppp-expert schema`: what a case file can say."""

from __future__ import annotations

import json

import click

from ppp_expert.cli.common import CliState, echo_lines, handle_errors, pass_state


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@handle_errors
def questions(state: CliState, fmt: str) -> None:
    """List the questions a case can answer, with their allowed answers.

    Example: ppp-expert questions --format json
    """
    kb = state.kb
    if fmt == "json":
        from dataclasses import asdict

        click.echo(json.dumps([{k: v for k, v in asdict(q).items() if v is not None} for q in kb.questions.values()],
                              indent=1))
        return
    from ppp_expert.render.explanations import question_lines

    echo_lines(question_lines(kb))


@click.command()
@click.option("--of", "of", default="case", show_default=True,
              type=click.Choice(["case", "result", "whatif", "ask-events", "train-events", "train-progress"]),
              help="case: what a case file may say; result: what evaluate --format json prints; whatif: what "
                   "whatif --format json prints (a comparison or a sweep); ask-events: "
                   "one line of ask --format json; train-events: one line of train (or train exam) --format json; "
                   "train-progress: what train progress --format json prints.")
@pass_state
@handle_errors
def schema(state: CliState, of: str) -> None:
    """Print the JSON Schema of case files (generated from the questions), of results, or of the
    events of the consultation and training protocols.

    Example: ppp-expert schema > case.schema.json; ppp-expert schema --of result > result.schema.json
    """
    if of == "whatif":
        from ppp_expert.advice.whatif_schema import whatif_json_schema

        click.echo(json.dumps(whatif_json_schema(), indent=1))
        return
    if of == "train-progress":
        from ppp_expert.train.progress_schema import train_progress_json_schema

        click.echo(json.dumps(train_progress_json_schema(), indent=1))
        return
    if of == "train-events":
        from ppp_expert.train.event_schema import train_events_json_schema

        click.echo(json.dumps(train_events_json_schema(), indent=1))
        return
    if of == "ask-events":
        from ppp_expert.consult.protocol import protocol_json_schema

        click.echo(json.dumps(protocol_json_schema(), indent=1))
        return
    if of == "result":
        from ppp_expert.advice.contract import result_json_schema

        click.echo(json.dumps(result_json_schema(), indent=1))
        return
    from ppp_expert.cases.json_schema import case_json_schema

    click.echo(json.dumps(case_json_schema(state.kb), indent=1))
