"""One encoder per output language (HTML attribute, URL, Markdown code span, CSV): defects 3, 4, 9,
13 and 17 of the second adversarial review."""

from __future__ import annotations

import csv
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
import yaml
from conftest import ROOT
from helpers import bounded_in_time, one_line_error  # noqa: F401  (an autouse fixture)
from markdown_it import MarkdownIt

from ppp_expert.cli import main

CASE = ROOT / "cases" / "hmrc-aspire.yaml"
HOSTILE_NAMES = ["javascript:alert(1).yaml", "a#b?c%2e.yaml", "data:text,x.yaml", "x y&\"'<>.yaml"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if tag == "a" and name == "href"]


def hrefs(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


# ------------------------------------------------------------------------------ defect 3
def test_defect3_portfolio_links_are_urls_to_the_memo_files(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(CASE, folder / name)
    result = runner.invoke(main, ["batch", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1",
                                  "--reports", "html"])
    assert result.exit_code == 0, result.output
    reports = tmp_path / "out" / "reports"
    links = hrefs(reports / "index.html")
    assert len(links) == len(HOSTILE_NAMES)
    for link in links:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", ""), link
        assert (reports / os.fsdecode(unquote_to_bytes(parts.path))).is_file(), link


# ------------------------------------------------------------------------------ defect 4
@pytest.mark.parametrize("case_id", ["x`<img src=x onerror=alert(1)>`y", "``<b>bold</b>``", "`", "a|b`c"])
def test_defect4_a_case_id_stays_inside_its_code_span(runner, tmp_path, case_id) -> None:
    data = yaml.safe_load(CASE.read_text(encoding="utf-8"))
    data["id"] = case_id
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(main, ["report", str(path), "--no-sweep", "--format", "md", "-o", str(tmp_path / "m.md")])
    assert result.exit_code == 0, result.output
    memo = (tmp_path / "m.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(memo)
    assert "<img" not in html and "<b>" not in html
    spans = [token for block in MarkdownIt("commonmark").parse(memo) for token in (block.children or [])
             if token.type == "code_inline"]
    assert case_id.replace("|", "\\|") in [s.content for s in spans] or case_id in [s.content for s in spans]


# ------------------------------------------------------------------------------ defect 9
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_defect9_a_file_name_that_is_not_utf8_gets_its_report_index_and_summary(runner, tmp_path, fmt) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(CASE, os.fsdecode(os.fsencode(folder) + b"/bad\xff\xfe.yaml"))
    shutil.copy(CASE, folder / "good.yaml")
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(folder), "--out", str(out), "--jobs", "1", "--reports", fmt])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert sorted(r["path"].rsplit("/", 1)[-1] for r in rows) == ["bad\\xff\\xfe.yaml", "good.yaml"]
    index = out / "reports" / "index.html"
    assert index.is_file()
    memos = [link for link in hrefs(index) if (out / "reports" / os.fsdecode(unquote_to_bytes(link))).is_file()]
    assert len(memos) == 2


# ----------------------------------------------------------------------------- defect 13
SECRET = "root:$6$SeCrEtHaSh.xyz:19000:0:99999:7:::"


@pytest.mark.parametrize("content", [f"{SECRET}\nbin:*:19000:0:99999:7:::\n", f"{SECRET}\n",
                                     f"answers:\n  need_type: '{SECRET}'\n", f"answers:\n  '{SECRET}': x\n",
                                     f"id: x\nexpected:\n  risks:\n    demand: '{SECRET}'\n"])
def test_defect13_errors_never_echo_file_content(runner, tmp_path, content) -> None:
    secret = tmp_path / "secret"
    secret.write_text(content, encoding="utf-8")
    (tmp_path / "x.yaml").symlink_to(secret)
    result = runner.invoke(main, ["evaluate", str(tmp_path / "x.yaml")])
    line = one_line_error(result, "x.yaml")
    assert "SeCrEt" not in line
    out = tmp_path / "out"
    result = runner.invoke(main, ["batch", str(tmp_path / "x.yaml"), "--out", str(out), "--jobs", "1"])
    assert result.exit_code in (1, 2) and "1 failed" in result.output, result.output
    assert "SeCrEt" not in result.output
    for name in ("summary.csv", "results.jsonl"):
        assert "SeCrEt" not in (out / name).read_text(encoding="utf-8")


def test_defect13_a_wrong_answer_that_is_a_name_is_still_named(runner, tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("answers:\n  need_type: evolvng\n", encoding="utf-8")
    one_line_error(runner.invoke(main, ["evaluate", str(path)]), "'evolvng' is not an allowed answer",
                   "did you mean 'evolving'")


# ----------------------------------------------------------------------------- defect 17
def test_defect17_a_huge_number_is_described_not_echoed(runner) -> None:
    result = runner.invoke(main, ["whatif", str(CASE), "--set", "duration_years=1e308"])
    line = one_line_error(result, "duration_years", "a number of 309 digits")
    assert len(line) < 200 and "0000000000" not in line
    result = runner.invoke(main, ["whatif", str(CASE), "--set", "duration_years=7", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)
