"""Which question to ask next: the one whose answer is worth most to the decision.

While the verdict or the model can still change, every candidate question is looked at one step
ahead (``engine.lookahead``): for each answer it could get (each choice, a value from each range
the rules tell apart, and ``unknown``, all equally likely), what the advice would then be and
what could still happen. Its *value* is the expected change:

- how often its answer changes the advice ``evaluate`` would give now (the verdict counts 1, the
  model alone ``MODEL_SHARE``): the questions that could overturn the current view come first;
- plus how much the answer narrows what can still happen: verdicts and models no longer possible
  (a model ``MODEL_SHARE``), the certainty range it closes, and ``SCORE_SHARE`` of the range it
  closes on the scores of the models still in contention: the questions that bring the advice to
  *settled*. The verdict comes first, then the model, as an adviser would settle them.

Only the questions that can still change the decision are candidates (``Relevance.needed``), and
only the few that can move the most evidence (each gate counts 1, a weight its size) are looked
ahead, so a choice takes milliseconds. Ties go to the question in the same part of the guide as
the last one, then to the guide's order. Once the decision is settled, the refinement questions
(risk owners and red flags) come in the order of how many open outcomes each can move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ppp_expert.advice.variants import alternatives
from ppp_expert.engine.bounds import DecisionSets
from ppp_expert.engine.lookahead import Lookahead, Projection, Prospect
from ppp_expert.engine.relevance import Outlook, Relevance
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: How many candidates, ranked by the evidence they can move, are looked at one step ahead.
LOOKED_AHEAD = 6
#: The verdict comes first: a change of model alone, or a model ruled out, counts this much of a
#: change of verdict; the range an answer closes on the models' scores this much of the range it
#: closes on the certainty.
MODEL_SHARE = 0.25
SCORE_SHARE = 0.1
#: Two values closer than this count as a tie.
TIE = 1e-6


@dataclass(frozen=True)
class NextQuestion:
    """The next question and why: its value and what each answer would do (empty when refining)."""

    question: str
    value: float
    now: Projection | None = None
    prospects: tuple[Prospect, ...] = ()


def answers_to_try(kb: KnowledgeBase, question_id: str) -> list[Any]:
    """The answers that tell the rules apart: every choice, or a value from every range of a number
    the rules distinguish; and ``unknown``."""
    values = [v for v, _ in alternatives(kb, kb.questions[question_id], cond.UNKNOWN)]
    return [*values, cond.UNKNOWN]


def _width(sets: DecisionSets) -> tuple[float, float]:
    certainty = sets.certainty.hi() - sets.certainty.lo()
    scores = sum(sets.scores[m].hi() - sets.scores[m].lo() for m in sets.contenders)
    return certainty, scores


def worth(now: Projection, possible: DecisionSets, prospects: Sequence[Prospect]) -> float:
    """The expected change one question's answer brings (see the module docstring)."""
    if not prospects:
        return 0.0
    width, score_width = _width(possible)
    total = 0.0
    for p in prospects:
        flips = (p.projected.verdict != now.verdict) + MODEL_SHARE * (p.projected.model != now.model)
        narrowed = (len(possible.verdicts) - len(p.possible.verdicts)
                    + MODEL_SHARE * (len(possible.models) - len(p.possible.models)))
        after, score_after = _width(p.possible)
        total += flips + narrowed + (width - after) + SCORE_SHARE * (score_width - score_after)
    return total / len(prospects)


class Chooser:
    """Chooses the next question for one knowledge base (built once per consultation)."""

    def __init__(self, kb: KnowledgeBase, decision: Relevance) -> None:
        self.kb = kb
        self.decision = decision
        self.rank = {q: i for i, q in enumerate(sorted(kb.questions, key=decision.rank.__getitem__))}

    def _reach(self, outlook: Outlook, question: str) -> float:
        return sum(self.decision.decisiveness(rid) for rid in outlook.needed_by.get(question, ()))

    def deciding(self, answers: Mapping[str, Any], outlook: Outlook, last: str | None = None,
                 lookahead: Lookahead | None = None) -> NextQuestion | None:
        """The most valuable question for the decision, None when nothing can change it."""
        if not outlook.needed:
            return None
        ahead = lookahead or Lookahead(self.decision, answers)
        candidates = sorted(outlook.needed, key=lambda q: (-self._reach(outlook, q), self.rank[q]))[:LOOKED_AHEAD]
        phase = self.kb.questions[last].phase if last in self.kb.questions else None
        best: NextQuestion | None = None
        best_key: tuple[float, int, int] | None = None
        for question in candidates:
            prospects = tuple(ahead.prospects(question, answers_to_try(self.kb, question)))
            value = worth(ahead.now, ahead.possible, prospects)
            key = (round(value / TIE) * TIE, int(self.kb.questions[question].phase == phase), -self.rank[question])
            if best_key is None or key > best_key:
                best, best_key = NextQuestion(question, value, ahead.now, prospects), key
        return best

    def refining(self, outlook: Outlook, wanted: Sequence[str]) -> NextQuestion | None:
        """The refinement question (of ``wanted``) that can move the most open outcomes (risk
        owners, red flags); ties in the guide's order."""
        if not wanted:
            return None

        def moves(question: str) -> int:
            return len({t for rid in outlook.needed_by.get(question, ()) for t in outlook.moves.get(rid, ())})

        question = min(wanted, key=lambda q: (-moves(q), self.rank[q]))
        return NextQuestion(question, float(moves(question)))
