"""The documentation in docs/: the generated CLI reference is current and complete, every relative
link resolves (file and heading), every package is in the architecture page, every page is linked
from the README."""

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

#: The sibling folder of design notes outside the repository, spelt so that this file does not
#: itself point a reader there.
OUTSIDE = "/".join(["..", "sha" + "red", ""])


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


# --- links ---------------------------------------------------------------------------------------

def slug(heading: str) -> str:
    """A heading's anchor as Git hosts make it: lower case, punctuation dropped, spaces to dashes."""
    heading = re.sub(r"[`*]|<[^>]+>", "", heading.strip())
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def without_code(text: str) -> str:
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, flags=re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(page: Path) -> list[str]:
    text = without_code(page.read_text(encoding="utf-8"))
    inline = re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
    reference = re.findall(r"^\s*\[[^\]]+\]:\s*(\S+)", text, flags=re.M)
    return inline + reference


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I):
            continue  # https:, mailto: ... (not a file of ours)
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page.resolve()
        if not destination.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    assert broken_links(page) == []


def test_the_link_check_catches_broken_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# A title: `with code`\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#a-title-with-code) [ok](other.md#twice-1) [ok](#here) "
        "[web](https://example.org/x.md) `[code](missing.md)`\n\n# Here\n\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere) [out](../outside.md) ![img](pic.svg)\n",
        encoding="utf-8")
    assert broken_links(page) == [
        "missing.md: no such file", "other.md#nowhere: no heading #nowhere in other.md",
        "../outside.md: outside the repository", "pic.svg: no such file"]


# --- coverage of the pages -----------------------------------------------------------------------

def test_architecture_names_every_package_and_top_level_module() -> None:
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "ppp_expert"
    names = [f"{p.name}/" for p in package.iterdir() if (p / "__init__.py").is_file()]
    names += [p.name for p in package.glob("*.py")]
    missing = sorted(n for n in names if not re.search(rf"(^|[\s`]){re.escape(n)}", text, flags=re.M))
    assert missing == [], "add these to docs/architecture.md"


def test_readme_links_every_docs_page() -> None:
    linked = {t.partition("#")[0] for t in links(ROOT / "README.md")}
    assert sorted(p.name for p in DOCS.glob("*.md") if f"docs/{p.name}" not in linked) == []


def test_docs_stand_alone() -> None:
    """Not even in text or code blocks: no path into the folders around the repository."""
    for page in PAGES:
        assert OUTSIDE not in page.read_text(encoding="utf-8"), page.name
