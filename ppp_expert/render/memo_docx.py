"""The decision memo as a Word document (python-docx): real headings (Heading 1-3 styles, so the
navigation pane and a table of contents work), real tables, the graphs as pictures.

Built from the same data model as the HTML and Markdown memos, in the same order, so the three
say the same thing; only the layout differs. Officials edit and submit Word documents.
"""

from __future__ import annotations

import io
import subprocess
from typing import Any, Iterable, Sequence

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Cm, Pt

from ppp_expert.render.memo import Memo
from ppp_expert.render.memo_text import SECTION_TITLES, afford_rows, brief_parts

TOPIC_TITLES = {"procurement": "Procurement", "governance": "Governance and performance management",
                "implementation": "Implementation"}


def _table(doc: DocxDocument, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = str(text)
    doc.add_paragraph()


def _bullets(doc: DocxDocument, items: Iterable[str], numbered: bool = False) -> None:
    for item in items:
        doc.add_paragraph(item, style="List Number" if numbered else "List Bullet")


def _new_document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    doc.styles["Normal"].font.size = Pt(10)
    return doc


def docx_bytes(memo: Memo, brief: bool = False) -> bytes:
    """The memo (or its one-page brief) as the bytes of a .docx file."""
    doc = _new_document()
    (_brief if brief else _memo)(doc, memo)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _cover(doc: DocxDocument, memo: Memo, word: str) -> None:
    doc.add_heading(f"Decision {word}: {memo.title}", level=0)
    c = memo.cover
    advice_by = f"ppp-expert {memo.version}, knowledge base {memo.kb_fingerprint}"
    _table(doc, ["Case", memo.case], [["Author", c.author or "not stated"], ["Date", c.date or "not dated"],
                                       ["Memo version", c.version or "not stated"], ["Advice by", advice_by]])


def _brief(doc: DocxDocument, memo: Memo) -> None:
    _cover(doc, memo, "brief")
    for title, items, numbered in brief_parts(memo):
        doc.add_heading(title, level=1)
        _bullets(doc, items, numbered)


def _memo(doc: DocxDocument, memo: Memo) -> None:
    s = memo.summary
    _cover(doc, memo, "memo")
    doc.add_heading(SECTION_TITLES[0], level=1)
    for title, items, numbered in brief_parts(memo, full=True):
        doc.add_heading(title, level=2)
        _bullets(doc, items, numbered)
    doc.add_heading(SECTION_TITLES[1], level=1)
    if memo.cover.narrative:
        doc.add_heading("Background", level=2)
        for para in memo.cover.narrative.split("\n\n"):
            doc.add_paragraph(" ".join(para.split()))
    doc.add_heading("Why a partnership or not", level=2)
    _table(doc, ["Weight", "Reason"], [[f"{r.weight:+.2f}", r.reason] for r in
                                       sorted(memo.advice.appropriate.reasons, key=lambda r: -r.weight)])
    doc.add_heading(SECTION_TITLES[2], level=1)
    _table(doc, ["Option", "Score", "Why chosen, or why not"],
           [[o["title"] + (" (recommended)" if o["chosen"] else ""), f"{o['score']:+.2f}",
             " ".join(e.reason for e in o["for"][:3]) if o["chosen"] else o["why_not"]] for o in memo.options])
    doc.add_heading(SECTION_TITLES[3], level=1)
    if not s.determined:
        doc.add_paragraph("Not assessed: the deal design and the risk owners depend on the partnership model, "
                          "which is not yet determined.")
    else:
        _topic(doc, memo.topics[0])
        doc.add_heading("Risk allocation", level=2)
        _table(doc, ["Risk", "Owner", "How it is carried", "Why"],
               [[r["title"], r["party"], r["mechanism"], r["rationale"]] for r in memo.risks])
    doc.add_heading(SECTION_TITLES[4], level=1)
    for kind, content in afford_rows(memo.afford):
        if kind == "table":
            _table(doc, content[0], content[1:])
        elif kind == "heading":
            doc.add_heading(content, level=2)
        else:
            doc.add_paragraph(content)
    doc.add_heading(SECTION_TITLES[5], level=1)
    if not s.determined:
        doc.add_paragraph("Not assessed: this depends on the partnership model, which is not yet determined.")
    else:
        for topic in memo.topics[1:]:
            doc.add_heading(TOPIC_TITLES[topic["name"]], level=2)
            _topic(doc, topic)
    doc.add_heading(SECTION_TITLES[6], level=1)
    doc.add_paragraph(memo.sweep_note)
    for kind, words in (("lever", "Levers the authority controls"), ("fact", "Facts it does not control")):
        doc.add_heading(words, level=2)
        rows = [[x.text, x.current_words, x.switch_words, x.effect] for x in memo.switches if x.control == kind]
        if rows:
            _table(doc, ["Question", "Answer now", "Switching value", "What changes"], rows)
        else:
            doc.add_paragraph(f"No single {kind} changes the outcome or the model.")
    doc.add_heading(SECTION_TITLES[7], level=1)
    doc.add_paragraph("The advice assumes the answers below are true of the project today; each is worth checking "
                      "before the board relies on it.")
    _table(doc, ["Question", "Answer"], [[f["question"], f["answer"] + (f": {f['meaning']}" if f["meaning"] else "")]
                                         for f in memo.facts])
    if memo.unknown:
        doc.add_paragraph("Not answered, so not relied on: " + "; ".join(q["id"] for q in memo.unknown) + ".")
    doc.add_heading(SECTION_TITLES[8], level=1)
    doc.add_heading("Next steps", level=2)
    _bullets(doc, memo.next_steps, numbered=True)
    doc.add_heading("Approvals", level=2)
    _table(doc, ["Role", "Name", "Signature", "Date"],
           [[role, memo.cover.author if i == 0 else "", "", ""] for i, role in enumerate(memo.approvals)])
    doc.add_heading("Annex", level=1)
    for name, source in memo.graph_sources.items():
        png = _png(source)
        if png:
            doc.add_picture(io.BytesIO(png), width=Cm(17.4))
            doc.add_paragraph(f"How the {name} was reached: the rules that weigh most on it and what they rest on.")
    doc.add_heading("Rules fired, with their citations", level=2)
    _table(doc, ["Rule", "Title", "Citation"], [[r["id"], r["title"], r["cited"]] for r in memo.fired])
    doc.add_paragraph(memo.disclaimer).runs[0].italic = True


def _topic(doc: DocxDocument, topic: dict[str, Any]) -> None:
    if topic["settings"]:
        _table(doc, ["Setting", "Value", "Why"], [[x["key"], x["value"], x["reason"]] for x in topic["settings"]])
    if topic["weights"]:
        doc.add_paragraph("Evaluation weights: " + ", ".join(f"{w['criterion']} {w['weight']}%"
                                                             for w in topic["weights"]) + ".")
    _bullets(doc, (f"{i['key']}: {i['text']}" for i in topic["items"]))


def _png(source: str) -> bytes:
    """A graph for Word, which shows no SVG: its DOT source drawn by Graphviz at print resolution."""
    try:
        done = subprocess.run(["dot", "-Tpng", "-Gdpi=200"], input=source.encode("utf-8"), capture_output=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return b""
    return bytes(done.stdout) if done.returncode == 0 else b""
