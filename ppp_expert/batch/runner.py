"""Run a batch: stream chunks of paths through any ``concurrent.futures.Executor``, write in order.

Memory stays flat: at most ``window`` chunks are submitted and not yet written, results go to
disk as soon as every earlier path has been written (a reorder buffer keeps the output in path
order whatever the scheduling), and only counters are kept for the summary.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Optional, Sequence

from .check import Outcome, compare, format_diff
from .discover import Discovery, discover
from .outputs import ResultsFile, SummaryCsv, Tally, render_summary
from .progress import Progress
from .resume import Entry, compact, kb_fingerprint, read_manifest, read_record, scan, write_manifest
from .worker import CaseResult, WorkerConfig, evaluate_chunk, init_worker, prime

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
Task = tuple[str, Optional[str]]


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (``--jobs 1``; also handy in tests)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future


@dataclass
class BatchOptions:
    out_dir: Path
    jobs: int = 1
    check: bool = False
    resume: bool = False
    reports: bool = False
    chunk_size: Optional[int] = None  # default: small enough to balance, big enough to amortise IPC


@dataclass
class BatchResult:
    discovery: Discovery
    tally: Tally
    exit_code: int
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)


def default_executor(jobs: int, config: WorkerConfig) -> Executor:
    """A process pool whose workers compile the knowledge base once, in their initializer."""
    if jobs <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=init_worker, initargs=(config,))


def _chunks(tasks: Sequence[Task], size: int) -> Iterator[list[Task]]:
    for start in range(0, len(tasks), size):
        yield list(tasks[start:start + size])


class _Writer:
    """Consumes results in path order: results.jsonl, summary.csv, tally, diffs, progress."""

    def __init__(self, out_dir: Path, fresh: bool, index: dict[str, Entry], check: bool,
                 progress: Progress, echo: Callable[[str], None]) -> None:
        self.results_path = out_dir / "results.jsonl"
        self.results = ResultsFile(self.results_path, fresh=fresh)
        self.reader: Optional[IO[bytes]] = None if fresh else open(self.results_path, "rb")
        self.csv = SummaryCsv(out_dir / "summary.csv")
        self.index, self.check, self.progress, self.echo = index, check, progress, echo
        self.tally = Tally()
        self.entries: list[Entry] = []

    def write(self, result: CaseResult) -> None:
        if result.line is None:  # kept from the earlier run (--resume)
            entry = self.index[result.path]
            assert self.reader is not None
            self.reader.seek(entry.offset)
            outcome = Outcome.from_json(json.loads(self.reader.read(entry.length)))
            diff = compare(result.expected, outcome) if self.check else None
        else:
            offset, length = self.results.append(result.line)
            entry = Entry(offset, length, result.hash)
            outcome, diff = result.outcome, result.diff
        assert outcome is not None
        self.entries.append(entry)
        status = self.tally.add(result.path, outcome, result.line is None, diff, self.check)
        self.csv.write(result.path, outcome, status)
        if diff:
            self.echo(format_diff(result.path, outcome.case, diff))
        self.progress.advance()

    def close(self) -> None:
        self.results.close()
        self.csv.close()
        if self.reader is not None:
            self.reader.close()


def _failed_chunk(chunk: list[Task], exc: BaseException) -> list[CaseResult]:
    """Every case of a chunk whose worker failed becomes an error record naming the failure."""
    from .worker import record_tail

    results = []
    for path, _ in chunk:
        error = f"{path}: worker failed: {type(exc).__name__}: {exc}"
        case = Path(path).stem
        line = json.dumps({"case": case, "error": error}, ensure_ascii=False, separators=(",", ":"))[:-1]
        results.append(CaseResult(path, line + "," + record_tail(path, None), Outcome(case=case, error=error)))
    return results


def run_batch(paths: Sequence[str], kb: Any, kb_path: Optional[str], options: BatchOptions, *,
              executor: Optional[Executor] = None, echo: Callable[[str], None] = print,
              progress: Optional[Progress] = None, note: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
              ) -> BatchResult:
    """Evaluate every case ``paths`` names; write outputs to ``options.out_dir``; never raise for one case.

    ``executor``: any ``concurrent.futures.Executor`` (e.g. a Dask client's ``get_executor()``);
    it is used as is and not shut down. Default: a process pool of ``options.jobs`` workers.
    """
    discovery = discover(paths)
    out_dir = options.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = kb_fingerprint(Path(kb.path))
    index: dict[str, Entry] = {}
    fresh = True
    results_path = out_dir / "results.jsonl"
    if options.resume and results_path.exists():
        if read_manifest(out_dir).get("kb") == fingerprint:
            index, fresh = scan(results_path), False
        else:
            note(f"batch: the knowledge base or program changed since {results_path} was written; "
                 "evaluating every case again")
    write_manifest(out_dir, {"kb": fingerprint, "kb_path": str(kb.path), "results": "results.jsonl"})

    config = WorkerConfig(kb_path=kb_path, check=options.check,
                          reports_dir=str(out_dir / "reports") if options.reports else None)
    tasks: list[Task] = [(p, index[p].hash if p in index else None) for p in discovery.cases]
    jobs = max(1, options.jobs)
    size = options.chunk_size or max(1, min(16, len(tasks) // (jobs * 8)))
    chunks = list(_chunks(tasks, size))
    jobs = min(jobs, max(1, len(chunks)))
    own = executor is None
    if own and jobs <= 1:
        prime(kb_path, kb)  # reuse the knowledge base this process already compiled
    pool = executor if executor is not None else default_executor(jobs, config)
    progress = progress or Progress()
    writer = _Writer(out_dir, fresh, index, options.check, progress, echo)
    interrupted = False
    notes: list[str] = []
    window = max(2, 4 * jobs)
    pending: dict[Future, tuple[int, Executor]] = {}
    ready: dict[int, list[CaseResult]] = {}
    retried: set[int] = set()
    submitted = emitted = 0

    def submit(number: int) -> None:
        pending[pool.submit(evaluate_chunk, config, chunks[number])] = (number, pool)

    started = time.monotonic()
    try:
        note(f"batch: {len(tasks):,} case file{'s' if len(tasks) != 1 else ''}, {jobs} job{'s' if jobs != 1 else ''}, "
             f"output in {out_dir}" + (f" ({len(index):,} results already there)" if index else ""))
        while emitted < len(chunks):
            while submitted < len(chunks) and submitted - emitted < window:
                submit(submitted)
                submitted += 1
                if submitted == 1:
                    progress.start(len(tasks))  # after the first submit: pool processes forked, no threads yet
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                number, source = pending.pop(future)
                try:
                    ready[number] = future.result()
                except BrokenProcessPool as exc:
                    if own and number not in retried:
                        # A worker died (killed, out of memory): every chunk in flight fails with
                        # it. Start one new pool and retry each of those chunks once.
                        retried.add(number)
                        if source is pool:
                            pool.shutdown(wait=False, cancel_futures=True)
                            pool = default_executor(jobs, config)
                        submit(number)
                    else:
                        ready[number] = _failed_chunk(chunks[number], exc)
                except Exception as exc:  # noqa: BLE001 - a failed task is an error record, not a crash
                    ready[number] = _failed_chunk(chunks[number], exc)
            while emitted in ready:
                for result in ready.pop(emitted):
                    writer.write(result)
                emitted += 1
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
        writer.close()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    if interrupted:
        notes.append(f"interrupted: {writer.tally.total:,} of {len(tasks):,} cases written to {results_path}; "
                     "run the same command with --resume to finish")
        return BatchResult(discovery, writer.tally, EXIT_INTERRUPTED, True, notes)
    elapsed = time.monotonic() - started
    notes.append(f"batch: {writer.tally.total:,} cases in {elapsed:.1f} s "
                 f"({writer.tally.total / max(elapsed, 1e-9):,.1f} cases/s)")
    if not fresh and compact(results_path, writer.entries):
        notes.append(f"{results_path} rewritten in path order without outdated records")
    tally = writer.tally
    code = EXIT_OK
    if tally.mismatch_count:
        code = EXIT_MISMATCH
    if tally.failed_count or discovery.problems or not tasks:
        code = EXIT_BAD_INPUT
    return BatchResult(discovery, tally, code, False, notes)


__all__ = ["BatchOptions", "BatchResult", "InlineExecutor", "default_executor", "run_batch", "render_summary"]
