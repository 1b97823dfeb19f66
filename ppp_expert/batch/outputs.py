"""The files a batch writes (results.jsonl, summary.csv) and the terminal summary."""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path
from typing import IO, Any, Optional

from ppp_expert import files
from ppp_expert.batch.check import Outcome
from ppp_expert.batch.discover import Discovery
from ppp_expert.errors import printable
from ppp_expert.kb.conclusions import OUTCOMES
from ppp_expert.render.encode import csv_cell

SUMMARY_COLUMNS = ("case", "path", "verdict", "model", "score", "close_call", "top_red_flags",
                   "red_flag_count", "check", "error")
TOP_FLAGS_PER_CASE = 3
LIST_LIMIT = 25  # failed cases / mismatches / skipped inputs named in the terminal summary


class ResultsFile:
    """Append-only JSON Lines: one ``os.write`` per record, so a kill never loses a written line.

    A fresh file is created under a new temporary name (``O_EXCL``) and renamed into place at
    once, so a link planted as ``results.jsonl`` is replaced, never written through; an earlier
    file (``--resume``) is opened without following links.
    """

    def __init__(self, path: Path, fresh: bool) -> None:
        self.path = path
        if fresh:
            self.fd = files.fresh_file(path)
        else:
            self.fd = files.open_no_follow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self.size = os.fstat(self.fd).st_size

    def append(self, line: str) -> tuple[int, int]:
        """Write one record; return its (offset, length) in the file."""
        data = (line + "\n").encode("utf-8")
        offset, view = self.size, memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        self.size += len(data)
        return offset, len(data)

    def close(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)


neutral_cell = csv_cell  # the CSV encoder (render.encode): a spreadsheet shows text, never a formula


class SummaryCsv:
    """summary.csv, one row per case in results order, flushed as it goes (never through a link)."""

    def __init__(self, path: Path) -> None:
        self.handle: IO[str] = os.fdopen(files.fresh_file(path), "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(SUMMARY_COLUMNS)

    def write(self, path: str, outcome: Outcome, check: str) -> None:
        score = "" if outcome.score is None else f"{outcome.score:.3f}"
        flags = ";".join(flag_id for flag_id, _ in outcome.red_flags[:TOP_FLAGS_PER_CASE])
        text = neutral_cell
        self.writer.writerow((text(outcome.case), text(path), text(outcome.verdict), text(outcome.model), score,
                              "" if outcome.error else str(outcome.close_call).lower(), text(flags),
                              "" if outcome.error else len(outcome.red_flags), check, text(outcome.error)))
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


class Tally:
    """Counts for the terminal summary; bounded memory whatever the number of cases."""

    def __init__(self) -> None:
        self.total = self.evaluated = self.resumed = self.checked = self.unchecked = 0
        self.by_model: Counter[tuple[str, str]] = Counter()
        self.flags: Counter[str] = Counter()
        self.flag_titles: dict[str, str] = {}
        self.close_calls = 0
        self.failed: list[tuple[str, str]] = []
        self.failed_count = 0
        self.mismatched: list[tuple[str, list[str]]] = []
        self.mismatch_count = 0
        self.mismatch_fields: Counter[str] = Counter()

    def add(self, path: str, outcome: Outcome, resumed: bool, diff: Optional[list[str]], checking: bool) -> str:
        """Count one case; return its check status for summary.csv."""
        self.total += 1
        self.resumed += resumed
        if outcome.error:
            self.failed_count += 1
            if len(self.failed) < LIST_LIMIT:
                self.failed.append((path, outcome.error))
            return ""
        self.evaluated += 1
        self.by_model[(outcome.model, outcome.verdict)] += 1
        self.close_calls += outcome.close_call
        for flag_id, title in outcome.red_flags:
            self.flags[flag_id] += 1
            self.flag_titles.setdefault(flag_id, title)
        if not checking:
            return ""
        if diff is None:
            self.unchecked += 1
            return "no expected"
        self.checked += 1
        if not diff:
            return "match"
        self.mismatch_count += 1
        fields = [line[2:].split(":", 1)[0] for line in diff if line.startswith("- ")]
        self.mismatch_fields.update(fields)
        if len(self.mismatched) < LIST_LIMIT:
            self.mismatched.append((path, fields))
        return "mismatch"


def _more(shown: int, total: int, where: str) -> list[str]:
    return [f"  ... and {total - shown} more (see {where})"] if total > shown else []


def render_summary(tally: Tally, discovery: Discovery, kb: Any, checking: bool, out_dir: Path,
                   top_flags: int = 8) -> str:
    """The terminal summary: verdicts x models, frequent red flags, failures, check results."""
    lines = [f"{tally.total} case{'s' if tally.total != 1 else ''}: {tally.evaluated} evaluated, "
             f"{tally.failed_count} failed"
             + (f" ({tally.resumed} kept from the earlier run)" if tally.resumed else "")]
    if tally.evaluated:
        verdicts = [v for v in OUTCOMES if any(k[1] == v for k in tally.by_model)]
        models = [m for m in kb.models if any(k[0] == m for k in tally.by_model)]
        models += sorted({m for m, _ in tally.by_model} - set(models))
        width = max(len("Model"), *(len(m) for m in models))
        column = {v: max(12, len(v)) for v in verdicts}  # insufficient_information is wider than 12
        head = "  ".join(f"{v:>{column[v]}}" for v in verdicts)
        lines += ["", "Recommended model by verdict (cases):", f"  {'model':<{width}}  {head}  {'total':>6}"]
        for model in models:
            cells = "  ".join(f"{tally.by_model[(model, v)]:>{column[v]}}" for v in verdicts)
            lines.append(f"  {model:<{width}}  {cells}  {sum(tally.by_model[(model, v)] for v in verdicts):>6}")
        per_verdict = Counter({v: 0 for v in verdicts})
        for (_, verdict), count in tally.by_model.items():
            per_verdict[verdict] += count
        totals = "  ".join(f"{per_verdict[v]:>{column[v]}}" for v in verdicts)
        lines.append(f"  {'all':<{width}}  {totals}  {tally.evaluated:>6}")
        lines.append(f"  close calls (top two models near): {tally.close_calls}")
    if tally.flags:
        lines += ["", "Most frequent red flags (cases):"]
        for flag_id, count in sorted(tally.flags.items(), key=lambda kv: (-kv[1], kv[0]))[:top_flags]:
            lines.append(f"  {count:>6}  {tally.flag_titles[flag_id]} [{flag_id}]")
    if tally.failed_count:
        lines += ["", f"Failed cases ({tally.failed_count}):"]
        lines += [f"  {error}" if error.startswith((path, printable(path))) else f"  {path}: {error}"
                  for path, error in tally.failed]
        lines += _more(len(tally.failed), tally.failed_count, "summary.csv")
    if discovery.problems:
        lines += ["", f"Inputs that named no case file ({len(discovery.problems)}):"]
        lines += [f"  {arg}: {reason}" for arg, reason in discovery.problems[:LIST_LIMIT]]
        lines += _more(min(LIST_LIMIT, len(discovery.problems)), len(discovery.problems), "the arguments")
    if discovery.skipped:
        lines += ["", f"Skipped ({len(discovery.skipped)}):"]
        lines += [f"  {path}: {reason}" for path, reason in discovery.skipped[:LIST_LIMIT]]
        lines += _more(min(LIST_LIMIT, len(discovery.skipped)), len(discovery.skipped), "the input folders")
    if checking:
        lines += ["", f"Check: {tally.checked} case{'s' if tally.checked != 1 else ''} with expected outcomes, "
                      f"{tally.checked - tally.mismatch_count} match, {tally.mismatch_count} mismatch"
                      + (f"; {tally.unchecked} without an expected block" if tally.unchecked else "")]
        if tally.mismatch_fields:
            common = sorted(tally.mismatch_fields.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append("  fields that differ (cases): " + ", ".join(f"{name} {n}" for name, n in common[:top_flags]))
        lines += [f"  {path}: {', '.join(fields)}" for path, fields in tally.mismatched]
        lines += _more(len(tally.mismatched), tally.mismatch_count, "summary.csv")
    lines += ["", f"Written: {out_dir / 'results.jsonl'}, {out_dir / 'summary.csv'}"]
    # File names and error texts come from the file system and the files: never let a control
    # character in them reach the terminal raw.
    return "\n".join(printable(line) for line in lines)
