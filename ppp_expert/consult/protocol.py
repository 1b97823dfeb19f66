"""The consultation as a JSON-lines protocol (``ask --format json``): for web forms, chat front
ends and scripts.

Out, on stdout, one JSON object per line (``EVENTS`` names them; ``protocol_json_schema`` is the
contract):

- ``question``: the next question, with its choices, how many questions have been asked with this
  one, and why it is asked now;
- ``advice``: where the advice stands (``interim`` while answers can change it, ``settled``
  once none can): outcome, model, confidence and the open questions that could change it;
- ``error``: a reply that is not allowed (the same question follows again) or a failure;
- ``note``: something said in passing (an answer undone);
- ``done``: the consultation is over, with the final outcome and the session file.

In, on stdin, one plain line per question: an answer (a choice's value or number, a number or an
amount), ``unknown``, or ``back``, ``skip``, ``quit``. The end of input stops the consultation
with the session saved.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from ppp_expert.consult.messages import AdviceUpdate, AskContext, Command, Glossed, Message, Note, Rejected, Reply
from ppp_expert.consult.replies import parse_reply
from ppp_expert.errors import EndOfInput, printable
from ppp_expert.kb.conclusions import OUTCOMES
from ppp_expert.kb.schema import Question

EVENTS = ("question", "advice", "error", "note", "done")
#: The commands the protocol accepts in place of an answer.
COMMANDS = (Command.BACK, Command.SKIP, Command.QUIT)
MAX_LINE = 4096


class JsonLines:
    """Answers the consultation from stdin lines and reports every step as a JSON line."""

    interactive = False  # nobody to ask mid-session: refinement follows --refine

    def __init__(self, stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout

    def emit(self, event: str, **fields: Any) -> None:
        """One event, one line, flushed at once (the other end waits for it)."""
        self.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
        self.stdout.flush()

    def _line(self) -> str:
        line = self.stdin.readline(MAX_LINE + 1)
        if not line:
            raise EndOfInput
        if len(line) > MAX_LINE and not line.endswith("\n"):
            while (rest := self.stdin.readline(1 << 16)) and not rest.endswith("\n"):
                pass
            return "\0too long"
        return printable(line.strip())

    def ask(self, question: Question, context: AskContext) -> Reply:
        while True:
            self.emit("question", id=question.id, text=question.text, type=question.type,
                      choices=[*question.answers, "unknown"] if question.type == "choice" else ["unknown"],
                      min=question.min, max=question.max, asked=context.number, phase=question.phase,
                      stage="refine" if context.refining else "decide", why=context.because)
            line = self._line()
            if line == "\0too long":
                self.emit("error", message=f"the line is longer than {MAX_LINE:,} characters; expected an answer")
                continue
            reply, problem = parse_reply(question, line)
            refused = isinstance(reply, Glossed) or (isinstance(reply, Command) and reply not in COMMANDS)
            if problem is None and refused:
                problem = (f"'{line}' is not available in the JSON protocol; expected an answer, unknown, "
                           + ", ".join(c.value for c in COMMANDS))
            if problem is not None:
                self.emit("error", message=problem, question=question.id)
                continue
            return reply

    def show(self, message: Message) -> None:
        if isinstance(message, AdviceUpdate):
            self.emit("advice", stage=message.stage, verdict=message.verdict, model=message.model or None,
                      confidence=message.confidence, could_flip=list(message.could_flip), asked=message.asked,
                      refinable=message.refinable, reopen=list(message.reopen))
        elif isinstance(message, Rejected):
            self.emit("error", message=message.text)
        elif isinstance(message, Note):
            self.emit("note", message=message.text)

    def confirm(self, text: str, default: bool = False) -> bool:
        return default


def protocol_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line ``ask --format json`` writes."""
    nullable_number = {"type": ["number", "null"]}
    outcome = {"enum": list(OUTCOMES)}
    model = {"type": ["string", "null"], "description": "the recommended model's id; null when none is"}

    from ppp_expert.schema_parts import SCHEMA, event

    return {
        "$schema": SCHEMA,
        "title": "ppp-expert ask --format json: one event per line",
        "oneOf": [
            event("question", ["id", "text", "type", "choices", "asked", "why"], {
                "id": {"type": "string"}, "text": {"type": "string"},
                "type": {"enum": ["choice", "number", "integer"]},
                "choices": {"type": "array", "items": {"type": "string"},
                            "description": "the allowed values (with unknown); a number question lists unknown only"},
                "min": nullable_number, "max": nullable_number,
                "asked": {"type": "integer", "minimum": 1,
                          "description": "questions asked in this consultation, this one included (continues "
                                         "after --resume)"},
                "phase": {"type": "string"}, "stage": {"enum": ["decide", "refine"]},
                "why": {"type": "string", "description": "what the answer decides, in plain words ('' when refining)"},
            }, "The next question; reply with one line: a value, unknown, back, skip or quit."),
            event("advice", ["stage", "verdict", "model", "confidence", "could_flip"], {
                "stage": {"enum": ["interim", "settled"]}, "verdict": outcome, "model": model,
                "confidence": {"enum": ["high", "moderate", "low"]},
                "could_flip": {"type": "array", "items": {"type": "string"},
                               "description": "open questions whose answer could change the outcome"},
                "asked": {"type": "integer", "minimum": 0}, "refinable": {"type": "integer", "minimum": 0},
                "reopen": {"type": "array", "items": {"type": "string"},
                           "description": "of could_flip, the questions answered unknown: finding them out could "
                                          "still change a settled outcome"},
            }, "Where the advice stands; settled: no answer to a question not yet asked can change the outcome "
               "or the model."),
            event("error", ["message"], {"message": {"type": "string"}, "question": {"type": "string"}},
                  "A reply that is not allowed (the same question follows) or a failure (then the stream ends)."),
            event("note", ["message"], {"message": {"type": "string"}}, "Said in passing, e.g. an answer undone."),
            event("done", ["verdict", "model", "asked", "session"], {
                "verdict": outcome, "model": model, "asked": {"type": "integer", "minimum": 0},
                "session": {"type": "string", "description": "the session file (a case file)"},
                "memo": {"type": ["string", "null"]}, "confidence": {"enum": ["high", "moderate", "low"]},
                "settled": {"type": "boolean"}, "quit": {"type": "boolean"},
            }, "The consultation is over (finished, or quit with the answers saved)."),
        ],
    }
