"""Shared fixtures: the real shipped knowledge base, its compiled engine, a CLI runner."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from click.testing import CliRunner

from ppp_expert.api import default_kb, reasoner_for
from ppp_expert.kb.knowledge_base import KnowledgeBase

# Tests never read or write the user's cache (kb.cache): one fresh folder for the whole run,
# which subprocesses inherit. Set before anything loads a knowledge base.
_CACHE_HOME = tempfile.mkdtemp(prefix="ppp-expert-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
os.environ.pop("PPP_EXPERT_CACHE", None)
atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)


def default_sigint() -> None:
    """``preexec_fn`` of a child the test will interrupt: Ctrl-C interrupts it even when the suite
    runs as a background job (which starts with SIGINT ignored, kept across exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"

BROADBAND = {
    "application_area": "broadband", "need_type": "defined_service", "asset_type": "long_lived_physical",
    "capital_cost_musd": 500, "public_funding": "partial", "in_house_expertise": "lacking",
    "revenue_source": "user_fees", "duration_years": 25, "technology_change": "slow",
    "private_interest": "strong", "regulatory_role": "yes", "scope_clarity": "clear",
}
COMMODITY = {
    "need_type": "commodity", "in_house_expertise": "strong", "public_funding": "available",
    "scope_clarity": "clear", "asset_type": "short_lived_technology", "capital_cost_musd": 3,
}


def answer_sets(kb: KnowledgeBase, numbers: list[float] | None = None) -> Any:
    """Hypothesis strategy: random partial answer sets from the real questions' allowed values."""
    from hypothesis import strategies as st

    per_question = {}
    for q in kb.questions.values():
        if q.type == "choice":
            per_question[q.id] = st.sampled_from([*q.answers, "unknown"])
        elif q.type == "integer":
            per_question[q.id] = st.integers(int(q.min or 1), int(q.max or 50))
        elif numbers is not None:
            per_question[q.id] = st.sampled_from(numbers)
        else:
            per_question[q.id] = st.floats(q.min or 0, min(q.max or 1e5, 5000), allow_nan=False).map(
                lambda x: round(x, 1))
    return st.fixed_dictionaries({}, optional=per_question)


if "MUTANT_UNDER_TEST" in os.environ:  # under mutmut (bench/mutation.py)
    # Property tests draw the same examples in every mutant's run and keep no example database:
    # a failing example found while one mutant was active would otherwise be replayed first for
    # every later mutant, and an input on which the unmutated code also fails a property would
    # "kill" every mutant that reaches it. The clean run, with these same examples, passes.
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("mutmut", derandomize=True, database=None)
    _hypothesis_settings.load_profile("mutmut")


def mutmut_stats_run() -> bool:
    """Is this mutmut's stats run, which records which tests call each function?

    The knowledge base is loaded and compiled once per process and cached; in that run the
    loader and compiler would then be credited to the first test only, and their mutants
    tested by that one test. So the stats run loads a fresh knowledge base for every test
    (bench/mutation.py). A mutant's own run is a fresh process: its first test loads the
    knowledge base with the mutant active and the others reuse it, as in a normal run.
    """
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def _kb_scope(fixture_name: str, config: pytest.Config) -> str:
    return "function" if mutmut_stats_run() else "session"


@pytest.fixture(autouse=True)
def _fresh_kb_for_mutmut_stats() -> Iterator[None]:
    if mutmut_stats_run():
        default_kb.cache_clear()
    yield


@pytest.fixture(scope=_kb_scope)
def kb() -> KnowledgeBase:
    return default_kb()


@pytest.fixture(scope=_kb_scope)
def reasoner(kb: KnowledgeBase) -> Any:
    return reasoner_for(kb)


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture()
def write_case(tmp_path: Path) -> Callable[..., Path]:
    """Write a case file (YAML by default) into the test's own folder."""

    def write(answers: dict[str, Any], name: str = "case.yaml", **extra: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump({"id": path.stem, "answers": answers, **extra}, sort_keys=False),
                        encoding="utf-8")
        return path

    return write


MODEL_IDS = ("concession_bot", "managed_services", "joint_venture", "alliance", "data_partnership",
             "traditional_procurement")


def write_kb(root: Path, rules: dict[str, list[dict[str, Any]]], *, questions: tuple[str, ...] = ("a", "b", "c"),
             numbers: tuple[str, ...] = (), risks: tuple[str, ...] = ("demand",), close_call_margin: float = 0.1,
             verdict_threshold: float = 0.2) -> Path:
    """Write a tiny, complete knowledge base under ``root``: yes/no questions in the given
    order, then number questions (0 to 100), the six models, risks whose default owner is public
    under every model, and the rule files ``rules`` (file name -> rules, loaded in file-name
    order). For tests that need a
    knowledge base whose rules they control, independent of the shipped one."""

    def dump(name: str, data: Any) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    dump("questions.yaml", {"questions": [
        {"id": q, "text": f"{q}?", "help": f"Question {q}.", "guide": ["why-ppp"], "phase": "need",
         "answers": {"yes": "Yes.", "no": "No."}} for q in questions]
        + [{"id": n, "text": f"{n}?", "help": f"Number {n}.", "guide": ["why-ppp"], "phase": "need", "type": "number",
            "min": 0, "max": 100} for n in numbers]})
    dump("models.yaml", {"models": [
        {"id": m, "title": m.replace("_", " ").title(), "summary": "s", "source": "model-types"} for m in MODEL_IDS]})
    dump("risks.yaml", {"risks": [
        {"id": r, "title": r.title(), "description": "d", "source": "practice:test",
         "defaults": {m: {"party": "public", "mechanism": "default", "rationale": "default"} for m in MODEL_IDS}}
        for r in risks]})
    dump("settings.yaml", {"verdict_threshold": verdict_threshold, "close_call_margin": close_call_margin,
                           "criteria_weights": {"technical_capability": 20, "financial_capacity": 20,
                                                "experience_references": 20, "approach_innovation": 20,
                                                "pricing_value": 20}})
    (root / "rules").mkdir(parents=True, exist_ok=True)
    for name, items in rules.items():
        dump(f"rules/{name}", {"rules": items})
    return root


def rule(rule_id: str, when: Any, *then: dict[str, Any], salience: int = 0) -> dict[str, Any]:
    """A rule as written in a rules file (tests' shorthand)."""
    return {"id": rule_id, "title": rule_id, "source": "practice:test", "salience": salience, "when": when,
            "then": list(then)}


#: Under mutmut, the modules whose tests run first: fast tests on tiny knowledge bases, each
#: aimed at one behaviour, so that a mutant dies (mutmut runs pytest with -x) before the shipped
#: knowledge base is even loaded. The order of a normal run is untouched.
MUTATION_FIRST = ("test_conditions", "test_kb_loading", "test_case_files", "test_regressions",
                  "test_advice_assembly", "test_engine", "test_knowledge_base", "test_bad_input")
#: ... except that a mutant of the planner or the keyed matcher runs their own tests first: the
#: rest of the selection only compiles engines, which a broken plan cache, say, merely slows.
MUTATION_FIRST_FOR = {"ppp_expert.engine.plan.": ("test_matcher", "test_kb_cache"),
                      "ppp_expert.engine.keyed.": ("test_matcher",),
                      "ppp_expert.engine.matchers.": ("test_matcher",)}


def pytest_sessionstart(session: pytest.Session) -> None:
    """A mutant's run starts without a loaded knowledge base and with an empty on-disk cache, so
    its first test parses, validates and compiles with the mutant active. (Collection in mutmut's
    fork server may have loaded one, unmutated; and every mutant's process is forked from that
    server, so a cache folder made at import would be shared: the first mutant would fill it and
    the rest would skip parsing and planning, letting their mutants there survive.) The stats
    run, which credits each test with the functions it calls, runs with the cache off."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" in mutant:
        default_kb.cache_clear()
        own = tempfile.mkdtemp(prefix="ppp-expert-mutant-cache-")
        os.environ["XDG_CACHE_HOME"] = own
        atexit.register(shutil.rmtree, own, ignore_errors=True)
    elif mutant == "stats":
        os.environ["PPP_EXPERT_CACHE"] = "off"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in mutant:  # not a mutant's own run
        return
    own = next((first for prefix, first in MUTATION_FIRST_FOR.items() if mutant.startswith(prefix)), ())
    rank = {name: i for i, name in enumerate(dict.fromkeys([*own, *MUTATION_FIRST]))}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable within a module


# --- a real browser (Debian's Chromium, driven by Playwright) ----------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is required for the HTML memo tests: ./run test installs Debian's chromium"
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()
