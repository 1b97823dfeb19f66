"""The shipped knowledge base is complete and valid; a broken one fails with a precise error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb.lint import lint
from ppp_expert.kb.loader import load_kb
from ppp_expert.kb.schema import GUIDE_SECTIONS, MODEL_IDS

CORE_QUESTIONS = (
    "application_area need_type scope_clarity outputs_measurable capital_cost_musd asset_type "
    "integration_with_core_systems cost_profile in_house_expertise public_funding urgency risk_transfer_goal "
    "performance_gap private_interest expected_bidders proposal_origin revenue_source demand_certainty "
    "duration_years governance_capacity control_vs_flexibility risk_transfer_vs_cost innovation_vs_predictability "
    "speed_vs_thoroughness shared_ownership_ok public_assets_in_kind technology_change data_assets personal_data "
    "ip_creation staff_transfer legacy_migration regulatory_role political_outlook stakeholder_alignment "
    "planned_oversight contract_flexibility exit_plan"
).split()


def test_shipped_kb_has_the_public_questions_models_and_enough_risks(kb) -> None:
    assert [q for q in CORE_QUESTIONS if q not in kb.questions] == []
    assert set(kb.models) == set(MODEL_IDS)
    assert len(kb.risks) >= 15


def test_every_rule_cites_a_source_and_every_guide_section_is_cited(kb) -> None:
    cited = {r.source for r in kb.rules}
    assert [s for s in GUIDE_SECTIONS if s not in cited] == []
    assert all(r.source for r in kb.rules)


def test_every_core_question_is_used_by_a_rule(kb) -> None:
    used = {q for r in kb.rules for q in r.questions}
    assert [q for q in CORE_QUESTIONS if q not in used] == []


def test_lint_reports_no_errors(kb) -> None:
    errors = [f.line() for f in lint(kb) if f.level == "error"]
    assert errors == []


@pytest.fixture()
def kb_copy(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", target)
    return target


def _append_rule(kb_dir: Path, rule: dict) -> Path:
    path = kb_dir / "rules" / "99-broken.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule]}), encoding="utf-8")
    return path


GOOD_RULE = {"id": "test.broken", "title": "t", "source": "why-ppp",
             "when": {"answer": "urgency", "is": "high"}, "then": [{"ppp": 0.1, "reason": "r"}]}


@pytest.mark.parametrize("change, expected", [
    ({"when": {"answer": "urgncy", "is": "high"}}, "unknown question 'urgncy' (did you mean 'urgency'?)"),
    ({"when": {"answer": "urgency", "is": "hihg"}}, "'hihg' is not an answer of 'urgency' (did you mean 'high'?)"),
    ({"source": "chapter-9"}, "expected a guide section id"),
    ({"when": {"fact": "never_concluded"}}, "fact 'never_concluded' is never concluded"),
    ({"then": [{"evidence": {"model": "concession", "weight": 0.2, "reason": "r"}}]}, "then[0]"),
    ({"then": [{"ppp": 3, "reason": "r"}]}, "less than or equal to 1"),
    ({"then": [{"allocate": {"risk": "demnd", "party": "public", "mechanism": "m", "rationale": "r"}}]},
     "unknown risk 'demnd' (did you mean 'demand'?)"),
    ({"when": {"answer": "urgency", "equals": "high"}}, "expected exactly one of"),
    ({"when": {"model": "concession_bot"}, "then": [{"ppp": 0.2, "reason": "r"}]}, "cannot give evidence"),
])
def test_broken_rule_fails_at_load_naming_file_rule_and_problem(kb_copy: Path, change: dict, expected: str) -> None:
    path = _append_rule(kb_copy, {**GOOD_RULE, **change})
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(kb_copy)
    message = str(info.value)
    assert str(path) in message and "test.broken" in message and expected in message
    assert "\n" not in message


def test_fact_cycle_is_a_load_error(kb_copy: Path) -> None:
    path = kb_copy / "rules" / "99-cycle.yaml"
    path.write_text(yaml.safe_dump({"rules": [
        {"id": "test.a", "title": "a", "source": "why-ppp", "when": {"fact": "b"}, "then": [{"fact": "a"}]},
        {"id": "test.b", "title": "b", "source": "why-ppp", "when": {"fact": "a"}, "then": [{"fact": "b"}]},
    ]}), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="cycle"):
        load_kb(kb_copy)


def test_malformed_yaml_and_duplicate_rule_ids(kb_copy: Path) -> None:
    bad = kb_copy / "rules" / "99-bad.yaml"
    bad.write_text("rules:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"99-bad.yaml: malformed YAML at line \d+"):
        load_kb(kb_copy)
    first = load_kb(ROOT / "knowledge_base").rules[0]
    bad.write_text(yaml.safe_dump({"rules": [{**GOOD_RULE, "id": first.id}]}), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="duplicate rule id"):
        load_kb(kb_copy)


def test_missing_default_for_a_model_is_named(kb_copy: Path) -> None:
    risks = yaml.safe_load((kb_copy / "risks.yaml").read_text())
    del risks["risks"][0]["defaults"]["alliance"]
    (kb_copy / "risks.yaml").write_text(yaml.safe_dump(risks), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"risks\.\w+\.defaults.*missing \['alliance'\]"):
        load_kb(kb_copy)


def test_cli_reports_a_broken_kb_in_one_line_with_exit_2(kb_copy: Path, runner) -> None:
    from ppp_expert.cli import main

    _append_rule(kb_copy, {**GOOD_RULE, "when": {"answer": "urgncy", "is": "high"}})
    result = runner.invoke(main, ["--kb", str(kb_copy), "kb", "lint"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "test.broken" in result.output


def test_lint_rejects_a_practice_citation_missing_from_the_register(tmp_path) -> None:
    """With a register of practice documents, every practice: citation must name one of them."""
    import shutil

    kb_dir = tmp_path / "kb"
    shutil.copytree(load_kb().path, kb_dir)
    cited = sorted({r.source.split(":", 1)[1] for r in load_kb(kb_dir).rules if r.source.startswith("practice:")})
    assert cited, "the shipped knowledge base cites practice documents"
    entries = [{"id": name, "title": f"Title of {name}", "publisher": "A publisher", "year": 2020,
                "covers": "What the knowledge base takes from it."} for name in cited[1:]]
    (kb_dir / "practice.yaml").write_text(yaml.safe_dump({"practice": entries}), encoding="utf-8")
    findings = [f for f in lint(load_kb(kb_dir)) if f.level == "error"]
    assert len(findings) == 1 and f"practice:{cited[0]}" in findings[0].message
    entries.append({"id": cited[0], "title": "T", "publisher": "P", "year": 2019, "covers": "C"})
    (kb_dir / "practice.yaml").write_text(yaml.safe_dump({"practice": entries}), encoding="utf-8")
    assert not [f for f in lint(load_kb(kb_dir)) if "practice" in f.message]
    entries[0]["year"] = "recent"
    (kb_dir / "practice.yaml").write_text(yaml.safe_dump({"practice": entries}), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="practice.0.year"):
        load_kb(kb_dir)


def test_a_failed_gate_is_described_by_its_title_and_what_it_decides_in_words(kb) -> None:
    """What the consultation says a gate rule would add (``consult`` lists it before firing)."""
    from ppp_expert.kb.conclusions import GateConclusion

    gates = [c for r in kb.rules for c in r.conclusions if isinstance(c, GateConclusion)]
    decided = {c.gate.decides for c in gates}
    assert "not_yet" in decided
    for c in gates:
        words = {"not_yet": "not yet"}.get(c.gate.decides, c.gate.decides)
        assert c.describe(kb) == f"gate failed: {c.gate.title} ({words})"
