"""Read the glossary, the primer and the guide section pages (safe YAML) and look terms up the way
an official types them.

The files are data written by people: a malformed entry fails at load with one line naming the
file, the entry and the field, like a broken knowledge base. Lookups are case-insensitive and
ignore spacing, hyphen and dash variants ("cpi-x" finds "CPI−X"); a miss says what is close.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ppp_expert.errors import PPPExpertError
from ppp_expert.yaml_io import read_yaml

CONTENT_DIR = Path(__file__).resolve().parent


class ContentError(PPPExpertError):
    """The glossary or primer is malformed, or a term is not in it."""


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    id: str
    aliases: tuple[str, ...]
    definition: str
    why_it_matters: str
    see_also: tuple[str, ...]
    sources: tuple[str, ...]
    topics: tuple[str, ...]
    kb_refs: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, self.id, *self.aliases)


def normalise(text: str) -> str:
    """The lookup key: case-folded; hyphens, dashes and minus signs read as spaces; spacing collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\u2010-\u2015\u2212-]", " ", text)  # "step-in", "step in" and "CPI−X" alike
    text = re.sub(r"\s*/\s*", "/", text)
    return " ".join(text.replace("’", "'").split())


class Glossary:
    """The terms, indexed by every name (term, id, aliases)."""

    def __init__(self, terms: list[Term], path: str) -> None:
        self.terms = terms
        self.path = path
        self._by_id = {t.id: t for t in terms}
        self._index: dict[str, Term] = {}
        for t in terms:
            for name in t.names:
                self._index.setdefault(normalise(name), t)

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term_id: str) -> Term | None:
        return self._by_id.get(term_id)

    def find(self, text: str) -> Term | None:
        """The entry named ``text`` (term, id or alias; a unique prefix of a name also works)."""
        key = normalise(text)
        if not key:
            return None
        if key in self._index:
            return self._index[key]
        starts = {t.id: t for name, t in self._index.items() if name.startswith(key)}
        return next(iter(starts.values())) if len(starts) == 1 else None

    def lookup(self, text: str) -> Term:
        """Like ``find``, but a miss is a one-line error with the nearest names."""
        found = self.find(text)
        if found is not None:
            return found
        close = self.suggestions(text)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ContentError(f"no glossary entry for '{text}'{hint}; 'ppp-expert glossary' lists all "
                           f"{len(self.terms)} terms", field="term")

    def suggestions(self, text: str, n: int = 3) -> list[str]:
        key = normalise(text)
        names = {normalise(name): t.term for t in self.terms for name in t.names}
        close = difflib.get_close_matches(key, list(names), n=n * 2, cutoff=0.6)
        contained = [name for name in names if len(key) >= 3 and key in name]
        picked: list[str] = []
        for name in [*close, *sorted(contained)]:
            if names[name] not in picked:
                picked.append(names[name])
        return picked[:n]

    def for_refs(self, refs: Iterable[str]) -> list[Term]:
        """Entries that explain these knowledge-base items (``risk:demand``,
        ``setting:structuring.payment_mechanism=user_fees``): those of the first item first."""
        found: dict[str, Term] = {}
        for ref in refs:
            for t in self.terms:
                if ref in t.kb_refs:
                    found.setdefault(t.id, t)
        return list(found.values())


@dataclass(frozen=True)
class PrimerEntry:
    """A primer text: a question phase, a curriculum topic or one question."""

    id: str
    title: str
    body: str
    terms: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Primer:
    phases: dict[str, PrimerEntry]     # by question phase (need, drivers, ...)
    topics: dict[str, PrimerEntry]     # by curriculum topic id
    questions: dict[str, PrimerEntry]  # by question id


def _text(entry: dict[str, Any], key: str, path: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"expected non-empty text, got {type(value).__name__}", path=path, field=f"{where}.{key}")
    return " ".join(value.split())


def _names(entry: dict[str, Any], key: str, path: str, where: str, required: bool = True) -> tuple[str, ...]:
    value = entry.get(key, None if required else [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ContentError("expected a list of text", path=path, field=f"{where}.{key}")
    return tuple(value)


def _entries(data: Any, key: str, path: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ContentError(f"expected a mapping with a list '{key}'", path=path)
    for i, entry in enumerate(data[key]):
        if not isinstance(entry, dict):
            raise ContentError("expected a mapping", path=path, field=f"{key}[{i}]")
    return data[key]


def load_glossary(path: Path | None = None) -> Glossary:
    """Read and check ``glossary.yaml`` (default: the shipped one)."""
    file = path or CONTENT_DIR / "glossary.yaml"
    where = str(file)
    terms: list[Term] = []
    seen: set[str] = set()
    for i, entry in enumerate(_entries(read_yaml(file, ContentError), "terms", where)):
        label = f"terms[{i}]"
        term_id = _text(entry, "id", where, label)
        if term_id in seen:
            raise ContentError(f"duplicate id '{term_id}'", path=where, field=f"{label}.id")
        seen.add(term_id)
        label = f"terms.{term_id}"
        terms.append(Term(
            term=_text(entry, "term", where, label), id=term_id,
            aliases=_names(entry, "aliases", where, label, required=False),
            definition=_text(entry, "definition", where, label),
            why_it_matters=_text(entry, "why_it_matters", where, label),
            see_also=_names(entry, "see_also", where, label, required=False),
            sources=_names(entry, "sources", where, label),
            topics=_names(entry, "topics", where, label),
            kb_refs=_names(entry, "kb_refs", where, label, required=False),
        ))
    return Glossary(terms, where)


def load_primer(path: Path | None = None) -> Primer:
    """Read and check ``primer.yaml`` (default: the shipped one)."""
    file = path or CONTENT_DIR / "primer.yaml"
    where = str(file)
    data = read_yaml(file, ContentError)
    sections: dict[str, dict[str, PrimerEntry]] = {}
    for key, id_key in (("phases", "phase"), ("topics", "id"), ("questions", "question")):
        found: dict[str, PrimerEntry] = {}
        for i, entry in enumerate(_entries(data, key, where)):
            label = f"{key}[{i}]"
            entry_id = _text(entry, id_key, where, label)
            title = _text(entry, "title", where, label) if "title" in entry else entry_id
            found[entry_id] = PrimerEntry(entry_id, title, _text(entry, "body", where, label),
                                          _names(entry, "terms", where, label, required=False),
                                          _names(entry, "sources", where, label, required=False))
        sections[key] = found
    return Primer(sections["phases"], sections["topics"], sections["questions"])


@dataclass(frozen=True)
class GuidePage:
    """What one guide section teaches, in our words: shown by ``guide SECTION`` (the guide itself
    is cited by section id, never quoted)."""

    section: str
    summary: str
    key_points: tuple[str, ...]
    terms: tuple[str, ...]
    see_also: tuple[str, ...]


def load_guide_pages(path: Path | None = None, terms: Glossary | None = None) -> dict[str, GuidePage]:
    """Read and check ``guide_sections.yaml`` (default: the shipped one), by section id. Terms must be
    glossary ids and ``see_also`` other pages, so a page never points at nothing."""
    file = path or CONTENT_DIR / "guide_sections.yaml"
    where = str(file)
    known = terms or glossary()
    pages: dict[str, GuidePage] = {}
    for i, entry in enumerate(_entries(read_yaml(file, ContentError), "pages", where)):
        section = _text(entry, "section", where, f"pages[{i}]")
        label = f"pages.{section}"
        if section in pages:
            raise ContentError(f"duplicate section '{section}'", path=where, field=f"pages[{i}].section")
        page = GuidePage(section, _text(entry, "summary", where, label),
                         tuple(" ".join(p.split()) for p in _names(entry, "key_points", where, label)),
                         _names(entry, "terms", where, label, required=False),
                         _names(entry, "see_also", where, label, required=False))
        if not page.key_points:
            raise ContentError("expected at least one key point", path=where, field=f"{label}.key_points")
        unknown = [t for t in page.terms if known.get(t) is None]
        if unknown:
            raise ContentError(f"'{unknown[0]}' is not a glossary id", path=where, field=f"{label}.terms")
        pages[section] = page
    for page in pages.values():
        dangling = [s for s in page.see_also if s not in pages or s == page.section]
        if dangling:
            raise ContentError(f"'{dangling[0]}' is not another page's section", path=where,
                               field=f"pages.{page.section}.see_also")
    return pages


@lru_cache(maxsize=1)
def guide_pages() -> dict[str, GuidePage]:
    """The shipped guide section pages, read once per process."""
    return load_guide_pages()


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    """The shipped glossary, read once per process."""
    return load_glossary()


@lru_cache(maxsize=1)
def primer() -> Primer:
    """The shipped primer, read once per process."""
    return load_primer()
