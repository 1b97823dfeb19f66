"""Terminal rendering of glossary entries and primer texts (rich; plain on a pipe or with NO_COLOR).

Takes the entries as plain objects (``term``, ``definition`` ...), so the render layer needs no
import of the content package; the caller resolves cross-references to titles.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ppp_expert.kb.sections import SECTION_TITLES, section_title


def source_text(source: str) -> str:
    """A citation as a reader sees it: a guide section's title with its id, or a named document."""
    if source in SECTION_TITLES or source.startswith("practice:"):
        return f"{section_title(source)} [{source}]"
    return source


def term_panel(term: Any, see_also: Iterable[str]) -> Panel:
    """One glossary entry: definition, why it matters, related terms, where the guide discusses it."""
    parts: list[Any] = [Text(term.definition)]
    parts.append(Text.assemble(("Why it matters: ", "bold"), term.why_it_matters))
    if term.aliases:
        parts.append(Text.assemble(("Also called: ", "dim"), ", ".join(term.aliases)))
    related = list(see_also)
    if related:
        parts.append(Text.assemble(("See also: ", "dim"), ", ".join(related)))
    parts.append(Text.assemble(("Sources: ", "dim"), "; ".join(source_text(s) for s in term.sources)))
    return Panel(Group(*parts), title=Text(term.term), title_align="left", subtitle=term.id, subtitle_align="right")


def terms_table(terms: Iterable[Any], title: str = "Glossary") -> Table:
    """Every term with its other names and topics."""
    table = Table(title=title, expand=True)
    table.add_column("Term", ratio=2, style="bold")
    table.add_column("Also called", ratio=3)
    table.add_column("Topics", ratio=2, style="dim")
    for t in terms:
        table.add_row(Text(t.term), Text(", ".join(t.aliases)), ", ".join(t.topics))
    return table


def primer_panel(entry: Any, term_names: Iterable[str]) -> Panel:
    """A primer text with the glossary terms it uses."""
    parts: list[Any] = [Text(entry.body)]
    names = list(term_names)
    if names:
        parts.append(Text.assemble(("Terms: ", "dim"), ", ".join(names)))
    if entry.sources:
        parts.append(Text.assemble(("Sources: ", "dim"), "; ".join(source_text(s) for s in entry.sources)))
    return Panel(Group(*parts), title=Text(entry.title), title_align="left", subtitle=entry.id, subtitle_align="right")
