"""Documentation that cannot rot: every command and option is in the README; the graph is real."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import click

from conftest import ROOT

from ppp_expert.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, full + " "))
    return found


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["./run cases", "./run test"]
    assert "./run test" in (ROOT / ".ci" / "run").read_text()


def test_every_command_and_option_is_documented() -> None:
    missing = []
    for name, command in all_commands(main):
        if f"ppp-expert {name}" not in README:
            missing.append(f"command {name}")
        for param in command.params:
            if getattr(param, "hidden", False):
                continue  # tuning knobs kept out of --help are not promised in the README either
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",) and opt not in README:
                    missing.append(f"{name} {opt}")
        assert command.help, f"{name} has no help text"
    assert missing == []


def test_readme_graph_is_an_svg_made_by_the_tool() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", README)
    assert images
    for image in images:
        root = ET.parse(ROOT / image).getroot()
        texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
        assert "ppp-expert explanation" in texts
