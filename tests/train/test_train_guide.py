"""`guide [SECTION]` in a practice session and `ppp-expert guide`: the page of a guide section in
our words, with the rules of the current case that fired and cite it; driven through the real CLI
with the real tutor, knowledge base and engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ppp_expert.cli import main
from ppp_expert.content.texts import guide_pages
from ppp_expert.kb.sections import SECTION_TITLES
from ppp_expert.train.casework import ALL_STEPS, build_step
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.learner import Learner
from ppp_expert.train.programme import load_programme
from ppp_expert.train.solved import Solved
from ppp_expert.train.store import Database

RULES_LINE = "Rules citing it in this case: "


@pytest.fixture(scope="module")
def programme(kb: Any) -> Any:
    return load_programme(kb)


def run(runner: Any, args: list[str], text: str = "") -> Any:
    return runner.invoke(main, args, input=text, env={"NO_COLOR": "1", "COLUMNS": "100"})


def train_json(runner: Any, tmp_path: Path, case_id: str, text: str) -> list[dict[str, Any]]:
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--case", case_id,
                          "--seed", "3", "--format", "json"], text)
    assert result.exit_code in (0, 1), result.output  # 1: the input ended mid-case, as intended
    return [json.loads(line) for line in result.output.splitlines()]


def first_step(kb: Any, programme: Any, case_id: str) -> Any:
    catalogue = Catalogue(programme)
    solved = Solved(kb, programme.get(case_id))
    step = next(s for s in ALL_STEPS if s in catalogue.summary(case_id).steps)
    return solved, build_step(solved, 3, step, catalogue.flags_elsewhere(case_id))


def test_guide_at_a_prompt_shows_the_steps_section_with_the_rules_of_the_case_that_cite_it(
        kb: Any, runner: Any, programme: Any, tmp_path: Path) -> None:
    case_id = sorted(programme.cases)[0]
    solved, item = first_step(kb, programme, case_id)
    section = next(s for s in item.sections if s in SECTION_TITLES)
    events = train_json(runner, tmp_path, case_id, "guide\n")
    guide = next(e for e in events if e["event"] == "guide")
    assert guide["title"] == f"Guide: {SECTION_TITLES[section]}"
    assert f"Section id: {section} " in guide["lines"][0]
    assert guide_pages()[section].summary in guide["lines"]
    fired = {f.rule.id: f.rule.title for f in solved.trace.firings}
    citing = [title for rule_id, title in fired.items() if kb.rule(rule_id).source == section]
    assert citing  # the step's deciding rules fired and cite its section
    rules_line = next(line for line in guide["lines"] if line.startswith(RULES_LINE))
    listed = rules_line[len(RULES_LINE):].split("; ")
    assert sorted(listed) == sorted(set(citing))
    # A rule citing the section that did not fire on this case is not listed.
    silent = [r.title for r in kb.rules if r.source == section and r.id not in fired and r.title not in citing]
    assert silent and not set(silent) & set(listed)
    # The prompt is asked again: the command did not answer it.
    assert [e["event"] for e in events].count("graded") == 0


def test_guide_with_a_section_a_prefix_a_typo_and_an_ambiguous_start(runner: Any, programme: Any,
                                                                       tmp_path: Path) -> None:
    case_id = sorted(programme.cases)[0]
    events = train_json(runner, tmp_path, case_id,
                        "guide faq-data-ip\nguide GOVERN\nguide governnace\nguide faq\nguide nonsense\n")
    guides = [e for e in events if e["event"] == "guide"]
    assert [g["title"] for g in guides] == ["Guide: FAQ: data and IP ownership", "Guide: Governance and oversight"]
    assert any(line.startswith("Terms to look up with 'glossary TERM': ") and "Data ownership" in line
               for line in guides[0]["lines"])
    notes = [e["text"] for e in events if e["event"] == "note" and "guide section" in e["text"]]
    assert notes[0].startswith("No guide section 'governnace' (did you mean 'governance'?); sections: why-ppp,")
    assert notes[1] == ("'faq' starts several guide sections: faq-when, faq-public-interest, faq-failures, faq-term, "
                        "faq-data-ip, faq-political; type more of the id.")
    assert notes[2].startswith("No guide section 'nonsense'; sections: ") and "faq-political" in notes[2]


def test_no_guides_in_an_exam(runner: Any, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    Learner(Database(db)).add_trainee("ana")
    base = ["train", "exam", "--db", str(db), "--trainee", "ana", "--items", "2", "--seed", "9", "--format", "json"]
    result = run(runner, base, "guide\nguide governance\nskip\nskip\n")
    events = [json.loads(line) for line in result.output.splitlines()]
    assert not any(e["event"] == "guide" for e in events)
    notes = [e["text"] for e in events if e["event"] == "note" and e["text"].startswith("No guide")]
    assert notes == ["No guides in an exam.", "No guides in an exam."]


def test_guide_after_grading_and_in_the_help(kb: Any, runner: Any, programme: Any, tmp_path: Path) -> None:
    case_id = sorted(programme.cases)[0]
    _, item = first_step(kb, programme, case_id)
    section = next(s for s in item.sections if s in SECTION_TITLES)
    result = run(runner, ["train", "--db", str(tmp_path / "t.db"), "--trainee", "ana", "--new", "--case", case_id,
                          "--seed", "3"], "help\n1\nguide\nquit\n")
    out = result.output
    assert "guide     what the guide section behind this step teaches" in out
    graded_at = max(out.find("✔"), out.find("✘"))
    assert graded_at > 0 and out.find(f"Guide: {SECTION_TITLES[section]}", graded_at) > graded_at
    assert RULES_LINE in out[graded_at:]


def test_the_guide_command_lists_sections_and_prints_a_page(runner: Any) -> None:
    listing = run(runner, ["guide"])
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.output.splitlines() if line.strip()][-19:] == list(SECTION_TITLES)
    page = run(runner, ["guide", "faq-term"])
    assert page.exit_code == 0 and "FAQ: how long should a technology PPP last?" in page.output
    assert "Rules citing it" not in page.output  # no case here
    data = json.loads(run(runner, ["guide", "faq-t", "--format", "json"]).output)
    assert data["section"] == "faq-term" and data["summary"] == guide_pages()["faq-term"].summary
    assert data["key_points"] and data["terms"][0]["id"] == "contract-term"
    bad = run(runner, ["guide", "governnace"])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1
    assert bad.output.startswith("error: ") and "did you mean 'governance'" in bad.output
