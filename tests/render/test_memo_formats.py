"""The memo an official submits: cover, executive summary first, the financial section from the
case's own figures, switching values, and the PDF (real headless Chromium, read back by pypdf),
DOCX (read back by python-docx) and one-page brief formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import BROADBAND, CASES, ROOT

from ppp_expert.api import evaluate
from ppp_expert.cli import main

FIGURES = ROOT / "tests" / "fixtures" / "memo" / "county-fibre-with-figures.yaml"
DATED = ["--date", "2026-03-31", "--version", "1.2", "--author", "A. N. Official"]
#: The library cases with the most red flags and conditions: the hardest to fit in two pages.
CROWDED = sorted(CASES.glob("*.yaml"), key=lambda p: -(len(evaluate(p).red_flags)
                                                       + 3 * len(evaluate(p).appropriate.conditions)))[:2]


def _text(page_text: str) -> str:
    """PDF text as words: ligatures undone, line breaks as spaces."""
    for lig, plain in {"\ufb01": "fi", "\ufb02": "fl", "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl"}.items():
        page_text = page_text.replace(lig, plain)
    return re.sub(r"\s+", " ", page_text)


def _md(runner, case: Path, *args: str) -> str:
    result = runner.invoke(main, ["report", str(case), "--format", "md", *DATED, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _section(md: str, title: str) -> str:
    return md.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_the_cover_carries_author_date_version_and_knowledge_base(runner) -> None:
    md = _md(runner, CASES / "hmrc-aspire.yaml", "--no-sweep")
    cover = md.split("## 1.", 1)[0]
    for text in ("2026-03-31", "1.2", "A. N. Official", "Knowledge base", "`hmrc-aspire`"):
        assert text in cover
    assert re.search(r"\| Knowledge base \| [0-9a-f]{12} \|", cover)
    assert "| Prepared by | A. N. Official |" in md


def test_the_date_defaults_to_today(runner) -> None:
    import datetime

    result = runner.invoke(main, ["report", str(CASES / "hmrc-aspire.yaml"), "--format", "md", "--no-sweep"])
    assert f"| Date | {datetime.date.today().isoformat()} |" in result.stdout


def test_the_executive_summary_names_every_red_flag_condition_and_switching_value(runner) -> None:
    case = CASES / "libra-magistrates-courts-it.yaml"
    advice = evaluate(case)
    summary = _section(_md(runner, case), "1. Executive summary")
    assert "### Decision sought" in summary and "### Recommendation" in summary
    assert advice.appropriate.verdict == "not_yet" and "Not yet: conditions to meet first" in summary
    for flag in advice.red_flags:
        assert f"**{flag.title}**: " in summary
    for condition in advice.appropriate.conditions:
        assert f"**{condition.title}**" in summary
    assert "Runner-up" in summary and f"| Confidence | {advice.appropriate.confidence.level} " in summary


def test_options_are_explained_in_words_not_rule_syntax(runner) -> None:
    options = _section(_md(runner, CASES / "ireland-national-broadband-plan.yaml", "--no-sweep"),
                       "3. Options appraisal")
    assert "It scores" in options and "What would favour it does not hold" in options
    for syntax in ("fact ", " in [", "(answer:", "not (", "none of:"):
        assert syntax not in options


def test_switching_values_split_levers_from_facts_and_really_switch(runner, kb) -> None:
    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.advice.sensitivity import outcome
    from ppp_expert.advice.switching import switching_values
    from ppp_expert.cases.case import load_case

    case = load_case(CASES / "hmrc-aspire.yaml", kb)
    result = appraise(kb, case.id, case.answers)
    switches = switching_values(kb, result.sweep, case.answers)
    assert {s.control for s in switches} == {"lever", "fact"}
    base = (result.advice.appropriate.verdict, result.sweep.baseline.model)
    for s in switches:  # each switching value really changes the outcome or the model
        changed = outcome(kb, {**case.answers, s.question: s.switch_at})
        assert (changed.verdict, changed.model) != base, s
    md = _section(_md(runner, CASES / "hmrc-aspire.yaml"), "7. Sensitivity: levers and facts")
    levers, facts = md.split("### Facts it does not control")
    assert "value-for-money assessment" in levers and "capacity to govern" in facts


def test_a_number_switches_at_its_exact_threshold(kb) -> None:
    from ppp_expert.advice.sensitivity import outcome, sweep
    from ppp_expert.advice.switching import switching_values

    answers = {**BROADBAND, "duration_years": 25}
    result = sweep(kb, "t", answers)
    numbers = [s for s in switching_values(kb, result, answers) if s.question == "duration_years"]
    base = (result.baseline.verdict, result.baseline.model)
    for s in numbers:  # one step back towards the current answer keeps the advice as it is
        before = s.switch_at - 1 if s.switch_at > 25 else s.switch_at + 1
        assert (outcome(kb, {**answers, "duration_years": before}).verdict,
                outcome(kb, {**answers, "duration_years": before}).model) == base


def test_the_financial_section_from_the_case_figures(runner) -> None:
    money = _section(_md(runner, FIGURES, "--no-sweep"), "5. Financial and affordability case")
    assert "Amounts in EUR, as stated in the county's outline business case" in money
    assert "| Capital cost | EUR 460 million |" in money
    assert "| 2027 | EUR 40 million | EUR 45 million | +EUR 5 million | yes |" in money
    assert "| 2028 | EUR 55 million | EUR 50 million | -EUR 5 million | no: exceeds |" in money
    assert "| 2029 | EUR 35 million | not stated |  | unknown: no envelope |" in money
    assert "Payments over the years stated: EUR 130 million. The payments exceed the envelope in 2028." in money
    assert "EUR 34.5 million (5.7%) below the public-sector comparator" in money
    assert "| Minimum-revenue guarantee to lenders | EUR 80 million |" in money
    assert "| Termination compensation | not quantified |" in money
    assert "EUR 80 million quantified in total" in money
    assert "budget envelope for 2029" in money and "the amount of Termination compensation" in money
    assert "payments\\_affordable: yes" in money  # the answer and the figures disagree: both are shown


def test_a_case_without_figures_says_so_and_invents_none(runner) -> None:
    money = _section(_md(runner, CASES / "ireland-national-broadband-plan.yaml", "--no-sweep"),
                     "5. Financial and affordability case")
    assert "The case file states no figures" in money
    assert "US$3,300 million (capital\\_cost\\_musd)" in money  # the one amount the answers give
    assert "EUR" not in money and "|" not in money  # no table of figures


@pytest.mark.parametrize("finance, expected", [
    ({"currency": "EURO"}, "finance.currency: expected an ISO 4217 currency code"),
    ({"currency": "EUR", "unit": "millions"}, "finance.unit: expected one of one, thousand, million, billion"),
    ({"currency": "EUR", "capital_cost": -1}, "finance.capital_cost: expected an amount from 0"),
    ({"currency": "EUR", "annual_payments": {1850: 3}}, "finance.annual_payments.1850: expected a year"),
    ({"currency": "EUR", "budget_envelope": {2027: "lots"}}, "finance.budget_envelope.2027: expected an amount"),
    ({"currency": "EUR", "contingent_liabilities": [{"amount": 3}]},
     "finance.contingent_liabilities[0].title: is missing"),
    ({"currency": "EUR", "capex": 3}, "finance.capex: unknown key"),
    ({"capital_cost": 3}, "finance.currency: expected an ISO 4217 currency code"),
])
def test_bad_figures_are_one_line_errors(runner, write_case, finance, expected) -> None:
    case = write_case(BROADBAND, finance=finance)
    result = runner.invoke(main, ["report", str(case), "--format", "md", "--no-sweep"])
    assert result.exit_code == 2 and result.stdout == ""
    assert expected in result.stderr and result.stderr.count("\n") == 1 and str(case) in result.stderr


def test_the_case_schema_accepts_the_figures(runner) -> None:
    import json

    import jsonschema

    schema = json.loads(runner.invoke(main, ["schema"]).stdout)
    data = yaml.safe_load(FIGURES.read_text(encoding="utf-8"))
    for key in ("annual_payments", "budget_envelope"):
        data["finance"][key] = {str(k): v for k, v in data["finance"][key].items()}
    jsonschema.validate(data, schema)
    data["finance"]["currency"] = "EURO"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_docx_has_real_headings_and_tables(runner, tmp_path) -> None:
    import docx

    out = tmp_path / "memo.docx"
    result = runner.invoke(main, ["report", str(FIGURES), "--format", "docx", "-o", str(out), *DATED])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for word in ("Decision sought", "Recommendation", "Options appraisal", "Financial and affordability case",
                 "Risk allocation", "Top risks", "Assumptions", "Next steps", "Approvals"):
        assert any(word in h for h in headings), word
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"EUR 460 million", "no: exceeds", "Prepared by", "A. N. Official"} <= cells
    assert len(document.inline_shapes) == 2  # the verdict and model graphs, as pictures


@pytest.mark.browser
@pytest.mark.parametrize("case", CROWDED, ids=lambda p: p.stem)
def test_pdf_first_two_pages_hold_the_decision_flags_and_conditions(runner, tmp_path, case) -> None:
    import pypdf

    out, brief = tmp_path / "memo.pdf", tmp_path / "brief.pdf"
    for path, extra in ((out, []), (brief, ["--brief"])):
        result = runner.invoke(main, ["report", str(case), "--format", "pdf", "-o", str(path), *DATED, *extra])
        assert result.exit_code == 0, result.output
    advice = evaluate(case)
    pages = pypdf.PdfReader(str(out)).pages
    first_two = _text(" ".join(p.extract_text() for p in pages[:2]))
    assert len(pages) > 2 and "Decision sought" in first_two and "2026-03-31" in first_two
    for title in [f.title for f in advice.red_flags] + [c.title for c in advice.appropriate.conditions]:
        assert _text(title) in first_two, title
    brief_pages = pypdf.PdfReader(str(brief)).pages
    assert len(brief_pages) == 1
    assert "Decision sought" in _text(brief_pages[0].extract_text())


@pytest.mark.browser
def test_graph_labels_print_at_8_pt_or_more_on_a4(runner, tmp_path, browser) -> None:
    out = tmp_path / "memo.html"
    result = runner.invoke(main, ["report", str(CASES / "ireland-national-broadband-plan.yaml"), "-o", str(out),
                                  "--no-sweep", *DATED])
    assert result.exit_code == 0, result.output
    page = browser.new_page(viewport={"width": 688, "height": 1000})  # A4 less 14 mm margins, in CSS px
    page.emulate_media(media="print")
    page.goto(out.as_uri())
    for name in ("verdict", "model"):
        figure = page.locator(f"#graph-{name}")
        smallest = figure.evaluate("""f => { const svg = f.querySelector('svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const sizes = [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')));
            return Math.min(...sizes) * scale * 0.75; }""")  # user units are points; px -> pt is 0.75
        assert smallest >= 8.0, (name, smallest)
        shot = tmp_path / f"{name}.png"
        figure.screenshot(path=str(shot))
        assert shot.stat().st_size > 5_000
    page.close()


def test_graph_labels_wrap_between_words_and_use_known_colours(kb) -> None:
    import subprocess

    from ppp_expert.advice.appraisal import appraise
    from ppp_expert.advice.explain import build_graph, strongest
    from ppp_expert.cases.case import load_case
    from ppp_expert.render.graphs import to_dot, wrapped

    title = "Partner not chosen through competition in a long-lived institutionalised partnership"
    lines = wrapped(title, 18).split("\\n")
    assert " ".join(lines) == title and all(len(x) <= 18 for x in lines)  # broken only between words
    assert wrapped("practice:ec-ippp-communication-2008 cited", 18).split("\\n")[0] == \
        "practice:ec-ippp-communication-2008"  # a long word keeps a line of its own, whole
    case = load_case(CASES / "ireland-national-broadband-plan.yaml", kb)
    result = appraise(kb, case.id, case.answers, with_sweep=False)
    g = build_graph(kb, result.trace, result.advice)
    for graph, compact in ((g, False), (strongest(g, "verdict", 8), True)):
        source = to_dot(graph, compact=compact).source
        done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True)
        assert done.stderr == b""  # no "is not a known color" or any other warning


def test_the_brief_keeps_to_decision_outcome_flags_conditions_and_next_steps(runner) -> None:
    from markdown_it import MarkdownIt

    case = CASES / "hmrc-aspire.yaml"
    brief = _md(runner, case, "--brief", "--no-sweep")
    tokens = MarkdownIt("commonmark").enable("table").parse(brief)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert headings == ["Decision sought", "Recommendation", "Conditions to meet first", "Red flags", "Next steps"]
    advice = evaluate(case)
    assert all(f"**{f.title}**" in brief for f in advice.red_flags)
    assert f"| {advice.appropriate.confidence.level} |" in brief and "2026-03-31" in brief
