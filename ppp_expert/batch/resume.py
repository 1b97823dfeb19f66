"""What an earlier run left in the output folder: the results index, the knowledge-base stamp.

results.jsonl is append-only while a batch runs. Every record ends with ``"path"``, (when
the file could be read) ``"hash"``, the sha256 of the case file's bytes, and ``"sum"``, the
sha256 of the record's own bytes before it, so ``--resume`` can index a results file of any
size from each line's tail and evaluate again any record altered since it was written (an
edit that leaves valid JSON behind included).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ppp_expert import __version__, files

MANIFEST = "batch.json"
_TAIL = b',"path":'
_SUM = b',"sum":"'


class Entry(NamedTuple):
    """Where one record sits in results.jsonl."""

    offset: int
    length: int
    hash: Optional[str] = None


def seal(record: str) -> str:
    """Close a record (its JSON text without the final ``}``) with the checksum of its bytes."""
    return record + _SUM.decode() + hashlib.sha256(record.encode("utf-8")).hexdigest() + '"}'


def sealed(line: bytes) -> bool:
    """Whether a record (without its line break) still matches its checksum."""
    at = line.rfind(_SUM)
    return at >= 0 and line[at + len(_SUM):] == hashlib.sha256(line[:at]).hexdigest().encode() + b'"}'


def _tail(line: bytes) -> tuple[Optional[str], Optional[str]]:
    """``(path, hash)`` of a record from its last fields; ``(None, None)`` if it has none."""
    at = line.rfind(_TAIL)  # quotes inside JSON strings are escaped, so this is the real field
    if at < 0:
        return None, None
    try:
        data = json.loads(b"{" + line[at + 1:])
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("path"), str):
        return None, None
    digest = data.get("hash")
    return data["path"], digest if isinstance(digest, str) else None


def scan(results: Path) -> dict[str, Entry]:
    """Index the last intact record of each path; cut a line torn by a kill mid-write.

    A record whose checksum fails (altered or damaged since it was written) is left out of the
    index, so its case is evaluated again; the rewrite after the run drops the old line.
    """
    index: dict[str, Entry] = {}
    try:
        fd = files.open_no_follow(results, os.O_RDWR)
    except FileNotFoundError:
        return index
    offset = 0
    with os.fdopen(fd, "r+b") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                handle.truncate(offset)
                break
            path, digest = _tail(line)
            if path is not None and sealed(line[:-1]):
                index[path] = Entry(offset, len(line), digest)
            offset += len(line)
    return index


def compact(results: Path, entries: list[Entry]) -> bool:
    """Rewrite results.jsonl to hold exactly ``entries`` in this order; False if it already did.

    After a resume the file may hold records of changed or removed cases; the rewrite makes it
    byte-identical to a fresh run's, streaming (one record in memory at a time).
    """
    size = results.stat().st_size if results.exists() else 0
    position = 0
    for entry in entries:
        if entry.offset != position:
            break
        position += entry.length
    else:
        if position == size:
            return False
    source = os.fdopen(files.open_no_follow(results, os.O_RDONLY), "rb")
    with source, files.NewFile(results) as fd:  # a new name (O_EXCL), renamed over: never through a link
        with os.fdopen(os.dup(fd), "wb") as target:
            for entry in entries:
                source.seek(entry.offset)
                target.write(source.read(entry.length))
            target.flush()
            os.fsync(target.fileno())
    return True


def results_fingerprint(kb_dir: Path) -> str:
    """sha256 over the knowledge base's files and the engine's modules: results depend on both."""
    digest = hashlib.sha256(__version__.encode())
    engine = Path(__file__).resolve().parent.parent  # the ppp_expert modules (not batch/ or commands/)
    files = [(kb_dir, p) for p in kb_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]
    files += [(engine, p) for p in engine.glob("*.py")]
    for root, file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def read_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        with os.fdopen(files.open_no_follow(out_dir / MANIFEST, os.O_RDONLY), "rb") as handle:
            data = json.loads(handle.read(1 << 20))
    except (OSError, ValueError, files.OutputError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(out_dir: Path, data: dict[str, Any]) -> None:
    files.write_atomic(out_dir / MANIFEST, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))
