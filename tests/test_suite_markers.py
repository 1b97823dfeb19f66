"""The suite's own hygiene: tests that need a terminal or a browser say so with a marker, so
``-m "not pty and not browser"`` gives a quick run and the markers never fall out of date."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _marked(node: ast.FunctionDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        text = ast.unparse(decorator)
        if text.startswith("pytest.mark."):
            names.add(text.split(".")[2].split("(")[0])
    return names


def test_every_terminal_or_browser_test_carries_its_marker() -> None:
    checked = 0
    for path in sorted(p for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name):
        source = path.read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
                continue
            body = ast.get_source_segment(source, node) or ""
            needs = set()
            if "pexpect" in body or "_spawn(" in body:
                needs.add("pty")
            if "browser" in [a.arg for a in node.args.args] or "playwright" in body:
                needs.add("browser")
            assert needs <= _marked(node), f"{path.name}::{node.name} needs @pytest.mark.{', '.join(sorted(needs))}"
            checked += bool(needs)
    assert checked >= 10  # the terminal and browser tests were found


def test_the_tests_mirror_the_package_layout() -> None:
    """Tests of a package live in the folder of the same name; only whole-project checks (layout,
    docs, packaging, the run script, this file) stay at the top."""
    package = TESTS.parent / "ppp_expert"
    folders = {p.parent.name for p in TESTS.rglob("test_*.py") if p.parent != TESTS and p.parent.name != "adversarial"}
    assert folders and all((package / name / "__init__.py").is_file() for name in folders), folders
    top = {p.name for p in TESTS.glob("test_*.py")}
    assert top == {"test_architecture.py", "test_docs.py", "test_packaging.py", "test_readme.py",
                   "test_run_script.py", "test_suite_markers.py"}, top
