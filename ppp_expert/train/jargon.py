"""Jargon defined at first use: the first time a session shows a glossary term (in a brief, a
question or its choices), a one-line definition follows, so a new officer never meets 'step-in
rights' or 'availability payment' unexplained. Each term is defined once per session; `glossary
TERM` gives the full entry at any prompt."""

from __future__ import annotations

import re
from typing import Iterable

from ppp_expert.content.texts import Glossary, Term

#: Names shorter than this are too likely to match ordinary words (ids such as 'pfi' still count
#: as upper-case abbreviations).
MIN_NAME = 4


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", " ".join(text.split()))
    return match.group(1) if match else text


class Jargon:
    """The glossary terms a session has defined so far."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.defined: set[str] = set()
        names: dict[str, Term] = {}
        for term in glossary.terms:
            for name in (term.term, *term.aliases):
                if len(name) >= MIN_NAME or (name.isupper() and len(name) >= 2):
                    names.setdefault(name.lower(), term)
        self._names = names
        ordered = sorted(names, key=len, reverse=True)
        self._pattern = re.compile(r"\b(?:" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in ordered)
                                   + r")\b", re.IGNORECASE) if ordered else None

    def new_terms(self, texts: Iterable[str], models: bool = True) -> list[str]:
        """One line per term met here for the first time in the session: 'Term: what it is.'
        Without ``models``, terms naming a partnership model are left for the model step (in a
        brief, defining 'data partnership' would point at the answer)."""
        if self._pattern is None:
            return []
        lines = []
        for text in texts:
            for match in self._pattern.finditer(text):
                term = self._names.get(" ".join(match.group(0).lower().replace("-", " ").split()))
                term = term or self.glossary.find(match.group(0))
                if term is None or term.id in self.defined:
                    continue
                if not models and any(ref.startswith("model:") for ref in term.kb_refs):
                    continue
                self.defined.add(term.id)
                lines.append(f"{term.term}: {first_sentence(term.definition)}")
        return lines
