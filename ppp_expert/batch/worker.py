"""What runs in a worker: evaluate a chunk of case paths, return compact results.

Everything here is picklable and keyed by the knowledge-base *path*: a worker (a local
process, or a remote one behind another Executor) loads and compiles the knowledge base once,
on its first task or in ``init_worker``, and reuses it for every case after that.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ppp_expert.batch.check import Outcome, compare
from ppp_expert.errors import PPPExpertError, shown_name

REPORT_WIDTH = 100


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs besides the paths: small and picklable."""

    kb_path: Optional[str]
    check: bool = False
    reports_dir: Optional[str] = None
    #: The caller's working folder: relative case paths are read from there (a worker of a
    #: cluster runs elsewhere), while records keep each path as it was found.
    base_dir: Optional[str] = None
    reports_format: str = "text"  # text (the evaluate --full text), md or html (decision memos)


class CaseResult(NamedTuple):
    """One case's result. ``line`` is None when the case was skipped by ``--resume``."""

    path: str
    line: Optional[str]
    outcome: Optional[Outcome]
    diff: Optional[list[str]] = None
    expected: Optional[dict[str, Any]] = None  # only for skipped cases under --check
    hash: Optional[str] = None


_engines: dict[Optional[str], tuple[Any, Any]] = {}
#: One case at a time per process: a worker of a cluster may run tasks in several threads, and
#: a compiled engine is reset and run per case (CPU-bound Python gains nothing from threads).
_engine_lock = threading.Lock()


def prime(kb_path: Optional[str], kb: Any) -> None:
    """Reuse a knowledge base the calling process has already loaded (in-process runs)."""
    from ppp_expert.api import reasoner_for

    _engines[kb_path] = (kb, reasoner_for(kb))


#: How many times this process compiled a knowledge base (each worker should do it once).
compiled = 0


def _engine(kb_path: Optional[str]) -> tuple[Any, Any]:
    global compiled
    if kb_path not in _engines:
        compiled += 1
        from ppp_expert.api import default_kb, reasoner_for
        from ppp_expert.kb.loader import load_kb

        kb = default_kb() if kb_path is None else load_kb(kb_path)
        _engines[kb_path] = (kb, reasoner_for(kb))
    return _engines[kb_path]


def init_worker(config: WorkerConfig) -> None:
    """Process-pool initializer: compile the knowledge base once; leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _engine(config.kb_path)
    # The worker process is ours and the compiled engine lives as long as it does: keep those
    # objects out of every later garbage collection (a fifth of the time per case otherwise).
    gc.freeze()


def evaluate_chunk(config: WorkerConfig, tasks: list[tuple[str, Optional[str]]]) -> list[CaseResult]:
    """Evaluate ``(path, hash already in results.jsonl or None)`` pairs, in order."""
    with _engine_lock:
        return [evaluate_path(config, path, known) for path, known in tasks]


def finish_record(body: str, path: str, digest: Optional[str]) -> str:
    """A results.jsonl line: ``body`` (a JSON object's text) ending with ``path``, ``hash``, ``sum``."""
    from ppp_expert.batch.resume import seal

    extra = {"path": path} if digest is None else {"path": path, "hash": digest}
    try:
        text = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
        text.encode("utf-8")
    except UnicodeEncodeError:  # an undecodable file name: \udcff escapes keep the JSON valid UTF-8
        text = json.dumps(extra, separators=(",", ":"))
    return seal(body[:-1] + "," + text[1:-1])


def evaluate_path(config: WorkerConfig, path: str, known_hash: Optional[str] = None) -> CaseResult:
    """Evaluate one case file; any failure becomes an error record, never an exception."""
    try:
        return _evaluate_path(config, path, known_hash)
    except Exception as exc:  # noqa: BLE001 - one case's failure must never take its chunk's neighbours along
        return _failed(path, f"{shown_name(path)}: internal error: {type(exc).__name__}: {exc}", None, None)


def _evaluate_path(config: WorkerConfig, path: str, known_hash: Optional[str]) -> CaseResult:
    from ppp_expert.cases.case import case_from_bytes
    from ppp_expert.errors import CaseError
    from ppp_expert.yaml_io import read_bytes

    kb, reasoner = _engine(config.kb_path)
    report = ((config.reports_dir, report_path(config.reports_dir, path, config.reports_format))
              if config.reports_dir else None)
    source = Path(config.base_dir, path) if config.base_dir else Path(path)
    try:  # read once, bounded: the same bytes are hashed and parsed
        raw = read_bytes(source, CaseError)
    except CaseError as exc:  # named by the path as found, wherever the worker runs
        return _failed(path, CaseError(exc.detail, path=path, field=exc.field).one_line(), None, report)
    digest: Optional[str] = hashlib.sha256(raw).hexdigest()
    if known_hash is not None and digest == known_hash and (report is None or os.path.exists(report[1])):
        expected = None
        if config.check:
            try:
                case = case_from_bytes(raw, Path(path), kb)
                expected = case.expected.to_dict() if case.expected else None
            except PPPExpertError:
                pass
        return CaseResult(path, None, None, expected=expected, hash=digest)
    try:
        from ppp_expert.advice.assemble import build_advice

        case = case_from_bytes(raw, Path(path), kb)
        advice = build_advice(kb, case.id, reasoner.run(case.answers))
    except PPPExpertError as exc:
        return _failed(path, str(exc), digest, report)
    except Exception as exc:  # noqa: BLE001 - an engine bug on one case must not stop the batch
        return _failed(path, f"{shown_name(path)}: internal error: {type(exc).__name__}: {exc}", digest, report)
    outcome = Outcome.from_advice(advice)
    diff = None
    if config.check:
        diff = compare(case.expected.to_dict() if case.expected else None, outcome)
    if report:
        try:  # one unwritable report fails this case only, not the other cases of its chunk
            if config.reports_format == "text":
                _write_report(report, lambda console: _print_report(console, advice, kb, case.title or case.id))
            else:
                _write_report(report, _memo(kb, case, config.reports_format))
        except Exception as exc:  # noqa: BLE001
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            if isinstance(exc, PPPExpertError):
                reason = exc.one_line()
            return _failed(path, f"{shown_name(path)}: cannot write the report {shown_name(report[1])}: {reason}",
                           digest, None)
    line = finish_record(advice.to_json(), path, digest)
    return CaseResult(path, line, outcome, diff, hash=digest)


def failed_result(path: str, exc: BaseException) -> CaseResult:
    """The error record of a case whose task failed outside ``evaluate_path`` (a worker died)."""
    return _failed(path, f"{shown_name(path)}: worker failed: {type(exc).__name__}: {exc}", None, None)


def _failed(path: str, error: str, digest: Optional[str], report: Optional[tuple[str, str]]) -> CaseResult:
    from ppp_expert.advice.contract import ErrorResult

    case, error = shown_name(Path(path).stem), shown_name(error)
    line = finish_record(ErrorResult(case=case, error=error).to_json(), path, digest)
    if report:
        try:
            if report[1].endswith(".txt"):
                _write_report(report, lambda console: console.print(f"error: {error}", markup=False))
            else:
                _write_report(report, _error_page(error, report[1].endswith(".html")))
        except (OSError, PPPExpertError):  # the error record says what is wrong; the report is a copy of it
            pass
    return CaseResult(path, line, Outcome(case=case, error=error), hash=digest)


REPORT_SUFFIX = {"text": ".txt", "md": ".md", "html": ".html"}


def report_path(reports_dir: str, path: str, fmt: str = "text") -> str:
    """``reports/`` mirrors the input paths: ``cases/a.yaml`` -> ``reports/cases/a.yaml.txt``."""
    pure = Path(path)
    parts = ["__" if part == ".." else part for part in (pure.parts[1:] if pure.anchor else pure.parts)]
    return os.path.join(reports_dir, *parts[:-1], parts[-1] + REPORT_SUFFIX[fmt])


def _memo(kb: Any, case: Any, fmt: str) -> str:
    """A decision memo without the sensitivity sweep (it would multiply a batch's time by ~100)."""
    from ppp_expert.advice.affordability import affordability
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.render.memo import Cover, build_memo, render

    result = appraise(kb, case.id, case.answers, with_sweep=False)
    memo = build_memo(kb, case.title or case.id, case.answers, result.advice, result.trace, result.summary, None,
                      graphs=fmt == "html", cover=Cover(narrative=case.narrative),
                      afford=affordability(case.finance, case.answers))
    return render(memo, fmt)


def _error_page(error: str, html: bool) -> str:
    if html:
        from html import escape

        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Case not evaluated</title>"
                f"</head><body><h1>Case not evaluated</h1><p>{escape(error)}</p></body></html>\n")
    from ppp_expert.render.encode import md_text

    return f"# Case not evaluated\n\n{md_text(error)}\n"


def _print_report(console: Any, advice: Any, kb: Any, title: str) -> None:
    from ppp_expert.render.text import print_advice

    print_advice(advice, kb, console, title=title)


def _write_report(report: tuple[str, str], render: Any) -> None:
    """Render into a new temporary file and rename it, so a report is either whole or absent.

    Folders under reports/ are created one level at a time and refused if one is a link; the
    temporary is created with O_EXCL; the rename replaces a link at the report's name rather
    than writing through it.
    """
    from ppp_expert import files
    from ppp_expert.render.text import make_console

    root, target = Path(report[0]), Path(report[1])
    folder = files.make_subfolders(root, list(target.parent.relative_to(root).parts))
    with files.NewFile(folder / target.name) as fd:
        with os.fdopen(os.dup(fd), "w", encoding="utf-8", errors="backslashreplace") as handle:
            if isinstance(render, str):  # a memo, already rendered
                handle.write(render)
            else:
                render(make_console(file=handle, width=REPORT_WIDTH))
