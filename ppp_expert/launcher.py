"""The ``ppp-expert`` program's entry point: the top-level help from a copy shipped with the
package, everything else through the click command line.

``ppp-expert --help`` is the first thing a new user types and what shells call for completion
hints; it should cost about what starting Python costs. Click renders that page the same way
every time for a given width, so the package keeps the rendering for the two widths most
terminals and pipes get (``help_pages.py``, written by ``docs/gen_cli_reference.py``;
``tests/cli/test_launcher.py`` fails when it differs from what click prints now) and prints it
without importing click. Any other width, program name or argument goes to click.
"""

from __future__ import annotations

import os
import sys

from ppp_expert.help_pages import HELP_OPTIONS, MAX_CONTENT_WIDTH, PAGES

PROG = "ppp-expert"


def terminal_columns() -> int:
    """The columns ``shutil.get_terminal_size()`` reports (COLUMNS, else the terminal, else 80),
    without importing shutil."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def help_width(columns: int) -> int:
    """The width click wraps the top-level help to, for a terminal of ``columns``."""
    return max(min(columns, MAX_CONTENT_WIDTH) - 2, 50)


def shipped_help(argv: list[str]) -> str | None:
    """The top-level help page for this command line, when it is one the package ships."""
    if len(argv) != 2 or argv[1] not in HELP_OPTIONS or os.path.basename(argv[0]) != PROG:
        return None
    return PAGES.get(help_width(terminal_columns()))


def main() -> None:
    page = shipped_help(sys.argv)
    if page is not None:
        sys.stdout.write(page)
        sys.stdout.flush()
        return
    from ppp_expert.cli import main as command_line

    command_line()
