"""Reading case files: the exact one-line error for every way a file can be wrong, and what a
good file becomes. Messages are compared whole, since they are what the user reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppp_expert.api import default_kb
from ppp_expert.cases.case import Case, load_case
from ppp_expert.errors import CaseError
from ppp_expert.yaml_io import MAX_FILE_BYTES, parse_text, read_bytes, read_yaml


def case_file(tmp_path: Path, content: Any, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif name.lower().endswith(".json"):
        path.write_text(json.dumps(content), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(CaseError) as info:
        load_case(path)
    return str(info.value)


KB = default_kb()
URGENCY = sorted(KB.questions["urgency"].answers)
COST = KB.questions["capital_cost_musd"]   # a number with a lower bound
YEARS = KB.questions["duration_years"]     # a whole number with both bounds
COST_RANGE = f"from {COST.min:g}" + (f" to {COST.max:g}" if COST.max is not None else "")
YEARS_RANGE = f"from {YEARS.min:g} to {YEARS.max:g}"

# (answers, field, the message after "FILE: FIELD: ")
BAD_ANSWERS = [
    ({"urgency": 3}, "answers.urgency", f"expected one of {URGENCY} or unknown, got int 3"),
    ({"urgency": True}, "answers.urgency", f"expected one of {URGENCY} or unknown, got bool True"),
    ({"urgency": ["high"]}, "answers.urgency", f"expected one of {URGENCY} or unknown, got list ['high']"),
    ({"urgency": "hgh"}, "answers.urgency",
     f"'hgh' is not an allowed answer (did you mean 'high'?); expected one of {URGENCY} or unknown"),
    ({"urgency": "zzz"}, "answers.urgency", f"'zzz' is not an allowed answer; expected one of {URGENCY} or unknown"),
    ({"capital_cost_musd": "lots"}, "answers.capital_cost_musd",
     f"expected a number {COST_RANGE} or unknown, got 'lots'"),
    ({"capital_cost_musd": True}, "answers.capital_cost_musd", f"expected a number {COST_RANGE} or unknown, got True"),
    ({"capital_cost_musd": COST.min - 0.5}, "answers.capital_cost_musd",
     f"expected a number {COST_RANGE}, got {COST.min - 0.5!r}"),
    ({"duration_years": 7.5}, "answers.duration_years", f"expected a whole number {YEARS_RANGE}, got 7.5"),
    ({"duration_years": int(YEARS.min) - 1}, "answers.duration_years",
     f"expected a whole number {YEARS_RANGE}, got {int(YEARS.min) - 1}"),
    ({"duration_years": int(YEARS.max) + 1}, "answers.duration_years",
     f"expected a whole number {YEARS_RANGE}, got {int(YEARS.max) + 1}"),
    ({"duration_years": "ten"}, "answers.duration_years",
     f"expected a whole number {YEARS_RANGE} or unknown, got 'ten'"),
    ({"urgncy": "high"}, "answers.urgncy", "unknown question (did you mean 'urgency'?); see 'ppp-expert questions'"),
    ({"zzzzzz": "high"}, "answers.zzzzzz", "unknown question; see 'ppp-expert questions'"),
]


@pytest.mark.parametrize("answers, field, message", BAD_ANSWERS)
def test_a_bad_answer_is_one_exact_line(tmp_path: Path, answers: dict, field: str, message: str) -> None:
    path = case_file(tmp_path, {"answers": answers})
    assert error_of(path) == f"{path}: {field}: {message}"


def test_infinite_numbers_are_refused_in_yaml(tmp_path: Path) -> None:
    path = case_file(tmp_path, "answers:\n  capital_cost_musd: .inf\n")
    assert error_of(path) == f"{path}: answers.capital_cost_musd: expected a number {COST_RANGE} or unknown, got inf"


def test_good_answers_are_normalised_and_unknowns_dropped(tmp_path: Path) -> None:
    path = case_file(tmp_path, "answers:\n  urgency: high\n  exit_plan: true\n  personal_data: false\n"
                               "  duration_years: 12.0\n  capital_cost_musd: 0.5\n  need_type: unknown\n"
                               "  scope_clarity:\n  revenue_source: ~\n")
    case = load_case(path)
    assert case.answers == {"urgency": "high", "exit_plan": "yes", "personal_data": "no", "duration_years": 12,
                            "capital_cost_musd": 0.5}
    assert type(case.answers["duration_years"]) is int
    edges = {"duration_years": int(YEARS.max), "capital_cost_musd": COST.min}  # bounds are inclusive
    assert load_case(case_file(tmp_path, {"answers": edges})).answers == edges
    assert load_case(case_file(tmp_path, {"answers": {"duration_years": int(YEARS.min)}})).answers == \
        {"duration_years": int(YEARS.min)}


KEYS = "id, title, narrative, answers, expected, finance, consultation"
BAD_FILES = [
    ("# nothing but a comment\n", "", "file is empty (only comments or blank lines); expected a mapping with answers"),
    ("- a\n- b\n", "", f"expected a mapping with {KEYS}, got list"),
    ("'text'\n", "", f"expected a mapping with {KEYS}, got str"),
    ("answer: {}\n", "answer: ", f"unknown key (did you mean 'answers'?); expected {KEYS}"),
    ("colour: red\n", "colour: ", f"unknown key; expected {KEYS}"),
    ("answers: [urgency]\n", "answers: ", "expected a mapping of question id to answer, got list"),
    ("id: [1]\nanswers: {}\n", "id: ", "expected text, got list"),
    ("title: true\nanswers: {}\n", "title: ", "expected text, got bool"),
    ("narrative: {a: 1}\nanswers: {}\n", "narrative: ", "expected text, got dict"),
    ('title: "a\\x07b"\n', "title: ", "contains the control character '\\x07'; expected plain text"),
    ('id: "\\x1b"\n', "id: ", "contains the control character '\\x1b'; expected plain text"),
    ("expected: {model: concesion_bot}\n", "expected.model: ",
     "unknown model 'concesion_bot' (did you mean 'concession_bot'?); expected one of ['concession_bot', "
     "'managed_services', 'joint_venture', 'alliance', 'data_partnership', 'traditional_procurement']"),
    ("expected: {risks: {demnd: public}}\n", "expected.risks.demnd: ", "unknown risk (did you mean 'demand'?)"),
    ("expected: {risks: {demand: everyone}}\n", "expected.risks.demand: ",
     "expected one of ['public', 'private', 'shared'], got 'everyone'"),
    ("expected: {appropriate: maybe}\n", "expected.appropriate: ",
     "String should match pattern '^(ppp|traditional|not_yet|insufficient_information|undetermined)$'"),
    ("expected: {verdict: ppp}\n", "expected.verdict: ", "Extra inputs are not permitted"),
    ("expected: {risks: {demand: 5}}\n", "expected.risks.demand: ", "Input should be a valid string"),
    ("expected: [ppp]\n", "expected: ", "Input should be a valid dictionary or instance of Expected"),
]


@pytest.mark.parametrize("content, field, message", BAD_FILES)
def test_a_bad_case_file_is_one_exact_line(tmp_path: Path, content: str, field: str, message: str) -> None:
    path = case_file(tmp_path, content)
    assert error_of(path) == f"{path}: {field}{message}"


def test_a_good_case_keeps_its_texts_and_defaults_its_id_to_the_file_name(tmp_path: Path) -> None:
    full = load_case(case_file(tmp_path, {"id": "city", "title": "Fibre", "narrative": "Line 1\n\tLine 2",
                                          "answers": {"urgency": "low"},
                                          "expected": {"appropriate": "ppp", "model": "alliance",
                                                       "risks": {"demand": "shared"}}}))
    assert (full.id, full.title, full.narrative) == ("city", "Fibre", "Line 1\n\tLine 2")
    assert (full.expected.appropriate, full.expected.model, full.expected.risks) == ("ppp", "alliance",
                                                                                     {"demand": "shared"})
    bare = load_case(case_file(tmp_path, "answers:\n", name="bare-case.yaml"))
    assert bare == Case(id="bare-case", title="", narrative="", answers={}, expected=None)
    assert load_case(case_file(tmp_path, {"id": "", "answers": {}}, name="named.yaml")).id == "named"
    numbers = load_case(case_file(tmp_path, {"id": 7, "title": 2.5, "narrative": 0, "answers": {}}))
    assert (numbers.id, numbers.title, numbers.narrative) == ("7", "2.5", "0")


def test_json_is_read_by_suffix_strictly_and_yaml_otherwise(tmp_path: Path) -> None:
    data = {"id": "j", "answers": {"urgency": "high"}}
    for name in ("c.json", "C.JSON"):
        assert load_case(case_file(tmp_path, data, name=name)).answers == {"urgency": "high"}
    duplicate = case_file(tmp_path, '{"answers": {}, "answers": {}}', name="d.json")
    assert error_of(duplicate) == f"{duplicate}: malformed JSON: duplicate key 'answers'"
    # The same text named .yaml is read as YAML, which refuses the duplicate key too.
    as_yaml = case_file(tmp_path, '{"answers": {}, "answers": {}}', name="d.yaml")
    assert error_of(as_yaml) == f"{as_yaml}: malformed YAML at line 1 column 17: duplicate key 'answers'"


# ------------------------------------------------------------------------ yaml_io, exactly
@pytest.mark.parametrize("text, value", [
    ("a: yes\nb: no\nc: on\nd: off\n", {"a": "yes", "b": "no", "c": "on", "d": "off"}),
    ("a: true\nb: False\nc: TRUE\n", {"a": True, "b": False, "c": True}),
    ("a: 12\nb: -3\nc: +4\n", {"a": 12, "b": -3, "c": 4}),
    ("a: 1.5\nb: 1e3\nc: .5\nd: -2.5E-1\n", {"a": 1.5, "b": 1000.0, "c": 0.5, "d": -0.25}),
    ("a: 1:30\nb: 0x10\nc: 0o7\nd: 1_000\n", {"a": "1:30", "b": "0x10", "c": "0o7", "d": "1_000"}),
    ("a: ~\nb: null\n3: x\n2.5: y\ntrue: z\n", {"a": None, "b": None, 3: "x", 2.5: "y", True: "z"}),
])
def test_yaml_follows_the_1_2_core_schema(text: str, value: dict) -> None:
    assert parse_text(text, "f.yaml", CaseError) == value


def test_yaml_infinities_and_nan_are_floats() -> None:
    data = parse_text("a: .inf\nb: -.Inf\nc: .nan\n", "f.yaml", CaseError)
    assert data["a"] == float("inf") and data["b"] == float("-inf") and data["c"] != data["c"]


@pytest.mark.parametrize("text, message", [
    ("", "file is empty; expected a mapping"),
    (" \n\t\n", "file is empty; expected a mapping"),
    ("a: 1\na: 2\n", "malformed YAML at line 2 column 1: duplicate key 'a'"),
    ("? [a, b]\n: 1\n", "malformed YAML at line 1 column 3: a mapping key must be a plain value"),
    ("a: [1\n", "malformed YAML at line 2 column 1: did not find expected ',' or ']'"),
    ("a: b\x07c\n", "malformed YAML: the character '\\x07' at offset 4 is not allowed in YAML; "
                    "expected printable text"),  # a control character YAML does not accept
    ("a: !!python/object/apply:os.system [x]\n",
     "malformed YAML at line 1 column 4: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
])
def test_yaml_errors_are_one_exact_line(text: str, message: str) -> None:
    with pytest.raises(CaseError) as info:
        parse_text(text, "f.yaml", CaseError)
    assert str(info.value) == f"f.yaml: {message}"


@pytest.mark.parametrize("text, message", [
    ('{"a": 1,}', "malformed JSON at line 1 column 9: Expecting property name enclosed in double quotes"),
    ('{"a": 1}\n{"b": 2}', "malformed JSON at line 2 column 1: Extra data"),
    ('{"a": 1, "a": 2}', "malformed JSON: duplicate key 'a'"),
    ('{"a": NaN}', "malformed JSON: NaN is not a JSON value; expected a finite number"),
    ('{"a": Infinity}', "malformed JSON: Infinity is not a JSON value; expected a finite number"),
    ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply; expected a small case file"),
])
def test_json_errors_are_one_exact_line(text: str, message: str) -> None:
    with pytest.raises(CaseError) as info:
        parse_text(text, "f.json", CaseError, as_json=True)
    assert str(info.value) == f"f.json: {message}"


def test_reading_refuses_what_is_not_a_small_regular_utf8_file(tmp_path: Path) -> None:
    def message(path: Path) -> str:
        with pytest.raises(CaseError) as info:
            read_yaml(path, CaseError)
        return str(info.value)

    assert message(tmp_path / "absent.yaml") == f"{tmp_path / 'absent.yaml'}: no such file"
    plain = case_file(tmp_path, "a: 1\n", name="plain.yaml")
    assert message(plain / "inside.yaml") == f"{plain / 'inside.yaml'}: no such file"  # a file is no folder
    assert message(tmp_path) == f"{tmp_path}: is a directory; expected a YAML or JSON file"
    big = case_file(tmp_path, b"a: " + b"x" * MAX_FILE_BYTES, name="big.yaml")
    assert message(big) == f"{big}: file is {MAX_FILE_BYTES + 3:,} bytes; expected at most {MAX_FILE_BYTES:,}"
    exactly = case_file(tmp_path, b"#" * (MAX_FILE_BYTES - 6) + b"\na: 1\n", name="max.yaml")
    assert len(read_bytes(exactly, CaseError)) == MAX_FILE_BYTES and read_yaml(exactly, CaseError) == {"a": 1}
    latin = case_file(tmp_path, "a: São\n".encode("latin-1"), name="latin.yaml")
    assert message(latin) == (f"{latin}: not UTF-8 text (bad byte at offset 4); expected a UTF-8 YAML or JSON "
                              "file")
    bom = case_file(tmp_path, "\ufeffa: São\n".encode("utf-8"), name="bom.yaml")
    assert read_yaml(bom, CaseError) == {"a": "São"}
    assert read_yaml(case_file(tmp_path, '{"a": [1, 2]}', name="x.JSON"), CaseError) == {"a": [1, 2]}
    # NaN is a string to YAML but not JSON: the suffix decides which reader applies.
    assert read_yaml(case_file(tmp_path, '{"a": NaN}', name="nan.yaml"), CaseError) == {"a": "NaN"}
    for name in ("nan.json", "nan.Json"):
        nan = case_file(tmp_path, '{"a": NaN}', name=name)
        assert message(nan) == f"{nan}: malformed JSON: NaN is not a JSON value; expected a finite number"


@pytest.mark.parametrize("low, high, kind, message", [
    (None, None, "number", "expected a number or unknown, got 'x'"),
    (None, 10, "number", "expected a number to 10 or unknown, got 'x'"),
    (2, None, "integer", "expected a whole number from 2 or unknown, got 'x'"),
])
def test_number_bounds_are_named_only_when_the_question_has_them(low: Any, high: Any, kind: str,
                                                                  message: str) -> None:
    from ppp_expert.cases.case import check_answer
    from ppp_expert.kb.schema import Question

    question = Question(id="n", text="n?", help="h", guide=["why-ppp"], type=kind, min=low, max=high)
    with pytest.raises(CaseError) as info:
        check_answer(question, "x", "f.yaml", "answers.n")
    assert str(info.value) == f"f.yaml: answers.n: {message}"
    value = 10**6 if high is None else high  # no upper bound: any size
    assert check_answer(question, value, "f.yaml", "answers.n") == value


def test_a_fifo_a_failed_read_and_a_file_grown_since_stat_are_one_exact_line(tmp_path: Path, monkeypatch) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CaseError) as info:
        read_bytes(fifo, CaseError)
    assert str(info.value) == f"{fifo}: is not a regular file; expected a YAML or JSON file"

    path = case_file(tmp_path, b"a: " + b"x" * MAX_FILE_BYTES, name="grows.yaml")
    real_stat = Path.stat

    class Small:  # what stat() said before the file grew
        def __init__(self, info: os.stat_result) -> None:
            self.st_mode, self.st_size = info.st_mode, 10

    monkeypatch.setattr(Path, "stat", lambda self, *a, **k: Small(real_stat(self)) if self == path
                        else real_stat(self, *a, **k))
    with pytest.raises(CaseError) as info:
        read_bytes(path, CaseError)
    assert str(info.value) == (f"{path}: file is over {MAX_FILE_BYTES:,} bytes; expected at most "
                               f"{MAX_FILE_BYTES:,}")

    def broken_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise OSError(5, "Input/output error")

    unreadable = case_file(tmp_path, "a: 1\n", name="io.yaml")
    monkeypatch.setattr(Path, "open", broken_open)
    with pytest.raises(CaseError) as info:
        read_bytes(unreadable, CaseError)
    assert str(info.value) == f"{tmp_path / 'io.yaml'}: cannot read file: Input/output error"
