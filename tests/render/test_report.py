"""Decision memos: Markdown parsed back, HTML opened in a real headless Chromium, bad output paths."""

from __future__ import annotations

import re

import pytest
from conftest import BROADBAND, CASES
from markdown_it import MarkdownIt

from ppp_expert.cli import main

IRELAND = str(CASES / "ireland-national-broadband-plan.yaml")
HOSTILE = "<script>window.pwned=1</script> \"quoted\" 'single' {braces} |pipe| \\back"
SECTIONS = ["1. Executive summary", "2. Background and strategic fit", "3. Options appraisal",
            "4. Commercial structure and risk allocation", "5. Financial and affordability case",
            "6. Procurement and management", "7. Sensitivity: levers and facts", "8. Assumptions",
            "9. Next steps and approvals", "Annex"]


def _tables(tokens: list) -> list[list[list[str]]]:
    """Every table as rows of cell texts."""
    tables, rows, row, cell = [], None, None, None
    for tok in tokens:
        if tok.type == "table_open":
            rows = []
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            cell = ""
        elif tok.type == "inline" and cell is not None:
            cell += tok.content
        elif tok.type in ("th_close", "td_close"):
            row.append(cell)
            cell = None
        elif tok.type == "tr_close":
            rows.append(row)
        elif tok.type == "table_close":
            tables.append(rows)
    return tables


def test_markdown_memo_parses_back_with_every_section_and_a_risk_matrix(runner, tmp_path, kb) -> None:
    out = tmp_path / "ireland.md"
    result = runner.invoke(main, ["report", IRELAND, "--format", "md", "-o", str(out), "--no-sweep"])
    assert result.exit_code == 0, result.output
    tokens = MarkdownIt("commonmark").enable("table").parse(out.read_text(encoding="utf-8"))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert headings == SECTIONS
    tables = _tables(tokens)
    matrix = next(t for t in tables if t[0][:2] == ["Risk", "Owner"])
    assert all(len(row) == len(matrix[0]) for row in matrix)  # no row broken by an unescaped pipe
    assert {row[1] for row in matrix[1:]} <= {"public", "private", "shared"}
    assert len(matrix) - 1 >= 10
    # The graphs go beside a Markdown memo (Git hosting does not render inline SVG) and are linked.
    for name in ("verdict", "model"):
        assert (tmp_path / f"ireland.{name}.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
        assert f"(ireland.{name}.svg)" in out.read_text(encoding="utf-8")


def test_markdown_escapes_a_hostile_title(runner, write_case, tmp_path) -> None:
    case = write_case(BROADBAND, title=HOSTILE)
    result = runner.invoke(main, ["report", str(case), "--format", "md", "--no-sweep"])
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").enable("table").render(result.output)
    assert "<script>" not in html and "&lt;script&gt;" in html
    tables = _tables(MarkdownIt("commonmark").enable("table").parse(result.output))
    assert all(len(row) == len(t[0]) for t in tables for row in t)


def test_thin_information_memo_does_not_recommend_a_model(runner, write_case) -> None:
    result = runner.invoke(main, ["report", str(write_case({"application_area": "broadband"})), "--format", "md",
                                  "--no-sweep"])
    assert result.exit_code == 0, result.output
    assert "Not enough information to advise yet" in result.output
    assert "not yet determined" in result.output
    assert "| Risk | Owner |" not in result.output


@pytest.mark.parametrize("args, expected", [
    (["--format", "odt"], "unknown format 'odt'"),
    (["--format", "pdf"], "--format pdf writes a binary file; give it a name with -o FILE"),
    (["--date", "31/12/2026"], "--date: expected a date written YYYY-MM-DD"),
    (["--date", "2026-02-30"], "--date: expected a date written YYYY-MM-DD"),
    (["-o", "/nonexistent-dir/memo.html"], "directory does not exist"),
])
def test_bad_output_requests_are_one_line_errors(runner, args, expected) -> None:
    result = runner.invoke(main, ["report", IRELAND, "--no-sweep", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert expected in result.stderr and result.stderr.count("\n") == 1


def test_an_existing_file_is_kept_without_force(runner, tmp_path) -> None:
    out = tmp_path / "memo.html"
    out.write_text("keep me", encoding="utf-8")
    refused = runner.invoke(main, ["report", IRELAND, "--no-sweep", "-o", str(out)])
    assert refused.exit_code == 2 and "use --force" in refused.stderr and out.read_text() == "keep me"
    forced = runner.invoke(main, ["report", IRELAND, "--no-sweep", "-o", str(out), "--force"])
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.html"]  # no temporary left behind


def test_an_unwritable_folder_leaves_nothing_half_written(runner, tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = runner.invoke(main, ["report", IRELAND, "--no-sweep", "-o", str(folder / "memo.html")])
        if result.exit_code == 0:  # root ignores permission bits; nothing to prove then
            pytest.skip("running as root: permission bits do not stop writes")
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# --- a real browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_html_memo_in_a_real_browser(runner, write_case, tmp_path, browser) -> None:
    case = write_case({**BROADBAND, "political_outlook": "volatile"}, title=HOSTILE)
    out = tmp_path / "memo.html"
    result = runner.invoke(main, ["report", str(case), "-o", str(out)])
    assert result.exit_code == 0, result.output
    requests: list[str] = []
    errors: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == []
    assert page.evaluate("window.pwned") is None  # the hostile title never ran
    assert page.locator("h1").inner_text() == f"Decision memo: {HOSTILE}"
    assert HOSTILE in page.title()
    headings = page.locator("h2").all_inner_texts()
    assert headings == SECTIONS
    rows = page.locator("table.risk-matrix tr").count()
    assert rows >= 11
    owners = set(page.locator("table.risk-matrix td.party").all_inner_texts())
    assert {o.lower() for o in owners} <= {"public", "private", "shared"}
    for name in ("verdict", "model"):
        box = page.locator(f"#graph-{name} svg").bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 50
    assert page.locator("script").count() == 0
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()


def test_html_memo_has_no_external_address_at_all(runner) -> None:
    result = runner.invoke(main, ["report", IRELAND, "--no-sweep"])
    assert result.exit_code == 0
    assert re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", result.output, flags=re.I) == []
    assert "<script" not in result.output.lower()


@pytest.mark.browser
def test_batch_writes_a_memo_per_case_and_a_portfolio_page(runner, tmp_path, browser) -> None:
    import yaml

    from ppp_expert.api import evaluate

    src = tmp_path / "in"
    src.mkdir()
    close = next(p for p in sorted(CASES.glob("*.yaml")) if evaluate(p).recommendation.close_call)
    for path in (CASES / "nasa-cots.yaml", close):
        (src / path.name).write_bytes(path.read_bytes())
    (src / "broken.yaml").write_text(yaml.safe_dump({"answers": {"urgency": "soon"}}), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(src), "--out", str(out), "-j", "1", "--reports", "html"])
    assert result.exit_code == 2, result.output  # the broken case is an error record; the others are evaluated
    memos = sorted(p.name for p in (out / "reports").rglob("*.html") if p.name != "index.html")
    assert memos == sorted(["broken.yaml.html", f"{close.name}.html", "nasa-cots.yaml.html"])
    page = browser.new_page()
    page.goto((out / "reports" / "index.html").as_uri())
    links = page.locator("table.portfolio a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(links) == 3
    for link in links:
        assert (out / "reports" / link).is_file()
    rows = page.locator("table.portfolio tr").all_inner_texts()
    assert any("close call" in row for row in rows)
    assert any("not evaluated" in row for row in rows)
    page.goto((out / "reports" / links[-1]).as_uri())
    assert page.locator("h2").count() == len(SECTIONS)
    page.close()


def test_batch_markdown_memos(runner, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "nasa.yaml").write_bytes((CASES / "nasa-cots.yaml").read_bytes())
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(src), "--out", str(out), "-j", "1", "--reports", "md"])
    assert result.exit_code == 0, result.output
    memo = next((out / "reports").rglob("nasa.yaml.md")).read_text(encoding="utf-8")
    assert memo.startswith("# Decision memo:") and "The sensitivity sweep was not run." in memo
    assert (out / "reports" / "index.html").is_file()
