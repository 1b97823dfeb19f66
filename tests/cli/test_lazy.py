"""The top-level command group imports a command's module only when that command runs, and its
``--help`` lists every command with the summary the command itself would give."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from ppp_expert.cli import COMMANDS, main
from ppp_expert.cli.lazy import LazyCommands, short_help


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_summary_table_agrees_with_each_command(name: str) -> None:
    """The table's summary gives the same one line as the command's own help, at any width."""
    command = main.commands[name]
    summary = main.summaries[name]  # type: ignore[attr-defined]
    for limit in (20, 45, 74, 94, 300):
        assert short_help(summary, limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_and_runs_a_command_after_it(runner) -> None:
    listed = runner.invoke(main, ["--help"], terminal_width=100)
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert f"\n  {name} " in listed.output
    assert set(main.commands) == set(COMMANDS)  # names known without importing any command


def test_help_imports_no_command_module_nor_heavy_library() -> None:
    """A fresh process: printing the top-level help loads click and the group, nothing more."""
    probe = ("import sys, json; from ppp_expert.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('ppp_expert', 'pydantic', 'experta',"
             " 'rich', 'networkx', 'jinja2', 'yaml')))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout.splitlines()[-1])
    assert loaded == ["ppp_expert", "ppp_expert.cli", "ppp_expert.cli.common", "ppp_expert.cli.lazy",
                      "ppp_expert.errors"]


def test_an_unknown_command_is_refused_with_usage(runner) -> None:
    result = runner.invoke(main, ["evalute", "x.yaml"])
    assert result.exit_code == 2
    assert "No such command 'evalute'" in result.output


def test_lazy_commands_behave_as_a_mapping() -> None:
    commands = LazyCommands({"evaluate": "ppp_expert.cli.evaluate:evaluate"})
    assert list(commands) == ["evaluate"] and len(commands) == 1
    assert not commands.loaded("evaluate")
    assert commands["evaluate"].name == "evaluate" and commands.loaded("evaluate")
    extra = click.Command("extra")
    commands["extra"] = extra
    assert list(commands) == ["evaluate", "extra"] and commands["extra"] is extra
    del commands["extra"]
    with pytest.raises(KeyError):
        commands["extra"]
    with pytest.raises(KeyError):
        del commands["missing"]


def test_a_cold_evaluate_imports_no_heavy_library(tmp_path) -> None:
    """``evaluate --format json`` with the knowledge-base cache warm: pydantic (only for files the
    cache has not seen), rich, networkx, jinja2 and dask stay out of the process."""
    import os

    from conftest import CASES

    case = sorted(CASES.glob("*.yaml"))[0]
    probe = ("import sys, json; from ppp_expert.cli import main\n"
             f"try:\n    main(['evaluate', {str(case)!r}, '--format', 'json'])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
            for _ in range(2)]
    first, warm = (set(json.loads(r.stdout.splitlines()[-1])) for r in runs)
    assert "pydantic" in first  # the first run validated the knowledge base and filled the cache
    assert not warm & {"pydantic", "pydantic_core", "rich", "networkx", "jinja2", "graphviz", "dask"}
    assert json.loads(runs[1].stdout.splitlines()[0])["case"] == json.loads(runs[0].stdout.splitlines()[0])["case"]
