"""Random valid answer sets drawn from a knowledge base's questions (benchmarks, tests)."""

from __future__ import annotations

import random
from typing import Any

from ppp_expert.kb.knowledge_base import KnowledgeBase

MAX_GENERATED_NUMBER = 2000.0


def random_answers(kb: KnowledgeBase, rng: random.Random, unknown_rate: float = 0.15) -> dict[str, Any]:
    """Answer each question with a random allowed value, leaving ``unknown_rate`` of them out."""
    answers: dict[str, Any] = {}
    for q in kb.questions.values():
        if rng.random() < unknown_rate:
            continue  # some questions left unknown, as in real cases
        if q.type == "choice":
            answers[q.id] = rng.choice(list(q.answers))
        elif q.type == "integer":
            answers[q.id] = rng.randint(int(q.min or 1), int(q.max or 50))
        else:
            answers[q.id] = round(rng.uniform(q.min or 0, min(q.max or MAX_GENERATED_NUMBER, MAX_GENERATED_NUMBER)), 1)
    return answers
