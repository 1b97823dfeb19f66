"""The start-up cache: what it saves is exactly what loading from YAML gives, and it is never
trusted when it does not match (edited knowledge base, damaged or foreign entry, turned off)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from ppp_expert.advice.assemble import build_advice
from ppp_expert.engine.plan import match_plans
from ppp_expert.engine.reasoner import Reasoner
from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import cache
from ppp_expert.kb.loader import load_kb


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv(cache.ENV, raising=False)
    return home / "ppp-expert"


@pytest.fixture()
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", target)
    return target


def entries(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.json"))


def same_kb(a: Any, b: Any) -> None:
    assert a.fingerprint == b.fingerprint and a.fingerprint
    assert a.questions == b.questions and a.models == b.models and a.risks == b.risks
    assert a.settings == b.settings and a.fact_producers == b.fact_producers
    assert a.rules == b.rules  # ids, conditions, conclusions, strata, phases, positions


def test_a_cached_load_equals_a_load_from_yaml(cache_home: Path, kb_dir: Path) -> None:
    first = load_kb(kb_dir)
    assert len(entries(cache_home, "kb-data")) == 1
    second = load_kb(kb_dir)
    same_kb(first, second)
    plans = match_plans(second)
    assert len(entries(cache_home, "plans")) == 1
    assert match_plans(second) == plans  # read back from the cache, tuples and all
    answers = {"urgency": "high", "need_type": "commodity", "capital_cost_musd": 40}
    outputs = {build_advice(kb, "c", Reasoner(kb, m).run(answers)).to_json()
               for kb in (first, second) for m in ("keyed", "stock")}
    assert len(outputs) == 1


def test_an_edited_knowledge_base_is_reloaded_not_served_from_the_cache(cache_home: Path, kb_dir: Path) -> None:
    before = load_kb(kb_dir)
    path = sorted((kb_dir / "rules").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["title"] = "An edited title"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    after = load_kb(kb_dir)
    assert after.fingerprint != before.fingerprint
    assert after.rule(data["rules"][0]["id"]).title == "An edited title"
    assert len(entries(cache_home, "kb-data")) == 2
    # An edit that breaks the knowledge base fails exactly as without a cache, and caches nothing.
    data["rules"][0]["when"] = {"answer": "urgncy", "is": "high"}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="unknown question 'urgncy'"):
        load_kb(kb_dir)
    assert len(entries(cache_home, "kb-data")) == 2


def test_a_damaged_or_foreign_entry_is_ignored_and_replaced(cache_home: Path, kb_dir: Path) -> None:
    reference = load_kb(kb_dir)
    (entry,) = entries(cache_home, "kb-data")
    header, payload = entry.read_bytes().split(b"\n", 1)

    entry.write_bytes(header + b"\n" + payload[: len(payload) // 2])  # a torn write
    same_kb(load_kb(kb_dir), reference)
    assert entry.read_bytes() == header + b"\n" + payload  # rewritten whole

    tampered = json.loads(payload)
    first = next(iter(tampered))
    tampered[first] = {"questions": []}  # same key, different content: the hash no longer matches
    entry.write_bytes(header + b"\n" + json.dumps(tampered).encode())
    same_kb(load_kb(kb_dir), reference)

    meta = json.loads(header)
    meta["key"]["code"] = "0" * 64  # written by other code: not ours to trust
    entry.write_bytes(json.dumps(meta).encode() + b"\n" + payload)
    same_kb(load_kb(kb_dir), reference)

    entry.write_bytes(b"\x00garbage")
    same_kb(load_kb(kb_dir), reference)


def test_the_cache_can_be_turned_off(cache_home: Path, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV, "off")
    kb = load_kb(kb_dir)
    Reasoner(kb, "keyed")
    assert not cache_home.exists()


def test_an_unwritable_cache_is_only_a_miss(tmp_path: Path, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    kb = load_kb(kb_dir)
    assert Reasoner(kb, "keyed").run({}).decision.verdict == "insufficient_information"


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "ppp-expert"


def test_only_data_json_keeps_exactly_is_cached(cache_home: Path) -> None:
    import datetime

    key = {"kb": "k", "code": "c"}
    assert cache.store("probe", key, {"a": [1, 2.5, "x", None, True]})
    assert cache.load("probe", key) == {"a": [1, 2.5, "x", None, True]}
    assert cache.load("probe", {"kb": "k", "code": "other"}) is None
    for value in ({1: "int key"}, {"d": datetime.date(2024, 1, 1)}, {"t": (1, 2)}, {"n": float("nan")},
                  {"b": b"bytes"}, {"s": {1, 2}}):
        assert not cache.store("probe", {"kb": repr(value), "code": "c"}, value)
    for _ in range(cache.KEEP + 3):  # old entries of one kind are pruned
        cache.store("probe", {"kb": str(_), "code": "c"}, [])
    assert len(entries(cache_home, "probe")) == cache.KEEP


def test_only_entries_this_user_alone_can_write_are_read(cache_home: Path, kb_dir: Path) -> None:
    """An entry another user could have written (group- or world-writable file or folder) is
    not trusted, even with a matching key and checksum."""
    import os

    key = {"kb": "k", "code": "c"}
    assert cache.store("probe", key, ["ours"])
    (entry,) = entries(cache_home, "probe")
    os.chmod(entry, 0o664)
    assert cache.load("probe", key) is None
    os.chmod(entry, 0o600)
    os.chmod(cache_home, 0o777)
    assert cache.load("probe", key) is None
    os.chmod(cache_home, 0o700)
    assert cache.load("probe", key) == ["ours"]


def test_a_well_signed_but_malformed_plan_entry_is_recomputed(cache_home: Path, kb_dir: Path) -> None:
    """The plans are not validated like the knowledge base is: their shape is checked instead."""
    import hashlib

    kb = load_kb(kb_dir)
    plans = match_plans(kb)
    (entry,) = entries(cache_home, "plans")
    header, payload = entry.read_bytes().split(b"\n", 1)
    data = json.loads(payload)
    data["plans"][0] = [[[10_000], []]]  # a leaf the first rule does not have
    forged = json.dumps(data).encode()
    meta = json.loads(header)
    meta["sha256"] = hashlib.sha256(forged).hexdigest()
    entry.write_bytes(json.dumps(meta).encode() + b"\n" + forged)
    assert match_plans(kb) == plans


def _plain(plans: list) -> list:
    """Plans in the JSON shape the cache keeps them in."""
    return [[[list(pos), list(neg)] for pos, neg in rule] for rule in plans]


def test_a_cached_plan_entry_is_served_without_deriving_the_plans_again(
        cache_home: Path, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ppp_expert.engine import plan

    kb = load_kb(kb_dir)
    plans = match_plans(kb)
    derived: list[Any] = []
    real = plan.branches
    monkeypatch.setattr(plan, "branches", lambda condition: derived.append(condition) or real(condition))
    assert match_plans(kb) == plans and not derived  # a hit: nothing derived
    # An entry for other rules under the same key (well formed, but the ids do not match) is not used.
    (entry,) = entries(cache_home, "plans")
    header, payload = entry.read_bytes().split(b"\n", 1)
    data = json.loads(payload)
    data["rules"] = data["rules"][::-1]
    forged = json.dumps(data).encode()
    meta = json.loads(header)
    import hashlib
    meta["sha256"] = hashlib.sha256(forged).hexdigest()
    entry.write_bytes(json.dumps(meta).encode() + b"\n" + forged)
    assert match_plans(kb) == plans and len(derived) == len(kb.rules)


def test_the_plan_cache_key_covers_the_code_that_derives_plans(cache_home: Path, kb_dir: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached plan is reused only while the plan code, the patterns it mirrors, their fact
    classes, the condition vocabulary and its syntax, and experta's version are unchanged."""
    from ppp_expert.engine import plan
    from ppp_expert.engine.experta_seam import EXPERTA_VERSION

    calls: list[tuple[tuple[Any, ...], list[str]]] = []
    real = cache.code_fingerprint

    def fingerprint(*sources: Any, libraries: Any = ()) -> str:
        calls.append((sources, list(libraries)))
        return real(*sources, libraries=libraries)

    monkeypatch.setattr(cache, "code_fingerprint", fingerprint)
    match_plans(load_kb(kb_dir))
    (sources, libraries), *_ = [c for c in calls if Path(c[0][0]).name == "plan.py"]
    assert {Path(s).name for s in sources} == {"plan.py", "patterns.py", "facts.py", "conditions.py",
                                               "condition_syntax.py"}
    assert all(Path(s).is_file() for s in sources)
    assert Path(sources[0]) == Path(plan.__file__)
    assert libraries == [f"experta {EXPERTA_VERSION}"]


def test_a_knowledge_base_without_a_fingerprint_gets_its_own_plans_and_caches_none(
        cache_home: Path, kb_dir: Path) -> None:
    """A knowledge base built in memory has no fingerprint to key a cache entry by."""
    import dataclasses

    from ppp_expert.engine import plan

    first = dataclasses.replace(load_kb(kb_dir), fingerprint="")
    path = sorted((kb_dir / "rules").glob("*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["when"] = {"all": [data["rules"][0]["when"], {"not": {"answer": "urgency", "is": "high"}}]}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    second = dataclasses.replace(load_kb(kb_dir), fingerprint="")
    before = entries(cache_home, "plans")
    assert match_plans(first) == [plan.branches(r.condition) for r in first.rules]
    assert match_plans(second) == [plan.branches(r.condition) for r in second.rules] != match_plans(first)
    assert entries(cache_home, "plans") == before


def test_only_plans_of_the_shape_branches_gives_are_well_formed(kb: Any) -> None:
    from ppp_expert.engine import plan
    from ppp_expert.kb import conditions as cond

    good = _plain(plan.match_plans(kb))
    assert plan._well_formed(good, kb)
    # A branch led by experta's initial fact (a rule whose condition starts with a negation).
    assert plan._well_formed([[[[plan.INITIAL], [0]]], *good[1:]], kb)
    # The last leaf of the first rule exists; one past it does not.
    size = len(list(cond.leaves(kb.rules[0].condition)))
    assert plan._well_formed([[[[size - 1], []]], *good[1:]], kb)
    first, rest = good[0], good[1:]
    branch = first[0]
    bad = {
        "not a list": tuple(good),
        "a rule missing": good[:-1],
        "a rule's plan not a list": [tuple(first), *rest],
        "a rule without a branch": [[], *rest],
        "a branch not a list": [[tuple(branch), *first[1:]], *rest],
        "a branch of three parts": [[[*branch, []], *first[1:]], *rest],
        "a branch with nothing positive": [[[[], [0]], *first[1:]], *rest],
        "positions not a list": [[[tuple(branch[0]), branch[1]], *first[1:]], *rest],
        "a position past the rule's leaves": [[[[size], []], *first[1:]], *rest],
        "a negative position": [[[[-2], []], *first[1:]], *rest],
        "a position that is not an int": [[[[True], []], *first[1:]], *rest],
        "a bad negated position": [[[branch[0], [size]], *first[1:]], *rest],
    }
    for why, plans in bad.items():
        assert not plan._well_formed(plans, kb), why


def test_a_cache_hit_rebuilds_the_validated_objects_exactly_without_pydantic(cache_home: Path, kb_dir: Path) -> None:
    """What validation made is rebuilt from the cache to the same classes and value types (an
    integer stays an integer, a float a float), and a process loading it never imports pydantic."""
    import os
    import subprocess
    import sys

    first = load_kb(kb_dir)
    second = load_kb(kb_dir)
    for part in ("questions", "models", "risks", "settings", "practice"):
        assert repr(getattr(first, part)) == repr(getattr(second, part)), part
    assert [repr(r.conclusions) for r in first.rules] == [repr(r.conclusions) for r in second.rules]
    probe = ("import sys; from ppp_expert.kb.loader import load_kb; kb = load_kb(sys.argv[1]); "
             "print(len(kb.rules), 'pydantic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, str(kb_dir)], capture_output=True, text=True, check=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache_home.parent)})
    assert done.stdout.split() == [str(len(first.rules)), "False"]


def test_the_cache_key_names_the_pydantic_release_that_validated_the_entry() -> None:
    """A pydantic upgrade may validate differently, so it must change the key (read from its
    version file, without importing it)."""
    import pydantic

    from ppp_expert.kb.sources import _pydantic_version

    assert _pydantic_version().startswith("pydantic ")
    assert f"VERSION = '{pydantic.VERSION}'" in _pydantic_version()
