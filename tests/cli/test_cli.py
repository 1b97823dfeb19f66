"""The real CLI through click's CliRunner: evaluate, the JSON contract, graphs, explain, questions, schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from conftest import BROADBAND, COMMODITY, ROOT

from ppp_expert import __version__
from ppp_expert.cli import main

CONTRACT_KEYS = {
    "case", "appropriate", "recommendation", "risk_allocation", "structuring", "governance", "procurement",
    "implementation", "red_flags", "fired_rules", "unknown_questions",
}


def test_version_and_help_on_every_command(runner) -> None:
    assert __version__ in runner.invoke(main, ["--version"]).output
    commands = ["evaluate", "explain", "questions", "schema", "batch", "ask", "kb", "kb lint", "kb stats"]
    for command in commands:
        result = runner.invoke(main, [*command.split(), "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_evaluate_full_prints_every_section(runner, write_case) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--full", "--no-sweep"])
    assert result.exit_code == 0, result.output
    for heading in ("Outcome", "Confidence", "Recommended model", "Model ranking", "Risk allocation", "Unknown",
                    "Why:"):
        assert heading in result.output
    assert "Concession / BOT" in result.output


def test_evaluate_full_on_thin_information_says_what_to_answer_first(runner, write_case) -> None:
    """With no model determined, the model-dependent sections name the questions to answer first
    (this path once read a field the result no longer has and ended in an internal error)."""
    result = runner.invoke(main, ["evaluate", str(write_case({"application_area": "broadband"})), "--full",
                                  "--no-sweep"])
    assert result.exit_code == 0, result.output
    advice = json.loads(runner.invoke(main, ["evaluate", str(write_case({"application_area": "broadband"})),
                                             "--format", "json"]).output)
    first = advice["appropriate"]["questions_first"]
    assert first and "which is not yet determined. Answer first:" in " ".join(result.output.split())
    assert f"Answer first: {first[0]}" in " ".join(result.output.split())


def test_evaluate_leads_with_a_one_screen_summary(runner, write_case) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND))])
    assert result.exit_code == 0, result.output
    first_line_of_panel = result.output.splitlines()[1]
    assert "PPP fits" in first_line_of_panel and "Concession / BOT" in first_line_of_panel
    for part in ("Confidence:", "Because:", "Risk owners:", "Red flags:", "Sensitivity:", "--full"):
        assert part in result.output
    assert "Model ranking" not in result.output  # the full sections only with --full
    assert len(result.output.splitlines()) <= 24  # one screen
    full = runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--full"])
    assert "How to read the numbers" in full.output  # explained with every section


def test_evaluate_json_is_the_result_contract(runner, write_case, kb) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND, name="bb.yaml")), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == CONTRACT_KEYS
    assert data["case"] == "bb"
    assert set(data["appropriate"]) >= {"verdict", "reasons"}
    assert data["appropriate"]["verdict"] in ("ppp", "traditional", "not_yet", "insufficient_information")
    rec = data["recommendation"]
    assert set(rec) >= {"model", "score", "close_call", "ranking"}
    assert {r["model"] for r in rec["ranking"]} == set(kb.models)
    for item in data["risk_allocation"]:
        assert set(item) >= {"risk", "party", "rationale", "rules"}
        assert item["party"] in ("public", "private", "shared") and item["rules"]
    assert {r["risk"] for r in data["risk_allocation"]} == set(kb.risks)  # every risk placed
    for flag in data["red_flags"]:
        assert set(flag) >= {"id", "title", "mitigation", "rules"}
    for fired in data["fired_rules"]:
        assert set(fired) >= {"id", "source", "facts"}
    assert "error" not in data
    assert set(data["unknown_questions"]) == set(kb.questions) - set(BROADBAND)


def test_json_case_file_gives_the_same_advice_as_yaml(runner, tmp_path, write_case) -> None:
    yaml_path = write_case(BROADBAND, name="same.yaml")
    yaml_out = runner.invoke(main, ["evaluate", str(yaml_path), "--format", "json"]).output
    json_path = tmp_path / "json" / "same.json"
    json_path.parent.mkdir()
    json_path.write_text(json.dumps({"answers": BROADBAND}), encoding="utf-8")
    assert runner.invoke(main, ["evaluate", str(json_path), "--format", "json"]).output == yaml_out


def test_svg_graph_is_rendered_by_real_dot_and_parses(runner, write_case, tmp_path) -> None:
    svg = tmp_path / "graph.svg"
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--graph", str(svg)])
    assert result.exit_code == 0, result.output
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "recommended: Concession / BOT (score +" in texts
    assert "Rules fired" in texts and "Answers" in texts
    # Rule nodes carry their title in words; the id is the tooltip, never cut short with an ellipsis.
    assert "…" not in texts
    tooltips = [a.get("{http://www.w3.org/1999/xlink}title") for a in root.iter() if a.tag.endswith("}a")]
    assert any(t and t.startswith("model.concession_bot.") for t in tooltips)
    titles = [t.text for t in root.iter() if t.tag.endswith("title")]
    assert sum(1 for t in titles if t and "->" in t) > 10  # edges premise -> rule -> conclusion


@pytest.mark.parametrize("suffix", [".dot", ".graphml", ".json"])
def test_graph_formats(runner, write_case, tmp_path, suffix) -> None:
    out = tmp_path / f"graph{suffix}"
    assert runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--graph", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    if suffix == ".dot":
        assert text.startswith("digraph") and "cluster_rule" in text
    elif suffix == ".graphml":
        g = nx.read_graphml(out)
        kinds = {d["kind"] for _, d in g.nodes(data=True)}
        assert kinds >= {"answer", "rule", "decision", "conclusion"}
        rules = [d for _, d in g.nodes(data=True) if d["kind"] == "rule"]
        assert all(d["source"] and d["title"] for d in rules)
    else:
        data = json.loads(text)
        assert data["nodes"] and data["edges"]


def test_unsupported_graph_format_is_bad_input(runner, write_case, tmp_path) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--graph", str(tmp_path / "g.pdf")])
    assert result.exit_code == 2
    assert "unsupported graph format '.pdf'" in result.output


def test_graph_labels_are_escaped(tmp_path) -> None:
    from ppp_expert.render.graphs import to_dot

    g = nx.DiGraph(case='evil"case')
    g.add_node('answer:x="a\\l"', kind="answer", label='x="a\\l" <b>')
    source = to_dot(g).source
    assert '\\"' in source and "\\\\l" in source
    subprocess.run(["dot", "-Tsvg", "-o", str(tmp_path / "e.svg")], input=source.encode(), check=True)


def test_explain_how_follows_the_chain_to_answers(runner, write_case) -> None:
    result = runner.invoke(main, ["explain", str(write_case(BROADBAND)), "--how", "model"])
    assert result.exit_code == 0, result.output
    assert "HOW model" in result.output
    assert re.search(r"because .*answer:", result.output)
    assert "concluded" in result.output


def test_explain_how_a_risk_and_unknown_target(runner, write_case) -> None:
    path = str(write_case(BROADBAND))
    ok = runner.invoke(main, ["explain", path, "--how", "risk:demand"])
    assert ok.exit_code == 0 and "risk.demand" in ok.output
    bad = runner.invoke(main, ["explain", path, "--how", "risk:demnd"])
    assert bad.exit_code == 2 and "did you mean 'risk:demand'" in bad.output


def test_explain_why_not_names_failed_conditions(runner, write_case) -> None:
    result = runner.invoke(main, ["explain", str(write_case(BROADBAND)), "--why-not", "data_partnership"])
    assert result.exit_code == 0, result.output
    assert "WHY NOT data_partnership" in result.output
    assert "did not fire" in result.output and " x " in result.output
    bad = runner.invoke(main, ["explain", str(write_case(BROADBAND)), "--why-not", "concesion_bot"])
    assert bad.exit_code == 2 and "did you mean 'concession_bot'" in bad.output


def test_questions_lists_every_question_and_answer(runner, kb) -> None:
    result = runner.invoke(main, ["questions"])
    assert result.exit_code == 0
    for q in kb.questions.values():
        assert q.id in result.output
        for value in q.answers:
            assert value in result.output
    data = json.loads(runner.invoke(main, ["questions", "--format", "json"]).output)
    assert [q["id"] for q in data] == list(kb.questions)


def test_schema_validates_real_cases_and_rejects_bad_ones(runner, kb) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(runner.invoke(main, ["schema"]).output)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors({"answers": {**BROADBAND, "urgency": "unknown"}}))
    assert list(validator.iter_errors({"answers": {"urgency": "soon"}}))
    assert list(validator.iter_errors({"answers": {"duration_years": 99}}))


def test_real_subprocess_runs_the_console_script_and_module(tmp_path, write_case) -> None:
    case = write_case(COMMODITY)
    exe = Path(sys.executable).with_name("ppp-expert")
    for command in ([str(exe)], [sys.executable, "-m", "ppp_expert"]):
        result = subprocess.run([*command, "evaluate", str(case), "--format", "json"], capture_output=True,
                                text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["appropriate"]["verdict"] == "traditional"


def test_a_case_title_is_text_not_rich_markup(runner, write_case) -> None:
    # "[/x]" crashed the readable advice (MarkupError, exit 1); "[link=...]" was turned into a hyperlink.
    path = write_case(BROADBAND, title="[/x] Fibre [link=http://evil.example]ring[/link]")
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "[/x] Fibre [link=http://evil.example]ring[/link]" in result.output


@pytest.mark.parametrize("name", ["g.dot", "g.json", "g.graphml", "g.svg"])
def test_graph_path_inside_a_file_is_bad_input_not_an_internal_error(runner, write_case, name) -> None:
    case = write_case(BROADBAND)
    result = runner.invoke(main, ["evaluate", str(case), "--format", "json", "--graph", f"{case}/{name}"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {case}: --graph: is not a directory"]
    assert result.stdout == ""  # refused before any work


def test_graph_write_failure_is_one_line_bad_input(runner, write_case, tmp_path, monkeypatch) -> None:
    from ppp_expert import files

    case = str(write_case(BROADBAND))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "g.json"))

    monkeypatch.setattr(files, "temporary", refuse)  # a read-only folder, for root too
    result = runner.invoke(main, ["evaluate", case, "--graph", str(tmp_path / "g.json")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {tmp_path / 'g.json'}: --graph: cannot write: Permission denied"


def test_graph_name_without_a_suffix_is_explained(runner, write_case, tmp_path) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case(BROADBAND)), "--graph", str(tmp_path / ".svg")])
    assert result.exit_code == 2
    assert "no format suffix in the file name" in result.stderr


def test_explain_empty_targets_are_refused_not_ignored(runner, write_case) -> None:
    path = str(write_case(BROADBAND))
    result = runner.invoke(main, ["explain", path, "--why-not", ""])
    assert result.exit_code == 2 and result.stdout == ""  # was: HOW model printed instead, exit 0
    assert "--why-not: expected a model id or a claim" in result.stderr
    result = runner.invoke(main, ["explain", path, "--how", ""])
    assert result.exit_code == 2 and result.stdout == ""
    assert "--how: no conclusion ''" in result.stderr


def test_explain_unknown_target_prints_no_header_first(runner, write_case) -> None:
    result = runner.invoke(main, ["explain", str(write_case(BROADBAND)), "--how", "nothing"])
    assert result.exit_code == 2
    assert result.stdout == ""  # was "HOW nothing (case):" followed by the error


def test_focus_errors_name_the_focus_option(runner, write_case, tmp_path) -> None:
    path = str(write_case(BROADBAND))
    result = runner.invoke(main, ["evaluate", path, "--graph", str(tmp_path / "g.dot"), "--focus", "nothing"])
    assert result.exit_code == 2
    assert "error: --focus: no conclusion 'nothing'" in result.stderr
    result = runner.invoke(main, ["evaluate", path, "--focus", "model"])
    assert result.exit_code == 2 and result.stdout == ""  # refused before the advice is printed
    assert "--focus needs --graph FILE" in result.stderr


def test_kb_coverage_of_no_case_files_is_bad_input(runner, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(main, ["kb", "coverage", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert f"error: no case files found in {tmp_path / 'empty'}" in result.stderr
    result = runner.invoke(main, ["kb", "coverage", str(ROOT / "cases"), "--show", "-1"])
    assert result.exit_code == 2 and "-1 is not in the range" in result.output


def test_the_summary_fits_an_80_column_terminal_for_every_library_case(runner) -> None:
    """Bottom line first, and the panel with the pointer under it within 24 lines at 80 columns."""
    sizes = {}
    for path in sorted((ROOT / "cases").glob("*.yaml")):
        result = runner.invoke(main, ["evaluate", str(path)], env={"COLUMNS": "80", "NO_COLOR": "1"})
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert all(len(line) <= 80 for line in lines)
        assert lines[1].startswith("│ ") and lines[-1].startswith("More: add --full")
        sizes[path.stem] = len(lines)
    assert max(sizes.values()) <= 24, {k: v for k, v in sizes.items() if v > 24}
