"""The rest of the second adversarial review: a cache that cannot change the advice (10), a
console too narrow (12), standard output that cannot be written (16), a memo without Graphviz
(18), empty options and a silent wait on a locked database (22)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from helpers import bounded_in_time, one_line_error  # noqa: F401  (an autouse fixture)

from ppp_expert.cli import main
from ppp_expert.train.store import Database

CASE = ROOT / "cases" / "hmrc-aspire.yaml"
SCRIPT = Path(sys.executable).parent / "ppp-expert"


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60, **kwargs: Any
        ) -> subprocess.CompletedProcess[str]:
    kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([str(SCRIPT), *args], text=True, timeout=timeout,
                          env=dict(os.environ, NO_COLOR="1", **(env or {})), **kwargs)


# ----------------------------------------------------------------------------- defect 10
def _retitled(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: "EDITED-IN-CACHE" if k == "title" and isinstance(v, str) else _retitled(v)
                for k, v in data.items()}
    if isinstance(data, list):
        return [_retitled(v) for v in data]
    return data


def test_defect10_an_edited_cache_entry_with_a_recomputed_checksum_is_not_trusted(tmp_path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run("evaluate", str(CASE), "--format", "json", env=env)
    assert first.returncode == 0, first.stderr
    entries = list((tmp_path / "cache" / "ppp-expert").glob("kb-data-*.json"))
    assert len(entries) == 1
    header, _, payload = entries[0].read_bytes().partition(b"\n")
    meta = json.loads(header)
    edited = json.dumps(_retitled(json.loads(payload)), separators=(",", ":")).encode()
    assert edited != payload
    for name in ("sha256", "mac"):  # the checksum recomputed, as an editor would
        meta[name] = hashlib.sha256(edited).hexdigest()
    entries[0].write_bytes(json.dumps(meta).encode() + b"\n" + edited)
    again = run("evaluate", str(CASE), "--format", "json", env=env)
    assert again.returncode == 0, again.stderr
    assert "EDITED-IN-CACHE" not in again.stdout
    assert again.stdout == first.stdout


def test_defect10_the_cache_is_private_to_the_user(tmp_path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert run("evaluate", str(CASE), env=env).returncode == 0
    folder = tmp_path / "cache" / "ppp-expert"
    assert os.stat(folder).st_mode & 0o077 == 0
    written = list(folder.iterdir())
    modes = {p.name: oct(os.lstat(p).st_mode) for p in written}
    assert written and all(os.lstat(p).st_mode & 0o077 == 0 for p in written), modes


# ----------------------------------------------------------------------------- defect 12
@pytest.mark.parametrize("columns", ["0", "1", "4", "-3"])
@pytest.mark.parametrize("args", [["evaluate", str(CASE)], ["glossary", "spv"]])
def test_defect12_a_tiny_or_zero_width_still_prints_the_advice(columns, args) -> None:
    done = run(*args, env={"COLUMNS": columns})
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.replace("│", " ").split())
    assert len(text) > 200, done.stdout
    assert ("HMRC" in text) if args[0] == "evaluate" else ("purpose vehicle" in text.lower())


# ----------------------------------------------------------------------------- defect 16
@pytest.mark.parametrize("args", [["evaluate", str(CASE)], ["questions"], ["report", str(CASE), "--no-sweep"]])
def test_defect16_a_full_disk_on_standard_output_is_one_line(args) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = run(*args, stdout=full)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["error: cannot write to standard output: No space left on device"]


@pytest.mark.parametrize("args", [["evaluate", str(CASE), "--full"], ["train", "cases"]])
def test_defect16_an_ascii_terminal_gets_escapes_not_a_crash(tmp_path, args) -> None:
    done = run(*args, *(["--db", str(tmp_path / "t.db")] if args[0] == "train" else []),
               env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr and "\\u" in done.stdout


# ----------------------------------------------------------------------------- defect 18
def test_defect18_a_memo_without_graphviz_says_its_graphs_are_left_out(tmp_path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with Python and ppp-expert, without Graphviz
    bin_dir.mkdir()
    for name in ("python", "python3", "ppp-expert"):
        if (Path(sys.executable).parent / name).exists():
            (bin_dir / name).symlink_to(Path(sys.executable).parent / name)
    done = run("report", str(CASE), "--no-sweep", "-o", str(tmp_path / "m.html"), env={"PATH": str(bin_dir)})
    assert done.returncode == 0, done.stderr
    assert "Graphviz" in done.stderr and "without its explanation graphs" in done.stderr
    assert (tmp_path / "m.html").is_file()


def test_defect18_with_graphviz_there_is_no_note(tmp_path) -> None:
    if not shutil.which("dot"):
        pytest.skip("Graphviz is not installed here")
    done = run("report", str(CASE), "--no-sweep", "-o", str(tmp_path / "m.html"))
    assert done.returncode == 0 and "Graphviz" not in done.stderr, done.stderr


# ----------------------------------------------------------------------------- defect 22
@pytest.mark.parametrize("args", [["evaluate", str(CASE), "--graph", ""], ["explain", str(CASE), "--how", "model",
                                  "--graph", ""], ["kb", "graph", ""], ["report", str(CASE), "-o", ""]])
def test_defect22_an_empty_output_name_is_refused(runner, tmp_path, monkeypatch, args) -> None:
    monkeypatch.chdir(tmp_path)
    one_line_error(runner.invoke(main, args), "''", "is empty")
    assert os.listdir(tmp_path) == []


def test_defect22_a_locked_database_says_it_is_waiting(tmp_path) -> None:
    db = tmp_path / "t.db"
    Database(db).close()
    data = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    data["id"] = "county-desktops-2030"
    (tmp_path / "county.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        waiting = subprocess.Popen([str(SCRIPT), "train", "add-case", str(tmp_path / "county.yaml"), "--db", str(db)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert waiting.stderr is not None
        start = time.monotonic()
        line = waiting.stderr.readline()
        assert "waiting" in line and str(db) in line, line
        assert time.monotonic() - start < 20
    finally:
        holder.execute("COMMIT")
        holder.close()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert "county-desktops-2030" in out
