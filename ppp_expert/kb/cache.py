"""A small on-disk cache of what is derived from a knowledge base, so that start-up stays cheap.

What goes in: plain JSON data derived deterministically from the knowledge-base files (their
parsed YAML, the rules' match plans). Nothing executable, never pickle. An entry is used only
when its key matches exactly: the fingerprint of the knowledge base's bytes, the package
version, and a fingerprint of the code that derived it (its source files and the versions of
the libraries it used), so a stale or foreign entry is never trusted. Each entry is sealed with an
HMAC of its key and payload under a secret private to the user (``secret`` in the cache folder,
mode 0600), checked before it is parsed: a torn or edited entry, even one whose checksum was
recomputed, is a miss, so a cache never changes the advice. Any problem with the cache
(unreadable, read-only, corrupt, full disk) is a miss, never an error: the cache only saves time.

Entries live in ``$XDG_CACHE_HOME/ppp-expert`` (default ``~/.cache/ppp-expert``), written
atomically; at most ``KEEP`` entries of each kind are kept. Only entries this user wrote are
read: the folder and the file must belong to the user and be writable by nobody else (a cache
in a shared folder could otherwise be filled by another user). ``PPP_EXPERT_CACHE=off``
disables it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import stat
from pathlib import Path
from typing import Any, Iterable

from ppp_expert import files
from ppp_expert.errors import PPPExpertError

ENV = "PPP_EXPERT_CACHE"
FORMAT = 2  # 2: entries sealed with the user's secret (HMAC), not a plain checksum
KEEP = 8
#: An entry is small (hundreds of KiB); anything far larger is not ours.
MAX_ENTRY_BYTES = 32 * 1024 * 1024


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir() -> Path:
    """The user cache directory (XDG base directory rules: a relative XDG_CACHE_HOME is ignored)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "ppp-expert"


def digest(parts: Iterable[bytes]) -> str:
    """SHA-256 of a sequence of byte strings (each length-prefixed, so boundaries count)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def code_fingerprint(*sources: str | Path, libraries: Iterable[str] = ()) -> str:
    """Fingerprint of the code deriving an entry: the source files' bytes and library versions."""
    from ppp_expert import __version__

    parts = [f"ppp-expert {__version__} format {FORMAT}".encode(), *(lib.encode() for lib in libraries)]
    for source in sources:
        parts.append(Path(source).read_bytes())
    return digest(parts)


def _path(kind: str, key: dict[str, str]) -> Path:
    name = digest([json.dumps(key, sort_keys=True).encode()])[:32]
    return cache_dir() / f"{kind}-{name}.json"


def load(kind: str, key: dict[str, str]) -> Any | None:
    """The data stored under ``key``, or None (missing, disabled, stale, damaged)."""
    if not enabled():
        return None
    try:
        path = _path(kind, key)
        if not _ours(path.parent, follow=True):
            return None
        raw = files.read_own_file(path, MAX_ENTRY_BYTES)  # a regular file of ours: never a FIFO or a link
        if raw is None:
            return None
        header, _, payload = raw.partition(b"\n")
        meta = json.loads(header)
        secret = _secret(create=False)
        if secret is None or meta.get("key") != key or not hmac.compare_digest(
                str(meta.get("mac", "")), _mac(secret, key, payload)):
            return None
        return json.loads(payload)
    except (OSError, ValueError, AttributeError, RecursionError):
        return None


def _mac(secret: bytes, key: dict[str, str], payload: bytes) -> str:
    """HMAC-SHA256 of the key (the source files' fingerprint among it) and the payload: an entry
    edited, or moved under another key, no longer matches unless the user's secret is known."""
    return hmac.new(secret, json.dumps(key, sort_keys=True).encode() + b"\n" + payload, hashlib.sha256).hexdigest()


def _secret(create: bool) -> bytes | None:
    """The user's cache secret (32 random bytes, a private file in the cache folder), made on first use."""
    path = cache_dir() / "secret"
    found = files.read_own_file(path, 64)
    if found is None and create:
        try:
            import secrets  # only the first time: every later run reads the secret

            files.write_file(path, secrets.token_bytes(32), replace=False, mode=0o600)
        except PPPExpertError:
            pass  # another process made it first, or the folder cannot take it: read what is there
        found = files.read_own_file(path, 64)
    if found is None or len(found) != 32 or os.stat(path).st_mode & 0o077:
        return None
    return found


def _ours(path: Path, follow: bool = False) -> bool:
    """Owned by this user and writable by no one else (a folder of our own, a file we wrote)."""
    info = os.stat(path) if follow else os.lstat(path)
    return info.st_uid == os.geteuid() and not info.st_mode & 0o022 and not stat.S_ISLNK(info.st_mode)


def store(kind: str, key: dict[str, str], data: Any) -> bool:
    """Store JSON data under ``key`` (atomically); False when it cannot or should not be cached."""
    if not enabled() or not is_plain(data):
        return False
    path = _path(kind, key)
    try:
        payload = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        secret = _secret(create=True) if _ours(path.parent, follow=True) else None
        if secret is None:
            return False
        header = json.dumps({"key": key, "mac": _mac(secret, key, payload)}).encode()
        files.write_file(path, header + b"\n" + payload, mode=0o600)  # private; a FIFO or link there is refused
        _prune(path.parent, kind, keep=path)
        return True
    except (OSError, ValueError, PPPExpertError):
        return False


def _prune(folder: Path, kind: str, keep: Path) -> None:
    """Keep the newest ``KEEP`` entries of one kind (a knowledge base being edited makes many)."""
    entries = sorted(folder.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        if old != keep:
            old.unlink(missing_ok=True)


def is_plain(data: Any, depth: int = 0) -> bool:
    """Does JSON hold ``data`` exactly? (str keys; str, int, finite float, bool, None, lists.)

    YAML can also give dates, bytes, sets, tuples, non-string keys or NaN, which JSON would
    change or refuse; such data is simply not cached.
    """
    if depth > 100:
        return False
    if data is None or isinstance(data, (str, bool, int)):
        return type(data) in (str, bool, int, type(None))
    if type(data) is float:
        return math.isfinite(data)
    if type(data) is list:
        return all(is_plain(x, depth + 1) for x in data)
    if type(data) is dict:
        return all(type(k) is str and is_plain(v, depth + 1) for k, v in data.items())
    return False
