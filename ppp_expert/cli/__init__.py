"""The ``ppp-expert`` command line: one module per command, each thin (parse options, call the
library, hand the result to ``ppp_expert.render``, map errors to exit codes via ``cli.common``).

The top layer: may import every other package; nothing imports it.
"""

from __future__ import annotations

import io
import sys

import click

from ppp_expert import __version__
from ppp_expert.cli.common import CliState
from ppp_expert.cli.lazy import LazyGroup

#: Every command: where it lives ("module:attribute", imported only when the command runs) and its
#: one-line summary for ``--help`` (the first paragraph of its help; tests/cli/test_lazy.py checks
#: the two agree). The train group comes from ``train_trainer``, which adds the trainer's commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("ppp_expert.cli.ask:ask",
            "Consult interactively: the question that matters most to the decision comes next."),
    "batch": ("ppp_expert.cli.batch:batch",
              "Evaluate many case files (YAML or JSON): files, folders (recursive) and glob patterns."),
    "evaluate": ("ppp_expert.cli.evaluate:evaluate",
                 "Evaluate a case file (YAML or JSON) and print the advice: one screen with the bottom line, "
                 "or every section with --full."),
    "explain": ("ppp_expert.cli.evaluate:explain",
                "Explain the reasoning for a case: HOW a conclusion was reached (with the certainty-factor "
                "arithmetic for the verdict and the models), WHY-NOT any conclusion."),
    "glossary": ("ppp_expert.cli.glossary:glossary",
                 "Look up a term (by name, abbreviation or id; case does not matter), or list them all."),
    "guide": ("ppp_expert.cli.glossary:guide",
              "What a section of the technology PPP guide teaches, retold in our words (the rules cite the guide "
              "by these section ids); without SECTION, list the sections. A unique start of an id will do."),
    "kb": ("ppp_expert.cli.kb:kb", "Knowledge-engineering tools: lint, stats, graph, coverage."),
    "questions": ("ppp_expert.cli.reference:questions",
                  "List the questions a case can answer, with their allowed answers."),
    "report": ("ppp_expert.cli.report:report",
               "Write a decision memo an official can submit: a cover (author, date, version), an executive "
               "summary of at most two pages, the business-case sections (strategic fit, options, commercial structure "
               "and risk allocation, financial and affordability case, procurement and management, sensitivity "
               "with switching values, assumptions, next steps and approvals), and an annex."),
    "schema": ("ppp_expert.cli.reference:schema",
               "Print the JSON Schema of case files (generated from the questions), of results, or of the "
               "other machine outputs (what-if, reference lists, the consultation and training protocols)."),
    "train": ("ppp_expert.cli.train_trainer:train",
              "Train on real cases: work a case step by step, graded against what the engine concludes."),
    "whatif": ("ppp_expert.cli.whatif:whatif",
               "Change some answers of a case and show what changes in the advice, or sweep them all."),
}


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


if __name__ == "__main__":  # pragma: no cover
    main()
