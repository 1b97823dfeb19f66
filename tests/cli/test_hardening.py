"""Regression tests for the hardening defects: one test per defect, named after it.

Each of these failed on the code before the fix (links followed, formats mixed, writers
interleaved, tracebacks where one line is promised) and passes now. Everything runs for real:
the CLI in-process through click's CliRunner, or as a subprocess (``python -m ppp_expert``)
where a second process, a terminal, a signal or a user id is part of the defect.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BROADBAND, ROOT, default_sigint
from pty_helpers import phrase

from ppp_expert.cli import main


def _settled_case() -> Path:
    """A shipped case with every question answered (``unknown`` where the file is silent), so that a
    consultation settles without asking anything, whatever questions the knowledge base adds."""
    import tempfile

    from ppp_expert.kb.loader import default_kb

    data = yaml.safe_load((ROOT / "cases" / "hmrc-aspire.yaml").read_text(encoding="utf-8"))
    data["answers"] = {q: data["answers"].get(q, "unknown") for q in default_kb().questions}
    path = Path(tempfile.mkdtemp(prefix="ppp-hardening-")) / "hmrc-aspire.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


CASE = _settled_case()
CLI = [sys.executable, "-m", "ppp_expert"]
ENV = dict(os.environ, NO_COLOR="1", COLUMNS="100", PPP_EXPERT_DEBUG="")


def run(*args: Any, input: str | bytes | None = None, timeout: float = 120, prefix: tuple[str, ...] = (),
        **kw: Any) -> subprocess.CompletedProcess:
    """The real CLI in a new process."""
    return subprocess.run([*prefix, *CLI, *map(str, args)], input=input, capture_output=True, timeout=timeout,
                          env=kw.pop("env", ENV), text=isinstance(input, str) or input is None, **kw)


def one_line_error(result: Any, *fragments: str) -> str:
    """Exit 2, exactly one line on stderr starting with ``error:``, no traceback; return the line."""
    stderr = result.stderr
    assert result.exit_code == 2 if hasattr(result, "exit_code") else result.returncode == 2, stderr
    assert "Traceback" not in stderr and "Usage:" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def copies(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(CASE, folder / f"case{i:03d}.yaml")) for i in range(n)]


# ------------------------------------------------------------------ 1. links in --out
@pytest.mark.parametrize("name", ["results.jsonl", "summary.csv", "batch.json", "reports"])
def test_defect01_batch_never_writes_through_a_link_in_out(runner, tmp_path: Path, name: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir() if name == "reports" else victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(victim)
    copies(tmp_path / "in", 2)
    result = runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--reports"])
    one_line_error(result, str(out / name), "symbolic link")
    assert (victim.read_text() == "precious\n") if name != "reports" else not any(victim.iterdir())


def test_defect01_old_fixed_temporary_names_are_never_followed(runner, tmp_path: Path) -> None:
    """The manifest and the rewrite after --resume went through fixed ``*.tmp`` names."""
    copies(tmp_path / "in", 3)
    out = tmp_path / "out"
    first = runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"])
    assert first.exit_code == 0, first.output
    (tmp_path / "in" / "case001.yaml").unlink()  # a removed input: --resume rewrites results.jsonl
    victims = []
    for name in ("batch.json.tmp", "results.jsonl.tmp", "summary.csv.tmp"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (out / name).symlink_to(victim)
        victims.append(victim)
    again = runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--resume"])
    assert again.exit_code == 0, again.output
    assert all(v.read_text() == "precious\n" for v in victims)
    assert len((out / "results.jsonl").read_text().splitlines()) == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_defect01_an_out_folder_of_another_user_is_refused(runner, tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    out.mkdir()
    os.chown(out, 65534, 65534)
    copies(tmp_path / "in", 1)
    result = runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"])
    one_line_error(result, str(out), "owned by another user")
    assert list(out.iterdir()) == []


# ------------------------------------------------------------ 2. a .json session stays JSON
def test_defect02_ask_keeps_a_json_session_file_json(runner, tmp_path: Path) -> None:
    session = tmp_path / "session.json"
    result = runner.invoke(main, ["ask", "--answers", str(CASE), "--save", str(session), "--no-refine"], input="")
    assert result.exit_code == 0, result.output
    data = json.loads(session.read_text(encoding="utf-8"))
    assert data["id"] == "hmrc-aspire" and data["answers"]
    evaluated = runner.invoke(main, ["evaluate", str(session), "--format", "json"])
    assert evaluated.exit_code == 0, evaluated.output
    resumed = runner.invoke(main, ["ask", "--resume", str(session), "--no-refine"], input="")
    assert resumed.exit_code == 0 and json.loads(session.read_text(encoding="utf-8"))["answers"] == data["answers"]


# ------------------------------------------------------------ 3. one writer per output
def test_defect03_a_second_batch_on_one_out_is_refused_naming_the_first(tmp_path: Path) -> None:
    copies(tmp_path / "in", 150)
    out = tmp_path / "out"
    first = subprocess.Popen([*CLI, "batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    try:
        deadline = time.monotonic() + 60
        while not ((out / "results.jsonl").exists() and (out / "results.jsonl").stat().st_size):
            assert time.monotonic() < deadline and first.poll() is None, "the first batch never started writing"
            time.sleep(0.02)
        first.send_signal(signal.SIGSTOP)  # hold it mid-run
        second = run("batch", tmp_path / "in", "--out", out, "--jobs", "1")
        line = one_line_error(second, str(out), f"process {first.pid}")
        assert "already writing" in line
    finally:
        first.send_signal(signal.SIGCONT)
    assert first.wait(120) == 0, first.stderr.read() if first.stderr else ""
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 150 and len({json.loads(line)["path"] for line in lines}) == 150
    assert not (out / ".lock").exists()


@pytest.mark.pty
def test_defect03_a_second_ask_on_one_session_file_is_refused_naming_the_first(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    session = tmp_path / "s.yaml"
    child = pexpect.spawn(CLI[0], [*CLI[1:], "ask", "--save", str(session)], env=ENV, encoding="utf-8",
                          timeout=60, dimensions=(50, 100))
    try:
        child.expect(phrase("Answer ["))
        second = run("ask", "--resume", session, input="1\n")
        one_line_error(second, str(tmp_path), f"process {child.pid}", "session file")
        child.sendline("1")
        child.expect(phrase("Answer ["))
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["answers"]
    assert not (tmp_path / ".s.yaml.lock").exists()


# ------------------------------------------- 4. closing prompts never overwrite without a yes
def test_defect04_piped_leftover_lines_never_become_file_names(runner, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("keep.yaml").write_text("precious\n")
    result = runner.invoke(main, ["ask", "--answers", str(CASE), "--save", "s.yaml", "--no-refine"],
                           input="stray.svg\nkeep.yaml\n")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.yaml", "s.yaml"]
    assert Path("keep.yaml").read_text() == "precious\n"


@pytest.mark.pty
def test_defect04_closing_prompts_ask_before_overwriting(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    graph, copy = tmp_path / "g.dot", tmp_path / "copy.yaml"
    graph.write_text("precious graph\n")
    copy.write_text("precious copy\n")
    child = pexpect.spawn(CLI[0], [*CLI[1:], "ask", "--answers", str(CASE), "--save", str(tmp_path / "s.yaml"),
                                   "--no-refine"], env=ENV, encoding="utf-8", timeout=60, dimensions=(50, 100))
    child.expect(phrase("Enter to skip)"))
    child.sendline(str(graph))
    child.expect(phrase("exists. Overwrite it? [y/N]"))
    child.sendline("")                      # the default is no
    child.expect(phrase("Save a copy as"))
    child.sendline(str(copy))
    child.expect(phrase("exists. Overwrite it? [y/N]"))
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert graph.read_text() == "precious graph\n" and copy.read_text() == "precious copy\n"



SAVE_PROMPT = "Save a copy as (Enter to skip):"


@pytest.mark.pty
def test_closing_prompt_is_matched_wherever_the_terminal_wraps_it(tmp_path: Path) -> None:
    """The session path comes just before the prompt, so its length decides where rich wraps the
    line (at 100 columns). Paths of 100 to 130 characters (rich folds them from the start of a
    line) move the break across every word of the prompt; each run must still reach the end."""
    pexpect = pytest.importorskip("pexpect")
    wrapped = 0
    for room in (3, 6, 9, 14, 19, 25, 40):
        # The line holding the path's end also holds ". " and then as much of the prompt as fits.
        length = 100 + (98 - room)
        folder = tmp_path / str(room)
        folder = folder / ("d" * max(1, length - len(str(folder / "s.yaml")) - 1))
        folder.mkdir(parents=True)
        child = pexpect.spawn(CLI[0], [*CLI[1:], "ask", "--answers", str(CASE), "--save", str(folder / "s.yaml"),
                                       "--no-refine"], env=ENV, encoding="utf-8", timeout=60, dimensions=(50, 100))
        child.expect(phrase("Enter to skip)"))
        child.sendline("")
        child.expect(phrase(SAVE_PROMPT))
        wrapped += "\n" in child.after
        child.sendline("")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, room
    assert wrapped >= 3  # the sweep did put the break inside the prompt

# ----------------------------------------------------------- 5. spreadsheet formula injection
def test_defect05_summary_csv_cells_never_start_a_formula(runner, tmp_path: Path) -> None:
    cases = tmp_path / "in"
    cases.mkdir()
    hostile = ["=HYPERLINK(\"http://evil\",\"x\")", "@SUM(A1:A9)", "+1+1", "-2+3", "=1+1"]
    for i, case_id in enumerate(hostile):
        (cases / f"c{i}.json").write_text(json.dumps({"id": case_id, "answers": BROADBAND}), encoding="utf-8")
    (cases / "=cmd.yaml").write_text("answers: [\n", encoding="utf-8")  # an error whose text starts with '='
    result = runner.invoke(main, ["batch", str(cases), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 6
    for row in rows:
        for column, cell in row.items():
            if column != "score":
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    assert sorted(row["case"] for row in rows)[:2] == ["'+1+1", "'-2+3"]
    assert any(row["score"].startswith("-") or row["score"][0].isdigit() for row in rows if row["score"])


# --------------------------------------------------------------- 6. non-UTF-8 file names
def test_defect06_a_file_name_that_is_not_utf8_fails_only_its_own_case(runner, tmp_path: Path) -> None:
    cases = tmp_path / "in"
    copies(cases, 3)
    good = os.fsencode(cases) + b"/good\xff.yaml"
    bad = os.fsencode(cases) + b"/bad\xfe.yaml"
    with open(good, "wb") as handle:  # no id: the id comes from the file name
        handle.write(yaml.safe_dump({"answers": BROADBAND}).encode("utf-8"))
    with open(bad, "wb") as handle:
        handle.write(b"answers: [\n")
    out = tmp_path / "out"
    for args in ([], ["--resume"]):
        result = runner.invoke(main, ["batch", str(cases), "--out", str(out), "--jobs", "1", *args])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        records = [json.loads(line) for line in (out / "results.jsonl").read_bytes().decode("utf-8").splitlines()]
        assert len(records) == 5
        errors = [r for r in records if "error" in r]
        assert len(errors) == 1 and errors[0]["case"] == "bad\\xfe" and "malformed YAML" in errors[0]["error"]
        assert os.fsencode(errors[0]["path"]) == bad
    (out / "summary.csv").read_text(encoding="utf-8")
    one_line_error(runner.invoke(main, ["evaluate", os.fsdecode(bad)]), "bad\\xfe.yaml", "malformed YAML")
    advice = runner.invoke(main, ["evaluate", os.fsdecode(good), "--format", "json"])
    assert advice.exit_code == 0 and json.loads(advice.stdout)["case"] == "good\\xff"


# ------------------------------------------------------------ 7. lone surrogates in ids
def test_defect07_a_lone_surrogate_id_is_one_error_whatever_the_jobs(runner, tmp_path: Path) -> None:
    cases = tmp_path / "in"
    copies(cases, 5)
    (cases / "case002x.json").write_text('{"id": "\\ud800", "answers": {}}', encoding="utf-8")
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = runner.invoke(main, ["batch", str(cases), "--out", str(out), "--jobs", jobs, "--chunk-size", "2"])
        assert result.exit_code == 2, result.output
        outs.append((out / "results.jsonl").read_bytes())
    assert outs[0] == outs[1]
    records = [json.loads(line) for line in outs[0].decode("utf-8").splitlines()]
    assert [("error" in r) for r in records] == [False, False, False, True, False, False]
    one_line_error(runner.invoke(main, ["evaluate", str(cases / "case002x.json")]), "id: contains a lone surrogate")


# -------------------------------------------------------------------- 8. huge integers
@pytest.mark.parametrize("text, where", [
    ("id: " + "7" * 5000, "line 1"),
    ("title: " + "7" * 5000, "line 1"),
    ("answers:\n  capital_cost_musd: " + "7" * 5000, "line 2"),
    ('{"answers": {"capital_cost_musd": ' + "7" * 5000 + "}}", "digits"),
    ("answers:\n  capital_cost_musd: " + "7" * 400, "capital_cost_musd"),  # beyond any float
])
def test_defect08_huge_integers_are_one_line_errors(runner, tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / ("big.json" if text.startswith("{") else "big.yaml")
    path.write_text(text + "\n", encoding="utf-8")
    one_line_error(runner.invoke(main, ["evaluate", str(path)]), str(path), where)


def test_defect08_a_huge_knowledge_base_weight_is_a_one_line_error(runner, tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", kb)
    rules = kb / "rules" / "30-model-selection.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("weight: 0.3", "weight: " + "3" * 5000, 1), encoding="utf-8")
    one_line_error(runner.invoke(main, ["--kb", str(kb), "evaluate", str(CASE)]), str(rules), "5,000 digits")
    rules.write_text(text.replace("weight: 0.3", "weight: " + "3" * 400, 1), encoding="utf-8")
    one_line_error(runner.invoke(main, ["--kb", str(kb), "kb", "lint"]), str(rules))


# ------------------------------------------------------- 9. a rule with a thousand leaves
def _kb_with_rule(tmp_path: Path, when: Any) -> Path:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", kb)
    rule = {"id": "structuring.big", "title": "Big", "source": "phase2-structuring", "when": when,
            "then": [{"advise": {"topic": "structuring", "key": "big_rule", "text": "A test rule fired."}}]}
    (kb / "rules" / "99-big.yaml").write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    return kb


def test_defect09_a_condition_of_a_thousand_leaves_is_refused_at_load(runner, tmp_path: Path) -> None:
    leaf = {"answer": "urgency", "in": ["high", "low", "normal", "unknown"]}
    kb = _kb_with_rule(tmp_path, {"all": [leaf] * 1000})
    for args in (["evaluate", str(CASE)], ["kb", "lint"]):
        one_line_error(runner.invoke(main, ["--kb", str(kb), *args]), "rule structuring.big", "at most 64")
    deep: Any = leaf
    for _ in range(20):
        deep = {"not": {"not": deep}}
    kb = _kb_with_rule(tmp_path / "deep", deep)
    one_line_error(runner.invoke(main, ["--kb", str(kb), "evaluate", str(CASE)]), "nested more than")


def test_defect09_a_rule_at_the_bound_still_compiles_and_fires(runner, tmp_path: Path) -> None:
    leaf = {"answer": "urgency", "in": ["high", "low", "normal", "unknown"]}
    kb = _kb_with_rule(tmp_path, {"all": [leaf] * 64})
    result = runner.invoke(main, ["--kb", str(kb), "evaluate", str(CASE), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "structuring.big" in {r["id"] for r in json.loads(result.stdout)["fired_rules"]}


# ------------------------------------------------------------------- 10. Ctrl-C exits 130
@pytest.mark.pty
def test_defect10_ctrl_c_at_asks_final_prompt_exits_130(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    session = tmp_path / "s.yaml"
    child = pexpect.spawn(CLI[0], [*CLI[1:], "ask", "--answers", str(CASE), "--save", str(session), "--no-refine"],
                          env=ENV, encoding="utf-8", timeout=60, dimensions=(50, 100), preexec_fn=default_sigint)
    child.expect(phrase("Enter to skip)"))
    child.sendintr()
    child.expect(phrase("Interrupted. The session is saved"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert yaml.safe_load(session.read_text(encoding="utf-8"))["answers"]


def _big_kb(tmp_path: Path, copies_of_rules: int = 12) -> Path:
    """The shipped knowledge base with its rules repeated under new ids: seconds to load and compile."""
    kb = tmp_path / "bigkb"
    shutil.copytree(ROOT / "knowledge_base", kb)
    for source in sorted((ROOT / "knowledge_base" / "rules").glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        for n in range(copies_of_rules):
            (kb / "rules" / f"{source.stem}-copy{n:02d}.yaml").write_text(
                text.replace("- id: ", f"- id: copy{n:02d}."), encoding="utf-8")
    return kb


@pytest.mark.parametrize("command", [["batch", str(CASE), "--jobs", "1"], ["ask", "--answers", str(CASE)]])
def test_defect10_ctrl_c_during_start_up_exits_130(tmp_path: Path, command: list[str]) -> None:
    kb = _big_kb(tmp_path)
    args = [*CLI, "--kb", str(kb), *command,
            *(["--out", str(tmp_path / "out")] if command[0] == "batch" else ["--save", str(tmp_path / "s.yaml")])]
    child = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                             preexec_fn=default_sigint)
    maps = Path(f"/proc/{child.pid}/maps")
    deadline = time.monotonic() + 60
    inside = False
    # The commands import pydantic only once they run (loading the knowledge base): when its
    # compiled core is mapped, start-up has begun, and it goes on for seconds with this KB.
    while not inside and time.monotonic() < deadline and child.poll() is None:
        try:
            inside = "pydantic_core" in maps.read_text()
        except OSError:
            pass
        time.sleep(0.01)
    assert inside, "the command never started loading the knowledge base"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"Aborted" not in err


# ----------------------------------------------------- 11. `batch .` and its own output folder
def test_defect11_batch_dot_never_reads_its_own_output(runner, tmp_path: Path, monkeypatch) -> None:
    copies(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(main, ["batch", ".", "--jobs", "1"])
    assert first.exit_code == 0, first.output
    results = (tmp_path / "ppp-expert-batch" / "results.jsonl").read_bytes()
    for extra in ([], ["--out", "elsewhere"]):
        again = runner.invoke(main, ["batch", ".", "--jobs", "1", *extra])
        assert again.exit_code == 0, again.output
        assert "2 cases: 2 evaluated, 0 failed" in again.stdout
    assert (tmp_path / "ppp-expert-batch" / "results.jsonl").read_bytes() == results
    assert (tmp_path / "elsewhere" / "results.jsonl").read_bytes() == results


# ----------------------------------------------------------- 12. a KB without rules/
def test_defect12_a_knowledge_base_without_rules_is_refused(runner, tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", kb)
    shutil.rmtree(kb / "rules")
    one_line_error(runner.invoke(main, ["--kb", str(kb), "evaluate", str(CASE)]), str(kb / "rules"), "missing")
    (kb / "rules").mkdir()
    one_line_error(runner.invoke(main, ["--kb", str(kb), "kb", "lint"]), str(kb / "rules"), "no rule files")


# --------------------------------------------- 13. --resume and records altered in place
def test_defect13_resume_evaluates_again_a_record_altered_in_place(runner, tmp_path: Path) -> None:
    copies(tmp_path / "in", 3)
    fresh, out = tmp_path / "fresh", tmp_path / "out"
    for folder in (fresh, out):
        assert runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(folder), "--jobs", "1"]).exit_code == 0
    results = out / "results.jsonl"
    data = results.read_bytes()
    altered = data.replace(b'"verdict":"not_yet"', b'"verdict":"xxxxxxx"', 1)  # same length, still valid JSON
    assert altered != data and len(altered) == len(data)
    results.write_bytes(altered)
    again = runner.invoke(main, ["batch", str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--resume"])
    assert again.exit_code == 0, again.output
    assert "2 kept from the earlier run" in again.stdout
    assert results.read_bytes() == (fresh / "results.jsonl").read_bytes()


# ------------------------------------------ 14. bidi controls in ids, escapes in piped input
@pytest.mark.parametrize("case_id", ["abc\u202edcba", "x\u2066y", "zero\u200bwidth"])
def test_defect14_invisible_and_bidi_characters_in_ids_are_refused(runner, tmp_path: Path, case_id: str) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"id": case_id, "title": "Arabic \u200f title", "answers": {}}), encoding="utf-8")
    line = one_line_error(runner.invoke(main, ["evaluate", str(path)]), "id: contains the")
    assert line.isascii()  # shown as an escape, never raw
    titled = tmp_path / "titled.json"
    titled.write_text(json.dumps({"id": "ok", "title": "Arabic \u200f title", "answers": {}}), encoding="utf-8")
    assert runner.invoke(main, ["evaluate", str(titled), "--format", "json"]).exit_code == 0


def test_defect14_escape_sequences_in_piped_ask_input_are_not_echoed(tmp_path: Path) -> None:
    result = run("ask", "--save", tmp_path / "s.yaml", input="\x1b]0;owned\x07\x1b[2J\n\x9b31m\nquit\n")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07" in result.stdout


# -------------------------------------------------------------- 15. the one-line promise
@pytest.mark.parametrize("name, content, fragment", [
    ("nul.yaml", b"id: a\x00b\nanswers: {}\n", "NUL byte at offset 5"),
    ("nul.json", b'{"id": "a\x00"}', "NUL byte"),
    ("utf16.yaml", "id: x\nanswers: {}\n".encode("utf-16"), "UTF-16"),
    ("utf16le.yaml", "id: x\nanswers: {}\n".encode("utf-16-le"), "UTF-16"),
    ("utf32.yaml", "id: x\n".encode("utf-32"), "UTF-32"),
    ("merge.yaml", b"base: &b {urgency: high}\nanswers:\n  <<: *b\n", "merge keys (<<) are not supported"),
    ("bad-char.yaml", "id: a\ufffeb\n".encode("utf-8"), "at offset"),
])
def test_defect15_bad_bytes_and_merge_keys_are_one_line_errors(runner, tmp_path: Path, name: str, content: bytes,
                                                              fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    one_line_error(runner.invoke(main, ["evaluate", str(path)]), str(path), fragment)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root reads anything without setpriv")
def test_defect15_an_unreadable_case_is_one_line_not_a_usage_error(tmp_path: Path) -> None:
    case = tmp_path / "secret.yaml"
    shutil.copy(CASE, case)
    case.chmod(0)
    # root reads any file: drop the capabilities that let it (as an ordinary user it just fails)
    prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    env = dict(ENV, XDG_DATA_HOME=str(tmp_path / "xdg"))
    for args in (["evaluate", case], ["explain", case], ["whatif", case, "--set", "urgency=high"],
                 ["ask", "--answers", case, "--save", tmp_path / "s.yaml"]):
        one_line_error(run(*args, env=env, prefix=prefix), str(case), "cannot read file")


def test_defect15_an_out_that_is_a_file_and_a_graph_that_is_a_folder(runner, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "g.svg").mkdir()
    one_line_error(runner.invoke(main, ["batch", str(CASE), "--out", str(tmp_path / "file")]), "is a file")
    for args in (["evaluate", str(CASE)], ["explain", str(CASE)]):
        result = runner.invoke(main, [*args, "--graph", str(tmp_path / "g.svg")])
        one_line_error(result, "--graph", "is a folder")
        assert result.stdout == ""
    one_line_error(runner.invoke(main, ["ask", "--graph", str(tmp_path / "g.svg")], input=""), "is a folder")
    one_line_error(runner.invoke(main, ["kb", "graph", str(tmp_path / "g.svg")]), "is a folder")


def test_defect15_an_unknown_focus_fails_before_printing_the_advice(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["evaluate", str(CASE), "--focus", "risk:nope", "--graph", str(tmp_path / "g.svg")])
    one_line_error(result, "--focus", "risk:nope")
    assert result.stdout == "" and not (tmp_path / "g.svg").exists()


# ------------------------------------------------------- 16. whatif --set reads like a case file
@pytest.mark.parametrize("assignment", ["duration_years=1_0", "duration_years=\u0661\u0660", "urgency= high",
                                        "duration_years= 10", "capital_cost_musd=0x10", "urgency=high "])
def test_defect16_whatif_set_refuses_what_a_case_file_refuses(runner, tmp_path: Path, assignment: str) -> None:
    question, _, value = assignment.partition("=")
    as_file = tmp_path / "case.yaml"
    as_file.write_text(yaml.safe_dump({"answers": {question: value}}, allow_unicode=True), encoding="utf-8")
    one_line_error(runner.invoke(main, ["evaluate", str(as_file)]), question)
    one_line_error(runner.invoke(main, ["whatif", str(CASE), "--set", assignment]), question)


def test_defect16_whatif_set_accepts_what_a_case_file_accepts(runner) -> None:
    result = runner.invoke(main, ["whatif", str(CASE), "--set", "duration_years=10", "--set", "urgency=high",
                                  "--set", "capital_cost_musd=2.5e2", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answers"]["duration_years"]["to"] == 10


# ------------------------------------------------------------- 17. ask's input line length
def test_defect17_a_10_mb_input_line_is_refused_fast_and_small(tmp_path: Path) -> None:
    stdin = tmp_path / "stdin.txt"
    stdin.write_text("x" * 10_000_000 + "\nquit\n", encoding="utf-8")
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.monotonic()\n"
             "with open(sys.argv[1]) as f:\n"
             "    r = subprocess.run(sys.argv[2:], stdin=f, capture_output=True, text=True)\n"
             "print(r.returncode, time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "print(r.stdout[-2000:])\n")
    result = subprocess.run([sys.executable, "-c", probe, str(stdin), *CLI, "ask", "--save", str(tmp_path / "s.yaml")],
                            capture_output=True, text=True, env=ENV, timeout=300)
    code, seconds, max_kib = result.stdout.splitlines()[0].split()
    assert code == "0", result.stdout
    assert "longer than 4,096 characters" in result.stdout
    assert int(max_kib) < 200 * 1024, f"{int(max_kib) // 1024} MiB"  # 465 MB before the bound


# ------------------------------------------- 18. stale temporaries of a killed save are removed
def test_defect18_stale_temporaries_of_a_killed_save_are_removed(runner, tmp_path: Path) -> None:
    session = tmp_path / "s.yaml"
    assert runner.invoke(main, ["ask", "--save", str(session)], input="quit\n").exit_code == 0
    stale = tmp_path / ".s.yaml.k1LL3d_9.tmp"   # what tempfile.mkstemp names a save in progress
    stale.write_text("id: s\nanswers: {urgen")   # cut off by kill -9
    unrelated = tmp_path / ".other.yaml.k1LL3d_9.tmp"
    unrelated.write_text("not ours\n")
    result = runner.invoke(main, ["ask", "--resume", str(session)], input="quit\n")
    assert result.exit_code == 0, result.output
    assert not stale.exists() and unrelated.exists()
    assert "Removed .s.yaml.k1LL3d_9.tmp" in result.output
