"""Every command against every hostile input: exit 2, one line on stderr, never a traceback.

The corpus is data: ``cases/`` holds hostile case files (bytes that are not UTF-8, NUL bytes,
UTF-16, Python tags, alias bombs, numbers of 5,000 digits, lone surrogates, bidirectional
controls, escape sequences ...), ``kbs/`` describes hostile knowledge bases as edits of the
shipped one (see ``apply_kb_spec``), and ``generated_cases`` makes what a repository cannot
hold well (names that are not UTF-8, a FIFO, a link loop, a file over 2 MiB).

To run a new command against the whole corpus, add it to ``CASE_COMMANDS`` (a command that
reads one case file) or ``KB_COMMANDS`` (anything that loads the knowledge base); a command
that writes many results, like ``batch``, gets its own contract test as below.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from conftest import ROOT

from ppp_expert.cli import main
from ppp_expert.errors import shown_name

CORPUS = Path(__file__).resolve().parent
GOOD_CASE = ROOT / "cases" / "hmrc-aspire.yaml"

#: name -> the arguments that run the command on one case file (``tmp`` is a folder for outputs).
CASE_COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "evaluate": lambda case, tmp: ["evaluate", str(case)],
    "evaluate --format json --graph": lambda case, tmp: ["evaluate", str(case), "--format", "json",
                                                         "--graph", str(tmp / "g.svg")],
    "explain": lambda case, tmp: ["explain", str(case), "--how", "model", "--why-not", "alliance"],
    "whatif": lambda case, tmp: ["whatif", str(case), "--set", "urgency=high"],
    "ask --answers": lambda case, tmp: ["ask", "--answers", str(case), "--save", str(tmp / "s.yaml"), "--no-refine"],
    "ask --resume": lambda case, tmp: ["ask", "--resume", str(case), "--save", str(tmp / "s.yaml"), "--no-refine"],
}

#: name -> the arguments of a command that loads the knowledge base (run with ``--kb HOSTILE``).
KB_COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    **{name: (lambda make: lambda tmp: make(GOOD_CASE, tmp))(make)
       for name, make in CASE_COMMANDS.items() if name != "ask --resume"},
    "batch": lambda tmp: ["batch", str(GOOD_CASE), "--out", str(tmp / "out"), "--jobs", "1"],
    "kb coverage": lambda tmp: ["kb", "coverage", str(GOOD_CASE)],
    "kb lint": lambda tmp: ["kb", "lint"],
    "kb stats": lambda tmp: ["kb", "stats"],
    "kb graph": lambda tmp: ["kb", "graph", str(tmp / "kb.svg")],
    "questions": lambda tmp: ["questions"],
    "schema": lambda tmp: ["schema"],
}

STATIC_CASES = sorted(p for p in (CORPUS / "cases").iterdir() if p.is_file())
KB_SPECS = sorted((CORPUS / "kbs").glob("*.yaml"))
GENERATED = ["not-utf8-name", "fifo", "link-loop", "dangling-link", "folder", "over-2-mib", "missing"]


def generated_case(kind: str, folder: Path) -> Path:
    """Hostile inputs a repository cannot hold well, made in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "not-utf8-name":
        path = Path(os.fsdecode(os.fsencode(folder) + b"/bad\xff\xfe.yaml"))
        path.write_bytes(b"answers: [\n")
    elif kind == "fifo":
        path = folder / "pipe.yaml"
        os.mkfifo(path)
    elif kind == "link-loop":
        path = folder / "loop.yaml"
        path.symlink_to(path)
    elif kind == "dangling-link":
        path = folder / "dangling.yaml"
        path.symlink_to(folder / "nowhere.yaml")
    elif kind == "folder":
        path = folder / "folder.yaml"
        path.mkdir()
    elif kind == "over-2-mib":
        path = folder / "huge.yaml"
        path.write_text("narrative: " + "x" * 3_000_000 + "\n", encoding="utf-8")
    else:
        path = folder / "missing.yaml"
    return path


def apply_kb_spec(spec_path: Path, target: Path) -> Path:
    """A copy of the shipped knowledge base with the edits a corpus spec describes.

    Keys (all optional): ``remove`` paths, ``empty`` folders, ``mkdir`` folders, ``write``
    text files, ``write_bytes`` binary files, ``replace`` [file, old, new(, count)] edits,
    ``prepend`` [file, text], ``reencode`` [file, encoding], ``pad`` [file, size in bytes].
    """
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    shutil.copytree(ROOT / "knowledge_base", target)
    for name in spec.get("remove", []):
        victim = target / name
        shutil.rmtree(victim) if victim.is_dir() else victim.unlink()
    for name in spec.get("empty", []):
        shutil.rmtree(target / name)
        (target / name).mkdir()
    for name in spec.get("mkdir", []):
        (target / name).mkdir()
    for name, text in spec.get("write", {}).items():
        (target / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    for name, data in spec.get("write_bytes", {}).items():
        (target / name).write_bytes(data)
    for name, old, new, *count in spec.get("replace", []):
        file = target / name
        text = file.read_text(encoding="utf-8")
        assert old in text, f"{spec_path.name}: {old!r} not in {name}"
        file.write_text(text.replace(old, new, *count), encoding="utf-8")
    for name, text in spec.get("prepend", []):
        file = target / name
        file.write_text(text + file.read_text(encoding="utf-8"), encoding="utf-8")
    for name, encoding in spec.get("reencode", []):
        file = target / name
        file.write_bytes(file.read_text(encoding="utf-8").encode(encoding))
    for name, size in spec.get("pad", []):
        (target / name).write_text("rules: []\n# " + "x" * size + "\n", encoding="utf-8")
    return target


def assert_one_line_error(result: Any, names: str) -> str:
    """The promise: exit 2, nothing on stdout, one ``error:`` line naming the input, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout[-500:], result.stderr[-500:])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-2000:]
    assert result.stdout == "", result.stdout[-500:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines[:5]
    assert names in lines[0], (names, lines[0])
    assert lines[0].isprintable(), lines[0]
    return lines[0]


def _case_inputs() -> list[Any]:
    return [pytest.param(p, id=p.name) for p in STATIC_CASES] + [pytest.param(kind, id=kind) for kind in GENERATED]


def _resolve(case: Any, tmp_path: Path) -> Path:
    return case if isinstance(case, Path) else generated_case(case, tmp_path / "in")


@pytest.mark.parametrize("command", sorted(CASE_COMMANDS))
@pytest.mark.parametrize("case", _case_inputs())
def test_every_command_refuses_every_hostile_case_in_one_line(runner, tmp_path: Path, case: Any,
                                                              command: str) -> None:
    path = _resolve(case, tmp_path)
    result = runner.invoke(main, CASE_COMMANDS[command](path, tmp_path), input="")
    assert_one_line_error(result, shown_name(str(path)))
    assert not (tmp_path / "s.yaml").exists() and not (tmp_path / "g.svg").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")]


@pytest.mark.parametrize("case", [c for c in _case_inputs() if c.values[0] != "folder"])  # a folder is searched
def test_batch_turns_every_hostile_case_into_one_error_record(runner, tmp_path: Path, case: Any) -> None:
    path = _resolve(case, tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(path), str(GOOD_CASE), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    records = [json.loads(line) for line in (out / "results.jsonl").read_bytes().decode("utf-8").splitlines()]
    errors = [r for r in records if "error" in r]
    assert len(records) == 2 and len(errors) == 1, records
    assert "\n" not in errors[0]["error"] and errors[0]["error"].startswith(shown_name(str(path)))
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 2 and all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())


@pytest.fixture(scope="module")
def hostile_kbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile-kbs")
    return {spec.stem: apply_kb_spec(spec, root / spec.stem) for spec in KB_SPECS}


@pytest.mark.parametrize("command", sorted(KB_COMMANDS))
@pytest.mark.parametrize("spec", [s.stem for s in KB_SPECS])
def test_every_command_refuses_every_hostile_knowledge_base_in_one_line(runner, tmp_path: Path, hostile_kbs,
                                                                        spec: str, command: str) -> None:
    kb = hostile_kbs[spec]
    result = runner.invoke(main, ["--kb", str(kb), *KB_COMMANDS[command](tmp_path)], input="")
    assert_one_line_error(result, str(kb))
    assert not (tmp_path / "out").exists() and not (tmp_path / "s.yaml").exists()


def test_the_corpus_is_what_the_readme_says() -> None:
    """A guard against an empty or shrunken corpus: every file in it is used above."""
    assert len(STATIC_CASES) >= 50 and len(KB_SPECS) >= 20
    assert set(CASE_COMMANDS) >= {"evaluate", "explain", "whatif", "ask --answers"}
    assert {"batch", "kb lint"} <= set(KB_COMMANDS)
