"""Run one case through the compiled engine: evidence phase, decision, second phase."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ppp_expert.engine.aggregate import Decision, decide, thin_possible
from ppp_expert.engine.compiler import compile_engine
from ppp_expert.engine.facts import Answer, DecisionFact
from ppp_expert.engine.matchers import matcher_choice
from ppp_expert.engine.recorder import BaseEngine, Firing
from ppp_expert.engine.relevance import relevance_for
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.loader import gc_paused


@dataclass(frozen=True)
class Trace:
    """What happened for one case: all answers (unknown filled in), firings, the decision."""

    answers: dict[str, Any]
    firings: tuple[Firing, ...]
    decision: Decision


class Reasoner:
    """One compiled engine class per knowledge base and one reusable instance (reset per case).

    The knowledge-base engine only ever runs on a complete answer set: rules with ``not``
    conditions would otherwise fire on a question not yet answered and never be retracted.
    Consultations decide what to ask elsewhere (``ppp_expert.consult``) and evaluate here.
    """

    def __init__(self, kb: KnowledgeBase, matcher: str | None = None) -> None:
        self.kb = kb
        with gc_paused():
            self.engine_class = compile_engine(kb, matcher)
        #: The matcher actually used: ``keyed`` or ``stock`` (see ``matchers.matcher_choice``).
        self.matcher: str = self.engine_class.matcher_name
        self.engine: BaseEngine = self.engine_class()
        self.answers: dict[str, Any] = {}

    def _evidence_phase(self, answers: Mapping[str, Any]) -> Decision:
        """Reset, declare every answer (in knowledge-base order, in one declaration: the matcher is
        polled once), run the evidence rules and decide; second-phase rules wait on the agenda."""
        self.engine.reset()
        self.answers = {q: answers.get(q, UNKNOWN) for q in self.kb.question_order}
        self.engine.declare(*(Answer(q=q, v=v) for q, v in self.answers.items()))
        self.engine.run()
        answers = self.answers
        return decide(self.kb, self.engine.firings, lambda: open_bounds(self.kb, answers))

    def decision_only(self, answers: Mapping[str, Any]) -> Decision:
        """The decision for an answer set without the second phase."""
        return self._evidence_phase(answers)

    def run(self, answers: Mapping[str, Any]) -> Trace:
        """Evaluate a whole answer set: evidence phase, decision, second phase."""
        decision = self._evidence_phase(answers)
        facts = [DecisionFact(kind="verdict", v=decision.verdict)]
        if decision.determined:  # no model, no deal design: second-phase model rules stay silent
            facts.append(DecisionFact(kind="model", v=decision.model))
        self.engine.declare(*facts)
        self.engine.agenda.phase = 2
        self.engine.run()
        ordered = {q: self.answers[q] for q in self.kb.question_order}
        return Trace(ordered, tuple(self.engine.firings), decision)


def open_bounds(kb: KnowledgeBase, answers: Mapping[str, Any]) -> tuple[float, float] | None:
    """Sound bounds of the certainty over the answers the unknown questions could get: what
    ``aggregate.decide`` judges thin evidence by. None when enough of the verdict's questions are
    answered (``settings.thin_information_share``) for the evidence never to count as thin."""
    known = {q: v for q, v in answers.items() if v != UNKNOWN}
    if not thin_possible(kb, known):
        return None
    b = relevance_for(kb, {"verdict"}).certainty_bounds(known)
    return b.lo(), b.hi()


def reasoner_for(kb: KnowledgeBase, matcher: str | None = None) -> Reasoner:
    """The compiled engine of ``kb``: compiled on first use, then kept on the knowledge base.

    ``matcher`` as in ``matchers.matcher_choice`` (default: ``$PPP_EXPERT_MATCHER``, else keyed).
    Not thread-safe (experta is not): each thread or process needs its own knowledge base.
    """
    chosen = matcher_choice(matcher)
    return kb.derived((Reasoner, chosen), lambda: Reasoner(kb, chosen))
