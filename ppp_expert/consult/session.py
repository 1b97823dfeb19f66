"""The consultation loop: the engine asks, an answer provider answers, the advice settles.

The provider is the seam: the terminal, a case file, a quiz or a test script all
implement ``AnswerProvider``. The session keeps the answers in the order they were given,
hands every change to ``on_change`` at once (the session file), and drives the consultation
engine (``engine.py``) whose asking rule calls back ``ask``. ``back`` undoes the last answer
by replaying the remaining ones into a fresh engine, so the state after ``back`` is exactly
the state before that answer was given.

What the session and the provider say to each other is in ``messages.py``; what ``why``,
``help`` and ``status`` show is worked out in ``commands.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ppp_expert.advice.contract import Advice
from ppp_expert.cases.case import check_answer
from ppp_expert.consult import commands
from ppp_expert.consult.commands import label
from ppp_expert.consult.engine import ConsultEngine
from ppp_expert.consult.messages import (
    AnswerProvider,
    AskContext,
    Command,
    Glossed,
    Help,
    Interim,
    Note,
    Settled,
    Status,
    Why,
)
from ppp_expert.engine.reasoner import Trace
from ppp_expert.engine.relevance import CORE_TARGETS, Outlook, relevance_for
from ppp_expert.errors import CaseError
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase


@dataclass
class Result:
    """How a consultation ended: finished with advice, or quit (answers saved)."""

    finished: bool
    answers: dict[str, Any]
    asked: int
    trace: Trace | None = None
    advice: Advice | None = None
    settled_after: int | None = None
    outlook: Outlook | None = field(default=None, repr=False)
    #: The outcomes the consultation settled: all of them, or only verdict and model when the
    #: user stopped at the interim advice (the risk owners and red flags are then not assessed).
    assessed: frozenset[str] = CORE_TARGETS


class Session:
    """One consultation over a knowledge base, driven by the consultation engine."""

    def __init__(self, kb: KnowledgeBase, provider: AnswerProvider, *, case_id: str = "consultation",
                 answers: Mapping[str, Any] | None = None,
                 on_change: Callable[[dict[str, Any]], None] | None = None,
                 refine: bool | None = None, targets: frozenset[str] = CORE_TARGETS) -> None:
        self.kb = kb
        self.provider = provider
        self.case_id = case_id
        self.answers: dict[str, Any] = {}
        for question, value in (answers or {}).items():
            self.answers[question] = self._checked(question, value)
        self.on_change = on_change
        self.refine = refine
        self.relevance = relevance_for(kb, targets)
        self.order = {q: i for i, q in enumerate(sorted(kb.questions, key=self.relevance.rank.__getitem__))}
        self.engine = ConsultEngine(self)
        self.refining = False
        self.asked = 0
        self.settled_after: int | None = None
        self.outlook: Outlook = self.relevance.analyse(self.answers)
        self._stop: Command | None = None
        self._interim_offered = False
        self._stopped_at_interim = False

    # ------------------------------------------------------------- engine callbacks
    def plan(self) -> list[tuple[str, int]]:
        """The questions to declare as Need: those that can still change the advice."""
        self.outlook = self.relevance.analyse(self.answers)
        if self.outlook.settled and self.settled_after is None:
            self.settled_after = self.asked
        wanted = self.outlook.refinable if self.refining else self.outlook.needed
        return [(q, self.order[q]) for q in wanted]

    def ask(self, question_id: str) -> None:
        """The asking rule fired for ``question_id``: ask until an answer or a stop."""
        if self._offer_interim():
            return
        question = self.kb.questions[question_id]
        while True:
            wanted = self.outlook.refinable if self.refining else self.outlook.needed
            context = AskContext(number=self.asked + 1, remaining=len(wanted), answered=len(self.answers),
                                 refining=self.refining, can_go_back=bool(self.answers))
            reply = self.provider.ask(question, context)
            if isinstance(reply, Glossed):  # glossary TERM: look it up, then ask again
                self.provider.show(reply)
                continue
            if isinstance(reply, Command):
                if reply in (Command.WHY, Command.WHY_DETAIL):
                    self.provider.show(self.why(question_id, detail=reply is Command.WHY_DETAIL))
                    continue
                if reply is Command.HELP:
                    self.provider.show(self.help(question_id))
                    continue
                if reply is Command.STATUS:
                    self.provider.show(self.status())
                    continue
                if reply is Command.BACK and not self.answers:
                    self.provider.show(Note("Nothing to undo yet: this is the first answer."))
                    continue
                if reply in (Command.BACK, Command.QUIT):
                    self._stop = reply
                    self.engine.halt()
                    return
                value: Any = UNKNOWN  # skip
            else:
                try:
                    value = self._checked(question_id, reply)
                except CaseError as exc:
                    self.provider.show(Note(exc.detail))
                    continue
            break
        self.answers[question_id] = value
        self.asked += 1
        self._changed()
        self.engine.give(question_id, value)

    # ----------------------------------------------------------------- the loop
    def run(self) -> Result:
        """Consult until the advice is settled (and refined if wanted) or the user quits."""
        self.engine.replay(self.answers)
        while True:
            self._stop = None
            self.engine.run()
            if self._stop is Command.QUIT and not self._stopped_at_interim:
                return Result(False, dict(self.answers), self.asked, outlook=self.outlook)
            if self._stopped_at_interim:
                break
            if self._stop is Command.BACK:
                undone, value = self.answers.popitem()
                self.asked = max(0, self.asked - 1)
                self.settled_after = None if self.settled_after is None or self.settled_after > self.asked \
                    else self.settled_after
                self._changed()
                self.provider.show(Note(f"Undid {undone} = {value}."))
                if self.refining and not self.relevance.analyse(self.answers).settled:
                    self.refining = False  # unsettled again: settle first, then offer refinement again
                self.engine.replay(self.answers)
                continue
            if not self.refining and self._offer_refinement():
                self.refining = True
                self.engine.next_turn()
                continue
            break
        from ppp_expert.advice.assemble import build_advice
        from ppp_expert.api import reasoner_for

        # The advice always comes from the real engine on the closed answer set, exactly as
        # `evaluate` computes it: unanswered questions are unknown.
        trace = reasoner_for(self.kb).run({q: v for q, v in self.answers.items() if v != UNKNOWN})
        advice = build_advice(self.kb, self.case_id, trace)
        assessed = frozenset({"verdict", "model"}) if self._stopped_at_interim else self.relevance.targets
        return Result(True, dict(self.answers), self.asked, trace, advice, self.settled_after, self.outlook,
                      assessed)

    def _offer_interim(self) -> bool:
        """Once the verdict and model are settled but risk owners or red flags are not, show the
        interim advice and ask whether to go on. True when the user stops here."""
        o = self.outlook
        if (self._interim_offered or self.refining or o.settled or len(o.verdicts) != 1 or len(o.models) != 1
                or not {"risks", "red_flags"} & self.relevance.targets):
            return False
        self._interim_offered = True
        from ppp_expert.advice.summary import summarise
        from ppp_expert.api import evaluate

        known = {q: v for q, v in self.answers.items() if v != UNKNOWN}
        advice = evaluate({"id": self.case_id, "answers": known}, self.kb)
        open_targets = tuple(label(t, self.kb) for t in o.open_targets)
        self.provider.show(Interim(summarise(self.kb, advice, known), open_targets, len(o.needed)))
        # Only a person at a terminal is asked; scripts and piped input go on to the full advice.
        if not getattr(self.provider, "interactive", False) or self.provider.confirm(
                f"Continue to settle the risk owners and red flags (at most {len(o.needed)} more questions)?", True):
            return False
        self._stopped_at_interim = True
        self._stop = Command.QUIT
        self.engine.halt()
        return True

    def _offer_refinement(self) -> bool:
        outlook = self.outlook
        verdict = next(iter(outlook.verdicts)) if len(outlook.verdicts) == 1 else "open"
        model = next(iter(outlook.models)) if len(outlook.models) == 1 else ""
        self.provider.show(Settled(self.asked, len(self.answers), len(outlook.refinable), verdict, model,
                                   self.relevance.targets))
        if not outlook.refinable or self.refine is False:
            return False
        if self.refine:
            return True
        return self.provider.confirm(
            f"Continue with up to {len(outlook.refinable)} more questions to refine scores and details?", False)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(dict(self.answers))

    def _checked(self, question_id: str, value: Any) -> Any:
        question = self.kb.questions.get(question_id)
        if question is None:
            raise CaseError(f"unknown question '{question_id}'", field=question_id)
        if isinstance(value, str) and question.type != "choice" and value != UNKNOWN:
            try:
                value = float(value) if question.type == "number" else int(value)
            except ValueError:
                pass
        checked = check_answer(question, value, "", question_id)
        return UNKNOWN if checked is None else checked

    # ------------------------------------------------------------- commands (commands.py)
    def why(self, question_id: str, detail: bool = False) -> Why:
        """Which rules need this answer, what each could conclude, and which outcome it can change."""
        return commands.why(self.kb, self.outlook, question_id, detail)

    def help(self, question_id: str) -> Help:
        return commands.help_for(self.kb, question_id)

    def status(self) -> Status:
        return commands.status(self.kb, self.outlook, self.answers)
