"""`ppp-expert batch` on a real Dask cluster: a LocalCluster of two worker processes on 127.0.0.1.

The output must be byte-identical to a local run (ordered, sealed records), resumable, and
survive a worker killed with SIGKILL in the middle of a run. The cluster allows no retries of
its own (``allowed-failures: 0``), so a task on the killed worker fails with ``KilledWorker``
and it is the batch runner that submits it again.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppp_expert.api import default_kb
from ppp_expert.batch.runner import BatchOptions, run_batch
from ppp_expert.cases.generate import random_answers
from ppp_expert.cli import main

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def cluster() -> Any:
    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.worker.daemon": False}):
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                         dashboard_address=None, silence_logs=50)
        client = distributed.Client(local, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
            local.close()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """240 generated cases and two broken ones."""
    folder = tmp_path_factory.mktemp("portfolio")
    kb, rng = default_kb(), random.Random(12)
    for i in range(240):
        data = {"id": f"gen-{i:04d}", "answers": random_answers(kb, rng, unknown_rate=0.2)}
        (folder / f"gen-{i:04d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (folder / "gen-0100x.yaml").write_text("answers: [\n", encoding="utf-8")
    (folder / "gen-0200x.json").write_text('{"id": "\\ud800"}', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_run(portfolio: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("local") / "out"
    result = CliRunner().invoke(main, ["batch", str(portfolio), "--out", str(out), "--jobs", "1", "--chunk-size", "4"])
    assert result.exit_code == 2, result.output  # the two broken cases
    return {name: (out / name).read_bytes() for name in ("results.jsonl", "summary.csv")}


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("results.jsonl", "summary.csv")}


def test_batch_with_scheduler_is_byte_identical_to_a_local_run(runner, cluster, portfolio, local_run, tmp_path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(portfolio), "--out", str(out), "--scheduler",
                                  cluster.scheduler.address, "--chunk-size", "4"])
    assert result.exit_code == 2, result.output
    assert f"on Dask at {cluster.scheduler.address}" in result.stderr
    assert "242 cases: 240 evaluated, 2 failed" in result.stdout
    assert outputs(out) == local_run


def test_each_worker_compiles_the_knowledge_base_once(runner, cluster, portfolio, tmp_path) -> None:
    for n in range(2):  # two batches on the same cluster: still one compilation per worker process
        result = runner.invoke(main, ["batch", str(portfolio), "--out", str(tmp_path / f"out{n}"), "--scheduler",
                                      cluster.scheduler.address])
        assert result.exit_code == 2, result.output
    counts = cluster.run(lambda: __import__("ppp_expert.batch.worker", fromlist=["compiled"]).compiled)
    assert len(counts) == 2 and set(counts.values()) == {1}, counts


def test_resume_on_the_cluster_after_a_torn_results_file(runner, cluster, portfolio, local_run, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    data = local_run["results.jsonl"]
    cut = data.index(b"\n", len(data) // 2) + 40  # half the records, then a torn line
    (out / "results.jsonl").write_bytes(data[:cut])
    first = runner.invoke(main, ["batch", str(portfolio), "--out", str(out), "--jobs", "1"])  # writes batch.json
    assert first.exit_code == 2
    (out / "results.jsonl").write_bytes(data[:cut])
    result = runner.invoke(main, ["batch", str(portfolio), "--out", str(out), "--scheduler",
                                  cluster.scheduler.address, "--resume"])
    assert result.exit_code == 2, result.output
    assert "kept from the earlier run" in result.stdout
    assert outputs(out) == local_run


def test_a_worker_killed_mid_run_still_gives_byte_identical_results(cluster, portfolio, local_run, tmp_path) -> None:
    from ppp_expert.batch.cluster import DaskExecutor

    pids = cluster.run(os.getpid)
    out = tmp_path / "out"
    results = out / "results.jsonl"
    killed: dict[str, Any] = {}

    def kill_one_worker_mid_run() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if results.exists() and results.stat().st_size > 0:
                killed["lines_then"] = results.read_bytes().count(b"\n")
                address, pid = sorted(pids.items())[0]
                os.kill(pid, signal.SIGKILL)
                killed["pid"] = pid
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_one_worker_mid_run)
    killer.start()
    options = BatchOptions(out_dir=out, jobs=2, chunk_size=2)
    result = run_batch([str(portfolio)], default_kb(), None, options, executor=DaskExecutor(cluster),
                       echo=lambda s: None, note=lambda s: None)
    killer.join()
    assert killed.get("pid") and killed["lines_then"] < 242, killed  # it died while the batch ran
    assert result.exit_code == 2 and result.tally.total == 242
    assert any("ran again after a worker was lost" in note for note in result.notes), result.notes
    assert outputs(out) == local_run
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted it
    assert killed["pid"] not in cluster.run(os.getpid).values()


def test_an_unreachable_scheduler_is_a_one_line_error(runner, portfolio, tmp_path) -> None:
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = runner.invoke(main, ["batch", str(portfolio), "--out", str(tmp_path / "out"), "--scheduler",
                                      "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], lines
