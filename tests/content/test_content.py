"""The glossary, primer and guide section pages (ppp_expert/content/*.yaml) are complete,
consistent and our own words.

The files are plain data read with ``yaml.safe_load``; these tests read them from the repository
root, so they do not depend on how the package is wired into the CLI.

The check that no text is copied from the guide needs the guide, which lives outside the
repository: it runs only when ``PPP_GUIDE_PATH`` names the guide file, and is skipped otherwise.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
CONTENT = ROOT / "ppp_expert" / "content"
KB = ROOT / "knowledge_base"

#: The guide section ids a citation may use.
GUIDE_SECTIONS = (
    "why-ppp applications model-types model-selection phase1-opportunity phase2-structuring "
    "phase3-procurement phase4-implementation governance performance success-factors challenges "
    "takeaways faq-when faq-public-interest faq-failures faq-term faq-data-ip faq-political"
).split()

#: Topics of the training curriculum (issue 11) plus the three cross-cutting ones.
TOPICS = (
    "model-selection risk-allocation red-flags structuring governance procurement "
    "implementation finance data"
).split()

#: Terms the glossary must define, looked up by term or alias (case-insensitive). A tuple
#: means any one of its spellings will do.
REQUIRED_TERMS = [
    "TUPE", "availability payment", "step-in rights", "earn-back", "CPI-X", "Swiss challenge",
    "competitive dialogue", "DPIA", "public sector comparator", "PSC", "value for money",
    "unitary charge", "concession", "BOT", "DBFO", "managed service", "joint venture", "alliance",
    "alliance contract", "pain/gain share", "data partnership", "data collaborative", "SLA", "KPI",
    "service credits", "deductions", "payment mechanism", "demand risk", "availability risk",
    "change in law", "force majeure", "termination compensation", "handback",
    "refinancing gain sharing", "lenders' direct agreement", "bankability", "contingent liability",
    "fiscal commitment", "affordability", "open access", "state aid", "lock-in", "exit plan",
    "escrow", "IP licence-back", "data portability", "unsolicited proposal", "market sounding",
    "output specification", "gateway review", "intelligent client", "benchmarking",
    "market testing", "gain-share", "liquidated damages", "performance bond", "SPV", "equity",
    "debt", "minimum revenue guarantee", ("FX risk", "foreign-exchange risk"),
    ("FX band", "indexation band"), "indexation",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "no.")


# ------------------------------------------------------------------------------ helpers
def _load(name: str) -> dict:
    with (CONTENT / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _kb(name: str) -> dict:
    with (KB / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _norm(text: str) -> str:
    """Lookup form: case-folded, one kind of dash and apostrophe, single spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace("\u2019", "'")
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", _norm(text))


def _sentences(text: str) -> list[str]:
    protected = text
    for abbreviation in ABBREVIATIONS:
        protected = protected.replace(abbreviation, abbreviation.replace(".", "\0"))
    return [s.replace("\0", ".") for s in SENTENCE_END.split(protected.strip()) if s.strip()]


def _valid_source(source: object) -> bool:
    """A guide section id, a `practice:<name>` id, or a named practice document."""
    if not isinstance(source, str) or not source.strip():
        return False
    if source in GUIDE_SECTIONS:
        return True
    if source.startswith("practice:"):
        return bool(SLUG.match(source.split(":", 1)[1]))
    # A title, not a mistyped section id: it has words and at least one space.
    return " " in source.strip() and len(source.strip()) >= 8


@pytest.fixture(scope="module")
def glossary() -> list[dict]:
    return _load("glossary.yaml")["terms"]


@pytest.fixture(scope="module")
def primer() -> dict:
    return _load("primer.yaml")


@pytest.fixture(scope="module")
def guide_pages() -> list[dict]:
    return _load("guide_sections.yaml")["pages"]


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return _kb("questions.yaml")["questions"]


@pytest.fixture(scope="module")
def kb_vocabulary(questions) -> dict[str, set[str]]:
    """Ids a `kb_refs` entry may point to, by kind."""
    vocabulary: dict[str, set[str]] = {
        "model": {m["id"] for m in _kb("models.yaml")["models"]},
        "risk": {r["id"] for r in _kb("risks.yaml")["risks"]},
        "question": {q["id"] for q in questions},
        "red_flag": set(), "setting": set(), "advice": set(),
    }
    for path in sorted((KB / "rules").glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            rules = yaml.safe_load(handle)["rules"]
        for rule in rules:
            for conclusion in rule.get("then", []):
                if "red_flag" in conclusion:
                    vocabulary["red_flag"].add(conclusion["red_flag"]["id"])
                if "set" in conclusion:
                    item = conclusion["set"]
                    key = f"{item['topic']}.{item['key']}"
                    vocabulary["setting"].add(key)
                    if not isinstance(item["value"], dict):
                        vocabulary["setting"].add(f"{key}={item['value']}")
                if "advise" in conclusion:
                    item = conclusion["advise"]
                    vocabulary["advice"].add(f"{item['topic']}.{item['key']}")
    return vocabulary


def _primer_entries(primer: dict) -> list[dict]:
    return list(primer["phases"]) + list(primer["topics"])


def _page_texts(pages: list[dict]) -> list[tuple[str, str]]:
    texts = []
    for page in pages:
        texts.append((f"guide page {page['section']} summary", page["summary"]))
        texts += [(f"guide page {page['section']} key point", point) for point in page["key_points"]]
    return texts


def _all_texts(glossary: list[dict], primer: dict) -> list[tuple[str, str]]:
    texts = []
    for entry in glossary:
        texts.append((f"glossary {entry['id']} definition", entry["definition"]))
        texts.append((f"glossary {entry['id']} why_it_matters", entry["why_it_matters"]))
    for entry in _primer_entries(primer):
        texts.append((f"primer {entry['id']}", entry["body"]))
    for entry in primer["questions"]:
        texts.append((f"primer question {entry['question']}", entry["body"]))
    return texts


# ------------------------------------------------------------------------------ loading and schema
def test_both_files_load_with_safe_load() -> None:
    glossary = _load("glossary.yaml")
    primer = _load("primer.yaml")
    assert isinstance(glossary, dict) and isinstance(glossary.get("terms"), list)
    assert isinstance(primer, dict)
    assert {"phases", "topics", "questions"} <= set(primer)
    assert all(isinstance(primer[key], list) for key in ("phases", "topics", "questions"))


def test_glossary_has_at_least_70_entries_with_the_agreed_fields(glossary) -> None:
    assert len(glossary) >= 70
    required = {"term", "id", "aliases", "definition", "why_it_matters", "see_also", "sources", "topics"}
    allowed = required | {"kb_refs"}
    for entry in glossary:
        assert required <= set(entry), (entry.get("id"), required - set(entry))
        assert set(entry) <= allowed, (entry["id"], set(entry) - allowed)
        assert isinstance(entry["term"], str) and entry["term"].strip()
        assert SLUG.match(entry["id"]), entry["id"]
        assert isinstance(entry["aliases"], list)
        assert all(isinstance(a, str) and a.strip() for a in entry["aliases"]), entry["id"]
        assert isinstance(entry["see_also"], list) and entry["id"] not in entry["see_also"]
        assert isinstance(entry["sources"], list) and entry["sources"], entry["id"]
        assert entry["topics"] and set(entry["topics"]) <= set(TOPICS), (entry["id"], entry["topics"])


def test_definitions_are_two_to_four_sentences_and_why_one_or_two(glossary) -> None:
    for entry in glossary:
        assert 2 <= len(_sentences(entry["definition"])) <= 4, (entry["id"], _sentences(entry["definition"]))
        assert 1 <= len(_sentences(entry["why_it_matters"])) <= 2, entry["id"]


def test_ids_are_unique(glossary, primer) -> None:
    glossary_ids = Counter(entry["id"] for entry in glossary)
    assert [i for i, n in glossary_ids.items() if n > 1] == []
    primer_ids = Counter(entry["id"] for entry in _primer_entries(primer))
    assert [i for i, n in primer_ids.items() if n > 1] == []
    question_ids = Counter(entry["question"] for entry in primer["questions"])
    assert [i for i, n in question_ids.items() if n > 1] == []


def test_every_term_and_alias_looks_up_one_entry_only(glossary) -> None:
    owners: dict[str, set[str]] = {}
    for entry in glossary:
        for name in [entry["term"], *entry["aliases"]]:
            owners.setdefault(_norm(name), set()).add(entry["id"])
    assert {name: ids for name, ids in owners.items() if len(ids) > 1} == {}


def test_no_two_definitions_are_identical(glossary) -> None:
    counts = Counter(_norm(entry["definition"]) for entry in glossary)
    assert [d[:60] for d, n in counts.items() if n > 1] == []


# ------------------------------------------------------------------------------ cross-references
def test_every_see_also_and_primer_term_exists(glossary, primer) -> None:
    ids = {entry["id"] for entry in glossary}
    dangling = [(e["id"], ref) for e in glossary for ref in e["see_also"] if ref not in ids]
    for entry in _primer_entries(primer):
        dangling += [(entry["id"], ref) for ref in entry["terms"] if ref not in ids]
    for entry in primer["questions"]:
        dangling += [(entry["question"], ref) for ref in entry["terms"] if ref not in ids]
    assert dangling == []


def test_every_required_term_is_defined(glossary) -> None:
    names = {_norm(name) for entry in glossary for name in [entry["term"], *entry["aliases"]]}
    missing = []
    for wanted in REQUIRED_TERMS:
        spellings = wanted if isinstance(wanted, tuple) else (wanted,)
        if not any(_norm(spelling) in names for spelling in spellings):
            missing.append(wanted)
    assert missing == []


def test_sources_are_guide_sections_or_named_practice_documents(glossary, primer) -> None:
    bad = [(e["id"], s) for e in glossary for s in e["sources"] if not _valid_source(s)]
    for entry in _primer_entries(primer):
        assert entry["sources"], entry["id"]
        bad += [(entry["id"], s) for s in entry["sources"] if not _valid_source(s)]
    for entry in primer["questions"]:
        assert entry["sources"], entry["question"]
        bad += [(entry["question"], s) for s in entry["sources"] if not _valid_source(s)]
    assert bad == []


def test_guide_section_list_matches_the_knowledge_base_schema() -> None:
    from ppp_expert.kb.schema import GUIDE_SECTIONS as KB_SECTIONS

    assert set(GUIDE_SECTIONS) == set(KB_SECTIONS)


def test_kb_refs_point_at_real_knowledge_base_items(glossary, kb_vocabulary) -> None:
    bad = []
    for entry in glossary:
        for ref in entry.get("kb_refs", []):
            kind, _, name = ref.partition(":")
            if name not in kb_vocabulary.get(kind, set()):
                bad.append((entry["id"], ref))
    assert bad == []


def test_every_model_risk_and_red_flag_is_explained_by_a_glossary_entry(glossary, kb_vocabulary) -> None:
    referenced = {ref for entry in glossary for ref in entry.get("kb_refs", [])}
    for kind in ("model", "risk", "red_flag"):
        unexplained = sorted(i for i in kb_vocabulary[kind] if f"{kind}:{i}" not in referenced)
        assert unexplained == [], kind


def test_every_payment_mechanism_and_procurement_approach_is_explained(glossary, kb_vocabulary) -> None:
    referenced = {ref.split(":", 1)[1] for entry in glossary for ref in entry.get("kb_refs", [])}
    for key in ("structuring.payment_mechanism", "procurement.approach"):
        values = sorted(v for v in kb_vocabulary["setting"] if v.startswith(key + "="))
        assert values, key
        # fixed_price is plain conventional pricing; every other value has its own entry.
        unexplained = [v for v in values if v not in referenced and not v.endswith("=fixed_price")]
        assert unexplained == [], key


# ------------------------------------------------------------------------------ primer
def test_primer_has_one_entry_per_question_phase_and_per_topic(primer, questions) -> None:
    phases = {q["phase"] for q in questions}
    assert sorted(entry["phase"] for entry in primer["phases"]) == sorted(phases)
    assert all(entry["id"] == f"phase-{entry['phase']}" for entry in primer["phases"])
    assert sorted(entry["id"] for entry in primer["topics"]) == sorted(TOPICS)


def test_primer_topic_and_phase_entries_are_120_to_250_words(primer) -> None:
    for entry in _primer_entries(primer):
        assert {"id", "title", "body", "terms", "sources"} <= set(entry), entry["id"]
        assert entry["title"].strip(), entry["id"]
        assert 120 <= len(_words(entry["body"])) <= 250, (entry["id"], len(_words(entry["body"])))
        assert entry["terms"], entry["id"]


def test_every_question_has_a_primer_entry_and_every_entry_a_question(primer, questions) -> None:
    question_ids = {q["id"] for q in questions}
    explained = {entry["question"] for entry in primer["questions"]}
    assert sorted(question_ids - explained) == []
    assert sorted(explained - question_ids) == []


def test_question_entries_speak_as_an_adviser_in_40_to_90_words(primer) -> None:
    for entry in primer["questions"]:
        assert {"question", "body", "terms", "sources"} <= set(entry), entry.get("question")
        assert 40 <= len(_words(entry["body"])) <= 90, (entry["question"], len(_words(entry["body"])))
        assert entry["body"].startswith("I ask because"), entry["question"]


# ------------------------------------------------------------------------------ guide section pages
def test_every_guide_section_has_exactly_one_page(guide_pages) -> None:
    counts = Counter(page["section"] for page in guide_pages)
    assert sorted(counts) == sorted(GUIDE_SECTIONS)
    assert [section for section, n in counts.items() if n > 1] == []


def test_guide_pages_have_the_agreed_fields_and_lengths(guide_pages) -> None:
    for page in guide_pages:
        assert set(page) == {"section", "summary", "key_points", "terms", "see_also"}, page["section"]
        assert 100 <= len(_words(page["summary"])) <= 180, (page["section"], len(_words(page["summary"])))
        assert 3 <= len(page["key_points"]) <= 5, page["section"]
        # A key point is a short bullet: one line, not a second summary.
        assert all(isinstance(p, str) and 2 <= len(_words(p)) <= 18 for p in page["key_points"]), page["section"]
        assert page["terms"] and page["see_also"], page["section"]


def test_guide_page_terms_are_glossary_ids_and_see_also_other_sections(guide_pages, glossary) -> None:
    ids = {entry["id"] for entry in glossary}
    bad = [(p["section"], t) for p in guide_pages for t in p["terms"] if t not in ids]
    bad += [(p["section"], s) for p in guide_pages for s in p["see_also"]
            if s not in GUIDE_SECTIONS or s == p["section"]]
    assert bad == []


def test_the_loader_refuses_a_page_naming_an_unknown_term(tmp_path) -> None:
    from ppp_expert.content.texts import ContentError, load_guide_pages

    bad = tmp_path / "guide_sections.yaml"
    bad.write_text("pages:\n  - {section: governance, summary: Our words., key_points: [one],"
                   " terms: [no-such-term], see_also: []}\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"pages.governance.terms: 'no-such-term' is not a glossary id"):
        load_guide_pages(bad)


def test_the_shipped_pages_load_one_per_cited_section() -> None:
    from ppp_expert.content.texts import load_guide_pages
    from ppp_expert.kb.sections import SECTION_TITLES

    assert sorted(load_guide_pages()) == sorted(SECTION_TITLES)


# ------------------------------------------------------------------------------ our own words
def test_no_sentence_is_copied_from_the_guide(glossary, primer, guide_pages) -> None:
    path = os.environ.get("PPP_GUIDE_PATH")
    if not path or not Path(path).is_file():
        pytest.skip("set PPP_GUIDE_PATH to the guide file to check for copied sentences")
    guide = " ".join(_words(Path(path).read_text(encoding="utf-8")))
    guide_words = guide.split()
    # Any run of 10 words shared with the guide is copying (a stricter test than whole
    # sentences of 12 words or more, which it implies); the guide pages, which retell the
    # sections one by one, are held to runs of 8.
    copied = []
    for width, texts in ((10, _all_texts(glossary, primer)), (8, _page_texts(guide_pages))):
        copied += _shared_runs(guide, guide_words, texts, width)
    assert copied == []


def _shared_runs(guide: str, guide_words: list[str], texts: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    shingles = {" ".join(guide_words[i:i + width]) for i in range(len(guide_words) - width + 1)}
    copied = []
    for where, text in texts:
        for sentence in _sentences(text):
            words = _words(sentence)
            if len(words) >= 12 and " ".join(words) in guide:
                copied.append((where, sentence))
            copied += [(where, " ".join(words[i:i + width])) for i in range(len(words) - width + 1)
                       if " ".join(words[i:i + width]) in shingles]
    return copied
