"""Readable titles of the guide sections that rules cite (``source:``), one place for all layers.

The ids are the citation vocabulary (``schema.GUIDE_SECTIONS``); ``practice:<name>`` citations
name knowledge from beyond the guide and get a title made from their name.
"""

from __future__ import annotations

from ppp_expert.kb.schema import GUIDE_SECTIONS

SECTION_TITLES: dict[str, str] = {
    "why-ppp": "Why PPPs for technology",
    "applications": "Technology PPP applications",
    "model-types": "Model types",
    "model-selection": "Model selection",
    "phase1-opportunity": "Phase 1: opportunity assessment",
    "phase2-structuring": "Phase 2: structuring",
    "phase3-procurement": "Phase 3: procurement",
    "phase4-implementation": "Phase 4: implementation",
    "governance": "Governance and oversight",
    "performance": "Performance management",
    "success-factors": "Success factors",
    "challenges": "Common challenges",
    "takeaways": "Key takeaways",
    "faq-when": "FAQ: when is a PPP appropriate?",
    "faq-public-interest": "FAQ: protecting the public interest",
    "faq-failures": "FAQ: common PPP failures",
    "faq-term": "FAQ: how long should a technology PPP last?",
    "faq-data-ip": "FAQ: data and IP ownership",
    "faq-political": "FAQ: political transitions",
}
assert set(SECTION_TITLES) == set(GUIDE_SECTIONS), "every guide section needs a title"


def section_title(section: str) -> str:
    """The title of a guide section id, or of a ``practice:`` citation."""
    if section in SECTION_TITLES:
        return SECTION_TITLES[section]
    return f"International practice: {section.split(':', 1)[-1].replace('-', ' ')}"
