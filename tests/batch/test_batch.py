"""`ppp-expert batch`: every case gets a record, output is deterministic, resume and check work."""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BROADBAND, COMMODITY, ROOT

from ppp_expert.api import evaluate
from ppp_expert.batch.discover import discover
from ppp_expert.batch.runner import BatchOptions, InlineExecutor, run_batch
from ppp_expert.cases.generate import random_answers
from ppp_expert.cli import main
from ppp_expert.kb.loader import load_kb


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A frozen copy of the shipped knowledge base, so edits to knowledge_base/ during a run change nothing."""
    target = tmp_path_factory.mktemp("kb") / "knowledge_base"
    shutil.copytree(ROOT / "knowledge_base", target)
    return target


@pytest.fixture(scope="module")
def kb(kb_dir: Path) -> Any:
    return load_kb(kb_dir)


@pytest.fixture()
def batch(runner: Any, kb_dir: Path) -> Any:
    """Invoke ``ppp-expert --kb <frozen copy> batch ARGS...`` in-process."""
    return lambda *args: runner.invoke(main, ["--kb", str(kb_dir), "batch", *map(str, args)])


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (bytes, str)):
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    elif path.suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def generate(kb: Any, folder: Path, n: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    return [write(folder / f"gen-{i:05d}.yaml",
                  {"id": f"gen-{i:05d}", "answers": random_answers(kb, rng, unknown_rate=0.2)})
            for i in range(n)]


# The mixed folder: name -> a fragment the error record must contain (None: a good case).
BAD = {
    "malformed.yaml": "malformed YAML at line",
    "broken.json": "malformed JSON at line 1",
    "empty.yaml": "file is empty",
    "unknown-answer.yaml": "'moon_base' is not an allowed answer",
    "unknown-question.yml": "answers.urgncy: unknown question (did you mean 'urgency'?)",
    "x.yaml": "is a directory",
}


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write(folder / "broadband.yaml", {"id": "broadband", "answers": BROADBAND})
    write(folder / "commodity.json", {"id": "commodity", "answers": COMMODITY})
    write(folder / "sub" / "deeper" / "partial.yml", {"answers": {"urgency": "high", "need_type": "evolving"}})
    write(folder / "malformed.yaml", "answers: [unclosed\n")
    write(folder / "broken.json", '{"answers": {"urgency": "high",}}')
    write(folder / "empty.yaml", "")
    write(folder / "unknown-answer.yaml", {"answers": {"application_area": "moon_base"}})
    write(folder / "unknown-question.yml", {"answers": {"urgncy": "high"}})
    (folder / "x.yaml").mkdir()
    write(folder / "x.yaml" / "inside.yaml", {"answers": COMMODITY})
    write(folder / "notes.txt", "not a case\n")
    write(folder / ".hidden" / "ignored.yaml", {"answers": {}})
    return folder


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def test_every_good_case_has_a_result_and_every_bad_one_an_error_record(batch, kb, mixed, tmp_path) -> None:
    out = tmp_path / "out"
    result = batch(str(mixed), "--out", str(out), "--jobs", "1")
    assert result.exit_code == 2, result.output  # some inputs could not be read
    assert "Traceback" not in result.output
    by_name = {Path(r["path"]).name: r for r in records(out)}
    assert sorted(by_name) == sorted([*BAD, "broadband.yaml", "commodity.json", "partial.yml", "inside.yaml"])
    paths = [r["path"] for r in records(out)]
    assert paths == sorted(paths)
    for name, fragment in BAD.items():
        record = by_name[name]
        assert set(record) <= {"case", "error", "path", "hash", "sum"}, name
        assert fragment in record["error"] and name in record["error"], record
    for name in ("broadband.yaml", "commodity.json", "partial.yml", "inside.yaml"):
        record = by_name[name]
        assert "error" not in record
        assert {"case", "appropriate", "recommendation", "risk_allocation", "red_flags", "fired_rules",
                "unknown_questions", "path", "hash", "sum"} <= set(record)
    reference = json.loads(evaluate({"id": "broadband", "answers": BROADBAND}, kb).to_json())
    assert by_name["broadband.yaml"]["recommendation"] == reference["recommendation"]
    assert by_name["partial.yml"]["case"] == "partial"  # id defaults to the file stem
    assert by_name["empty.yaml"]["case"] == "empty"
    with open(out / "summary.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["path"] for row in rows] == paths
    assert all(row["error"] for row in rows if Path(row["path"]).name in BAD)
    good_rows = [row for row in rows if Path(row["path"]).name not in BAD]
    assert all(row["verdict"] and row["model"] and not row["error"] for row in good_rows)
    # The terminal summary: counts, failed cases with their reasons, skipped files.
    assert "10 cases: 4 evaluated, 6 failed" in result.stdout
    assert "Failed cases (6):" in result.stdout and "malformed YAML at line" in result.stdout
    assert "notes.txt: not a case file" in result.stdout
    assert "ignored.yaml" not in result.stdout


def test_jobs_1_and_2_write_byte_identical_results(batch, kb, kb_dir, mixed, tmp_path) -> None:
    generate(kb, mixed / "generated", 40)
    outputs = []
    for jobs, chunk in (("1", "16"), ("2", "1"), ("2", "3")):
        out = tmp_path / f"out-{jobs}-{chunk}"
        result = batch(str(mixed), "--out", str(out), "--jobs", jobs, "--chunk-size", chunk)
        assert result.exit_code == 2, result.output
        outputs.append(((out / "results.jsonl").read_bytes(), (out / "summary.csv").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0].count(b"\n") == 50


def test_check_prints_a_diff_naming_the_field_and_exits_1(batch, kb, tmp_path) -> None:
    actual = evaluate({"id": "a", "answers": BROADBAND}, kb)
    wrong_model = next(m for m in ("joint_venture", "alliance") if m != actual.recommendation.model)
    risk = actual.risk_allocation[0]
    wrong_party = "public" if risk.party != "public" else "private"
    folder = tmp_path / "in"
    write(folder / "right.yaml", {"answers": BROADBAND, "expected": {
        "appropriate": actual.appropriate.verdict, "model": actual.recommendation.model,
        "risks": {risk.risk: risk.party}}})
    write(folder / "wrong.yaml", {"answers": BROADBAND, "expected": {
        "model": wrong_model, "risks": {risk.risk: wrong_party}}})
    write(folder / "none.yaml", {"answers": COMMODITY})
    result = batch("--check", str(folder), "--out", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == 1, result.output
    assert "MISMATCH" in result.stdout and "wrong.yaml" in result.stdout and "right.yaml (" not in result.stdout
    assert f"- model: {wrong_model}" in result.stdout
    assert f"+ model: {actual.recommendation.model}" in result.stdout
    assert f"- risks.{risk.risk}: {wrong_party}" in result.stdout
    assert f"+ risks.{risk.risk}: {risk.party}" in result.stdout
    assert "Check: 2 cases with expected outcomes, 1 match, 1 mismatch; 1 without an expected block" in result.stdout
    with open(tmp_path / "out" / "summary.csv", encoding="utf-8") as handle:
        status = {Path(row["path"]).name: row["check"] for row in csv.DictReader(handle)}
    assert status == {"none.yaml": "no expected", "right.yaml": "match", "wrong.yaml": "mismatch"}
    # Without --check the same folder is fine.
    plain = batch(str(folder), "--out", str(tmp_path / "o2"), "-j", "1")
    assert plain.exit_code == 0, plain.output
    assert "3 cases: 3 evaluated, 0 failed" in plain.stdout and "MISMATCH" not in plain.stdout
    assert len(records(tmp_path / "o2")) == 3


def test_unreadable_inputs_exit_2_and_the_others_are_still_evaluated(batch, tmp_path) -> None:
    good = write(tmp_path / "good.yaml", {"answers": BROADBAND})
    missing = tmp_path / "missing.yaml"
    latin = write(tmp_path / "latin.yaml", "title: Lisboa São\nanswers: {}\n".encode("latin-1"))
    out = tmp_path / "out"
    result = batch(str(good), str(missing), str(latin), str(tmp_path / "nothing-*.yaml"),
                                  "--out", str(out), "-j", "2")
    assert result.exit_code == 2, result.output
    by_name = {Path(r["path"]).name: r for r in records(out)}
    assert "recommendation" in by_name["good.yaml"]
    assert "no such file" in by_name["missing.yaml"]["error"] and "hash" not in by_name["missing.yaml"]
    assert "not UTF-8" in by_name["latin.yaml"]["error"]
    assert "nothing-*.yaml: no file matches this pattern" in result.stdout


def test_no_case_files_at_all_is_bad_input(batch, tmp_path) -> None:
    (tmp_path / "empty-folder").mkdir()
    result = batch(str(tmp_path / "empty-folder"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no case files found" in result.stderr


def test_discovery_sorts_expands_globs_and_reports_duplicates(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("b/2.yaml", "b/1.json", "a.yml", "c/readme.md"):
        write(tmp_path / name, {"answers": {}})
    found = discover(["b", "a.yml", "./a.yml", "b/*.json", "c", "c/readme.md", "zzz*"])
    assert found.cases == ["a.yml", "b/1.json", "b/2.yaml", "c/readme.md"]
    reasons = dict(found.skipped)
    assert "named 2 times" in reasons["a.yml"] and "named 2 times" in reasons["b/1.json"]
    assert found.problems == [("zzz*", "no file matches this pattern")]
    assert "c/readme.md" not in reasons  # named on its own: evaluated, not skipped
    os.symlink(tmp_path / "a.yml", tmp_path / "link.yml")
    assert ("link.yml", "same file as a.yml; evaluated once") in discover(["."]).skipped


def test_reports_are_written_per_case(batch, tmp_path) -> None:
    write(tmp_path / "in" / "good.yaml", {"title": "Good broadband", "answers": BROADBAND})
    write(tmp_path / "in" / "bad.yaml", "")
    out = tmp_path / "out"
    result = batch(str(tmp_path / "in"), "--out", str(out), "--reports", "-j", "1")
    assert result.exit_code == 2
    reports = out / "reports" / Path(*(tmp_path / "in").parts[1:])
    text = (reports / "good.yaml.txt").read_text(encoding="utf-8")
    assert "Good broadband" in text and "Recommended model" in text and "Risk allocation" in text
    assert "file is empty" in (reports / "bad.yaml.txt").read_text(encoding="utf-8")


class CountingExecutor(Executor):
    """A stand-in for a cluster executor: any concurrent.futures.Executor plugs in."""

    def __init__(self) -> None:
        self.inner = InlineExecutor()
        self.calls = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        self.calls += 1
        return self.inner.submit(fn, *args, **kwargs)


def test_any_executor_plugs_in_and_gives_the_same_results(batch, kb, kb_dir, mixed, tmp_path) -> None:
    executor = CountingExecutor()
    out = tmp_path / "seam"
    options = BatchOptions(out_dir=out, jobs=2, chunk_size=2)
    result = run_batch([str(mixed)], kb, str(kb_dir), options, executor=executor, echo=lambda s: None,
                       note=lambda s: None)
    assert result.exit_code == 2 and executor.calls == 5  # 10 cases in chunks of 2
    reference = tmp_path / "ref"
    batch(str(mixed), "--out", str(reference), "-j", "1")
    assert (out / "results.jsonl").read_bytes() == (reference / "results.jsonl").read_bytes()


def test_a_failing_task_becomes_error_records_not_a_crash(kb, kb_dir, tmp_path) -> None:
    class Failing(InlineExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
            future: Future = Future()
            future.set_exception(RuntimeError("node lost"))
            return future

    write(tmp_path / "in" / "a.yaml", {"answers": BROADBAND})
    out = tmp_path / "out"
    result = run_batch([str(tmp_path / "in")], kb, str(kb_dir), BatchOptions(out_dir=out), executor=Failing(),
                       echo=lambda s: None, note=lambda s: None)
    assert result.exit_code == 2
    [record] = records(out)
    assert "worker failed: RuntimeError: node lost" in record["error"]


def test_resume_after_a_killed_run_completes_without_duplicates(batch, kb, kb_dir, tmp_path) -> None:
    # Chunks of one case keep the stream of records fine-grained, so a few dozen cases are
    # enough to kill the run part-way (as 400 cases in default chunks did, five times slower).
    cases = generate(kb, tmp_path / "in", 60, seed=11)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "ppp_expert", "--kb", str(kb_dir), "batch", str(tmp_path / "in"),
               "--out", str(out), "--jobs", "2", "--chunk-size", "1"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    results = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if results.exists() and results.read_bytes().count(b"\n") >= 6:
            break
        time.sleep(0.002)
    os.killpg(process.pid, signal.SIGKILL)  # the batch and its workers, mid-run
    process.wait()
    written = results.read_bytes()
    kept = written.count(b"\n")
    assert 6 <= kept < len(cases), "the run should have been killed part-way"
    with open(results, "ab") as handle:  # a record torn by the kill, as a power cut would leave it
        handle.write(b'{"case":"gen-torn","appropriate":{"verd')
    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({kept} kept from the earlier run)" in resumed.stdout
    lines = results.read_bytes().splitlines()
    paths = [json.loads(line)["path"] for line in lines]
    assert len(paths) == len(set(paths)) == len(cases)
    assert set(paths) == {str(p) for p in cases}
    assert results.read_bytes().startswith(written)  # nothing written before was rewritten
    # A case changed since: re-evaluated, its stale record dropped, still one line per case.
    write(cases[0], {"id": "gen-00000", "answers": BROADBAND})
    # (in-process from here on: the killed run and its resumption were the real processes)
    again = batch(tmp_path / "in", "--out", out, "--resume", "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert f"({len(cases) - 1} kept from the earlier run)" in again.stdout
    fresh = tmp_path / "fresh"
    assert batch(tmp_path / "in", "--out", fresh, "--jobs", "1").exit_code == 0
    assert results.read_bytes() == (fresh / "results.jsonl").read_bytes()
    assert (out / "summary.csv").read_bytes() == (fresh / "summary.csv").read_bytes()


def test_resume_with_a_changed_knowledge_base_evaluates_again(batch, runner, kb_dir, tmp_path) -> None:
    write(tmp_path / "in" / "a.yaml", {"answers": BROADBAND})
    out = tmp_path / "out"
    assert batch(str(tmp_path / "in"), "--out", str(out), "-j", "1").exit_code == 0
    kb_copy = tmp_path / "kb"
    shutil.copytree(kb_dir, kb_copy)
    with open(kb_copy / "settings.yaml", "a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    result = runner.invoke(main, ["--kb", str(kb_copy), "batch", str(tmp_path / "in"), "--out", str(out), "--resume",
                                  "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "changed since" in result.stderr and "kept from the earlier run" not in result.stdout
    assert len(records(out)) == 1


def test_plain_progress_lines_when_not_a_terminal() -> None:
    import io

    from ppp_expert.batch.progress_bar import Progress

    stream = io.StringIO()
    progress = Progress(stream=stream, interval=0.0)
    progress.start(4)
    progress.advance(2)
    progress.close()
    assert stream.getvalue().startswith("batch: 2/4 cases (50%), ")
    assert "cases/s" in stream.getvalue() and "ETA" in stream.getvalue()


def test_a_dead_worker_pool_is_replaced_and_its_chunks_retried_once(kb, kb_dir, tmp_path, monkeypatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from ppp_expert.batch import runner

    class Broken(InlineExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
            future: Future = Future()
            future.set_exception(BrokenProcessPool("a worker was killed"))
            return future

    pools = iter([Broken(), InlineExecutor()])
    monkeypatch.setattr(runner, "default_executor", lambda jobs, config: next(pools))
    for i in range(3):
        write(tmp_path / "in" / f"c{i}.yaml", {"answers": BROADBAND})
    out = tmp_path / "out"
    result = run_batch([str(tmp_path / "in")], kb, str(kb_dir), BatchOptions(out_dir=out, jobs=2, chunk_size=1),
                       echo=lambda s: None, note=lambda s: None)
    assert result.exit_code == 0
    assert [r["path"][-7:] for r in records(out)] == ["c0.yaml", "c1.yaml", "c2.yaml"]
    assert all("recommendation" in r for r in records(out))


def test_resume_re_evaluates_a_damaged_record_whose_end_is_intact(batch, tmp_path) -> None:
    # scan() indexes records by their tail only; a record damaged before its tail (bad bytes,
    # cut JSON, another shape) crashed --resume with a UnicodeDecodeError traceback.
    for i, answers in enumerate((BROADBAND, COMMODITY, {"urgency": "high"}, {"need_type": "evolving"})):
        write(tmp_path / "in" / f"c{i}.yaml", {"answers": answers})
    out = tmp_path / "out"
    assert batch(tmp_path / "in", "--out", out, "-j", "1").exit_code == 0
    fresh = (out / "results.jsonl").read_bytes()
    lines = fresh.split(b"\n")
    tail = lambda line: line[line.rfind(b',"path":'):]  # noqa: E731
    lines[0] = lines[0][:40] + b"\xff\xfe" + lines[0][40:]
    lines[1] = b"[1, 2" + tail(lines[1])
    lines[2] = b'{"case": "c2"' + tail(lines[2])
    (out / "results.jsonl").write_bytes(b"\n".join(lines))
    result = batch(tmp_path / "in", "--out", out, "-j", "1", "--resume", "--check")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "4 cases: 4 evaluated, 0 failed (1 kept from the earlier run)" in result.stdout
    assert (out / "results.jsonl").read_bytes() == fresh


def test_an_unwritable_report_fails_its_case_only_not_its_chunk(batch, tmp_path) -> None:
    for name in ("a", "b", "c"):
        write(tmp_path / "in" / f"{name}.yaml", {"title": f"[/x] case {name}", "answers": BROADBAND})
    out = tmp_path / "out"
    reports = out / "reports" / Path(*(tmp_path / "in").parts[1:])
    (reports / "b.yaml.txt").mkdir(parents=True)  # a folder where b's report should go
    result = batch(tmp_path / "in", "--out", out, "-j", "1", "--reports")
    assert result.exit_code == 2
    by_name = {Path(r["path"]).name: r for r in records(out)}
    assert "error" not in by_name["a.yaml"] and "error" not in by_name["c.yaml"]
    assert "cannot write the report" in by_name["b.yaml"]["error"]
    assert "[/x] case a" in (reports / "a.yaml.txt").read_text(encoding="utf-8")  # a title, not markup
    assert not list(reports.glob("*.tmp"))


def test_summary_never_prints_control_characters_from_file_names(tmp_path: Path, runner) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\x1b]0;pwned\x07.yaml").write_text("answers: [\n", encoding="utf-8")
    result = runner.invoke(main, ["batch", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1"])
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "evil\\x1b]0;pwned\\x07.yaml: malformed YAML" in result.output


def test_the_model_by_verdict_table_keeps_its_columns_aligned_for_every_outcome(batch, kb, tmp_path) -> None:
    """insufficient_information is wider than the other outcome names; its column widens with it."""
    folder = tmp_path / "in"
    write(folder / "full.yaml", {"answers": BROADBAND})
    write(folder / "commodity.yaml", {"answers": COMMODITY})
    write(folder / "thin.yaml", {"answers": {"need_type": "defined_service"}})
    result = batch(str(folder), "--out", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index("Recommended model by verdict (cases):") + 1
    table = lines[start:lines.index("", start)][:-1]  # the header and every row, not the close calls
    assert "insufficient_information" in table[0]
    assert len({len(line) for line in table}) == 1, table
