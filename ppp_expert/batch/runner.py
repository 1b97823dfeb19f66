"""Run a batch: stream chunks of paths through any ``concurrent.futures.Executor``, write in order.

Memory stays flat: at most ``window`` chunks are submitted and not yet written, results go to
disk as soon as every earlier path has been written (a reorder buffer keeps the output in path
order whatever the scheduling), and only counters are kept for the summary.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Mapping, Optional, Sequence

from ppp_expert import files
from ppp_expert.batch.check import Outcome, compare, format_diff
from ppp_expert.batch.discover import Discovery, discover
from ppp_expert.batch.outputs import ResultsFile, SummaryCsv, Tally, render_summary
from ppp_expert.batch.progress_bar import Progress
from ppp_expert.batch.resume import Entry, compact, read_manifest, results_fingerprint, scan, write_manifest
from ppp_expert.batch.worker import (
    CaseResult,
    WorkerConfig,
    evaluate_chunk,
    evaluate_path,
    failed_result,
    init_worker,
    prime,
)
from ppp_expert.errors import ExitCode

MAX_CHUNK = 16
LOCK_NAME = ".lock"  # hidden: a later `batch .` never reads it as input
OUTPUT_NAMES = ("results.jsonl", "summary.csv", "batch.json", "reports")  # links here are refused
Task = tuple[str, Optional[str]]


class WorkerLost(BrokenExecutor):
    """A task's worker died (a cluster executor raises this); the executor itself still works,
    so the task is submitted once more, and its cases become error records only if that fails."""


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (``--jobs 1``; also handy in tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future


def default_executor(jobs: int, config: WorkerConfig) -> Executor:
    """A process pool whose workers compile the knowledge base once, in their initializer."""
    if jobs <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=init_worker, initargs=(config,))


@dataclass
class BatchOptions:
    out_dir: Path
    jobs: int = 1
    check: bool = False
    resume: bool = False
    reports: Optional[str] = None  # None, "text", "md" or "html"
    chunk_size: Optional[int] = None  # default: small enough to balance, big enough to amortise IPC


@dataclass
class BatchResult:
    discovery: Discovery
    tally: Tally
    exit_code: int
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)


class OrderedStream:
    """Results for ``paths``, in order, evaluated in chunks of ``size`` through an executor.

    At most ``window`` chunks are submitted and not yet consumed; a reorder buffer holds the
    ones that finish early.

    ``known`` maps a path to the hash of its record already in results.jsonl (``--resume``).
    Chunks are built when submitted and dropped when consumed, so memory does not grow with
    the number of cases.

    With the default process pool, a dead worker (killed, out of memory) breaks every chunk in
    flight: one new pool is started and each of those chunks is retried once. A cluster
    executor reports a lost worker as ``WorkerLost``: the chunk is submitted once more to the
    same executor. Any other failed task (or a second loss) turns its cases into error records.
    """

    def __init__(self, paths: Sequence[str], known: Mapping[str, Optional[str]], size: int, config: WorkerConfig,
                 jobs: int, executor: Optional[Executor] = None) -> None:
        self.paths, self.known, self.size, self.config, self.jobs = paths, known, size, config, jobs
        self.count = (len(paths) + size - 1) // size
        self.chunks: dict[int, list[Task]] = {}  # in flight
        self.own = executor is None
        self.pool = executor if executor is not None else default_executor(jobs, config)
        self.window = max(2, 4 * jobs)
        self.pending: dict[Future, tuple[int, Executor]] = {}
        self.retried: set[int] = set()

    def _submit(self, number: int) -> None:
        if number not in self.chunks:
            start = number * self.size
            self.chunks[number] = [(p, self.known.get(p)) for p in self.paths[start:start + self.size]]
        self.pending[self.pool.submit(evaluate_chunk, self.config, self.chunks[number])] = (number, self.pool)

    def _collect(self, future: Future, ready: dict[int, list[CaseResult]]) -> None:
        number, source = self.pending.pop(future)
        try:
            ready[number] = future.result()
            del self.chunks[number]
        except WorkerLost as exc:
            if number in self.retried:
                ready[number] = [failed_result(path, exc) for path, _ in self.chunks.pop(number)]
                return
            self.retried.add(number)
            self._submit(number)
        except BrokenProcessPool as exc:
            if not self.own or number in self.retried:
                ready[number] = [failed_result(path, exc) for path, _ in self.chunks.pop(number)]
                return
            self.retried.add(number)
            if source is self.pool:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = default_executor(self.jobs, self.config)
            self._submit(number)
        except Exception as exc:  # noqa: BLE001 - a failed task is error records, not a crash
            ready[number] = [failed_result(path, exc) for path, _ in self.chunks.pop(number)]

    def __iter__(self) -> Iterator[CaseResult]:
        ready: dict[int, list[CaseResult]] = {}
        submitted = emitted = 0
        while emitted < self.count:
            while submitted < self.count and submitted - emitted < self.window:
                self._submit(submitted)
                submitted += 1
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in done:
                self._collect(future, ready)
            while emitted in ready:
                yield from ready.pop(emitted)
                emitted += 1

    def close(self) -> None:
        if self.own:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _Writer:
    """Consumes results in path order: results.jsonl, summary.csv, tally, diffs, progress."""

    def __init__(self, out_dir: Path, fresh: bool, index: dict[str, Entry], check: bool,
                 progress: Progress, echo: Callable[[str], None], config: WorkerConfig) -> None:
        self.results_path = out_dir / "results.jsonl"
        self.results = ResultsFile(self.results_path, fresh=fresh)
        self.reader: Optional[IO[bytes]] = (
            None if fresh else os.fdopen(files.open_no_follow(self.results_path, os.O_RDONLY), "rb"))
        self.csv = SummaryCsv(out_dir / "summary.csv")
        self.index, self.check, self.progress, self.echo, self.config = index, check, progress, echo, config
        self.tally = Tally()
        self.entries: Optional[list[Entry]] = None if fresh else []  # for compaction after a resume
        # Memos get a portfolio page linking them: remember each case's outcome (small tuples).
        self.portfolio: Optional[list[tuple[str, Outcome]]] = (
            [] if config.reports_dir and config.reports_format in ("md", "html") else None)

    def write(self, result: CaseResult) -> None:
        outcome: Optional[Outcome] = None
        if result.line is None:  # kept from the earlier run (--resume): read its record back
            entry = self.index[result.path]
            outcome = self._kept(entry)
            if outcome is None:  # a damaged record with an intact end: evaluate the case again, here
                result = evaluate_path(self.config, result.path)
        if result.line is None:
            assert outcome is not None  # read back above: a fresh evaluation always has a line
            diff = compare(result.expected, outcome) if self.check else None
        else:
            offset, length = self.results.append(result.line)
            entry = Entry(offset, length, result.hash)
            outcome, diff = result.outcome, result.diff
        assert outcome is not None
        if self.entries is not None:
            self.entries.append(entry)
        status = self.tally.add(result.path, outcome, result.line is None, diff, self.check)
        if self.portfolio is not None:
            self.portfolio.append((result.path, outcome))
        self.csv.write(result.path, outcome, status)
        if diff:
            self.echo(format_diff(result.path, outcome.case, diff))
        self.progress.advance()

    def _kept(self, entry: Entry) -> Optional[Outcome]:
        """The outcome of a record already in results.jsonl; None when it is not a readable record."""
        assert self.reader is not None
        self.reader.seek(entry.offset)
        try:
            return Outcome.from_json(json.loads(self.reader.read(entry.length)))
        except (ValueError, KeyError, TypeError, AttributeError):  # bad UTF-8 or JSON, a record of another shape
            return None

    def close(self) -> None:
        self.results.close()
        self.csv.close()
        if self.portfolio is not None and self.config.reports_dir:
            from ppp_expert.batch.portfolio import write_portfolio

            write_portfolio(Path(self.config.reports_dir), self.portfolio, self.config.reports_format)
        if self.reader is not None:
            self.reader.close()


def _earlier_results(out_dir: Path, fingerprint: str, resume: bool, note: Callable[[str], None]) -> dict[str, Entry]:
    """The index of results.jsonl to resume from; empty when starting afresh."""
    results = out_dir / "results.jsonl"
    if not resume or not results.exists():
        return {}
    if read_manifest(out_dir).get("fingerprint") != fingerprint:
        note(f"batch: the knowledge base or the engine changed since {results} was written; "
             "evaluating every case again")
        return {}
    return scan(results)


def _report_format(reports: Any) -> str:
    """``--reports`` alone (True, or "text") gives text reports; "md" and "html" decision memos."""
    return reports if reports in ("md", "html") else "text"


def _chunk_size(cases: int, jobs: int) -> int:
    """About eight chunks per worker (load balance), at most MAX_CHUNK cases (smooth progress)."""
    return max(1, min(MAX_CHUNK, cases // (jobs * 8)))


def run_batch(paths: Sequence[str], kb: Any, kb_path: Optional[str], options: BatchOptions, *,
              executor: Optional[Executor] = None, echo: Callable[[str], None] = print,
              progress: Optional[Progress] = None, note: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
              ) -> BatchResult:
    """Evaluate every case ``paths`` names; write outputs to ``options.out_dir``; never raise for one case.

    ``executor``: any ``concurrent.futures.Executor`` (e.g. a Dask client's ``get_executor()``);
    it is used as is and not shut down. Default: a process pool of ``options.jobs`` workers.
    ``kb_path`` (None: the shipped knowledge base) is what workers load; ``kb`` is the same
    knowledge base, already loaded here.
    """
    out_dir = options.out_dir
    discovery = discover(paths, exclude=[out_dir])
    files.make_folder(out_dir)
    lock = files.FileLock(out_dir / LOCK_NAME, "this output folder").acquire()
    try:
        return _run_locked(discovery, kb, kb_path, options, executor, echo, progress, note)
    finally:
        lock.release()


def prepare_out_dir(out_dir: Path) -> None:
    """Refuse links at every name the batch writes; remove temporaries an interrupted run left.

    Called while holding the folder's lock, so no other batch is writing there.
    """
    for name in OUTPUT_NAMES:
        files.refuse_link(out_dir / name)
    for name in OUTPUT_NAMES[:-1]:
        files.remove_stale_temporaries(out_dir / name)


def _run_locked(discovery: Discovery, kb: Any, kb_path: Optional[str], options: BatchOptions,
                executor: Optional[Executor], echo: Callable[[str], None], progress: Optional[Progress],
                note: Callable[[str], None]) -> BatchResult:
    out_dir = options.out_dir
    prepare_out_dir(out_dir)
    fingerprint = results_fingerprint(Path(kb.path))
    index = _earlier_results(out_dir, fingerprint, options.resume, note)
    write_manifest(out_dir, {"fingerprint": fingerprint, "kb_path": str(kb.path), "results": "results.jsonl"})
    reports_dir = None
    if options.reports:
        reports_dir = str(files.make_subfolders(out_dir, ["reports"]).resolve())
    # Absolute paths for what workers open: a cluster's workers do not share our working folder.
    config = WorkerConfig(kb_path=None if kb_path is None else str(Path(kb_path).resolve()), check=options.check,
                          reports_dir=reports_dir, base_dir=os.getcwd(), reports_format=_report_format(options.reports))
    kb_path = config.kb_path
    cases = discovery.cases
    size = options.chunk_size or _chunk_size(len(cases), max(1, options.jobs))
    jobs = min(max(1, options.jobs), max(1, (len(cases) + size - 1) // size))
    if executor is None and jobs <= 1:
        prime(kb_path, kb)  # in-process: reuse the knowledge base already loaded here
    note(f"batch: {len(cases):,} case file{'s' if len(cases) != 1 else ''}, {jobs} job{'s' if jobs != 1 else ''}, "
         f"output in {out_dir}" + (f" ({len(index):,} results already there)" if index else ""))

    known = {path: entry.hash for path, entry in index.items()}
    stream = OrderedStream(cases, known, size, config, jobs, executor)
    progress = progress or Progress()
    writer = _Writer(out_dir, not index, index, options.check, progress, echo, config)
    started = time.monotonic()
    interrupted = False
    try:
        for number, result in enumerate(stream):
            if number == 0:
                progress.start(len(cases))  # pool processes are forked by now, before the bar's thread starts
            writer.write(result)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
        writer.close()
        stream.close()
    tally, results_path = writer.tally, out_dir / "results.jsonl"
    if interrupted:
        return BatchResult(discovery, tally, ExitCode.INTERRUPTED, True, [
            f"interrupted: {tally.total:,} of {len(cases):,} cases written to {results_path}; "
            "run the same command with --resume to finish"])
    elapsed = time.monotonic() - started
    notes = [f"batch: {tally.total:,} cases in {elapsed:.1f} s ({tally.total / max(elapsed, 1e-9):,.1f} cases/s)"]
    if stream.retried:
        notes.append(f"batch: {len(stream.retried)} chunk{'s' if len(stream.retried) != 1 else ''} of cases ran again "
                     "after a worker was lost")
    if writer.entries is not None and compact(results_path, writer.entries):
        notes.append(f"{results_path} rewritten in path order without outdated records")
    code = ExitCode.OK
    if tally.mismatch_count:
        code = ExitCode.FAILED
    if tally.failed_count or discovery.problems or not cases:
        code = ExitCode.BAD_INPUT
    return BatchResult(discovery, tally, code, False, notes)


__all__ = ["BatchOptions", "BatchResult", "InlineExecutor", "OrderedStream", "WorkerLost", "default_executor",
           "render_summary", "run_batch"]
