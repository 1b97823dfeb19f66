"""Every rule fires for at least one shipped case or coverage fixture (a rule no case can reach is dead knowledge).

The shipped case library (cases/) holds real projects with expected outcomes; the fixtures in
tests/fixtures/coverage/ are small, realistic scenarios written to exercise the rules no shipped
case reaches. Both are evaluated with the real engine and the shipped knowledge base.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, ROOT

from ppp_expert.api import default_kb
from ppp_expert.batch.coverage import case_files, measure
from ppp_expert.cases.case import load_case

FIXTURES = ROOT / "tests" / "fixtures" / "coverage"
FIXTURE_FILES = case_files([FIXTURES])

# Rules that no realistic case can fire, each with the reason. Keep this list short: a rule
# lands here only after checking that it cannot be reached without the system being wrong.
UNREACHABLE: dict[str, str] = {
    # Empty since issue 9: structuring.term.concession_short_lived used to be listed here, but a
    # user-paid franchise on short-lived technology is now a concession (fixture
    # advertising-kiosk-franchise), so the rule is reachable.
}


@pytest.fixture(scope="module")
def shipped():
    coverage = measure(default_kb(), [CASES])
    assert not coverage.errors, coverage.errors
    return coverage


@pytest.fixture(scope="module")
def combined():
    coverage = measure(default_kb(), [CASES, FIXTURES])
    assert not coverage.errors, coverage.errors
    return coverage


def test_unreachable_allow_list_names_real_rules() -> None:
    ids = {rule.id for rule in default_kb().rules}
    assert set(UNREACHABLE) <= ids, set(UNREACHABLE) - ids
    assert all(reason.strip() for reason in UNREACHABLE.values())


def test_every_rule_fires_except_the_documented_unreachable_ones(combined) -> None:
    never = set(combined.never_fired(default_kb()))
    newly_unreached = sorted(never - set(UNREACHABLE))
    now_reached = sorted(set(UNREACHABLE) - never)
    assert not newly_unreached, (
        f"rules no case or fixture fires: {newly_unreached}; add a fixture in {FIXTURES.relative_to(ROOT)}"
        " or, if truly unreachable, list it in UNREACHABLE with the reason")
    assert not now_reached, f"rules in UNREACHABLE that now fire (remove them from the list): {now_reached}"


def test_fixtures_exist_and_describe_themselves() -> None:
    assert FIXTURE_FILES, FIXTURES
    for path in FIXTURE_FILES:
        case = load_case(path, default_kb())
        assert case.title and case.narrative, path.name
        assert case.id == path.stem, path.name


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: Path(p).stem)
def test_each_fixture_fires_a_rule_no_shipped_case_fires(path: Path, shipped) -> None:
    own = measure(default_kb(), [path])
    assert not own.errors, own.errors
    assert own.cases == 1
    only_here = set(own.fired) - set(shipped.fired)
    assert only_here, f"{path.name} fires nothing the shipped cases do not; it duplicates them"
