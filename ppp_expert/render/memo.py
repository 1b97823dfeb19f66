"""The decision memo: one data model, rendered to Markdown or to one self-contained HTML file.

The outline follows what appraisal practice expects of a decision paper: the bottom line first,
then the facts, the strategic fit, the options appraisal, the risk allocation, the commercial
structure, procurement, governance, implementation, red flags, what would change the advice,
and an annex with the explanation graphs and every rule that fired with its citation.
Templates are Jinja2 with autoescaping for HTML; every value from a case file is data, never markup.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ppp_expert import __version__
from ppp_expert.advice.contract import Advice
from ppp_expert.advice.explain import build_graph, focus
from ppp_expert.advice.sensitivity import Sweep
from ppp_expert.advice.summary import NUMBERS_EXPLAINED, Summary
from ppp_expert.advice.why_not import why_not
from ppp_expert.engine.reasoner import Trace
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.sections import section_title
from ppp_expert.render.encode import md_cell, md_code, md_code_cell, md_text, url_path
from ppp_expert.render.explanations import VERDICT_WORDS, flip_line
from ppp_expert.render.graphs import dot_available, to_dot
from ppp_expert.render.text import format_value

FORMATS = ("md", "html")
TOPICS = ("structuring", "procurement", "governance", "implementation")
DISCLAIMER = (
    "This memo is decision support produced by a rule-based expert system from the answers recorded "
    "for the case. It does not replace the judgement of the officials responsible, legal and financial "
    "advice, or the approvals a project needs. Every conclusion names the rules that produced it, so "
    "that each can be checked and challenged."
)


class ReportError(PPPExpertError):
    """The memo cannot be written where or how it was asked."""


@dataclass
class Memo:
    """Everything a memo shows, prepared once for both formats."""

    title: str
    case: str
    summary: Summary
    advice: Advice
    facts: list[dict[str, str]]
    unknown: list[dict[str, str]]
    options: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    topics: list[dict[str, Any]]
    red_flags: list[dict[str, Any]]
    changes: list[str]
    sweep_note: str
    fired: list[dict[str, str]]
    graphs: dict[str, str] = field(default_factory=dict)  # name -> inline SVG (HTML) or file name (md)
    kb_fingerprint: str = ""
    version: str = __version__
    numbers: str = NUMBERS_EXPLAINED
    disclaimer: str = DISCLAIMER
    verdict_words: dict[str, str] = field(default_factory=lambda: dict(VERDICT_WORDS))


def kb_fingerprint(kb: KnowledgeBase) -> str:
    """A short sha256 over the knowledge base's files: which knowledge produced this memo."""
    def compute() -> str:
        digest = hashlib.sha256()
        for path in sorted(Path(kb.path).rglob("*.yaml")):
            digest.update(path.relative_to(kb.path).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    return kb.derived("fingerprint", compute)


def build_memo(kb: KnowledgeBase, title: str, answers: dict[str, Any], advice: Advice, trace: Trace,
               summary: Summary, sweep: Sweep | None, graphs: bool = True) -> Memo:
    """The memo's data model."""
    facts = []
    for qid, question in kb.questions.items():
        value = answers.get(qid, "unknown")
        if value == "unknown":
            continue
        meaning = question.answers.get(value, "") if question.type == "choice" else ""
        facts.append({"id": qid, "question": question.text, "answer": str(value), "meaning": meaning})
    unknown = [{"id": q, "question": kb.questions[q].text} for q in advice.unknown_questions if q in kb.questions]
    memo = Memo(
        title=title, case=advice.case, summary=summary, advice=advice, facts=facts, unknown=unknown,
        options=_options(kb, advice, trace), risks=_risks(kb, advice), topics=_topics(advice),
        red_flags=[{"title": f.title, "id": f.id, "mitigation": f.mitigation, "rules": f.rules}
                   for f in advice.red_flags],
        changes=_changes(kb, sweep), sweep_note=_sweep_note(sweep),
        fired=[{"id": f.id, "title": kb.rule(f.id).title, "source": f.source, "cited": _citation(kb, f.source)}
               for f in advice.fired_rules],
        kb_fingerprint=kb_fingerprint(kb),
    )
    if graphs:
        g = build_graph(kb, trace, advice)
        for name in ("verdict", "model"):
            svg = svg_of(focus(g, name), inline=True)
            if svg:
                memo.graphs[name] = svg
    return memo


def _citation(kb: KnowledgeBase, source: str) -> str:
    """A citation as a reader can look it up: the guide section's title, or the practice document."""
    name = source.split(":", 1)[1] if source.startswith("practice:") else None
    if name is not None and kb.practice and name in kb.practice:
        doc = kb.practice[name]
        return f"{doc.title} ({doc.publisher}, {doc.year})"
    return ("guide: " if name is None else "") + section_title(source)


def _options(kb: KnowledgeBase, advice: Advice, trace: Trace) -> list[dict[str, Any]]:
    rec = advice.recommendation
    out = []
    for ranked in rec.ranking:
        title = kb.models[ranked.model].title
        entry: dict[str, Any] = {
            "model": ranked.model, "title": title, "score": ranked.score, "chosen": ranked.model == rec.model,
            "for": [e for e in ranked.evidence if e.weight > 0],
            "against": [e for e in ranked.evidence if e.weight < 0],
            "why_not": "",
        }
        if not entry["chosen"]:
            result = why_not(kb, trace, ranked.model)
            blocked = sorted(result.not_fired, key=lambda x: -x[1])[:2]
            gap = f"It scores {ranked.score:+.2f} against {rec.score:+.2f} for the recommended option."
            missing = "; ".join(f"{rule.title} (not met: {', '.join(failed) or 'its conditions'})"
                                for rule, _, failed in blocked)
            entry["why_not"] = gap + (f" Evidence that would have favoured it but does not apply: {missing}."
                                      if missing else "")
        out.append(entry)
    return out


def _risks(kb: KnowledgeBase, advice: Advice) -> list[dict[str, Any]]:
    return [{"title": r.title, "id": r.risk, "party": r.party, "mechanism": r.mechanism, "rationale": r.rationale,
             "rules": r.rules, "overridden": [o.rule for o in r.overridden]} for r in advice.risk_allocation]


def _topics(advice: Advice) -> list[dict[str, Any]]:
    out = []
    for name in TOPICS:
        topic = getattr(advice, name)
        settings = [{"key": k.replace("_", " "), "value": format_value(s.value), "reason": s.reason, "rules": s.rules}
                    for k, s in topic.settings.items()]
        items = [{"key": i.key.replace("_", " "), "text": i.text, "rules": i.rules} for i in topic.advice]
        weights = [{"criterion": k.replace("_", " "), "weight": v} for k, v in (topic.criteria_weights or {}).items()]
        out.append({"name": name, "title": name.capitalize(), "settings": settings, "items": items, "weights": weights})
    return out


def _changes(kb: KnowledgeBase, sweep: Sweep | None, limit: int = 12) -> list[str]:
    if sweep is None:
        return []
    first = [f for f in sweep.flips if f.verdict or f.model]
    rest = [f for f in sweep.flips if not (f.verdict or f.model)]
    return [flip_line(kb, f) for f in (first + rest)[:limit]]


def _sweep_note(sweep: Sweep | None) -> str:
    if sweep is None:
        return "The sensitivity sweep was not run."
    verdict = "fragile" if sweep.fragile_verdict else "robust"
    model = "fragile" if sweep.fragile_model else "robust"
    return (f"{sweep.variants} variants of the case were evaluated, each changing one answer. The verdict is "
            f"{verdict} and the model is {model} to a single change of answer.")


def svg_of(g: Any, inline: bool = True) -> str:
    """The graph as SVG, or '' without Graphviz. ``inline``: an element for an HTML page, without
    XML prolog, DOCTYPE or namespace declarations (HTML puts SVG in its namespace by itself), so
    the page names no external address at all; otherwise a standalone SVG file."""
    if not dot_available():
        return ""
    done = subprocess.run(["dot", "-Tsvg"], input=to_dot(g).source.encode("utf-8"), capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        return ""
    text = done.stdout.decode("utf-8")
    if not inline:
        return text
    start = text.find("<svg")
    if start < 0:
        return ""
    element = re.sub(r"<!--.*?-->", "", text[start:], flags=re.S)
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", element)


# --- rendering -------------------------------------------------------------------------------

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATES_DIR = _TEMPLATES  # the shipped templates (the training cohort page renders from here too)


def _environment(fmt: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=fmt == "html", undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["cell"] = md_cell
    env.filters["code"] = md_code
    env.filters["code_cell"] = md_code_cell
    env.filters["url"] = url_path
    env.filters["signed"] = lambda x: f"{x:+.2f}"
    return env


md_escape = md_text  # the Markdown encoder (render.encode)


def render(memo: Memo, fmt: str) -> str:
    """The memo as Markdown or as a self-contained HTML page."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}", field="--format")
    return _environment(fmt).get_template(f"memo.{fmt}.j2").render(m=memo)
