"""What an earlier run left in the output folder: the results index, the knowledge-base stamp.

results.jsonl is append-only while a batch runs. Every record ends with ``"path"`` and (when
the file could be read) ``"hash"``, the sha256 of the case file's bytes, so ``--resume`` can
index a results file of any size by reading only each line's tail.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ppp_expert import __version__

MANIFEST = "batch.json"
_TAIL = b',"path":'


class Entry(NamedTuple):
    """Where one record sits in results.jsonl."""

    offset: int
    length: int
    hash: Optional[str] = None


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
    """Index the last complete record of each path; cut a line torn by a kill mid-write."""
    index: dict[str, Entry] = {}
    if not results.exists():
        return index
    offset = 0
    with open(results, "r+b") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                handle.truncate(offset)
                break
            path, digest = _tail(line)
            if path is not None:
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
    tmp = results.with_name(results.name + ".tmp")
    with open(results, "rb") as source, open(tmp, "wb") as target:
        for entry in entries:
            source.seek(entry.offset)
            target.write(source.read(entry.length))
        target.flush()
        os.fsync(target.fileno())
    os.replace(tmp, results)
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
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_manifest(out_dir: Path, data: dict[str, Any]) -> None:
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)
