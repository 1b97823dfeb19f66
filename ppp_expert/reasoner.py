"""Run one case through the compiled engine: evidence phase, decision, second phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .aggregate import Decision, decide
from .compiler import Answer, BaseEngine, Firing, compile_engine
from .conditions import UNKNOWN
from .compiler import Decision as DecisionFact
from .kb import KnowledgeBase


@dataclass(frozen=True)
class Trace:
    """What happened for one case: all answers (unknown filled in), firings, the decision."""

    answers: dict[str, Any]
    firings: tuple[Firing, ...]
    decision: Decision


class Reasoner:
    """One compiled engine class per knowledge base and one reusable instance (reset per case).

    Incremental use (for consultations): ``start()``, then ``answer(q, v)`` as answers arrive
    (each runs the evidence rules to a fixpoint), then ``finish()``.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.engine_class = compile_engine(kb)
        self.engine: BaseEngine = self.engine_class()
        self.answers: dict[str, Any] = {}

    def start(self) -> None:
        self.engine.reset()
        self.answers = {}

    def answer(self, question: str, value: Any) -> None:
        """Declare one answer and let the evidence rules run on it."""
        self.answers[question] = value
        self.engine.declare(Answer(q=question, v=value))
        self.engine.run()

    @property
    def firings(self) -> list[Firing]:
        return self.engine.firings

    def finish(self) -> Trace:
        """Close the world (missing answers are unknown), decide, run the second phase."""
        for question in self.kb.question_order:
            if question not in self.answers:
                self.answers[question] = UNKNOWN
                self.engine.declare(Answer(q=question, v=UNKNOWN))
        self.engine.run()
        decision = decide(self.kb, self.engine.firings)
        self.engine.declare(DecisionFact(kind="verdict", v=decision.verdict))
        self.engine.declare(DecisionFact(kind="model", v=decision.model))
        self.engine.run()
        ordered = {q: self.answers[q] for q in self.kb.question_order}
        return Trace(ordered, tuple(self.engine.firings), decision)

    def run(self, answers: Mapping[str, Any]) -> Trace:
        """Evaluate a whole answer set; answers are declared in knowledge-base order."""
        self.engine.reset()
        self.answers = {q: answers.get(q, UNKNOWN) for q in self.kb.question_order}
        # One declaration of all answers: the matcher is polled once, not once per answer.
        self.engine.declare(*(Answer(q=q, v=v) for q, v in self.answers.items()))
        return self.finish()
