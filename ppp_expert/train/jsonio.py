"""``--format json``: the session as JSON Lines, for a learning platform to drive.

Every event is one JSON object on its own line of stdout (``brief``, ``prompt``, ``row``,
``retry``, ``hint``, ``graded`` ...). The platform answers with the lines a trainee would type,
one per line on stdin. A ``graded`` event carries the answer, the engine's expected answer and
every level of feedback at once (there is no feedback prompt in this mode).
"""

from __future__ import annotations

import json
import sys
from typing import IO

from ppp_expert.errors import EndOfInput
from ppp_expert.train import events as ev


class JsonProvider:
    interactive = False

    def __init__(self, out: IO[str] | None = None, inp: IO[str] | None = None) -> None:
        self.out = out or sys.stdout
        self.inp = inp or sys.stdin

    def show(self, event: ev.Event) -> None:
        self.out.write(json.dumps(event.to_json(), ensure_ascii=False, default=str) + "\n")
        self.out.flush()

    def read(self, prompt: str) -> str:
        line = self.inp.readline()
        if not line:
            raise EndOfInput
        return line.rstrip("\n")
