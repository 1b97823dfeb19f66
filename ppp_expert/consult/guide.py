"""Guide passages for `help` in a consultation, cited by the guide's section ids.

The guide text is not part of the package; when a copy can be found (``PPP_EXPERT_GUIDE``)
the passage is quoted, otherwise only the section title is shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ppp_expert.kb.sections import SECTION_TITLES

GUIDE_FILE = "ppp-technology-guide.txt"
MAX_LINES = 8

#: section id -> (first line of the passage, line that starts the next section); titles: kb.sections
_MARKERS: dict[str, tuple[str, str | None]] = {
    "why-ppp": ("Why PPPs for Technology", "Technology PPP Applications"),
    "applications": ("Technology PPP Applications", "Partnership Models"),
    "model-types": ("Model Types", "Model Selection"),
    "model-selection": ("Model Selection", "Partnership Development"),
    "phase1-opportunity": ("Phase 1: Opportunity Assessment", "Phase 2: Structuring"),
    "phase2-structuring": ("Phase 2: Structuring", "Phase 3: Procurement"),
    "phase3-procurement": ("Phase 3: Procurement", "Phase 4: Implementation"),
    "phase4-implementation": ("Phase 4: Implementation", "Governance and Oversight"),
    "governance": ("Governance and Oversight", "Performance Management"),
    "performance": ("Performance Management", "Success Factors"),
    "success-factors": ("Success Factors", "Common Challenges"),
    "challenges": ("Common Challenges", "Key Takeaways"),
    "takeaways": ("Key Takeaways", "Frequently Asked Questions"),
    "faq-when": ("When is PPP appropriate", None),
    "faq-public-interest": ("How do we protect public interest", None),
    "faq-failures": ("What are common PPP failures", None),
    "faq-term": ("How long should technology PPPs last", None),
    "faq-data-ip": ("What about data and IP ownership", None),
    "faq-political": ("How do we manage political transitions", None),
}
#: section id -> (title, first line of the passage, line that starts the next section)
SECTIONS: dict[str, tuple[str, str, str | None]] = {
    section: (SECTION_TITLES[section], start, stop) for section, (start, stop) in _MARKERS.items()
}


@dataclass(frozen=True)
class Passage:
    section: str
    title: str
    text: str  # empty when the guide file is not available


def _candidates() -> list[Path]:
    env = os.environ.get("PPP_EXPERT_GUIDE")
    here = Path(__file__).resolve()
    found = [Path(env)] if env else []
    for parent in here.parents[2:4]:
        found.append(parent / "shared" / "guide" / GUIDE_FILE)
        found.append(parent.parent / "shared" / "guide" / GUIDE_FILE)
    return found


@lru_cache(maxsize=1)
def _guide_lines() -> tuple[str, ...]:
    for path in _candidates():
        try:
            return tuple(path.read_text(encoding="utf-8").splitlines())
        except OSError:
            continue
    return ()


def passage(section: str) -> Passage:
    """The guide passage of a section id; ``practice:`` citations have no guide text."""
    if section not in SECTIONS:
        name = section.split(":", 1)[-1].replace("-", " ")
        return Passage(section, f"International practice: {name}", "")
    title, start, stop = SECTIONS[section]
    lines = _guide_lines()
    begin = next((i for i, line in enumerate(lines) if line.startswith(start)), None)
    if begin is None:
        return Passage(section, title, "")
    if stop is None:  # an FAQ entry is one line
        return Passage(section, title, lines[begin].strip())
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop)), len(lines))
    body = [line.strip() for line in lines[begin:end] if line.strip() and line.strip() != "-"]
    if len(body) > MAX_LINES:
        body = body[:MAX_LINES] + ["…"]
    return Passage(section, title, "\n".join(body))
