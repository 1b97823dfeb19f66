"""`ppp-expert train` for trainers: the cohort export, the programme (add or remove case files).
The commands join the `train` group (``cli/train.py``), which holds the trainee's commands."""

from __future__ import annotations

import click

from ppp_expert.cli.common import CliState
from ppp_expert.cli.train import _console, _db_option, _guarded, train


@train.command()
@_db_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write here (.csv or .json; default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "html"]), default=None,
              help="Default: from --out's suffix, else csv. html: the cohort page (trainees, mastery with its "
                   "evidence, exams, items to retire).")
@click.option("--attempts", is_flag=True, default=False, help="Every attempt instead of (CSV) or with (JSON) mastery.")
@click.option("--table", type=click.Choice(["mastery", "exams", "items"]), default="mastery", show_default=True,
              help="CSV: which table (exams: every exam and its unreached items; items: difficulty and "
                   "discrimination per item). JSON holds them all.")
@click.pass_context
def export(ctx: click.Context, db_path: str | None, out_path: str | None, fmt: str | None, attempts: bool,
           table: str) -> None:
    """Export the cohort for the trainer: mastery per trainee by topic and guide section, exams,
    and an item analysis (difficulty, discrimination) to retire items that do not discriminate.

    Example: ppp-expert train export --out cohort.csv; ppp-expert train export --table items
    """
    _guarded(_export, db_path, out_path, fmt, attempts, table)


def _export(db_path: str | None, out_path: str | None, fmt: str | None, attempts: bool, table: str) -> None:
    from ppp_expert.train.progress import export_cohort

    text = export_cohort(db_path, out_path, fmt, attempts, table)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"written {out_path}", err=True)


# ---------------------------------------------------------------------------- the programme
@train.command("cases")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def cases_command(ctx: click.Context, db_path: str | None, fmt: str) -> None:
    """List the programme: shipped and trainer cases, with the engine's difficulty.

    Example: ppp-expert train cases
    """
    _guarded(_cases, ctx.find_object(CliState), db_path, fmt)


def _cases(state: CliState, db_path: str | None, fmt: str) -> None:
    import json

    from ppp_expert.train.trainer_cases import print_programme, programme_rows

    rows = programme_rows(state.kb, db_path)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1))
    else:
        print_programme(rows, _console(False))


@train.command("add-case")
@click.argument("case_file", type=click.Path(dir_okay=False))
@_db_option
@click.option("--replace", is_flag=True, default=False, help="Replace a trainer case with the same id.")
@click.pass_context
def add_case(ctx: click.Context, case_file: str, db_path: str | None, replace: bool) -> None:
    """Add a case file (with a narrative) to the programme in this database.

    The case is checked like any case file and solved by the engine; its expected: block is
    never shown to trainees. Example: ppp-expert train add-case county-fibre.yaml
    """
    _guarded(_add_case, ctx.find_object(CliState), case_file, db_path, replace)


def _add_case(state: CliState, case_file: str, db_path: str | None, replace: bool) -> None:
    from ppp_expert.train.trainer_cases import add_case as add_trainer_case

    click.echo(add_trainer_case(state.kb, case_file, db_path, replace))


@train.command("remove-case")
@click.argument("case_id")
@_db_option
@click.pass_context
def remove_case(ctx: click.Context, case_id: str, db_path: str | None) -> None:
    """Remove a trainer case from the programme, by its id or the file name it was added from
    (attempts on it are kept). Example: ppp-expert train remove-case county-fibre"""
    _guarded(_remove_case, case_id, db_path)


def _remove_case(case_id: str, db_path: str | None) -> None:
    from ppp_expert.train.trainer_cases import remove_case as remove_trainer_case

    click.echo(remove_trainer_case(case_id, db_path))


@train.command("add-items")
@click.argument("content_file", type=click.Path(dir_okay=False))
@_db_option
@click.option("--replace", is_flag=True, default=False, help="Replace the stored file of the same name.")
def add_items(content_file: str, db_path: str | None, replace: bool) -> None:
    """Add a trainer's YAML file of items and overrides (keys, answers also accepted, notes,
    retired items) to this database; it is validated first (docs/train.md has the format).

    Example: ppp-expert train add-items county-items.yaml
    """
    from ppp_expert.train.trainer_cases import add_content

    _guarded(lambda: click.echo(add_content(content_file, db_path, replace)))


@train.command("remove-items")
@click.argument("name")
@_db_option
def remove_items(name: str, db_path: str | None) -> None:
    """Remove a trainer's item file from this database, by the file name it was added under.

    Example: ppp-expert train remove-items county-items.yaml
    """
    from ppp_expert.train.trainer_cases import remove_content

    _guarded(lambda: click.echo(remove_content(name, db_path)))
