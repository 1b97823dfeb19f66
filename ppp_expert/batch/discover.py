"""Expand files, folders and glob patterns into a sorted, de-duplicated list of case paths."""

from __future__ import annotations

import glob
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

CASE_SUFFIXES = (".yaml", ".yml", ".json")
GLOB_CHARS = "*?["
#: A folder holding both is a batch's output folder: its batch.json is not a case file.
OUTPUT_MARKERS = ("batch.json", "results.jsonl")
OUTPUT_FOLDER = "a batch output folder; not read as input"


@dataclass
class Discovery:
    """What the arguments expand to.

    ``cases`` are evaluated (in this order); ``problems`` are arguments that named nothing
    readable (exit 2); ``skipped`` are reported only: non-case files found in folders and
    duplicates.
    """

    cases: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def is_case_name(name: str) -> bool:
    return name.lower().endswith(CASE_SUFFIXES)


def is_output_folder(folder: str, exclude: frozenset[str] = frozenset()) -> bool:
    """``folder`` is where a batch writes (this run's ``--out``, or any folder a batch wrote)."""
    if os.path.realpath(folder) in exclude:
        return True
    return all(os.path.isfile(os.path.join(folder, name)) for name in OUTPUT_MARKERS)


def _walk(folder: str, found: list[str], skipped: list[tuple[str, str]], exclude: frozenset[str]) -> None:
    """Case files under ``folder``, recursively; hidden entries (.git, .venv) and output folders are ignored."""
    for root, dirs, files in os.walk(folder):
        kept = []
        for d in sorted(d for d in dirs if not d.startswith(".")):
            if is_output_folder(os.path.join(root, d), exclude):
                skipped.append((os.path.join(root, d), OUTPUT_FOLDER))
            else:
                kept.append(d)
        dirs[:] = kept
        for d in dirs:
            if is_case_name(d):
                # A folder named like a case is almost certainly a mistake: make it an error
                # record (reading it fails with "is a directory"), and still look inside it.
                found.append(os.path.join(root, d))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            if is_case_name(name):
                found.append(path)
            else:
                skipped.append((path, "not a case file (expected .yaml, .yml or .json)"))


def _expand(arg: str, found: list[str], problems: list[tuple[str, str]], skipped: list[tuple[str, str]],
            exclude: frozenset[str]) -> None:
    if os.path.isdir(arg):
        if is_output_folder(arg, exclude):
            problems.append((arg, OUTPUT_FOLDER))
        else:
            _walk(arg, found, skipped, exclude)
    elif os.path.lexists(arg) or not any(c in arg for c in GLOB_CHARS):
        # A named file is evaluated whatever its suffix; a missing one becomes an error record.
        found.append(arg)
    else:
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            problems.append((arg, "no file matches this pattern"))
        for match in matches:
            if not os.path.isdir(match) and is_output_folder(os.path.dirname(match) or ".", exclude):
                skipped.append((match, f"in {OUTPUT_FOLDER}"))
                continue
            if os.path.isdir(match):
                if is_output_folder(match, exclude):
                    skipped.append((match, OUTPUT_FOLDER))
                else:
                    _walk(match, found, skipped, exclude)
            elif is_case_name(match):
                found.append(match)
            else:
                skipped.append((match, "not a case file (expected .yaml, .yml or .json)"))


def discover(args: Sequence[str] | Iterable[str], exclude: Iterable[str | os.PathLike[str]] = ()) -> Discovery:
    """Sorted case paths (by their normalised text) with duplicates and non-case files reported.

    Folders in ``exclude`` (the run's own output folder) and any folder a batch wrote are not
    read: a second ``batch .`` must not take the first one's batch.json for a case.
    """
    result = Discovery()
    found: list[str] = []
    excluded = frozenset(os.path.realpath(folder) for folder in exclude)
    for arg in args:
        _expand(arg, found, result.problems, result.skipped, excluded)
    counts = Counter(os.path.normpath(p) for p in found)
    seen: dict[str, str] = {}
    for path in sorted(counts):
        if counts[path] > 1:
            result.skipped.append((path, f"named {counts[path]} times; evaluated once"))
        key = os.path.realpath(path)
        if key in seen:
            result.skipped.append((path, f"same file as {seen[key]}; evaluated once"))
            continue
        seen[key] = path
        result.cases.append(path)
    chosen = set(result.cases)
    # A file that is named on its own is evaluated, even if a folder walk called it a non-case file.
    result.skipped = sorted(item for item in result.skipped
                            if not (item[1].startswith("not a case file") and os.path.normpath(item[0]) in chosen))
    return result
