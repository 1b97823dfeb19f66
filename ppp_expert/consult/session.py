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
from dataclasses import dataclass, field, replace
from typing import Any

from ppp_expert.advice.answer_changes import recommended
from ppp_expert.advice.contract import Advice
from ppp_expert.cases.case import check_answer
from ppp_expert.consult import commands
from ppp_expert.consult.choice import Chooser, NextQuestion
from ppp_expert.consult.engine import ConsultEngine
from ppp_expert.consult.messages import (
    AdviceUpdate,
    AnswerProvider,
    AskContext,
    Command,
    Glossed,
    Help,
    Note,
    Rejected,
    Status,
    Why,
)
from ppp_expert.consult.wording import decides_text
from ppp_expert.engine.lookahead import Lookahead
from ppp_expert.engine.reasoner import Trace
from ppp_expert.engine.relevance import ALL_TARGETS, CORE_TARGETS, Outlook, relevance_for
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
    #: The outcomes the consultation settled: verdict and model, and the risk owners and red
    #: flags too when it went on to refine them.
    assessed: frozenset[str] = CORE_TARGETS
    #: Questions asked before the first interim advice (None: never shown).
    first_advice_after: int | None = None


#: What the decision stage settles; refinement then settles the rest of the targets.
DECISION = frozenset({"verdict", "model"})


class Session:
    """One consultation over a knowledge base, driven by the consultation engine.

    Two stages: first the questions that can change the decision (verdict and model), chosen by
    their value to it (``choice.Chooser``); once it is settled, if wanted, the refinement questions
    that can change a risk owner or a red flag (the rest of ``targets``).
    """

    def __init__(self, kb: KnowledgeBase, provider: AnswerProvider, *, case_id: str = "consultation",
                 answers: Mapping[str, Any] | None = None,
                 on_change: Callable[[dict[str, Any]], None] | None = None,
                 refine: bool | None = None, targets: frozenset[str] = CORE_TARGETS, asked: int = 0) -> None:
        self.kb = kb
        self.provider = provider
        self.case_id = case_id
        self.answers: dict[str, Any] = {}
        for question, value in (answers or {}).items():
            self.answers[question] = self._checked(question, value)
        self.on_change = on_change
        self.refine = refine if targets - DECISION else False
        self.decision = relevance_for(kb, DECISION)
        self.relevance = relevance_for(kb, targets | DECISION)
        self.chooser = Chooser(kb, self.decision)
        self.engine = ConsultEngine(self)
        self.refining = False
        self.asked = asked  # continues the count of a resumed consultation
        self.settled_after: int | None = None
        self.first_advice_after: int | None = None
        self.outlook: Outlook = self.decision.analyse(self.answers)
        self.choice: NextQuestion | None = None
        self._shown: AdviceUpdate | None = None
        self._stop: Command | None = None
        self._last: str | None = None

    # ------------------------------------------------------------- engine callbacks
    def plan(self) -> list[tuple[str, int]]:
        """The questions to declare as Need: those that can still change what this stage settles,
        the most valuable one first (rank -1), the others in the guide's order."""
        if self.refining:
            self.outlook = self.relevance.analyse(self.answers)
            self.choice = self.chooser.refining(self.outlook, self._wanted())
        else:
            self.outlook = self.decision.analyse(self.answers)
            self.choice = None
            if self.outlook.settled:
                if self.settled_after is None:
                    self.settled_after = self.asked
            else:
                ahead = Lookahead(self.decision, self.answers)
                self.choice = self.chooser.deciding(self.answers, self.outlook, self._last, ahead)
                self._update(ahead.now.verdict != "insufficient_information")
        chosen = self.choice.question if self.choice else None
        return [(q, -1 if q == chosen else self.chooser.rank[q]) for q in self._wanted()]

    def _wanted(self, outlook: Outlook | None = None, refining: bool | None = None) -> tuple[str, ...]:
        """The questions a stage asks (by default the current one): those that can change what it
        settles; with every target, refinement asks every question an open rule still reads."""
        outlook = self.outlook if outlook is None else outlook
        refining = self.refining if refining is None else refining
        if refining and self.relevance.targets >= ALL_TARGETS:
            return outlook.refinable
        return outlook.needed

    def ask(self, question_id: str) -> None:
        """The asking rule fired for ``question_id``: ask until an answer or a stop."""
        question = self.kb.questions[question_id]
        while True:
            context = AskContext(number=self.asked + 1, remaining=len(self._wanted()), answered=len(self.answers),
                                 refining=self.refining, can_go_back=bool(self.answers),
                                 because=self._decides(question_id))
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
                    self.provider.show(Rejected(exc.detail))
                    continue
            break
        self.answers[question_id] = value
        self.asked += 1
        self._last = question_id
        self._changed()
        self.engine.give(question_id, value)

    # ----------------------------------------------------------------- the loop
    def run(self) -> Result:
        """Consult until the decision is settled (and refined if wanted) or the user quits."""
        self.engine.replay(self.answers)
        while True:
            self._stop = None
            self.engine.run()
            if self._stop is Command.QUIT:
                return Result(False, dict(self.answers), self.asked, outlook=self.outlook,
                              first_advice_after=self.first_advice_after)
            if self._stop is Command.BACK:
                undone, value = self.answers.popitem()
                self.asked = max(0, self.asked - 1)
                if self.settled_after is not None and self.settled_after > self.asked:
                    self.settled_after = None
                self._changed()
                self.provider.show(Note(f"Undid {undone} = {value}."))
                if self.refining and not self.decision.analyse(self.answers).settled:
                    self.refining = False  # unsettled again: settle first, then offer refinement again
                self._shown = None
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
        assessed = self.relevance.targets if self.refining else DECISION
        return Result(True, dict(self.answers), self.asked, trace, advice, self.settled_after, self.outlook,
                      assessed, self.first_advice_after)

    # ------------------------------------------------------------- the advice as it forms
    def _update(self, leading: bool, stage: str = "interim", refinable: int = 0, refined: bool = False) -> None:
        """Show where the advice stands once an outcome leads, whenever what is shown changes."""
        if not leading:
            return
        from ppp_expert.api import evaluate

        advice = evaluate({"id": self.case_id, "answers": {q: v for q, v in self.answers.items() if v != UNKNOWN}},
                          self.kb)
        model = recommended(advice) or ""
        confidence = advice.appropriate.confidence
        update = AdviceUpdate(stage, advice.appropriate.verdict, model,
                              self.kb.models[model].title if model in self.kb.models else "",
                              confidence.level, tuple(confidence.could_flip), self.asked, len(self.answers),
                              refinable, refined,
                              tuple(q for q in confidence.could_flip if self.answers.get(q) == UNKNOWN))
        if self.first_advice_after is None:
            self.first_advice_after = self.asked
        previous = self._shown
        self._shown = update
        if previous is not None and (previous.stage, previous.verdict, previous.model, previous.confidence,
                                     previous.could_flip[:3]) == (update.stage, update.verdict, update.model,
                                                                  update.confidence, update.could_flip[:3]):
            return
        self.provider.show(update)

    def _decides(self, question_id: str) -> str:
        """What the answer to the question being asked decides, in plain words."""
        choice = self.choice
        if choice is None or choice.question != question_id or choice.now is None:
            return ""
        return decides_text(self.kb, choice)

    def _offer_refinement(self) -> bool:
        """The decision is settled: say so, then go on to the risk owners and red flags if wanted."""
        refinable: tuple[str, ...] = ()
        if self.refine is not False:  # what refinement would ask
            refinable = self._wanted(self.relevance.analyse(self.answers), refining=True)
        self._update(True, "settled", len(refinable))
        if not refinable:
            return False
        if self.refine:
            return True
        if not getattr(self.provider, "interactive", False):
            return False
        return self.provider.confirm(
            f"Continue with up to {len(refinable)} more questions to settle the risk owners and red flags?", True)

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
        why = commands.why(self.kb, self.outlook, question_id, detail)
        return replace(why, decides=self._decides(question_id))

    def help(self, question_id: str) -> Help:
        return commands.help_for(self.kb, question_id)

    def status(self) -> Status:
        return commands.status(self.kb, self.outlook, self.answers)
