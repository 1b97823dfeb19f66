"""``guide [SECTION]`` at a practice prompt: what a guide section teaches, in our words, with the
rules of the current case that cite it, so a trainee can connect a citation to the rules it backs.

The guide is cited by section id and never quoted; the pages are ``content/guide_sections.yaml``.
The same page text serves ``ppp-expert guide SECTION``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Protocol

from ppp_expert.content.texts import Glossary, guide_pages
from ppp_expert.kb.sections import SECTION_TITLES
from ppp_expert.kb.sources import suggest
from ppp_expert.train import events as ev
from ppp_expert.train.provider import Provider

if TYPE_CHECKING:
    from ppp_expert.train.solved import Solved


class GuideTutor(Protocol):
    """What a guide page needs of the tutor: where to show it, the glossary, the solved case."""

    provider: Provider
    glossary: Glossary

    def solved(self, case_id: str) -> "Solved": ...


def find_section(name: str) -> str | None:
    """The section id ``name`` names: the id itself (any case) or a unique start of one."""
    key = name.strip().lower()
    if key in SECTION_TITLES:
        return key
    starts = [s for s in SECTION_TITLES if key and s.startswith(key)]
    return starts[0] if len(starts) == 1 else None


def unknown_note(name: str) -> str:
    """One line for a name that is no section: the sections it starts, or the nearest id and every id."""
    key = name.strip().lower()
    starts = [s for s in SECTION_TITLES if key and s.startswith(key)]
    if len(starts) > 1:
        return f"'{name.strip()}' starts several guide sections: {', '.join(starts)}; type more of the id."
    return f"No guide section '{name.strip()}'{suggest(key, SECTION_TITLES)}; sections: {', '.join(SECTION_TITLES)}."


def citing_rules(solved: "Solved", section: str) -> list[str]:
    """Titles of the rules that fired on this case and cite ``section``, in firing order, once each."""
    titles: dict[str, str] = {}
    for firing in solved.trace.firings:
        if firing.rule.source == section:
            titles.setdefault(firing.rule.id, firing.rule.title)
    return list(titles.values())


def page_lines(section: str, glossary: Glossary, rules: Iterable[str] | None = None) -> tuple[str, tuple[str, ...]]:
    """The title and lines of a section's page; ``rules`` (titles of fired rules citing it) when there
    is a case, None when there is none."""
    page = guide_pages()[section]
    terms = [t.term for t in (glossary.get(i) for i in page.terms) if t is not None]
    lines = [f"Section id: {section} (rules cite it as source: {section})", page.summary, "Key points:",
             *(f"- {p}" for p in page.key_points)]
    if terms:
        lines.append(f"Terms to look up with 'glossary TERM': {', '.join(terms)}")
    lines.append("See also: " + ", ".join(f"{s} ({SECTION_TITLES[s]})" for s in page.see_also))
    if rules is not None:
        fired = list(rules)
        lines.append("Rules citing it in this case: " + ("; ".join(fired) if fired else "none fired on this case"))
    return SECTION_TITLES[section], tuple(lines)


def show_guide(tutor: GuideTutor, name: str, sections: tuple[str, ...], case_id: str | None) -> None:
    """``guide [SECTION]``: the named section's page, or the first section the step cites."""
    if name.strip():
        section = find_section(name)
        if section is None:
            tutor.provider.show(ev.NoteShown(unknown_note(name), "yellow"))
            return
    else:
        cited = [s for s in sections if s in SECTION_TITLES]
        if not cited:
            tutor.provider.show(ev.NoteShown("This step cites no guide section (its rules draw on international "
                                             f"practice); type guide and a section: {', '.join(SECTION_TITLES)}."))
            return
        section = cited[0]
    rules = citing_rules(tutor.solved(case_id), section) if case_id else None
    title, lines = page_lines(section, tutor.glossary, rules)
    tutor.provider.show(ev.Lines(f"Guide: {title}", lines, "guide"))
