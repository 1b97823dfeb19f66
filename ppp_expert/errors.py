"""One root exception; every error names the file, the field and what was expected."""

from __future__ import annotations

import re
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """The process exit codes of every command, defined once."""

    OK = 0
    FAILED = 1  # the advice or a check failed (or an internal error)
    BAD_INPUT = 2
    INTERRUPTED = 130  # Ctrl-C; what was done is saved


class PPPExpertError(Exception):
    """Root of all errors the CLI turns into a one-line message."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None) -> None:
        self.path = path
        self.field = field
        self.detail = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.path, self.field) if p]
        where = ": ".join(parts)
        text = f"{where}: {self.detail}" if where else self.detail
        return printable(" ".join(text.split()))


def printable(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), so that a value taken from a
    file can never move the cursor, recolour or retitle the user's terminal."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in shown_name(text))


def shown_name(text: str) -> str:
    """``text`` (often a file name) as valid Unicode: bytes that were not UTF-8 (which Python keeps
    as lone surrogates, e.g. ``\\udcff``) become backslash escapes such as ``\\xff``; other lone
    surrogates become ``\\ud800``. Anything written to a UTF-8 file or a JSON record passes here."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    raw = text.encode("utf-8", "surrogateescape" if _only_escapes(text) else "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def _only_escapes(text: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,47}")
_LONGEST_NUMBER = 24  # characters of a number echoed as written


def echoed(value: Any) -> str:
    """A value read from a file, as an error message may show it: a short name (``'evolvng'``) or
    a short number as written, anything else only described (``a text of 38 characters``), so a
    message never copies a file's content (a link to a secret file named as a case file, a
    309-digit number) to a terminal, a log or summary.csv."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else _digits(value)
        return text if len(text) <= _LONGEST_NUMBER else f"a number of {len(text.lstrip('-')):,} digits"
    if isinstance(value, str):
        if _NAME.fullmatch(value):
            return f"'{value}'"
        return f"a text of {len(value):,} characters (not shown: not a name)" if value else "an empty text"
    if isinstance(value, (list, tuple)) and len(value) <= 5 and all(
            isinstance(v, (int, float)) or (isinstance(v, str) and _NAME.fullmatch(v)) for v in value):
        shown = [echoed(v) for v in value]
        if all(not s.startswith("a ") for s in shown):
            return f"[{', '.join(shown)}]"
    if isinstance(value, (list, tuple, dict)):
        return f"{len(value):,} item{'s' if len(value) != 1 else ''} (not shown)"
    return f"a {type(value).__name__}"


def _digits(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # over the interpreter's conversion limit: far too long to show anyway
        return "9" * 5000


def echoed_key(key: Any) -> str:
    """A mapping key read from a file, for the field part of a message: the key if it is a name."""
    text = str(key)
    return text if _NAME.fullmatch(text) else "(a key that is not a name)"


class KnowledgeBaseError(PPPExpertError):
    """The knowledge base is broken: a file, a rule or a reference is invalid."""


class CaseError(PPPExpertError):
    """A case file cannot be read or does not fit the questions."""


class EndOfInput(Exception):
    """Standard input closed: a script ran out of answers (what was answered is saved). One class
    for the consultation and the tutor, both of which read answers a line at a time."""
