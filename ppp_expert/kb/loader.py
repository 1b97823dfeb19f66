"""Load and validate a knowledge base completely, so nothing fails half-way at run time.

Reading and validating the files is in ``sources.py``, building the rules in ``build.py``, their
phases and strata in ``strata.py``; the result is a ``KnowledgeBase`` (``knowledge_base.py``).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import cache, conditions as cond
from ppp_expert.kb.build import build_rule, check_unique_ids, default_allocation_rules
from ppp_expert.kb.knowledge_base import KnowledgeBase, Rule
from ppp_expert.kb.schema import (
    CRITERIA,
    MODEL_IDS,
    ModelsFile,
    PracticeFile,
    Question,
    QuestionsFile,
    RisksFile,
    RulesFile,
    RuleSpec,
    Settings,
)
from ppp_expert.kb.sources import checked, data_key, read_all, shipped_kb_dir, suggest, unique
from ppp_expert.kb.strata import stratify
from ppp_expert.kb.validated import Checker


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The shipped knowledge base, loaded and validated once per process."""
    return load_kb()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building long-lived structures.

    Loading and compiling allocate tens of thousands of objects that all stay alive; the
    collector would scan them over and over (a quarter of the start-up time) to free nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """Load, validate and cross-check the knowledge base in ``path`` (default: the shipped one)."""
    with gc_paused():
        return _load_kb(path)


def _load_kb(path: str | Path | None) -> KnowledgeBase:
    root = Path(path) if path is not None else shipped_kb_dir()
    if not root.is_dir():
        raise KnowledgeBaseError("expected a knowledge-base directory", path=str(root))
    data, rule_paths, fingerprint, made = read_all(root)
    check = Checker(root, replay=made)  # validates, or rebuilds what validation made last time
    questions_file = checked(root / "questions.yaml", data[root / "questions.yaml"], QuestionsFile, check)
    models_file = checked(root / "models.yaml", data[root / "models.yaml"], ModelsFile, check)
    risks_file = checked(root / "risks.yaml", data[root / "risks.yaml"], RisksFile, check)
    settings = checked(root / "settings.yaml", data[root / "settings.yaml"], Settings, check)

    questions = unique(questions_file.questions, str(root / "questions.yaml"), "questions")
    for q in questions.values():
        _check_question(q, str(root / "questions.yaml"))
    models = unique(models_file.models, str(root / "models.yaml"), "models")
    missing = [m for m in MODEL_IDS if m not in models]
    if missing:
        raise KnowledgeBaseError(f"missing models {missing}", path=str(root / "models.yaml"), field="models")
    risks = unique(risks_file.risks, str(root / "risks.yaml"), "risks")
    for model in models.values():
        for risk in model.key_risks:
            if risk not in risks:
                raise KnowledgeBaseError(f"unknown risk '{risk}'{suggest(risk, risks)}",
                                         path=str(root / "models.yaml"), field=f"models.{model.id}.key_risks")
    for risk in risks.values():
        absent = [m for m in MODEL_IDS if m not in risk.defaults]
        extra = [m for m in risk.defaults if m not in MODEL_IDS]
        if absent or extra:
            raise KnowledgeBaseError(
                f"defaults must give exactly the six models; missing {absent}, unknown {extra}",
                path=str(root / "risks.yaml"), field=f"risks.{risk.id}.defaults",
            )
    bad = sorted(set(settings.criteria_weights) ^ set(CRITERIA))
    if bad:
        raise KnowledgeBaseError(
            f"criteria_weights must name exactly {list(CRITERIA)}; wrong: {bad}",
            path=str(root / "settings.yaml"), field="criteria_weights",
        )

    rules: list[Rule] = []
    rules_dir = root / "rules"
    if not rules_dir.is_dir():  # else a knowledge base with no rules would load and advise nothing
        raise KnowledgeBaseError("missing folder; expected the rules in rules/*.yaml", path=str(rules_dir))
    if not rule_paths:
        raise KnowledgeBaseError("no rule files; expected the rules in rules/*.yaml", path=str(rules_dir))
    for rule_path in rule_paths:
        rules_file = checked(rule_path, data[rule_path], RulesFile, check)
        for index, raw in enumerate(rules_file.rules):
            rule_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
            spec = check(RuleSpec, raw, str(rule_path), f"rule {rule_id}")
            rules.append(build_rule(spec, str(rule_path), len(rules), questions, risks, check))
    rules.extend(default_allocation_rules(risks, len(rules), str(root / "risks.yaml")))
    check_unique_ids(rules)
    rules, producers = stratify(rules)
    practice = None
    if root / "practice.yaml" in data:
        practice = unique(checked(root / "practice.yaml", data[root / "practice.yaml"], PracticeFile, check).practice,
                           str(root / "practice.yaml"), "practice")
    if made is None:  # only a knowledge base that loaded without error is cached
        cache.store("kb-data", data_key(fingerprint),
                    {"files": {p.relative_to(root).as_posix(): v for p, v in data.items()}, "made": check.made})
    return KnowledgeBase(root, questions, models, risks, settings, rules, producers, practice,
                         fingerprint=fingerprint)


def _check_question(q: Question, path: str) -> None:
    if q.type == "choice" and not q.answers:
        raise KnowledgeBaseError("a choice question needs answers", path=path, field=f"questions.{q.id}.answers")
    if q.type != "choice" and q.answers:
        raise KnowledgeBaseError("a numeric question takes min/max, not answers", path=path, field=f"questions.{q.id}")
    if cond.UNKNOWN in q.answers:
        raise KnowledgeBaseError("'unknown' is always accepted; do not list it", path=path,
                                 field=f"questions.{q.id}.answers")
