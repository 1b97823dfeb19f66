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


#: What ``schema --of NAME`` prints: where the schema is made (imported only when asked for) and
#: what it describes. ``case`` is made from the knowledge base's questions.
SCHEMAS: dict[str, tuple[str, str]] = {
    "case": ("ppp_expert.cases.json_schema:case_json_schema", "what a case file may say"),
    "result": ("ppp_expert.advice.contract:result_json_schema", "what evaluate --format json prints"),
    "whatif": ("ppp_expert.advice.whatif_schema:whatif_json_schema",
               "what whatif --format json prints (a comparison or a sweep)"),
    "questions": ("ppp_expert.kb.questions_schema:questions_json_schema", "what questions --format json prints"),
    "glossary": ("ppp_expert.content.reference_schema:glossary_json_schema", "what glossary --format json prints"),
    "guide": ("ppp_expert.content.reference_schema:guide_json_schema", "what guide --format json prints"),
    "ask-events": ("ppp_expert.consult.protocol:protocol_json_schema", "one line of ask --format json"),
    "train-events": ("ppp_expert.train.event_schema:train_events_json_schema",
                     "one line of train (or train exam) --format json"),
    "train-progress": ("ppp_expert.train.progress_schema:train_progress_json_schema",
                       "what train progress --format json prints"),
    "train-cases": ("ppp_expert.train.progress_schema:train_cases_json_schema",
                    "what train cases --format json prints"),
    "train-export": ("ppp_expert.train.progress_schema:train_export_json_schema",
                     "what train export --format json [--attempts] writes"),
}


@click.command()
@click.option("--of", "of", default="case", show_default=True, type=click.Choice(list(SCHEMAS)),
              help="; ".join(f"{name}: {what}" for name, (_, what) in SCHEMAS.items()) + ".")
@pass_state
@handle_errors
def schema(state: CliState, of: str) -> None:
    """Print the JSON Schema of case files (generated from the questions), of results, or of the
    other machine outputs (what-if, reference lists, the consultation and training protocols).

    Example: ppp-expert schema > case.schema.json; ppp-expert schema --of result > result.schema.json
    """
    import importlib

    module, _, function = SCHEMAS[of][0].partition(":")
    make = getattr(importlib.import_module(module), function)
    click.echo(json.dumps(make(state.kb) if of == "case" else make(), indent=1))
