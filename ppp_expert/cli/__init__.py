"""The ``ppp-expert`` command line: one module per command, each thin (parse options, call the
library, hand the result to ``ppp_expert.render``, map errors to exit codes via ``cli.common``).

The top layer: may import every other package; nothing imports it.
"""

from __future__ import annotations

import io
import sys

import click

from ppp_expert import __version__
from ppp_expert.cli import (
    ask,
    batch,
    evaluate,
    glossary,
    kb,
    reference,
    report,
    train,
    train_trainer,  # noqa: F401  (adds the trainer's commands to the train group)
    whatif,
)
from ppp_expert.cli.common import CliState, handle_errors


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ppp-expert")
@click.option("--kb", "kb_path", type=click.Path(readable=False), default=None, envvar="PPP_EXPERT_KB",
              help="Knowledge-base directory (default: the shipped one; env PPP_EXPERT_KB).")
@click.pass_context
def main(ctx: click.Context, kb_path: str | None) -> None:
    """Advice on technology public-private partnerships, with every conclusion explained.

    Exit codes: 0 ok, 1 advice or check failed, 2 bad input.
    """
    ctx.obj = CliState(kb_path)
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an escape, not a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


# Commands stay in their modules (``ppp_expert.cli.ask`` is the module, not the command).
for _command in (ask.ask, batch.batch):  # the same one-line errors as every other command, never a traceback
    assert _command.callback is not None
    _command.callback = handle_errors(_command.callback)
for _command in (evaluate.evaluate, evaluate.explain, whatif.whatif, report.report, reference.questions,
                 reference.schema, kb.kb, ask.ask, batch.batch, glossary.glossary, glossary.guide, train.train):
    main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
