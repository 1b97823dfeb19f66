"""The decision memo: one data model, rendered to Markdown, HTML, PDF or Word.

The outline is a business-case submission: a cover (case, author, date, version, knowledge
base), an executive summary of at most two pages (decision sought, outcome and its conditions,
confidence, model and runner-up, every red flag, top risks, what would change the advice), then
the sections PPP units write (strategic fit, options appraisal, commercial structure and risk
allocation, financial and affordability case, procurement and management, sensitivity,
assumptions, next steps and approvals) and an annex (graphs, every rule fired with its citation).
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
from ppp_expert.advice.affordability import Affordability, affordability
from ppp_expert.advice.contract import Advice
from ppp_expert.advice.explain import build_graph, strongest
from ppp_expert.advice.sensitivity import Sweep
from ppp_expert.advice.summary import NUMBERS_EXPLAINED, Summary
from ppp_expert.advice.switching import Switch, switching_values
from ppp_expert.engine.reasoner import Trace
from ppp_expert.errors import PPPExpertError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.sections import section_title
from ppp_expert.render.encode import md_cell, md_code, md_code_cell, md_text, url_path
from ppp_expert.render.explanations import VERDICT_WORDS, format_value
from ppp_expert.render.graphs import dot_available, to_dot
from ppp_expert.render.memo_parts import APPROVALS, decision_sought, next_steps, why_not_chosen

FORMATS = ("md", "html", "pdf", "docx")
#: The formats rendered from a text template; pdf prints the html, docx is built in render/memo_docx.
TOPICS = ("structuring", "procurement", "governance", "implementation")
#: Rules drawn per graph in a memo: enough to show the reasoning, few enough to print legibly.
GRAPH_RULES = 8
DISCLAIMER = (
    "This memo is decision support produced by a rule-based expert system from the answers recorded "
    "for the case. It does not replace the judgement of the officials responsible, legal and financial "
    "advice, or the approvals a project needs. Every conclusion names the rules that produced it, so "
    "that each can be checked and challenged."
)


class ReportError(PPPExpertError):
    """The memo cannot be written where or how it was asked."""


@dataclass(frozen=True)
class Cover:
    """Who wrote the memo, when, and which version of it this is (given, never guessed)."""

    author: str = ""
    date: str = ""
    version: str = ""
    narrative: str = ""


@dataclass
class Memo:
    """Everything a memo shows, prepared once for every format."""

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
    sweep_note: str
    fired: list[dict[str, str]]
    cover: Cover = field(default_factory=Cover)
    decision: str = ""
    switches: tuple[Switch, ...] = ()
    afford: Affordability = field(default_factory=lambda: affordability(None, {}))
    next_steps: list[str] = field(default_factory=list)
    brief_steps: list[str] = field(default_factory=list)  # the same, shortened for the one-page brief
    approvals: tuple[str, ...] = APPROVALS
    graphs: dict[str, str] = field(default_factory=dict)  # name -> inline SVG (HTML) or file name (md)
    graph_sources: dict[str, str] = field(default_factory=dict)  # name -> DOT source (Word draws a PNG)
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
               summary: Summary, sweep: Sweep | None, graphs: bool = True, cover: Cover | None = None,
               afford: Affordability | None = None) -> Memo:
    """The memo's data model. ``afford``: the case's figures as advice/affordability reads them
    (``affordability(case.finance, answers)``); none given, the section says the figures are missing."""
    facts = []
    for qid, question in kb.questions.items():
        value = answers.get(qid, "unknown")
        if value == "unknown":
            continue
        meaning = question.answers.get(value, "") if question.type == "choice" else ""
        facts.append({"id": qid, "question": question.text, "answer": str(value), "meaning": meaning})
    unknown = [{"id": q, "question": kb.questions[q].text} for q in advice.unknown_questions if q in kb.questions]
    afford = afford or affordability(None, answers)
    memo = Memo(
        title=title, case=advice.case, summary=summary, advice=advice, facts=facts, unknown=unknown,
        options=_options(kb, advice, trace), risks=_risks(kb, advice), topics=_topics(advice),
        red_flags=[{"title": f.title, "id": f.id, "mitigation": f.mitigation, "rules": f.rules}
                   for f in advice.red_flags],
        sweep_note=_sweep_note(sweep),
        fired=[{"id": f.id, "title": kb.rule(f.id).title, "source": f.source, "cited": _citation(kb, f.source)}
               for f in advice.fired_rules],
        kb_fingerprint=kb_fingerprint(kb), cover=cover or Cover(), decision=decision_sought(title, summary),
        switches=switching_values(kb, sweep, answers) if sweep is not None else (), afford=afford,
        next_steps=next_steps(summary, advice, afford), brief_steps=next_steps(summary, advice, afford, brief=True),
    )
    if graphs:
        parts = _graph_parts(kb, trace, advice, inline=True)
        memo.graphs = {name: svg for name, (_, svg) in parts.items()}
        memo.graph_sources = {name: source for name, (source, _) in parts.items()}
    return memo


def memo_graphs(kb: KnowledgeBase, trace: Trace, advice: Advice, inline: bool) -> dict[str, str]:
    """The verdict and model graphs as a memo prints them: the strongest rules only, compact."""
    return {name: svg for name, (_, svg) in _graph_parts(kb, trace, advice, inline).items()}


def _graph_parts(kb: KnowledgeBase, trace: Trace, advice: Advice, inline: bool) -> dict[str, tuple[str, str]]:
    """name -> (DOT source, SVG) of each memo graph, the graph built and laid out once; a graph
    Graphviz cannot draw is left out."""
    g = build_graph(kb, trace, advice)
    out = {}
    for name in ("verdict", "model"):
        source = to_dot(strongest(g, name, GRAPH_RULES), compact=True).source
        svg = _svg_from_dot(source, inline)
        if svg:
            out[name] = (source, svg)
    return out


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
            entry["why_not"] = why_not_chosen(kb, trace, advice, ranked.model, ranked.score)
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


def _sweep_note(sweep: Sweep | None) -> str:
    if sweep is None:
        return "The sensitivity sweep was not run."
    verdict = "fragile" if sweep.fragile_verdict else "robust"
    model = "fragile" if sweep.fragile_model else "robust"
    return (f"{sweep.variants} variants of the case were evaluated, each changing one answer. The verdict is "
            f"{verdict} and the model is {model} to a single change of answer.")


def svg_of(g: Any, inline: bool = True, compact: bool = False) -> str:
    """The graph as SVG, or '' without Graphviz. ``inline``: an element for an HTML page, without
    XML prolog, DOCTYPE or namespace declarations (HTML puts SVG in its namespace by itself), so
    the page names no external address at all; otherwise a standalone SVG file."""
    return _svg_from_dot(to_dot(g, compact=compact).source, inline)


def _svg_from_dot(source: str, inline: bool) -> str:
    if not dot_available():
        return ""
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), capture_output=True, timeout=60,
                          check=False)
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


def page_environment() -> jinja2.Environment:
    """The shipped HTML templates for the pages beside the memo (batch portfolio, training cohort):
    every value escaped, an undefined name an error."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


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
    env.filters["lead"] = lead
    return env


md_escape = md_text  # the Markdown encoder (render.encode)


def lead(text: str, limit: int = 320) -> str:
    """The opening of a narrative for the cover: whole sentences up to ``limit`` characters (at least
    the first sentence, cut at a word if it alone is longer); the full text is in section 2."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    out = ""
    for sentence in re.split(r"(?<=[.!?])\s+", flat):
        if out and len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0] + " \u2026"
    return out


def render(memo: Memo, fmt: str, brief: bool = False) -> str:
    """The memo (or its one-page brief) as Markdown or as a self-contained HTML page."""
    if fmt not in ("md", "html"):
        raise ReportError(f"unknown text format '{fmt}'; expected md or html", field="--format")
    name = "brief" if brief else "memo"
    return _environment(fmt).get_template(f"{name}.{fmt}.j2").render(m=memo)
