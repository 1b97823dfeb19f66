"""The provider seam: what the tutor needs from whoever shows its events and reads the answers.

The terminal (``tutor_terminal``), ``--format json`` for a learning platform (``jsonio``) or a
test script: each shows events and returns the lines a trainee types. The tutor never prints
and never reads on its own, so every command works the same way everywhere.
"""

from __future__ import annotations

from typing import Protocol

from ppp_expert.train import events as ev


class Quit(Exception):
    """The trainee typed quit (what was answered is saved)."""


class Provider(Protocol):
    #: Offer the feedback levels one at a time after grading (the terminal); a JSON client gets
    #: every level with the graded event instead.
    interactive: bool

    def show(self, event: ev.Event) -> None: ...

    def read(self, prompt: str) -> str: ...
