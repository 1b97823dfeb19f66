"""What an answer decides, in plain words: the consultation's reason for asking a question now.

Built from the value-of-information look ahead (``choice.NextQuestion``): the answers that lead to
each outcome, e.g. "Your answer decides between a PPP as a joint venture (if yes) and not yet:
conditions first (if no or unknown)."
"""

from __future__ import annotations

from ppp_expert.advice.summary import OUTCOME_WORDS
from ppp_expert.consult.choice import NextQuestion
from ppp_expert.engine.lookahead import Projection
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.knowledge_base import KnowledgeBase

#: The shared outcome words (``advice.summary.OUTCOME_WORDS``), but in a "decides between"
#: sentence a not-yet says why and insufficient information reads as what it is now.
VERDICT_WORDS = {**OUTCOME_WORDS, "not_yet": "not yet, conditions first", "insufficient_information": "no advice yet"}


def outcome_words(kb: KnowledgeBase, projection: Projection) -> str:
    """'a PPP as Managed services', 'traditional procurement', ..."""
    words = VERDICT_WORDS.get(projection.verdict, projection.verdict)
    if projection.verdict in ("ppp", "not_yet") and projection.model in kb.models:
        title = kb.models[projection.model].title
        words = f"a PPP as {title}" if projection.verdict == "ppp" else f"{words} (a {title} later)"
    return words


def _values(kb: KnowledgeBase, question_id: str, values: list[object]) -> str:
    if kb.questions[question_id].type != "choice" and any(v != cond.UNKNOWN for v in values):
        known = [v for v in values if v != cond.UNKNOWN]
        text = "some amounts" if len(known) > 1 else f"{known[0]:g}" if isinstance(known[0], float) else str(known[0])
        return text + (" or unknown" if cond.UNKNOWN in values else "")
    names = [str(v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def decides_text(kb: KnowledgeBase, choice: NextQuestion) -> str:
    """One or two sentences: which outcomes the answer decides between, or how it narrows them."""
    if choice.now is None or not choice.prospects:
        return ""
    groups: dict[Projection, list[object]] = {}
    for p in choice.prospects:
        groups.setdefault(p.projected, []).append(p.value)
    if len(groups) == 1:
        now = "there is no advice yet" if choice.now.verdict == "insufficient_information" else \
            f"the advice is {outcome_words(kb, choice.now)}"
        return (f"On the answers so far {now}, whatever you answer here; your answer narrows what the "
                "remaining questions can still change, so the advice settles sooner.")
    parts = [f"{outcome_words(kb, projection)} (if {_values(kb, choice.question, values)})"
             for projection, values in groups.items()]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Your answer decides between {joined}."
