"""Helpers for the tests that drive the real CLI in a pseudo-terminal (pexpect).

rich wraps long lines at the terminal's width, so a prompt printed after a path (the session
file, a temp folder) breaks at a place that depends on the path's length. Tests therefore match
prompts with ``phrase``, which accepts any whitespace (spaces, a line break) between words, so
no test depends on how long pytest's temp path is.
"""

from __future__ import annotations

import re


def phrase(text: str) -> str:
    """A pattern matching ``text`` literally, except that each gap between words may arrive as
    any run of whitespace (the terminal may wrap the line there)."""
    return "".join(r"\s+" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", text) if part)
