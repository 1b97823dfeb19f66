"""Shared fixtures: the real shipped knowledge base, its compiled engine, a CLI runner."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from click.testing import CliRunner

from ppp_expert.api import default_kb, reasoner_for
from ppp_expert.kb.loader import KnowledgeBase

# Tests never read or write the user's cache (kb.cache): one fresh folder for the whole run,
# which subprocesses inherit. Set before anything loads a knowledge base.
_CACHE_HOME = tempfile.mkdtemp(prefix="ppp-expert-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME
os.environ.pop("PPP_EXPERT_CACHE", None)
atexit.register(shutil.rmtree, _CACHE_HOME, ignore_errors=True)

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


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_kb()


@pytest.fixture(scope="session")
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
