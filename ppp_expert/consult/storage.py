"""Session files: a consultation saved after every answer, as a valid case file.

The file is written atomically (a new temporary file in the same folder, created with
``O_EXCL``, flushed to disk, then ``os.replace``), so an interruption at any moment leaves
either the previous or the new version, never half a file, and a link at the session's name
is replaced rather than written through. It keeps the format its name says: JSON for
``.json``, YAML otherwise (a case file is read by its suffix). One consultation at a time
writes a session file: ``lock()`` takes an exclusive lock beside it, and a temporary that a
killed save left behind is removed once the lock is held. Answers keep the order they were given in (``back`` undoes the
last one, also after ``--resume``); an explicit ``unknown`` is kept so a resumed session does
not ask again what the user already said they do not know (``evaluate`` reads it as omitted).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ppp_expert import files
from ppp_expert.cases.case import load_case
from ppp_expert.errors import CaseError
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.yaml_io import parse_text, read_text

HEADER = (
    "# ppp-expert consultation, saved after every answer. It is a case file:\n"
    "#   ppp-expert evaluate {path}\n"
    "#   ppp-expert ask --resume {path}   (continue the consultation)\n"
)


def data_dir() -> Path:
    """The user's data directory for ppp-expert (XDG_DATA_HOME, else ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ppp-expert"


def default_session_path(now: datetime | None = None) -> Path:
    """A new, unused path under the data directory's ``sessions/`` folder, named by time."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = data_dir() / "sessions"
    path = folder / f"{stamp}.yaml"
    n = 2
    while path.exists():
        path = folder / f"{stamp}-{n}.yaml"
        n += 1
    return path


@dataclass
class SessionFile:
    """Where a consultation is saved, and the case fields written with its answers."""

    path: Path
    id: str
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # narrative, expected, finance kept from a resumed file
    asked: int = 0  # questions the consultation has asked so far: written so --resume continues the count

    def data(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id}
        if self.title:
            data["title"] = self.title
        data.update(self.extra)
        data["answers"] = dict(answers)
        if self.asked:
            data["consultation"] = {"asked": self.asked}
        return data

    def text(self, answers: Mapping[str, Any]) -> str:
        """The file's content, in the format its suffix names (a ``.json`` file must load as JSON)."""
        if self.path.suffix.lower() == ".json":
            return json.dumps(self.data(answers), ensure_ascii=False, indent=1) + "\n"
        return HEADER.format(path=self.path) + yaml.safe_dump(
            self.data(answers), sort_keys=False, allow_unicode=True, width=100)

    def save(self, answers: Mapping[str, Any], *, overwrite: bool = True) -> None:
        """Write the case atomically; raises CaseError naming the path when it cannot.

        ``overwrite=False`` never replaces an existing file (``FileExistsError``): a copy the
        user did not agree to overwrite.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            files.write_atomic(self.path, self.text(answers).encode("utf-8"), overwrite=overwrite)
        except FileExistsError:
            raise
        except OSError as exc:
            raise CaseError(f"cannot write the session file: {exc.strerror or exc}", path=str(self.path)) from None


def lock_session(path: Path) -> tuple[files.FileLock, list[Path]]:
    """Hold the session file ``path`` for this consultation; refused if another process holds it.

    Returns the lock and the temporaries of ``path`` that a killed save left behind, now
    removed (none can be in use while the lock is held). Raises ``files.OutputError`` (one
    line naming the holder's process id) or ``CaseError``.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseError(f"cannot write the session file: {exc.strerror or exc}", path=str(path)) from None
    lock = files.FileLock(path.parent / f".{path.name}.lock", "this session file").acquire()
    return lock, files.remove_stale_temporaries(path)


@dataclass(frozen=True)
class LoadedCase:
    """A case file read for a consultation: validated answers in file order, unknowns kept."""

    id: str
    title: str
    answers: dict[str, Any]
    extra: dict[str, Any]
    asked: int = 0  # questions a consultation has asked (the file's ``consultation.asked``)


def read_case(path: str | Path, kb: KnowledgeBase) -> LoadedCase:
    """Read a case or session file; every answer is validated as ``evaluate`` would."""
    file = Path(path)
    case = load_case(file, kb)  # raises CaseError with a one-line message
    # Read again for what validation drops: the answers' order and the explicit unknowns.
    data = parse_text(read_text(file, CaseError), str(file), CaseError, as_json=file.suffix.lower() == ".json")
    raw = data.get("answers") or {}
    answers: dict[str, Any] = {}
    for question in raw:
        qid = str(question)
        if qid in case.answers:
            answers[qid] = case.answers[qid]
        else:  # validated as unknown (or null)
            answers[qid] = UNKNOWN
    extra = {k: data[k] for k in ("narrative", "expected", "finance") if data.get(k)}
    return LoadedCase(case.id, case.title, answers, extra, case.asked)
