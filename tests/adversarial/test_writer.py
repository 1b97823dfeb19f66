"""One safe writer (``ppp_expert.files``) for every file the program writes.

Defects 1, 2, 11, 19, 20 and 21 of the second adversarial review, and a walk over every command
that writes, which fails if any of them writes a file by another path than the writer.
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from conftest import ROOT
from helpers import bounded_in_time, one_line_error  # noqa: F401  (an autouse fixture)

import ppp_expert
from ppp_expert.cli import main
from ppp_expert.train.learner import Learner
from ppp_expert.train.store import Database

CASE = ROOT / "cases" / "hmrc-aspire.yaml"
SCRIPT = Path(sys.executable).parent / "ppp-expert"
PACKAGE = Path(ppp_expert.__file__).resolve().parent
WRITER = PACKAGE / "files"


def trainer_case(folder: Path) -> Path:
    """A case file a trainer may add (a new id)."""
    data = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    data["id"] = "county-desktops-2030"
    path = folder / "county.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, NO_COLOR="1", **(env or {})))


# ------------------------------------------------------------------------------ defect 1
@pytest.mark.parametrize("kind", ["fifo", "char-device", "socket"])
def test_defect1_report_force_never_replaces_anything_but_a_regular_file(runner, tmp_path, kind) -> None:
    target = tmp_path / "n"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "char-device":
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
        except PermissionError:
            pytest.skip("making a device node needs root")
    else:
        import socket

        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
        listener.close()
    before = os.lstat(target)
    result = runner.invoke(main, ["report", str(CASE), "--no-sweep", "-o", str(target), "--force"])
    one_line_error(result, str(target), "not a regular file")
    after = os.lstat(target)
    assert (after.st_ino, stat.S_IFMT(after.st_mode)) == (before.st_ino, stat.S_IFMT(before.st_mode))
    assert sorted(os.listdir(tmp_path)) == ["n"]  # no temporary left behind


def test_defect1_report_force_still_replaces_a_regular_file(runner, tmp_path) -> None:
    target = tmp_path / "memo.html"
    target.write_text("old", encoding="utf-8")
    result = runner.invoke(main, ["report", str(CASE), "--no-sweep", "-o", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ------------------------------------------------------------------------------ defect 2
@pytest.mark.parametrize("name", ["g.json", "g.svg", "g.graphml", "g.dot", "g.png"])
def test_defect2_graph_never_writes_through_a_link(runner, tmp_path, name) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / name).symlink_to(victim)
    result = runner.invoke(main, ["explain", str(CASE), "--how", "model", "--graph", str(tmp_path / name)])
    one_line_error(result, "--graph", "symbolic link")
    assert victim.read_text(encoding="utf-8") == "precious"


def test_defect2_graph_at_a_fifo_is_refused_at_once(tmp_path) -> None:
    os.mkfifo(tmp_path / "g.json")
    done = run("explain", str(CASE), "--how", "model", "--graph", str(tmp_path / "g.json"), timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "not a regular file" in done.stderr, done.stderr


def test_defect2_train_export_never_writes_through_a_link(runner, tmp_path) -> None:
    db = tmp_path / "t.db"
    learner = Learner(Database(db))
    learner.add_trainee("ana")
    learner.db.close()
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "x.csv").symlink_to(victim)
    result = runner.invoke(main, ["train", "export", "--db", str(db), "--out", str(tmp_path / "x.csv")])
    one_line_error(result, "symbolic link")
    assert victim.read_text(encoding="utf-8") == "precious"


# ----------------------------------------------------------------------------- defect 19
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_defect19_report_dash_is_standard_output(runner, tmp_path, monkeypatch, fmt) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["report", str(CASE), "--no-sweep", "--format", fmt, "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "HMRC" in result.stdout or "hmrc" in result.stdout.lower()
    assert os.listdir(tmp_path) == []  # no file named '-' or '-.verdict.svg'


# ----------------------------------------------------------------------------- defect 21
def test_defect21_train_db_is_never_created_through_a_dangling_link(runner, tmp_path) -> None:
    link = tmp_path / "t.db"
    link.symlink_to(tmp_path / "elsewhere.db")
    result = runner.invoke(main, ["train", "add-case", str(trainer_case(tmp_path)), "--db", str(link)])
    one_line_error(result, str(link), "symbolic link")
    assert not (tmp_path / "elsewhere.db").exists()
    assert sorted(os.listdir(tmp_path)) == ["county.yaml", "t.db"]


# ----------------------------------------------------------------------------- defect 20
def test_defect20_reading_a_read_only_database_leaves_nothing_behind(runner, tmp_path) -> None:
    db = tmp_path / "t.db"
    learner = Learner(Database(db))
    learner.add_trainee("ana")
    learner.db.close()
    assert sorted(os.listdir(tmp_path)) == ["t.db"]
    os.chmod(db, 0o444)
    for args in (["train", "progress"], ["train", "export", "--format", "json"]):
        result = runner.invoke(main, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "ana" in result.stdout
        assert sorted(os.listdir(tmp_path)) == ["t.db"], os.listdir(tmp_path)


# ----------------------------------------------------------------------------- defect 11
def test_defect11_a_fifo_in_the_cache_is_a_miss_not_a_hang(tmp_path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run("evaluate", str(CASE), env=env)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "cache" / "ppp-expert"
    entries = [p for p in folder.iterdir() if p.suffix == ".json"]
    assert entries, "the first run filled the cache"
    for entry in entries:
        entry.unlink()
        os.mkfifo(entry)
    again = run("evaluate", str(CASE), env=env, timeout=30)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert all(stat.S_ISFIFO(os.lstat(e).st_mode) for e in entries)  # a FIFO is never replaced either


# --------------------------------------------------------------- every command, one writer
class WriteSpy:
    """Records every call that creates or changes a file and is made by package code outside
    ``ppp_expert/files/`` (directly or through a library it calls)."""

    WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bypasses: list[str] = []
        self.through_writer = 0
        real_open, real_os_open = builtins.open, os.open

        def spied_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+"):
                self.check(f"open({file!s}, {mode!r})")
            return real_open(file, mode, *args, **kwargs)

        def spied_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
            if flags & self.WRITE_FLAGS:
                self.check(f"os.open({path!s})")
            return real_os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", spied_open)
        monkeypatch.setattr(io, "open", spied_open)
        monkeypatch.setattr(os, "open", spied_os_open)
        for module, name in ((os, "replace"), (os, "rename"), (os, "link"), (os, "symlink"), (os, "truncate"),
                             (sqlite3, "connect"), (shutil, "copyfile"), (shutil, "copy"), (shutil, "move")):
            monkeypatch.setattr(module, name, self.wrap(f"{module.__name__}.{name}", getattr(module, name)))

    def wrap(self, what: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def spied(*args: Any, **kwargs: Any) -> Any:
            self.check(f"{what}({', '.join(map(str, args[:2]))})")
            return real(*args, **kwargs)

        return spied

    def check(self, what: str) -> None:
        frame = sys._getframe(2)
        in_package = None
        while frame is not None:
            filename = Path(frame.f_code.co_filename)
            if filename.is_relative_to(WRITER):
                self.through_writer += 1
                return
            if in_package is None and filename.is_relative_to(PACKAGE):
                in_package = f"{filename.relative_to(PACKAGE.parent)}:{frame.f_lineno}"
            frame = frame.f_back  # type: ignore[assignment]
        if in_package is not None:
            self.bypasses.append(f"{what} from {in_package}")


def writing_commands(tmp: Path) -> list[list[str]]:
    """Every command and option that writes a file (the kb from a copy, so the cache is written too)."""
    out = tmp / "out"
    return [
        ["report", str(CASE), "--no-sweep", "-o", str(out / "memo.html")],
        ["report", str(CASE), "--no-sweep", "--format", "md", "-o", str(out / "memo.md")],
        *(["evaluate", str(CASE), "--graph", str(out / f"g.{suffix}")] for suffix in ("svg", "json", "graphml", "dot")),
        ["explain", str(CASE), "--how", "model", "--graph", str(out / "e.png")],
        ["kb", "graph", str(out / "kb.svg")],
        *(["batch", str(CASE), "--out", str(out / f"batch-{fmt}"), "--jobs", "1", "--reports", fmt]
          for fmt in ("text", "md", "html")),
        ["batch", str(CASE), "--out", str(out / "batch-md"), "--jobs", "1", "--reports", "md", "--resume"],
        ["ask", "--answers", str(CASE), "--save", str(out / "s.yaml"), "--no-refine", "--screening",
         "--memo", str(out / "ask.html"), "--graph", str(out / "ask.svg")],
        ["train", "add-case", str(trainer_case(tmp)), "--db", str(out / "t.db")],
        ["train", "export", "--db", str(out / "t.db"), "--out", str(out / "cohort.csv")],
    ]


def test_every_command_writes_only_through_the_writer(runner, tmp_path, monkeypatch) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", kb)
    (tmp_path / "out").mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spy = WriteSpy(monkeypatch)
    for args in writing_commands(tmp_path):
        result = runner.invoke(main, ["--kb", str(kb), *args], input="unknown\n" * 60)
        assert result.exit_code == 0, (args, result.output)
    monkeypatch.undo()
    assert spy.bypasses == []
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"memo.html", "memo.md", "g.svg", "g.json", "g.graphml", "g.dot", "e.png", "kb.svg", "s.yaml",
            "ask.html", "ask.svg", "t.db", "cohort.csv", "batch-html"} <= written, written
    assert list((tmp_path / "cache").rglob("*.json")), "the cache was written"
    assert spy.through_writer > 20


def test_the_write_spy_sees_a_write_that_bypasses_the_writer(tmp_path, monkeypatch) -> None:
    """The walk above can fail: a write made by package code outside the writer is caught."""
    spy = WriteSpy(monkeypatch)
    code = compile("Path(target).write_text('x')", str(PACKAGE / "render" / "graphs.py"), "exec")
    exec(code, {"Path": Path, "target": str(tmp_path / "x")})
    code = compile("import os; os.replace(a, b)", str(PACKAGE / "batch" / "outputs.py"), "exec")
    exec(code, {"a": str(tmp_path / "x"), "b": str(tmp_path / "y")})
    monkeypatch.undo()
    assert len(spy.bypasses) == 2 and "graphs.py" in spy.bypasses[0] and "outputs.py" in spy.bypasses[1]
