"""The documentation in docs/: the generated CLI reference is current and names every command and
option, and the architecture page names every package."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import click
import pytest

from conftest import ROOT

from ppp_expert.cli import main

DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def generator():
    spec = importlib.util.spec_from_file_location("gen_cli_reference", DOCS / "gen_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def commands(group: click.Group, prefix: str = "ppp-expert") -> list[tuple[str, click.Command]]:
    found = [(prefix, group)] if prefix == "ppp-expert" else []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
    return found


# --- the CLI reference ---------------------------------------------------------------------------

def test_cli_reference_is_what_the_generator_writes_now() -> None:
    assert CLI_MD.read_text(encoding="utf-8") == generator().render(main), (
        "docs/cli.md is stale: run .venv/bin/python docs/gen_cli_reference.py")


def test_cli_reference_names_every_command_and_option() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    headings = set(re.findall(r"^## (.+)$", text, flags=re.M))
    missing = []
    for name, command in commands(main):
        if name not in headings:
            missing.append(f"command {name}")
        section = text.split(f"\n## {name}\n", 1)[-1].split("\n## ", 1)[0]
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in [*param.opts, *param.secondary_opts]:  # hidden ones too
                    if f"`{opt}`" not in section:
                        missing.append(f"{name} {opt}")
            elif param.human_readable_name not in section:
                missing.append(f"{name} argument {param.human_readable_name}")
    assert missing == []


def test_the_completeness_check_catches_a_new_option() -> None:
    """A command grown an option the page does not know: the page is stale and misses it."""
    extra = click.Option(["--brand-new-option"], help="Added after the page was written.")
    evaluate = main.commands["evaluate"]
    evaluate.params.append(extra)
    try:
        assert "--brand-new-option" in generator().render(main)
        assert "--brand-new-option" not in CLI_MD.read_text(encoding="utf-8")
    finally:
        evaluate.params.remove(extra)


def test_generator_check_mode_reports_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = generator()
    monkeypatch.setattr(gen, "OUTPUT", tmp_path / "cli.md")
    assert gen.main(["--check"]) == 1  # missing
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    (tmp_path / "cli.md").write_text("# stale\n", encoding="utf-8")
    assert gen.main(["--check"]) == 1


# --- coverage of the pages -----------------------------------------------------------------------

def test_architecture_names_every_package_and_top_level_module() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "ppp_expert"
    names = [f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()]
    names += [p.name for p in package.glob("*.py")]
    missing = sorted(n for n in names if not re.search(rf"(^|[\s`]){re.escape(n)}", text, flags=re.M))
    assert missing == [], "add these to docs/architecture.md"
