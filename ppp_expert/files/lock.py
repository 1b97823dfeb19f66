"""One writer at a time: an exclusive ``flock`` on a lock file, refused at once if another holds it."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import Optional

from ppp_expert.files import _CLOEXEC, _NOFOLLOW, OutputError, _link_refusal


class LockedError(OutputError):
    """Another process holds the lock of an output."""


class FileLock:
    """An exclusive ``flock`` on ``lock_path``, refused at once (``LockedError``) if another holds it.

    The lock file holds the holder's process id, for the message. It is removed on release;
    a process that opened the old file before the removal notices (the name no longer points
    to the file it locked) and tries again, so two holders are never possible.
    """

    def __init__(self, lock_path: Path, what: str, hint: str = "wait for it to finish or choose another path") -> None:
        self.path = lock_path
        self.what = what  # e.g. "this output folder", "this session file"
        self.hint = hint  # what the refused user can do
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
                raise LockedError(f"{who} is already writing to {self.what} (lock {self.path.name}); {self.hint}",
                                  path=str(self.path.parent)) from None
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
