"""Loading a knowledge base: what each rule becomes, and the exact error for each way to break it.

Uses a tiny knowledge base written in tmp_path (conftest.write_kb), so the tests do not depend
on the shipped rules. Error messages are compared whole: they are what a knowledge-base author
reads, and each names the file, the field and what was expected.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from conftest import MODEL_IDS, ROOT, rule, write_kb

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import conditions as cond
from ppp_expert.kb.conclusions import AllocateConclusion
from ppp_expert.kb.loader import load_kb
from ppp_expert.kb.schema import GUIDE_SECTIONS
from ppp_expert.kb.sources import shipped_kb_dir, suggest

A_YES = {"answer": "a", "is": "yes"}
RULES = {
    "10-first.yaml": [
        rule("t.reads_x", [{"fact": "x"}, {"answer": "b", "is": "no"}], {"ppp": 0.3, "reason": "r"}, salience=5),
        rule("t.gives_x", A_YES, {"fact": "x"}),
    ],
    "20-second.yaml": [
        rule("t.on_alliance", {"model": "alliance"},
             {"allocate": {"risk": "demand", "party": "shared", "mechanism": "m", "rationale": "r"}}),
        rule("t.gives_z", {"verdict": "ppp"}, {"fact": "z"}),
        rule("t.reads_z", {"fact": "z"}, {"red_flag": {"id": "zed", "title": "Z", "mitigation": "m"}}),
    ],
}


def tiny(root: Path) -> Path:
    return write_kb(root, RULES)


def test_rules_keep_file_order_and_get_positions_strata_phases_and_specificity(tmp_path: Path) -> None:
    kb = load_kb(tiny(tmp_path))
    mine = [r for r in kb.rules if r.id.startswith("t.")]
    assert [r.id for r in mine] == ["t.reads_x", "t.gives_x", "t.on_alliance", "t.gives_z", "t.reads_z"]
    assert [r.position for r in kb.rules] == list(range(len(kb.rules)))
    assert [(r.stratum, r.phase, r.specificity) for r in mine] == [
        (1, 1, 2), (0, 1, 1), (0, 2, 1), (0, 2, 1), (1, 2, 1)]
    first = kb.rule("t.reads_x")
    assert (first.title, first.source, first.salience, first.file) == (
        "t.reads_x", "practice:test", 5, str(tmp_path / "rules" / "10-first.yaml"))
    assert first.questions == ["b"] and first.concluded_facts == []
    assert kb.rule("t.gives_x").concluded_facts == ["x"]
    assert first.precedence == (-2, -5, 0)
    assert kb.fact_producers == {"x": ["t.gives_x"], "z": ["t.gives_z"]}
    assert kb.path == tmp_path and kb.question_order == ["a", "b", "c"]
    assert list(kb.models) == list(MODEL_IDS) and kb.models["alliance"].title == "Alliance"
    assert list(kb.risks) == ["demand"] and kb.settings.close_call_margin == 0.1


def test_every_risk_gets_a_default_allocation_rule_per_model_after_the_rules(tmp_path: Path) -> None:
    write_kb(tmp_path, RULES, risks=("demand", "site_access"))
    kb = load_kb(tmp_path)
    defaults = kb.rules[len(kb.rules) - 12:]
    assert [r.id for r in defaults] == [f"risk.{risk}.default.{m}" for risk in ("demand", "site_access")
                                        for m in MODEL_IDS]
    first = defaults[0]
    assert first.title == "Default allocation of demand under concession_bot"
    assert (first.source, first.salience, first.specificity, first.stratum, first.phase) == (
        "practice:test", 0, 1, 0, 2)
    assert first.file == str(tmp_path / "risks.yaml") and first.position == len(kb.rules) - 12
    assert first.condition == cond.DecisionIn("model", frozenset({"concession_bot"}))
    [conclusion] = first.conclusions
    assert isinstance(conclusion, AllocateConclusion)
    assert (conclusion.allocate.risk, conclusion.allocate.party, conclusion.allocate.mechanism,
            conclusion.allocate.rationale) == ("demand", "public", "default", "default")
    assert defaults[-1].condition == cond.DecisionIn("model", frozenset({"traditional_procurement"}))


def test_every_verdict_can_be_named_in_a_condition(tmp_path: Path) -> None:
    verdicts = ("ppp", "traditional", "not_yet", "insufficient_information")
    kb = load_kb(write_kb(tmp_path, {"10.yaml": [
        rule(f"t.{v}", {"verdict": v}, {"red_flag": {"id": v, "title": v, "mitigation": "m"}}) for v in verdicts]}))
    assert [kb.rule(f"t.{v}").condition for v in verdicts] == [cond.DecisionIn("verdict", frozenset({v}))
                                                               for v in verdicts]


def test_a_knowledge_base_without_rules_is_refused(tmp_path: Path) -> None:
    """Only default allocations would remain: such a knowledge base could not advise."""
    write_kb(tmp_path, {})
    (tmp_path / "rules").rmdir()
    with pytest.raises(KnowledgeBaseError, match="rules"):
        load_kb(tmp_path)


def test_upstream_questions_follow_facts_to_the_questions_of_their_producers(tmp_path: Path) -> None:
    kb = load_kb(tiny(tmp_path))
    assert kb.upstream_questions(["t.reads_x"]) == ["a", "b"]
    assert kb.upstream_questions(["t.gives_x", "t.gives_x"]) == ["a"]
    assert kb.upstream_questions(["t.reads_z", "t.reads_x", "t.gives_x", "t.gives_x"]) == ["a", "b"]  # repeats skipped
    assert kb.upstream_questions(["t.reads_z"]) == []


def test_derived_values_are_computed_once_and_never_pickled(tmp_path: Path) -> None:
    kb = load_kb(tiny(tmp_path))
    calls: list[int] = []
    assert kb.derived("k", lambda: calls.append(1) or "value") == "value"
    assert kb.derived("k", lambda: calls.append(1) or "other") == "value"
    assert calls == [1]
    copy = pickle.loads(pickle.dumps(kb))
    assert copy._derived == {} and kb._derived == {"k": "value"}
    assert [r.id for r in copy.rules] == [r.id for r in kb.rules] and copy.rule("t.reads_x") == kb.rule("t.reads_x")


def test_the_shipped_knowledge_base_is_the_checkouts_outside_a_wheel_and_the_packages_inside(monkeypatch) -> None:
    assert shipped_kb_dir() == ROOT / "knowledge_base"
    # In an installed wheel the knowledge base is package data next to the modules.
    import ppp_expert

    inside = Path(ppp_expert.__file__).resolve().parent / "knowledge_base"
    real_is_dir = Path.is_dir
    monkeypatch.setattr(Path, "is_dir", lambda self: self == inside or real_is_dir(self))
    assert shipped_kb_dir() == inside


def test_suggest_names_the_nearest_option_or_nothing() -> None:
    assert suggest("urgncy", ["scope", "urgency"]) == " (did you mean 'urgency'?)"
    assert suggest("abx", ["abc", "xyz"]) == " (did you mean 'abc'?)"
    assert suggest("zzz", ["urgency"]) == ""
    assert suggest("urgcy", ("urgency",)) == " (did you mean 'urgency'?)"


# ------------------------------------------------------------------------- broken files
Edit = Callable[[Path], None]


def edit_yaml(name: str, change: Callable[[Any], Any]) -> Edit:
    def apply(root: Path) -> None:
        path = root / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump(change(data), sort_keys=False), encoding="utf-8")
    return apply


def write_text(name: str, text: str) -> Edit:
    return lambda root: (root / name).write_text(text, encoding="utf-8")


def first_question(change: Callable[[dict], None]) -> Edit:
    def apply(data: Any) -> Any:
        change(data["questions"][0])
        return data
    return edit_yaml("questions.yaml", apply)


def add_rule(*rules: dict[str, Any], name: str = "30-broken.yaml") -> Edit:
    return lambda root: (root / "rules" / name).write_text(yaml.safe_dump({"rules": list(rules)}), encoding="utf-8")


def with_then(*then: Any) -> Edit:
    return add_rule({**rule("t.bad", A_YES, {"fact": "f"}), "then": list(then)})


def with_when(when: Any) -> Edit:
    return add_rule(rule("t.bad", when, {"fact": "f"}))


def _del_alliance(data: dict) -> dict:
    data["models"] = [m for m in data["models"] if m["id"] != "alliance"]
    return data


def _bad_defaults(data: dict) -> dict:
    defaults = data["risks"][0]["defaults"]
    defaults["x"] = defaults.pop("alliance")
    return data


BROKEN: list[tuple[str, Edit, str]] = [
    ("empty file", write_text("questions.yaml", ""), "questions.yaml: file is empty; expected a mapping"),
    ("only a comment", write_text("models.yaml", "# nothing\n"), "models.yaml: file is empty; expected a mapping"),
    ("duplicate question", edit_yaml("questions.yaml", lambda d: {"questions": d["questions"] + d["questions"][:1]}),
     "questions.yaml: questions: duplicate id 'a'"),
    ("choice without answers", first_question(lambda q: q.update(answers={})),
     "questions.yaml: questions.a.answers: a choice question needs answers"),
    ("number with answers", first_question(lambda q: q.update(type="number")),
     "questions.yaml: questions.a: a numeric question takes min/max, not answers"),
    ("unknown listed", first_question(lambda q: q["answers"].update(unknown="?")),
     "questions.yaml: questions.a.answers: 'unknown' is always accepted; do not list it"),
    ("bad phase", first_question(lambda q: q.update(phase="later")),
     "questions.yaml: questions.0.phase: Input should be 'need', 'drivers', 'market', 'selection' or "
     "'structuring' (got 'later')"),
    # Two errors pydantic words differently for plain classes keep the files' own wording.
    ("unknown key", first_question(lambda q: q.update(colour="red")),
     "questions.yaml: questions.0.colour: Extra inputs are not permitted (got 'red')"),
    ("question not a mapping", edit_yaml("questions.yaml", lambda d: {"questions": ["just text"] + d["questions"]}),
     "questions.yaml: questions.0: Input should be a valid dictionary or instance of Question (got 'just text')"),
    ("questions not a list", write_text("questions.yaml", "questions: {a: 1}\n"),
     "questions.yaml: questions: Input should be a valid list (got dict)"),
    ("missing model", edit_yaml("models.yaml", _del_alliance), "models.yaml: models: missing models ['alliance']"),
    ("duplicate model", edit_yaml("models.yaml", lambda d: {"models": d["models"] + d["models"][:1]}),
     "models.yaml: models: duplicate id 'concession_bot'"),
    ("duplicate risk", edit_yaml("risks.yaml", lambda d: {"risks": d["risks"] * 2}),
     "risks.yaml: risks: duplicate id 'demand'"),
    ("defaults wrong", edit_yaml("risks.yaml", _bad_defaults),
     "risks.yaml: risks.demand.defaults: defaults must give exactly the six models; missing ['alliance'], "
     "unknown ['x']"),
    ("criteria wrong", edit_yaml("settings.yaml", lambda d: {**d, "criteria_weights": {
        **{k: v for k, v in d["criteria_weights"].items() if k != "pricing_value"}, "price": 20}}),
     "settings.yaml: criteria_weights: criteria_weights must name exactly ['technical_capability', "
     "'financial_capacity', 'experience_references', 'approach_innovation', 'pricing_value']; "
     "wrong: ['price', 'pricing_value']"),
    ("criteria not a mapping", edit_yaml("settings.yaml", lambda d: {**d, "criteria_weights": [1, 2]}),
     "settings.yaml: criteria_weights: Input should be a valid dictionary (got list)"),
    ("source not cited", add_rule({**rule("t.bad", A_YES, {"fact": "f"}), "source": "chapter-9"}),
     f"rules/30-broken.yaml: rule t.bad.source: expected a guide section id ({', '.join(GUIDE_SECTIONS)}) or "
     "practice:<name> (got 'chapter-9')"),
    ("rule id pattern", add_rule(rule("T.Bad", A_YES, {"fact": "f"})),
     "rules/30-broken.yaml: rule T.Bad.id: String should match pattern "),
    ("rule without id", add_rule({k: v for k, v in rule("t.x", A_YES, {"fact": "f"}).items() if k != "id"}),
     "rules/30-broken.yaml: rule #1.id: Field required (got dict)"),
    ("second rule without id", add_rule(rule("t.ok", A_YES, {"fact": "f"}), {"title": "t", "id": 5}),
     "rules/30-broken.yaml: rule #2.id: Input should be a valid string (got 5)"),
    ("when syntax", with_when([]), "rules/30-broken.yaml: rule t.bad: when: an empty condition list; expected at "
                                   "least one condition"),
    ("unknown question", with_when({"answer": "aa", "is": "yes"}),
     "rules/30-broken.yaml: rule t.bad: when: unknown question 'aa' (did you mean 'a'?)"),
    ("numeric on choice", with_when({"answer": "a", "gt": 1}),
     "rules/30-broken.yaml: rule t.bad: when: numeric comparison on choice question 'a'"),
    ("value not allowed", with_when({"answer": "a", "in": ["yes", "nope", "maybe"]}),
     "rules/30-broken.yaml: rule t.bad: when: 'maybe' is not an answer of 'a'; expected one of "
     "['no', 'unknown', 'yes']"),
    ("value suggested", with_when({"answer": "b", "is": "yess"}),
     "rules/30-broken.yaml: rule t.bad: when: 'yess' is not an answer of 'b' (did you mean 'yes'?); expected one "
     "of ['no', 'unknown', 'yes']"),
    ("not a model", with_when([A_YES, {"model_in": ["alliance", "aliance"]}]),
     "rules/30-broken.yaml: rule t.bad: when: 'aliance' is not a model (did you mean 'alliance'?)"),
    ("not a verdict", with_when({"verdict": "pp"}),
     "rules/30-broken.yaml: rule t.bad: when: 'pp' is not a verdict (did you mean 'ppp'?)"),
    ("conclusion not a mapping", with_then({"fact": "f"}, "flag it"),
     "rules/30-broken.yaml: rule t.bad.then.1: Input should be a valid dictionary (got 'flag it')"),
    ("two kinds", with_then({"fact": "f", "ppp": 0.2, "reason": "r"}),
     "rules/30-broken.yaml: rule t.bad: then[0]: expected exactly one of ['advise', 'allocate', 'criteria', "
     "'evidence', 'fact', 'gate', 'ppp', 'red_flag', 'set'], got keys ['fact', 'ppp', 'reason']"),
    ("no kind", with_then({"weight": 0.2}),
     "rules/30-broken.yaml: rule t.bad: then[0]: expected exactly one of ['advise', 'allocate', 'criteria', "
     "'evidence', 'fact', 'gate', 'ppp', 'red_flag', 'set'], got keys ['weight']"),
    ("weight too big", with_then({"ppp": 3, "reason": "r"}),
     "rules/30-broken.yaml: rule t.bad: then[0].ppp: Input should be less than or equal to 1 (got 3)"),
    ("unknown risk", with_then({"allocate": {"risk": "demnd", "party": "public", "mechanism": "m", "rationale": "r"}}),
     "rules/30-broken.yaml: rule t.bad: then[0]: unknown risk 'demnd' (did you mean 'demand'?)"),
    ("duplicate rule id", add_rule(rule("t.gives_x", A_YES, {"fact": "f"})),
     "rules/30-broken.yaml: rule t.gives_x: duplicate rule id (also in {root}/rules/10-first.yaml)"),
    ("fact never concluded", with_when({"fact": "xx"}),
     "rules/30-broken.yaml: rule t.bad: when: fact 'xx' is never concluded by any rule (did you mean 'x'?)"),
    ("evidence on the decision", add_rule(rule("t.bad", {"model": "alliance"}, {"ppp": 0.1, "reason": "r"})),
     "rules/30-broken.yaml: rule t.bad: then: a rule that depends on the decision (model/verdict) cannot give "
     "evidence for it"),
    ("evidence on a second-phase fact",
     add_rule(rule("t.bad", {"fact": "z"}, {"evidence": {"model": "alliance", "weight": 0.1, "reason": "r"}})),
     "rules/30-broken.yaml: rule t.bad: then: a rule that depends on the decision (model/verdict) cannot give "
     "evidence for it"),
    ("alias bomb", write_text("rules/30-broken.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                              + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcd", "bcde"))
                              + "rules: []\n"),
     "rules/30-broken.yaml: more than 100,000 values (nested aliases?); expected a knowledge-base file"),
    ("cycle", add_rule(rule("t.p", {"fact": "q"}, {"fact": "p"}), rule("t.q", {"fact": "p"}, {"fact": "q"})),
     "rules/30-broken.yaml: rule t.p: rules conclude facts in a cycle"),
]


@pytest.mark.parametrize("edit, message", [(e, m) for _, e, m in BROKEN], ids=[name for name, _, _ in BROKEN])
def test_a_broken_knowledge_base_fails_at_load_with_one_exact_line(tmp_path: Path, edit: Edit, message: str) -> None:
    edit(tiny(tmp_path))
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}/" + message.format(root=tmp_path))


def test_a_missing_folder_is_not_a_knowledge_base(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(tmp_path / "absent")
    assert str(info.value) == f"{tmp_path / 'absent'}: expected a knowledge-base directory"
