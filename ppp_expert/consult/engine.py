"""The consultation's own experta engine: ``Need(question)`` facts and one asking rule.

The classic pattern: goal rules declare ``Need(question)``; one low-salience rule asks the answer
provider for a needed question that has no answer yet. Here the goal rule is ``plan``: each
time the answers change (a new ``Turn`` fact), it asks the relevance analysis which questions
can still change the advice and makes the ``Need`` facts match (retracting the stale ones).
``ask`` then fires for the needed question ranked first: the one the session chose for its value
to the decision (``choice.py``), else the first in the guide's order.

Why a separate engine and not the compiled knowledge-base engine: experta fires a rule as soon
as its patterns match, and a ``not`` condition matches while the question it tests is still
unanswered; firings cannot be taken back, so running the rules on a half-answered case would
conclude things the later answers contradict. The knowledge base therefore only ever runs on
a closed answer set (``Reasoner.run``, exactly as ``evaluate`` does), and the consultation
reasons about the open case with the three-valued analysis in ``relevance.py``. Plain
``evaluate`` is untouched and pays nothing for the consultation.
"""

from __future__ import annotations

from typing import Any, Protocol

from ppp_expert.engine.experta_seam import MATCH, NOT, Fact, KeyedStrategy, KnowledgeEngine, Rule


class Given(Fact):
    """An answer held by the consultation: ``q`` the question, ``v`` the value (or ``unknown``).

    Deliberately not the compiler's ``Answer``: that class specialises itself per question for
    matching speed, which a pattern with a variable question (``MATCH.q``) cannot use.
    """


class Need(Fact):
    """The answer to question ``q`` can still change the advice; ``rank`` orders the asking (the
    most valuable question -1, the others their guide order)."""


class Turn(Fact):
    """The answers changed (``n`` counts the changes): the goals must be re-planned."""


class Driver(Protocol):
    """What the engine calls back: the session."""

    def plan(self) -> list[tuple[str, int]]: ...

    def ask(self, question: str) -> None: ...


class GuideOrder(KeyedStrategy):
    """Higher salience first; among ``ask`` activations, the lowest-ranked question first."""

    def get_key(self, activation: Any) -> tuple[int, int]:
        return (activation.rule.salience, -int(activation.context.get("rank", 0)))


class ConsultEngine(KnowledgeEngine):
    """Holds the answers and the needs; the session decides, the provider answers."""

    __strategy__ = GuideOrder

    def __init__(self, driver: Driver) -> None:
        super().__init__()
        self.driver = driver
        self.needs: dict[str, Any] = {}
        self.turn: Any = None

    def reset(self, **kwargs: Any) -> None:
        super().reset(**kwargs)
        self.needs = {}
        self.turn = None

    def replay(self, answers: dict[str, Any]) -> None:
        """Start afresh from ``answers`` (retraction by replay: always the same state)."""
        self.reset()
        for question, value in answers.items():
            self.declare(Given(q=question, v=value))
        self.next_turn()

    def give(self, question: str, value: Any) -> None:
        """Record one answer and ask for a new plan."""
        self.declare(Given(q=question, v=value))
        self.next_turn()

    def next_turn(self) -> None:
        n = 0 if self.turn is None else self.turn["n"] + 1
        if self.turn is not None:
            self.retract(self.turn)
        self.turn = self.declare(Turn(n=n))

    @Rule(Turn(n=MATCH.n), salience=10)
    def plan(self, n: int) -> None:
        """Goal rule: declare Need(q) for exactly the questions that can still change the advice."""
        wanted = dict(self.driver.plan())
        for question in [q for q in self.needs if wanted.get(q) != self.needs[q]["rank"]]:
            self.retract(self.needs.pop(question))  # no longer needed, or its rank changed
        for question, rank in wanted.items():
            if question not in self.needs:
                self.needs[question] = self.declare(Need(q=question, rank=rank))

    @Rule(Need(q=MATCH.q, rank=MATCH.rank), NOT(Given(q=MATCH.q)), salience=-10)
    def ask(self, q: str, rank: int) -> None:
        """The asking rule: lowest salience, so it runs only once the plan is up to date."""
        self.driver.ask(q)
