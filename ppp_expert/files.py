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
import fcntl
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Optional

from ppp_expert.errors import PPPExpertError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class OutputError(PPPExpertError):
    """An output cannot be written safely: a link, a folder of another user, a second writer."""


class LockedError(OutputError):
    """Another process holds the lock of an output."""


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


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file, flushed, then renamed.

    With ``overwrite=False`` an existing ``path`` (a file or a link) is left alone and
    ``FileExistsError`` is raised: the temporary is linked to the name, which fails if taken.
    Raises ``OSError`` for the caller to name in its own words.
    """
    mode = file_mode(path)
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
            os.replace(tmp, path)
        else:
            os.link(tmp, path, follow_symlinks=False)
            tmp.unlink()
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise


class FileLock:
    """An exclusive ``flock`` on ``lock_path``, refused at once (``LockedError``) if another holds it.

    The lock file holds the holder's process id, for the message. It is removed on release;
    a process that opened the old file before the removal notices (the name no longer points
    to the file it locked) and tries again, so two holders are never possible.
    """

    def __init__(self, lock_path: Path, what: str) -> None:
        self.path = lock_path
        self.what = what  # e.g. "this output folder", "this session file"
        self.fd: Optional[int] = None

    def acquire(self) -> "FileLock":
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise _link_refusal(self.path) from None
                raise OutputError(f"cannot create the lock file: {exc.strerror or exc}", path=str(self.path)) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                who = f"process {holder}" if holder else "another process"
                raise LockedError(f"{who} is already writing to {self.what} (lock {self.path.name}); wait for it "
                                  "to finish or choose another path", path=str(self.path.parent)) from None
            if _same_file(fd, self.path):
                break
            os.close(fd)  # the holder released and removed it after we opened it: try again
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # while still holding it: see the class docstring
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "FileLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.lstat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
