"""Writing files that cannot be hijacked: no writes through links, one writer at a time.

Outputs land in folders other people or earlier runs may have touched, so every write here:

- never follows a symbolic link at the final name (``O_NOFOLLOW``), and creates temporaries
  with ``O_CREAT | O_EXCL | O_NOFOLLOW`` under unpredictable names (``tempfile.mkstemp``), so
  a link planted under any name the program uses cannot redirect a write;
- replaces a file by renaming a finished temporary over it, which swaps the directory entry
  (a link there is replaced, its target untouched) and leaves the old or the new version;
- refuses a folder owned by another user (who could swap names between two system calls);
- takes an exclusive ``flock`` on a lock file, so a second writer is refused with one line
  naming the process that holds it.

Every refusal is an ``OutputError``: one line naming the path and what is wrong.
Imports only ``errors``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ppp_expert.errors import PPPExpertError

if TYPE_CHECKING:  # imported where a database is opened: reading a case or the knowledge base needs none
    import sqlite3

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class OutputError(PPPExpertError):
    """An output cannot be written safely: a link, a folder of another user, a second writer."""


def _link_refusal(path: Path) -> OutputError:
    return OutputError("is a symbolic link; refusing to write through it (remove it or choose another path)",
                       path=str(path))


def refuse_link(path: Path) -> None:
    """Refuse ``path`` when it is a symbolic link (a dangling one too)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise _link_refusal(path)


def check_folder(folder: Path) -> None:
    """A folder this process may write outputs into: a real folder owned by this user.

    The folder itself may be reached through a link the user made (``--out`` naming a link to a
    folder); what matters is who can change the names inside it.
    """
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise OutputError("no such folder", path=str(folder)) from None
    except OSError as exc:
        raise OutputError(f"cannot use the folder: {exc.strerror or exc}", path=str(folder)) from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError("is not a folder; expected a folder for the outputs", path=str(folder))
    if info.st_uid != os.geteuid():
        raise OutputError(f"is owned by another user (uid {info.st_uid}); expected a folder of your own "
                          "(its owner could redirect the outputs)", path=str(folder))


def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing, then check it as ``check_folder`` does."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError("is a file; expected a folder for the outputs", path=str(folder)) from None
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror or exc}",
                          path=str(exc.filename or folder)) from None
    check_folder(folder)


def make_subfolders(base: Path, parts: list[str]) -> Path:
    """``base/parts...``, each level created if missing and refused if it is a link or a file."""
    current = base
    for part in parts:
        current = current / part
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            raise _link_refusal(current)
        if not stat.S_ISDIR(info.st_mode):
            raise OutputError("is not a folder", path=str(current))
    return current


def open_no_follow(path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` that refuses a link at the final name and anything but a plain, unshared file."""
    try:
        fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _link_refusal(path) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        what = "is not a regular file" if not stat.S_ISREG(info.st_mode) else "has other hard links"
        raise OutputError(f"{what}; refusing to write to it", path=str(path))
    return fd


def temporary(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (``O_EXCL``, never a link), named ``.<name>.<random>.tmp``."""
    import tempfile  # here: a run that writes nothing (evaluate to standard output) never needs it

    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return fd, Path(name)


_TMP_RANDOM = r"[A-Za-z0-9_]{8}"  # tempfile's names: 8 characters from this alphabet


def stale_temporaries(path: Path) -> list[Path]:
    """Temporaries of ``path`` that an interrupted save left (call only while holding its lock)."""
    pattern = re.compile(re.escape(f".{path.name}.") + _TMP_RANDOM + r"\.tmp")
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    found = []
    for name in sorted(names):
        if pattern.fullmatch(name):
            candidate = path.parent / name
            try:
                info = os.lstat(candidate)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                found.append(candidate)
    return found


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove what ``stale_temporaries`` finds; return what was removed."""
    removed = []
    for candidate in stale_temporaries(path):
        try:
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
    return removed


def file_mode(path: Path) -> int:
    """The permission bits of the file being replaced, else what the umask gives a new file."""
    try:
        return os.stat(path, follow_symlinks=False).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def check_target(path: Path, *, replace: bool = True, option: Optional[str] = None) -> None:
    """Refuse an output name that is not a regular file or nothing: a link (dangling too), a
    folder, a FIFO, a device node, a socket; an existing file unless ``replace``; a missing or
    non-folder parent. One ``OutputError`` naming the path (and the option, when given)."""
    if str(path) in ("", "."):
        raise OutputError("is empty; expected a file name", path=str(path) or "''", field=option)
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # the parent is checked below
        info = None
    except OSError as exc:
        raise OutputError(f"cannot use this name: {exc.strerror or exc}", path=str(path), field=option) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputError("is a symbolic link; refusing to write through it (remove it or choose another path)",
                              path=str(path), field=option)
        if stat.S_ISDIR(info.st_mode):
            raise OutputError("is a folder; expected a file name", path=str(path), field=option)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError("is not a regular file (a device, FIFO or socket); refusing to replace it",
                              path=str(path), field=option)
        if not replace:
            raise OutputError("already exists; use --force to replace it", path=str(path), field=option)
    parent = path.parent
    if not parent.is_dir():
        what = "directory does not exist" if not parent.exists() else "is not a directory"
        raise OutputError(what, path=str(parent), field=option)


def write_file(path: Path, data: bytes | str, *, replace: bool = True, option: Optional[str] = None,
               mode: Optional[int] = None) -> None:
    """The one way a whole file is written: checked by ``check_target``, then written to a new
    temporary beside it and renamed (``replace``) or linked (not ``replace``) into place, so the
    file is whole or absent and a link, FIFO or device at the name is never written through.
    Every failure is an ``OutputError`` naming the path."""
    check_target(path, replace=replace, option=option)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        write_atomic(path, payload, overwrite=replace, mode=mode)
    except FileExistsError:
        raise OutputError("already exists; use --force to replace it", path=str(path), field=option) from None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(exc.filename or path),
                          field=option) from None


def fresh_file(path: Path) -> int:
    """An empty new file at ``path`` (a regular file there is replaced), open for writing: for
    outputs written as they go (results.jsonl, summary.csv). Never through a link."""
    check_target(path)
    fd, tmp = temporary(path)
    try:
        os.fchmod(fd, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    return fd


class NewFile:
    """A file written through a handle and put in place whole at the end: ``with NewFile(path) as fd``.

    The temporary is removed if the block fails; the target is checked as ``check_target`` does
    (a regular file or nothing) before and again just before the rename.
    """

    def __init__(self, path: Path, *, replace: bool = True) -> None:
        self.path, self.replace = path, replace
        self.fd, self.tmp = -1, Path()

    def __enter__(self) -> int:
        check_target(self.path, replace=self.replace)
        self.fd, self.tmp = temporary(self.path)
        os.fchmod(self.fd, file_mode(self.path))
        return self.fd

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            if kind is None:
                check_target(self.path, replace=self.replace)
                os.replace(self.tmp, self.path)
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass  # the caller's handle closed it
            self.tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True, mode: Optional[int] = None) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file, flushed, then renamed.

    With ``overwrite=False`` an existing ``path`` (a file or a link) is left alone and
    ``FileExistsError`` is raised: the temporary is linked to the name, which fails if taken.
    Raises ``OSError`` for the caller to name in its own words.
    """
    mode = file_mode(path) if mode is None else mode
    fd, tmp = temporary(path)
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; an output file is an ordinary file
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if overwrite:
            info = _lstat(path)
            if info is not None and not stat.S_ISREG(info.st_mode) and not stat.S_ISLNK(info.st_mode):
                raise OutputError("is not a regular file (a device, FIFO or socket); refusing to replace it",
                                  path=str(path))
            os.replace(tmp, path)
        else:
            os.link(tmp, path, follow_symlinks=False)
            tmp.unlink()
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise


def read_own_file(path: Path, limit: int) -> Optional[bytes]:
    """The bytes of a private file this user wrote (a cache entry), or None: never through a
    link, never blocking on a FIFO or device, and only a regular file owned by this user that no
    one else can write, of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022
                or info.st_size > limit):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(limit + 1)
        return raw if len(raw) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def open_database(path: Path, *, readonly: bool, immutable: bool = False, timeout: float = 5.0) -> sqlite3.Connection:
    """A SQLite connection to ``path`` (a regular file or nothing), never through a link: the
    file and its ``-wal``, ``-shm`` and ``-journal`` companions are refused if they are links
    (a dangling one would make SQLite create the file wherever it points) or not regular files."""
    import sqlite3

    for name in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        info = _lstat(name)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise _link_refusal(name)
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise OutputError("is not a regular file; expected a database file", path=str(name))
    if readonly and not immutable and all(_lstat(path.with_name(path.name + end)) is None for end in ("-wal", "-shm")):
        # No writer is at work. A read-only connection would create -wal and -shm and could not remove
        # them; a connection that only reads (query_only) removes them when it closes. A file this
        # process cannot write is read as it stands (no one can be writing it).
        if not os.access(path, os.W_OK):
            immutable = True
        else:
            conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            conn.execute("PRAGMA query_only = ON")
            return conn
    if not readonly:
        return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def _lstat(path: Path) -> Optional[os.stat_result]:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


from ppp_expert.files.lock import FileLock, LockedError  # noqa: E402  (defined after what it uses)

__all__ = ["FileLock", "LockedError", "OutputError", "NewFile", "check_target", "write_file", "fresh_file",
           "write_atomic", "open_database", "read_own_file"]
