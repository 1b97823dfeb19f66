"""`ppp-expert glossary`: the terms of technology PPPs and the primer, in the project's own words."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from ppp_expert.cli.common import handle_errors


@click.command()
@click.argument("term", nargs=-1)
@click.option("--topic", default=None, help="List only the terms of one topic (e.g. risk-allocation).")
@click.option("--primer", is_flag=True, default=False,
              help="Show the primer instead: a topic, a question phase or a question id (none: list them).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def glossary(term: tuple[str, ...], topic: str | None, primer: bool, fmt: str) -> None:
    """Look up a term (by name, abbreviation or id; case does not matter), or list them all.

    Examples: ppp-expert glossary TUPE · ppp-expert glossary "step-in rights" ·
    ppp-expert glossary --topic risk-allocation · ppp-expert glossary --primer red-flags
    """
    from ppp_expert.content.texts import ContentError, glossary as load, primer as load_primer
    from ppp_expert.render.glossary_panels import primer_panel, term_panel, terms_table
    from ppp_expert.render.text import make_console

    g = load()
    console = make_console()
    text = " ".join(term).strip()
    if primer:
        p = load_primer()
        entries = {**p.topics, **p.phases, **p.questions}
        if not text:
            if fmt == "json":
                click.echo(json.dumps({k: sorted(v) for k, v in (("topics", p.topics), ("phases", p.phases),
                                                                  ("questions", p.questions))}, indent=1))
                return
            console.print("Primer topics: " + ", ".join(p.topics), markup=False)
            console.print("Question phases: " + ", ".join(p.phases), markup=False)
            console.print("Questions: " + ", ".join(p.questions), markup=False)
            return
        if text not in entries:
            from ppp_expert.kb.sources import suggest

            raise ContentError(f"no primer entry '{text}'{suggest(text, entries)}; expected a topic "
                               f"({', '.join(p.topics)}), a phase ({', '.join(p.phases)}) or a question id",
                               field="--primer")
        entry = entries[text]
        if fmt == "json":
            click.echo(json.dumps(asdict(entry), indent=1))
            return
        console.print(primer_panel(entry, [found.term if (found := g.get(t)) else t for t in entry.terms]))
        return
    if text:
        found = g.lookup(text)
        if fmt == "json":
            click.echo(json.dumps(asdict(found), indent=1))
            return
        console.print(term_panel(found, [other.term if (other := g.get(t)) else t for t in found.see_also]))
        return
    terms = g.terms
    if topic is not None:
        topics = sorted({t for entry in g.terms for t in entry.topics})
        if topic not in topics:
            from ppp_expert.kb.sources import suggest

            raise ContentError(f"unknown topic '{topic}'{suggest(topic, topics)}; expected one of {', '.join(topics)}",
                               field="--topic")
        terms = [t for t in terms if topic in t.topics]
    if fmt == "json":
        click.echo(json.dumps([asdict(t) for t in terms], indent=1))
        return
    console.print(terms_table(terms, title=f"Glossary ({len(terms)} terms{f', topic {topic}' if topic else ''})"))
    console.print("Look one up: ppp-expert glossary TERM", style="dim", markup=False)


@click.command()
@click.argument("section", required=False, default="")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def guide(section: str, fmt: str) -> None:
    """What a section of the technology PPP guide teaches, retold in our words (the rules cite the
    guide by these section ids); without SECTION, list the sections. A unique start of an id will do.

    Examples: ppp-expert guide · ppp-expert guide faq-term · ppp-expert guide gov --format json
    """
    from ppp_expert.content.texts import ContentError, glossary as load, guide_pages
    from ppp_expert.kb.sections import SECTION_TITLES
    from ppp_expert.train.guide_pages import find_section, page_lines, unknown_note

    if not section.strip():
        if fmt == "json":
            click.echo(json.dumps([{"section": s, "title": t} for s, t in SECTION_TITLES.items()], indent=1))
            return
        click.echo("Guide sections (ppp-expert guide SECTION shows one):")
        width = max(map(len, SECTION_TITLES))
        for s, t in SECTION_TITLES.items():
            click.echo(f"  {s:<{width}}  {t}")
        return
    found = find_section(section)
    if found is None:
        raise ContentError(unknown_note(section), field="SECTION")
    if fmt == "json":
        page, g = guide_pages()[found], load()
        click.echo(json.dumps({
            "section": found, "title": SECTION_TITLES[found], "summary": page.summary,
            "key_points": list(page.key_points),
            "terms": [{"id": t, "term": term.term} for t in page.terms if (term := g.get(t)) is not None],
            "see_also": [{"section": s, "title": SECTION_TITLES[s]} for s in page.see_also]}, indent=1))
        return
    title, lines = page_lines(found, load())
    click.echo(f"{title}")
    for line in lines:
        click.echo(line if line.startswith("- ") or line.endswith(":") else click.wrap_text(line, 100))
