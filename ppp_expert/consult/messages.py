"""What the consultation and its answer provider say to each other: the commands a user can
type instead of an answer, the context shown with a question, the messages a provider shows
(why, help, status, settled, interim advice, notes, glossary look-ups) and the provider seam.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from ppp_expert.consult.guide import Passage
from ppp_expert.kb.schema import Question


class Command(str, enum.Enum):
    """What a user can type instead of an answer."""

    WHY = "why"
    WHY_DETAIL = "why --detail"
    HELP = "help"
    BACK = "back"
    SKIP = "skip"
    STATUS = "status"
    QUIT = "quit"


Reply = Command | str | int | float


@dataclass(frozen=True)
class AskContext:
    """What a provider may show with a question."""

    number: int          # 1-based number of this question in the consultation (across --resume)
    remaining: int       # questions still needed, this one included (an upper bound)
    answered: int        # answers held so far (pre-filled ones included)
    refining: bool       # the decision is settled; this question only settles risk owners and red flags
    can_go_back: bool
    because: str = ""    # why this question now, in plain words (what its answer decides)


@dataclass(frozen=True)
class WhyReason:
    rule: str
    title: str
    source: str
    could: tuple[str, ...]     # what the rule could conclude
    changes: tuple[str, ...]   # the unsettled outcomes it can change
    via: tuple[str, ...]       # derived facts through which the answer reaches it


@dataclass(frozen=True)
class Why:
    question: Question
    reasons: tuple[WhyReason, ...]
    refining: bool
    because: str = ""          # the adviser's reason for asking, in plain words (the primer)
    detail: bool = False       # list the rules (``why --detail``)
    decides: str = ""          # what the answer decides now (the value-of-information look ahead)


@dataclass(frozen=True)
class Help:
    question: Question
    passages: tuple[Passage, ...]
    primer: tuple[tuple[str, str], ...] = ()  # (title, body): the question's and its phase's primer pages


@dataclass(frozen=True)
class Glossed:
    """A glossary entry asked for at a prompt (``glossary TERM``), or the names nearest to it."""

    term: str
    definition: str = ""
    why_it_matters: str = ""
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Status:
    answered: int
    needed: int
    refinable: int
    verdicts: tuple[str, ...]
    leader: str
    leader_title: str
    leader_score: float
    score_range: tuple[float, float]
    models: tuple[str, ...]
    open_targets: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Rejected:
    """An answer that is not allowed for the question (then the same question comes again)."""

    text: str


@dataclass(frozen=True)
class AdviceUpdate:
    """Where the advice stands after an answer: the outcome ``evaluate`` gives on the answers so
    far and its confidence (the one definition, ``advice.confidence``). ``stage`` is ``interim``
    while an answer can still change the outcome or the model, ``settled`` once none can."""

    stage: str
    verdict: str
    model: str                     # the recommended model's id, '' for none
    model_title: str
    confidence: str                # high | moderate | low
    could_flip: tuple[str, ...]    # open questions whose answer could change the outcome
    asked: int
    answered: int
    refinable: int = 0             # settled: questions that could still settle risk owners and red flags
    refined: bool = False          # settled: the risk owners and red flags are settled too
    #: Of ``could_flip``, the questions answered ``unknown``: settled means no question not yet asked
    #: can change the outcome, but finding these out still could.
    reopen: tuple[str, ...] = ()


Message = Why | Help | Status | Note | Rejected | AdviceUpdate | Glossed


class AnswerProvider(Protocol):
    """Answers the consultation's questions: the terminal, a case file, a test script."""

    def ask(self, question: Question, context: AskContext) -> Reply:
        """An answer (a value, ``unknown``) or a command."""

    def show(self, message: Message) -> None:
        """Tell the user something (why, help, status, settled, notes)."""

    def confirm(self, text: str, default: bool = False) -> bool:
        """A yes/no decision (continue for refinement?)."""


