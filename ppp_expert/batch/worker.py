"""What runs in a worker: evaluate a chunk of case paths, return compact results.

Everything here is picklable and keyed by the knowledge-base *path*: a worker (a local
process, or a remote one behind another Executor) loads and compiles the knowledge base once,
on its first task or in ``init_worker``, and reuses it for every case after that.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ppp_expert.batch.check import Outcome, compare

REPORT_WIDTH = 100


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker needs besides the paths: small and picklable."""

    kb_path: Optional[str]
    check: bool = False
    reports_dir: Optional[str] = None
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


def prime(kb_path: Optional[str], kb: Any) -> None:
    """Reuse a knowledge base the calling process has already loaded (in-process runs)."""
    from ppp_expert.api import reasoner_for

    _engines[kb_path] = (kb, reasoner_for(kb))


def _engine(kb_path: Optional[str]) -> tuple[Any, Any]:
    if kb_path not in _engines:
        from ppp_expert.api import default_kb, reasoner_for
        from ppp_expert.kb.loader import load_kb

        kb = default_kb() if kb_path is None else load_kb(kb_path)
        _engines[kb_path] = (kb, reasoner_for(kb))
    return _engines[kb_path]


def init_worker(config: WorkerConfig) -> None:
    """Process-pool initializer: compile the knowledge base once; leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _engine(config.kb_path)


def evaluate_chunk(config: WorkerConfig, tasks: list[tuple[str, Optional[str]]]) -> list[CaseResult]:
    """Evaluate ``(path, hash already in results.jsonl or None)`` pairs, in order."""
    return [evaluate_path(config, path, known) for path, known in tasks]


def record_tail(path: str, digest: Optional[str]) -> str:
    """The ``"path":...,"hash":...}`` end every results.jsonl record carries."""
    extra = {"path": path} if digest is None else {"path": path, "hash": digest}
    try:
        text = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
        text.encode("utf-8")
    except UnicodeEncodeError:  # an undecodable file name: keep the JSON valid UTF-8
        text = json.dumps(extra, separators=(",", ":"))
    return text[1:]


def evaluate_path(config: WorkerConfig, path: str, known_hash: Optional[str] = None) -> CaseResult:
    """Evaluate one case file; any failure becomes an error record, never an exception."""
    from ppp_expert.cases.case import case_from_bytes
    from ppp_expert.errors import CaseError, PPPExpertError
    from ppp_expert.yaml_io import read_bytes

    kb, reasoner = _engine(config.kb_path)
    report = report_path(config.reports_dir, path, config.reports_format) if config.reports_dir else None
    try:  # read once, bounded: the same bytes are hashed and parsed
        raw = read_bytes(Path(path), CaseError)
    except CaseError as exc:
        return _failed(path, str(exc), None, report)
    digest: Optional[str] = hashlib.sha256(raw).hexdigest()
    if known_hash is not None and digest == known_hash and (report is None or os.path.exists(report)):
        expected = None
        if config.check:
            try:
                case = case_from_bytes(raw, Path(path), kb)
                expected = case.expected.model_dump(exclude_none=True) if case.expected else None
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
        return _failed(path, f"{path}: internal error: {type(exc).__name__}: {exc}", digest, report)
    outcome = Outcome.from_advice(advice)
    diff = None
    if config.check:
        diff = compare(case.expected.model_dump(exclude_none=True) if case.expected else None, outcome)
    if report:
        try:  # one unwritable report fails this case only, not the other cases of its chunk
            if config.reports_format == "text":
                _write_report(report, lambda console: _print_report(console, advice, kb, case.title or case.id))
            else:
                _write_text(report, _memo(kb, case, config.reports_format))
        except Exception as exc:  # noqa: BLE001
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else f"{type(exc).__name__}: {exc}"
            return _failed(path, f"{path}: cannot write the report {report}: {reason}", digest, None)
    line = advice.to_json()[:-1] + "," + record_tail(path, digest)
    return CaseResult(path, line, outcome, diff, hash=digest)


def failed_result(path: str, exc: BaseException) -> CaseResult:
    """The error record of a case whose task failed outside ``evaluate_path`` (a worker died)."""
    return _failed(path, f"{path}: worker failed: {type(exc).__name__}: {exc}", None, None)


def _failed(path: str, error: str, digest: Optional[str], report: Optional[str]) -> CaseResult:
    from ppp_expert.advice.contract import ErrorResult

    case = Path(path).stem
    line = ErrorResult(case=case, error=error).model_dump_json()[:-1] + "," + record_tail(path, digest)
    if report:
        try:
            if report.endswith(".txt"):
                _write_report(report, lambda console: console.print(f"error: {error}", markup=False))
            else:
                _write_text(report, _error_page(error, report.endswith(".html")))
        except OSError:  # the error record says what is wrong with the case; the report is a copy of it
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
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.render.memo import build_memo, render

    result = appraise(kb, case.id, case.answers, with_sweep=False)
    memo = build_memo(kb, case.title or case.id, case.answers, result.advice, result.trace, result.summary, None,
                      graphs=fmt == "html")
    return render(memo, fmt)


def _error_page(error: str, html: bool) -> str:
    if html:
        from html import escape

        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Case not evaluated</title>"
                f"</head><body><h1>Case not evaluated</h1><p>{escape(error)}</p></body></html>\n")
    from ppp_expert.render.memo import md_escape

    return f"# Case not evaluated\n\n{md_escape(error)}\n"


def _write_text(report: str, text: str) -> None:
    """Write a report whole or not at all (a temporary file renamed into place)."""
    os.makedirs(os.path.dirname(report), exist_ok=True)
    tmp = f"{report}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, report)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _print_report(console: Any, advice: Any, kb: Any, title: str) -> None:
    from ppp_expert.render.text import print_advice

    print_advice(advice, kb, console, title=title)


def _write_report(report: str, render: Any) -> None:
    """Render into a temporary file and rename it, so a report is either whole or absent."""
    from ppp_expert.render.text import make_console

    os.makedirs(os.path.dirname(report), exist_ok=True)
    tmp = f"{report}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            render(make_console(file=handle, width=REPORT_WIDTH))
        os.replace(tmp, report)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
