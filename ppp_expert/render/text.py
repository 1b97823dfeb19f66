"""Readable terminal rendering of an Advice (rich tables; plain text when not on a TTY)."""

from __future__ import annotations

from typing import IO, Any, Optional

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ppp_expert.advice.contract import Advice, TopicAdvice
from ppp_expert.advice.summary import NUMBERS_EXPLAINED, clears_with
from ppp_expert.kb.conclusions import TRADITIONAL
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.render.explanations import format_value
from ppp_expert.render.summary_panel import CONFIDENCE_STYLE

PARTY_COLUMNS = ("public", "shared", "private")


#: Narrower than this (``COLUMNS=0``, a tiny window) panels would print nothing or empty boxes.
MIN_WIDTH = 40


def make_console(file: Optional[IO[str]] = None, width: int | None = None, **options: Any) -> Console:
    """A console that colours only on a terminal and honours NO_COLOR (rich does both), at least
    ``MIN_WIDTH`` columns wide whatever ``COLUMNS`` or the terminal say."""
    console = Console(file=file, width=width, highlight=False, soft_wrap=False, **options)
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH
    return console


def _title(kb: KnowledgeBase, model: str) -> str:
    return kb.models[model].title if model in kb.models else model


def verdict_panel(advice: Advice, kb: KnowledgeBase, title: str = "") -> Panel:
    a, r = advice.appropriate, advice.recommendation
    verdict = {"ppp": "A PPP is appropriate", "traditional": "Traditional procurement is better",
               "not_yet": "Not yet: conditions must be met first",
               "insufficient_information": "Insufficient information: answer more questions first"}[a.verdict]
    c = a.confidence
    lines = [
        Text.assemble(("Outcome: ", "bold"), f"{verdict} (certainty {a.certainty:+.2f})"),
        Text.assemble(("Confidence: ", "bold"), (c.level, CONFIDENCE_STYLE[c.level]), f" (margin {c.margin:+.2f}"
                      + (f"; fragile on {', '.join(c.fragile_on)}" if c.fragile_on else "")
                      + (f"; open questions that could flip it: {', '.join(c.could_flip)}" if c.could_flip else "")
                      + ")"),
        Text.assemble(("Recommended model: ", "bold"), (_title(kb, r.model), "bold green"),
                      f" (score {r.score:+.2f})") if r.determined else
        Text.assemble(("Recommended model: ", "bold"), ("none", "bold yellow"),
                      " (no model is recommended: " + ("the information is insufficient" if a.verdict ==
                      "insufficient_information" else "no partnership model fits clearly") + ")"),
    ]
    for cond in a.conditions:
        clear = clears_with(cond)
        head = "Condition" if a.verdict == "not_yet" else "Ruled out by"
        lines.append(Text.assemble((f"{head}: ", "bold"), cond.title,
                                   (f" (clears with {clear})" if clear else "", "dim"),
                                   "\n  ", cond.reason, " ", (f"[{cond.rule}]" if cond.rule else "", "dim")))
    if r.close_call and r.runner_up and r.determined:
        runner_score = next(x.score for x in r.ranking if x.model == r.runner_up)
        relation = "scores higher on model fit" if runner_score > r.score else "scores nearly as well"
        lines.append(Text(f"Close call: {_title(kb, r.runner_up)} {relation} ({runner_score:+.2f}); "
                          "weigh the two before deciding.", style="yellow"))
    if a.questions_first:
        lines.append(Text("Answer these first: " + ", ".join(a.questions_first), style="yellow"))
    # A Text title: a case title is data, never rich markup ("[/x]" would crash, "[link=...]" inject).
    return Panel(Group(*lines), title=Text(title or advice.case), title_align="left")


def reasons_table(advice: Advice) -> Table:
    table = Table(title="Why (evidence on PPP vs traditional procurement)", show_lines=False, expand=True)
    table.add_column("", width=5, justify="right")
    table.add_column("Reason (rule)", ratio=1, overflow="fold")
    for reason in sorted(advice.appropriate.reasons, key=lambda x: (-abs(x.weight), x.rule)):
        table.add_row(f"{reason.weight:+.2f}", Text.assemble(reason.reason, " ", (f"({reason.rule})", "dim")))
    return table


def ranking_table(advice: Advice, kb: KnowledgeBase) -> Table:
    table = Table(title="Model ranking", expand=True)
    table.add_column("#", width=2)
    table.add_column("Model", ratio=1, overflow="fold")
    table.add_column("Score", justify="right", width=6)
    table.add_column("Strongest evidence", ratio=3, overflow="fold")
    for i, ranked in enumerate(advice.recommendation.ranking, 1):
        if ranked.model == TRADITIONAL:
            # Traditional procurement scores the PPP certainty negated: show that evidence with the
            # sign it has on the certainty, as every other view does.
            top = sorted(advice.appropriate.reasons, key=lambda x: (-abs(x.weight), x.rule))[:2]
            text = "\n".join(f"{e.weight:+.2f} {e.reason}" for e in top) or "-"
            text += "\n(weights on the PPP certainty; this score is the certainty negated)" if top else ""
        else:
            top = sorted(ranked.evidence, key=lambda x: (-abs(x.weight), x.rule))[:2]
            text = "\n".join(f"{e.weight:+.2f} {e.reason}" for e in top) or "-"
        table.add_row(str(i), _title(kb, ranked.model), f"{ranked.score:+.2f}", text)
    return table


def risk_table(advice: Advice) -> Table:
    table = Table(title="Risk allocation", expand=True, show_lines=True)
    table.add_column("Risk", ratio=2, overflow="fold")
    for party in PARTY_COLUMNS:
        table.add_column(party.capitalize(), width=7, justify="center")
    table.add_column("How it is carried, and why", ratio=5, overflow="fold")
    for risk in advice.risk_allocation:
        marks = ["●" if risk.party == p else "" for p in PARTY_COLUMNS]
        detail = Text.assemble(risk.mechanism, "\n", ("Why: ", "bold"), risk.rationale, " ",
                               (f"[{risk.rules[0]}]", "dim"))
        if risk.overridden:
            detail.append(f"\n(overrides {', '.join(o.rule for o in risk.overridden)})", style="dim")
        table.add_row(risk.title, *marks, detail)
    return table


def topic_table(name: str, topic: TopicAdvice) -> Optional[Table]:
    if not topic.settings and not topic.advice and not topic.criteria_weights:
        return None
    table = Table(title=name.capitalize(), expand=True, show_header=False)
    table.add_column("Key", ratio=1, style="bold", overflow="fold")
    table.add_column("Advice", ratio=4, overflow="fold")
    for key, setting in topic.settings.items():
        table.add_row(key.replace("_", " "), f"{format_value(setting.value)}: {setting.reason}")
    if topic.criteria_weights:
        weights = ", ".join(f"{k.replace('_', ' ')} {v}%" for k, v in topic.criteria_weights.items())
        table.add_row("evaluation weights", weights)
    for item in topic.advice:
        table.add_row(item.key.replace("_", " "), item.text)
    return table


def red_flag_table(advice: Advice) -> Optional[Table]:
    if not advice.red_flags:
        return None
    table = Table(title="Red flags", expand=True, show_lines=True)
    table.add_column("Red flag", ratio=2, style="red", overflow="fold")
    table.add_column("Mitigation", ratio=5, overflow="fold")
    for flag in advice.red_flags:
        table.add_row(flag.title, flag.mitigation)
    return table


SECONDARY = ("structuring", "governance", "procurement", "implementation")


def not_assessed(reason: str) -> Text:
    return Text(reason, style="yellow")


def print_advice(advice: Advice, kb: KnowledgeBase, console: Console, title: str = "",
                 assessed: frozenset[str] | None = None) -> None:
    """Print the whole advice: verdict, reasons, ranking, risks, the four topics, red flags.

    ``assessed`` names the outcomes a quick screening settled (``verdict``, ``model``); the
    sections it did not assess say so instead of looking empty. A model that is not yet
    determined makes the model-dependent sections provisional and says what to answer first.
    """
    console.print(verdict_panel(advice, kb, title))
    console.print(reasons_table(advice))
    console.print(ranking_table(advice, kb))
    screening = assessed is not None and not {"risks", "red_flags"} <= assessed
    if not advice.recommendation.determined:
        missing = ", ".join(advice.appropriate.questions_first) or "the questions listed as unknown below"
        console.print(not_assessed(
            "Risk allocation, structuring, governance, procurement and implementation depend on the "
            f"partnership model, which is not yet determined. Answer first: {missing}."))
    elif screening and "risks" not in (assessed or ()):
        console.print(not_assessed("Risk allocation: not assessed (the consultation stopped once the verdict and "
                                   "model were settled; continue it with --resume to settle the risk owners)."))
    else:
        console.print(risk_table(advice))
    if advice.recommendation.determined:
        for name in SECONDARY:
            table = topic_table(name, getattr(advice, name))
            if table is not None:
                console.print(table)
    if screening and "red_flags" not in (assessed or ()):
        console.print(not_assessed("Red flags: not assessed (the consultation stopped once the verdict and model "
                                   "were settled); none shown does not mean none apply."))
    else:
        flags = red_flag_table(advice)
        console.print(flags if flags is not None else Text("Red flags: none raised by the answers given."))
    if advice.unknown_questions:
        unknown = ", ".join(f"{kb.questions[q].text} [{q}]" if q in kb.questions else q
                            for q in advice.unknown_questions)
        console.print(Text("Unknown (not answered): " + unknown, style="dim"))
    console.print(Text(NUMBERS_EXPLAINED, style="dim"))
