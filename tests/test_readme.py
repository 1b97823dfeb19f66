"""Documentation that cannot rot: every command and option is documented; the graphs are real.

The README is the short way in (set-up, one example per use, links); the full text lives in
``docs/``. Checks of what the documentation says read the README and every page of ``docs/``
written by hand; ``docs/cli.md``, the generated reference, is checked in ``test_docs.py``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import click
from conftest import ROOT

from ppp_expert.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The hand-written documentation: the README and the pages of docs/ except the generated reference.
PROSE_FILES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "cli.md")]
PROSE = "\n".join(p.read_text(encoding="utf-8") for p in PROSE_FILES)
MAX_README_LINES = 300


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


def test_readme_is_short() -> None:
    """The README ships whole in the wheel's metadata: what a newcomer needs, the rest in docs/."""
    assert len(README.splitlines()) <= MAX_README_LINES


def test_every_command_and_option_is_documented() -> None:
    """In the hand-written text (README or docs/), not only in the generated reference."""
    missing = []
    for name, command in all_commands(main):
        if f"ppp-expert {name}" not in PROSE:
            missing.append(f"command {name}")
        for param in command.params:
            if getattr(param, "hidden", False):
                continue  # tuning knobs kept out of --help are not promised in the prose either
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",) and opt not in PROSE:
                    missing.append(f"{name} {opt}")
        assert command.help, f"{name} has no help text"
    assert missing == []


def test_readme_graph_is_an_svg_made_by_the_tool() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", README)
    assert images
    found = 0
    for page in PROSE_FILES:
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", page.read_text(encoding="utf-8")):
            root = ET.parse(Path(page.parent, image)).getroot()
            texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
            assert "ppp-expert explanation" in texts, f"{page.name}: {image}"
            found += 1
    assert found > len(images)  # the docs show the graph too
