"""The entry point prints the top-level help from the shipped copy without importing click, and
that copy is exactly what click prints now; everything else reaches the command line unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ppp_expert import launcher
from ppp_expert.help_pages import PAGES

EXE = str(Path(sys.executable).with_name("ppp-expert"))
#: click itself, asked for the same page (the group as the launcher would hand over to it).
CLICK_HELP = "import sys; from ppp_expert.cli import main; main(sys.argv[1:], prog_name='ppp-expert')"


def run(command: list[str], columns: int | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("columns", [None, 80, 100, 140, 90, 40])
def test_help_is_what_click_prints_at_every_width(columns: int | None) -> None:
    """Shipped widths (a pipe is 80 columns; 100 and more wrap alike) and the others (click's own)."""
    ours = run([EXE], columns, "--help")
    clicks = run([sys.executable, "-c", CLICK_HELP], columns, "--help")
    assert ours.returncode == clicks.returncode == 0, ours.stderr + clicks.stderr
    assert ours.stdout == clicks.stdout
    assert "Commands:\n  ask " in ours.stdout
    assert run([EXE], columns, "-h").stdout == clicks.stdout


@pytest.mark.parametrize(("columns", "width"), [(80, 78), (100, 98), (140, 98), (90, 88), (30, 50)])
def test_the_wrapping_width_follows_click(monkeypatch, columns: int, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert launcher.help_width(launcher.terminal_columns()) == width


@pytest.mark.parametrize("columns", [None, "not a number", "0"])
def test_a_pipe_without_usable_columns_counts_as_80(columns: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    probe = "from ppp_expert.launcher import terminal_columns; print(terminal_columns())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.strip() == "80"


def test_the_shipped_page_loads_no_click() -> None:
    probe = ("import sys, json; sys.argv = ['/usr/bin/ppp-expert', '--help']\n"
             "from ppp_expert.launcher import main; main()\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('click', 'ppp_expert')))))")
    done = run([sys.executable, "-c", probe], 80)
    page, _, modules = done.stdout.rpartition("\n[")
    assert page + "\n" == PAGES[78]
    assert json.loads("[" + modules) == ["ppp_expert", "ppp_expert.help_pages", "ppp_expert.launcher"]


@pytest.mark.parametrize("argv", [["ppp-expert", "--help", "x"], ["ppp-expert", "evaluate", "--help"],
                                  ["ppp-expert", "--version"], ["ppp-expert"], ["python -m ppp_expert", "--help"],
                                  ["ppp-expert", "--kb", "d", "--help"]])
def test_anything_else_goes_to_click(argv: list[str]) -> None:
    assert launcher.shipped_help(argv) is None


def test_the_console_script_still_runs_commands_and_errors() -> None:
    version = run([EXE], None, "--version")
    assert version.returncode == 0 and version.stdout.startswith("ppp-expert, version ")
    wrong = run([EXE], None, "evalute")
    assert wrong.returncode == 2 and "No such command 'evalute'" in wrong.stderr
