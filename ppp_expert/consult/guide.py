"""Citations for `help` in a consultation: the guide sections (and practice documents) a
question cites, named by their titles. The help text itself is the project's own primer
(``ppp_expert.content``); the guide is cited, never quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ppp_expert.kb.sections import section_title


@dataclass(frozen=True)
class Passage:
    section: str
    title: str
    text: str = ""  # kept for callers that show a passage; we cite, we do not quote


def passage(section: str) -> Passage:
    """The citation of a guide section id or a ``practice:`` document."""
    return Passage(section, section_title(section))
