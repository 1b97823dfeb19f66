"""Bad input: one line naming file, field and expectation, exit code 2, never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import BROADBAND

from ppp_expert.cases.case import MAX_ASKED, load_case
from ppp_expert.cli import main


def run_bad(runner, path: Path) -> str:
    result = runner.invoke(main, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("error: ") and str(path) in lines[0]
    return lines[0]


@pytest.mark.parametrize("answers, field, expectation", [
    ({"urgncy": "high"}, "answers.urgncy", "did you mean 'urgency'"),
    ({"urgency": "hgh"}, "answers.urgency", "did you mean 'high'"),
    ({"urgency": 3}, "answers.urgency", "expected one of ['high', 'low', 'normal'] or unknown"),
    ({"capital_cost_musd": "lots"}, "answers.capital_cost_musd", "expected a number"),
    ({"capital_cost_musd": -5}, "answers.capital_cost_musd", "expected a number from 0"),
    ({"duration_years": 7.5}, "answers.duration_years", "expected a whole number"),
    ({"duration_years": 80}, "answers.duration_years", "to 50"),
    ({"need_type": ["commodity"]}, "answers.need_type", "got list"),
    # Too large for a float: named by its length, not compared (which would overflow).
    ({"duration_years": 10 ** 400}, "answers.duration_years",
     "expected a whole number from 1 to 50 or unknown, got a number of 401 digits"),
    # The largest integer a float can hold is still compared with the bounds (out of range).
    ({"capital_cost_musd": int(sys.float_info.max)}, "answers.capital_cost_musd",
     "expected a number from 0 to 100000, got a number of 309 digits"),
])
def test_bad_answers_are_named_with_the_expectation(runner, write_case, answers, field, expectation) -> None:
    line = run_bad(runner, write_case(answers))
    assert f": {field}: " in line and expectation in line


def test_unknown_top_level_key_and_bad_expected(runner, write_case) -> None:
    assert "did you mean 'answers'" in run_bad(runner, write_case({}, answer={"x": 1}))
    line = run_bad(runner, write_case(BROADBAND, expected={"model": "concession"}))
    assert "expected.model" in line and "did you mean 'concession_bot'" in line


@pytest.mark.parametrize("content, expectation", [
    ("answers: [unclosed\n", "malformed YAML at line"),
    ("", "file is empty"),
    ("   \n# only a comment\n", "file is empty"),
    ("- just\n- a list\n", "expected a mapping"),
    ("answers: 5\n", "answers: expected a mapping of question id"),
    ("answers:\n  urgency: high\n  urgency: low\n", "duplicate key 'urgency'"),
    ("answers: !!python/object/apply:os.system ['echo hacked']\n", "malformed YAML"),
])
def test_malformed_yaml(runner, tmp_path, content, expectation) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    assert expectation in run_bad(runner, path)


def test_malformed_json(runner, tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"answers": {"urgency": "high",}}', encoding="utf-8")
    assert "malformed JSON at line 1" in run_bad(runner, path)


def test_directory_missing_file_and_non_utf8(runner, tmp_path) -> None:
    folder = tmp_path / "case.yaml"
    folder.mkdir()
    assert "is a directory" in run_bad(runner, folder)
    assert "no such file" in run_bad(runner, tmp_path / "absent.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Lisboa São\nanswers: {}\n".encode("latin-1"))
    assert "not UTF-8" in run_bad(runner, latin)


def test_huge_file_is_refused_before_parsing(runner, tmp_path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("narrative: " + "x" * 5_000_000 + "\n", encoding="utf-8")
    assert "expected at most" in run_bad(runner, path)


def test_alias_bomb_is_refused(runner, tmp_path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = run_bad(runner, path)
    # The guard's own message: the keys a0..a8 are unknown too, so any other error means the
    # bomb got past the guard.
    assert line == f"error: {path}: more than 20,000 values (nested aliases?); expected a small case file"


def test_alias_bomb_guard_counts_every_value_up_to_the_limit(tmp_path) -> None:
    from functools import partial

    from ppp_expert.cases.case import MAX_NODES
    from ppp_expert.errors import CaseError
    from ppp_expert.yaml_io import check_size

    check = partial(check_size, max_values=MAX_NODES, error=CaseError, expected="a small case file")
    check({"answers": {}, "narrative": ["x"] * (MAX_NODES - 3)}, name="ok.yaml")  # exactly MAX_NODES values
    for too_many in ({"answers": {}, "narrative": ["x"] * (MAX_NODES - 2)}, [[["x"] * MAX_NODES]]):
        with pytest.raises(CaseError, match=r"more than 20,000 values"):
            check(too_many, name="bomb.yaml")
    # Shared references count once per use, as if the aliases were expanded.
    shared = ["x"] * 1000
    check({"a": [shared] * 19}, name="ok.yaml")
    with pytest.raises(CaseError, match="nested aliases"):
        check({"a": [shared] * 20}, name="bomb.yaml")


def test_keys_that_read_as_equal_values_are_named_as_such_not_called_duplicates(runner, tmp_path) -> None:
    """YAML reads ``1`` and ``true`` as numbers and booleans, which are one key to Python: the
    error names both spellings and the remedy, rather than a "duplicate key True" the file does
    not contain."""
    path = tmp_path / "keys.yaml"
    path.write_text("answers:\n  1: high\n  true: low\n", encoding="utf-8")
    line = run_bad(runner, path)
    assert line == (f"error: {path}: malformed YAML at line 3 column 3: keys '1' and 'true' are read as equal "
                    "values (1, 1.0 and true are one key); quote them to make them text")
    for first, second, why in (("0", "false", "0, 0.0 and false are one key"),
                               ("2", "2.0", "2 and 2.0 are the same number")):
        path.write_text(f"answers:\n  {first}: high\n  {second}: low\n", encoding="utf-8")
        assert run_bad(runner, path).endswith(f"keys '{first}' and '{second}' are read as equal values ({why}); "
                                              "quote them to make them text")
    path.write_text("answers:\n  urgency: high\n  urgency: low\n", encoding="utf-8")
    assert run_bad(runner, path) == f"error: {path}: malformed YAML at line 3 column 3: duplicate key 'urgency'"


@pytest.mark.parametrize("text, key, message", [
    ("a\ud800", "title", "title: contains a lone surrogate '\\ud800'; expected valid Unicode text"),
    ("a\x1b[31m", "title", "title: contains the control character '\\x1b'; expected plain text"),
    ("a\x00", "narrative", "narrative: contains the control character '\\x00'; expected plain text"),
    ("a\tb", "id", "id: contains the control character '\\t'; expected plain text"),
    ("a\u202eb", "id", "id: contains the bidirectional control '\\u202e'; expected visible text"),
    ("a\u200bb", "id", "id: contains the invisible character '\\u200b'; expected visible text"),
])
def test_text_fields_refuse_what_would_mislead_a_reader_naming_the_character(text: str, key: str,
                                                                             message: str) -> None:
    from ppp_expert.cases.case import _check_text
    from ppp_expert.errors import CaseError

    with pytest.raises(CaseError) as info:
        _check_text(text, key, "c.yaml")
    assert str(info.value) == f"c.yaml: {message}"


@pytest.mark.parametrize("text, key", [("a\tb\nc\r", "title"), ("a\tb\r\n", "narrative"),
                                       ("right\u202eto left", "title"), ("a b", "id")])
def test_text_fields_keep_line_breaks_in_prose_and_direction_marks_in_titles(text: str, key: str) -> None:
    from ppp_expert.cases.case import _check_text

    _check_text(text, key, "c.yaml")  # no error


def test_missing_answers_are_not_errors(runner, write_case) -> None:
    result = runner.invoke(main, ["evaluate", str(write_case({"urgency": "unknown"}))])
    assert result.exit_code == 0
    assert "not enough information" in result.output.lower()


def test_fifo_and_deep_nesting_are_refused_without_blocking(runner, tmp_path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "is not a regular file" in run_bad(runner, fifo)
    deep = tmp_path / "deep.json"
    deep.write_text('{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert "nested too deeply" in run_bad(runner, deep)
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("answers: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    assert "malformed YAML" in run_bad(runner, deep_yaml)


@pytest.mark.parametrize("content, expectation", [
    ('{"answers": {"urgency": "high", "urgency": "low"}}', "malformed JSON: duplicate key 'urgency'"),
    ('{"answers": {"urgency": "high"}, "answers": {}}', "malformed JSON: duplicate key 'answers'"),
    ('{"id": NaN, "answers": {}}', "NaN is not a JSON value"),
    ('{"answers": {"capital_cost_musd": -Infinity}}', "-Infinity is not a JSON value"),
])
def test_json_duplicate_keys_and_nan_are_refused_like_yaml(runner, tmp_path, content, expectation) -> None:
    # Python's json module silently kept the last duplicate and accepted NaN/Infinity (not JSON),
    # while the YAML loader refuses duplicate keys: the same case meant different things by suffix.
    path = tmp_path / "case.json"
    path.write_text(content, encoding="utf-8")
    assert expectation in run_bad(runner, path)


@pytest.mark.parametrize("content, kind", [
    ("answers: 0\n", "got int"), ("answers: false\n", "got bool"), ("answers: ''\n", "got str"),
    ("answers: []\n", "got list"),
])
def test_answers_of_a_falsy_wrong_type_are_refused_not_read_as_none(runner, tmp_path, content, kind) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(content, encoding="utf-8")
    line = run_bad(runner, path)
    assert ": answers: expected a mapping of question id to answer" in line and kind in line


def test_empty_answers_and_a_zero_id_are_kept(runner, tmp_path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("id: 0\nanswers:\n", encoding="utf-8")
    result = runner.invoke(main, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["case"] == "0"  # not silently replaced by the file name


def test_control_characters_in_id_or_title_are_refused_and_never_echoed_raw(runner, tmp_path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text('title: "\\e]0;pwned\\a\\e[2J"\nanswers: {}\n', encoding="utf-8")
    line = run_bad(runner, path)
    assert ": title: contains the control character '\\x1b'" in line
    path.write_text('answers:\n  "urg\\e]0;pwned\\aency": high\n', encoding="utf-8")
    line = run_bad(runner, path)  # a key that is not a name is not echoed at all (file content)
    assert "\x1b" not in line and "\x07" not in line and "answers.(a key that is not a name)" in line
    path.write_text('title: "two\\nlines\\twith a tab"\nnarrative: "a\\nb"\nanswers: {}\n', encoding="utf-8")
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 0 and "two" in result.output and "lines" in result.output
    assert load_case(path).title == "two\nlines\twith a tab"


def test_symlink_loop_is_a_one_line_error(runner, tmp_path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert "cannot read file: Too many levels of symbolic links" in run_bad(runner, tmp_path / "a.yaml")


def test_a_file_in_a_folder_that_cannot_be_searched_is_bad_input_not_an_internal_error(runner, tmp_path,
                                                                                       monkeypatch) -> None:
    # As root a mode-000 folder is still searchable, so make stat() fail the way it does for a user.
    path = tmp_path / "locked" / "case.yaml"
    original = Path.stat

    def stat(self: Path, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    assert "cannot read file: Permission denied" in run_bad(runner, path)


def test_yaml_1_1_number_forms_are_text_not_numbers(runner, write_case, tmp_path) -> None:
    """YAML 1.2 core schema: 1:30 is not 90 and 0x10 is not 16 (a number answer expects a number)."""
    for text in ("1:30", "0x10"):
        path = tmp_path / f"n{len(text)}.yaml"
        path.write_text(f"answers:\n  capital_cost_musd: {text}\n", encoding="utf-8")
        assert "expected a number" in run_bad(runner, path)
    ok = tmp_path / "ok.yaml"
    ok.write_text("answers:\n  capital_cost_musd: 1.5e2\n  duration_years: 12\n  exit_plan: yes\n", encoding="utf-8")
    result = runner.invoke(main, ["evaluate", str(ok), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert load_case(ok).answers == {"capital_cost_musd": 150.0, "duration_years": 12, "exit_plan": "yes"}
    unknown = json.loads(result.stdout)["unknown_questions"]
    assert not {"capital_cost_musd", "duration_years", "exit_plan"} & set(unknown)


def test_a_typed_answer_is_read_as_a_plain_yaml_value_and_whitespace_keeps_it_text() -> None:
    """Answers typed on the command line mean what they would in a case file; a number with
    whitespace around it (a trailing newline included) stays the text it was typed as."""
    from ppp_expert.yaml_io import MAX_NUMBER_DIGITS, plain_scalar

    assert plain_scalar("10") == 10 and plain_scalar("1.5") == 1.5 and plain_scalar("true") is True
    assert [plain_scalar(t) for t in ("high", " 10", "10\n", "10 ", "1_0")] == ["high", " 10", "10\n", "10 ", "1_0"]
    assert plain_scalar("7" * MAX_NUMBER_DIGITS) == int("7" * MAX_NUMBER_DIGITS)
    with pytest.raises(ValueError, match=f"a number of {MAX_NUMBER_DIGITS + 1:,} digits; expected at most"):
        plain_scalar("7" * (MAX_NUMBER_DIGITS + 1))


def test_a_json_number_may_have_as_many_digits_as_the_limit_and_no_more() -> None:
    from ppp_expert.errors import CaseError
    from ppp_expert.yaml_io import MAX_NUMBER_DIGITS, parse_text

    at_limit = "-" + "7" * MAX_NUMBER_DIGITS
    assert parse_text('{"n": %s}' % at_limit, "c.json", CaseError, as_json=True) == {"n": int(at_limit)}
    with pytest.raises(CaseError, match=f"a number of {MAX_NUMBER_DIGITS + 1:,} digits; expected at most "
                                        f"{MAX_NUMBER_DIGITS:,}"):
        parse_text('{"n": %s}' % ("7" * (MAX_NUMBER_DIGITS + 1)), "c.json", CaseError, as_json=True)


@pytest.mark.parametrize("block, field, expectation", [
    (5, "consultation", "expected a mapping like {asked: 12}, got int"),
    ({"asked": 3, "seen": 1}, "consultation.seen", "unknown key; expected asked"),
    ({"asked": -1}, "consultation.asked", "expected a whole number from 0 to"),
    ({"asked": True}, "consultation.asked", "expected a whole number from 0 to"),
    ({"asked": "3"}, "consultation.asked", "expected a whole number from 0 to"),
    ({"asked": MAX_ASKED + 1}, "consultation.asked", f"expected a whole number from 0 to {MAX_ASKED:,}"),
])
def test_a_bad_consultation_block_is_named_with_the_expectation(runner, write_case, block, field,
                                                                expectation) -> None:
    path = write_case(BROADBAND, consultation=block)
    message = run_bad(runner, path)
    assert f"{path}: {field}: {expectation}" in message


def test_a_session_files_question_count_is_read(write_case) -> None:
    assert load_case(write_case(BROADBAND, consultation={"asked": 7})).asked == 7
    assert load_case(write_case(BROADBAND, name="none.yaml", consultation=None)).asked == 0
    # An empty block and the bounds themselves are read too.
    for block, asked in (({}, 0), ({"asked": 0}, 0), ({"asked": MAX_ASKED}, MAX_ASKED)):
        assert load_case(write_case(BROADBAND, name=f"{asked}.yaml", consultation=block)).asked == asked
