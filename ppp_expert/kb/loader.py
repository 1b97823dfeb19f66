"""Load and validate a knowledge base completely, so nothing fails half-way at run time."""

from __future__ import annotations

import difflib
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping, TypeVar

from pydantic import BaseModel, ValidationError

from ppp_expert import yaml_io
from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import cache, conditions as cond
from ppp_expert.kb.conclusions import (
    CONCLUSION_KINDS,
    OUTCOMES,
    AllocateConclusion,
    Allocation,
    Conclusion,
    GateConclusion,
)
from ppp_expert.kb.schema import (
    CRITERIA,
    MODEL_IDS,
    Model,
    ModelsFile,
    PracticeFile,
    PracticeSource,
    Question,
    QuestionsFile,
    Risk,
    RisksFile,
    RulesFile,
    RuleSpec,
    Settings,
)


def shipped_kb_dir() -> Path:
    """The shipped knowledge base: package data in an installed wheel, else the checkout's top level."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "knowledge_base"
    return installed if installed.is_dir() else package.parent / "knowledge_base"

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """A validated rule, ready to compile: parsed condition, typed conclusions, order keys."""

    id: str
    title: str
    source: str
    salience: int
    condition: cond.Condition
    conclusions: tuple[Conclusion, ...]
    position: int
    file: str
    specificity: int
    stratum: int = 0
    phase: int = 1

    @cached_property
    def questions(self) -> list[str]:
        return cond.questions_of(self.condition)

    @cached_property
    def concluded_facts(self) -> list[str]:
        return [c.declares_fact for c in self.conclusions if c.declares_fact is not None]

    @property
    def precedence(self) -> tuple[int, int, int]:
        """Rank among rules concluding the same target: most specific, highest salience, earliest."""
        return (-self.specificity, -self.salience, self.position)


@dataclass
class KnowledgeBase:
    """Everything the engine needs, validated and cross-checked."""

    path: Path
    questions: dict[str, Question]
    models: dict[str, Model]
    risks: dict[str, Risk]
    settings: Settings
    rules: list[Rule]
    fact_producers: dict[str, list[str]] = field(default_factory=dict)
    #: The register of practice documents (practice.yaml), or None when the knowledge base has none.
    practice: dict[str, PracticeSource] | None = None
    #: SHA-256 of the knowledge-base files (names and bytes): what derived caches are keyed by.
    fingerprint: str = ""
    #: Values derived from this knowledge base, computed once and kept with it (see ``derived``).
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from this knowledge base once and cached on it: its compiled engine,
        relevance analyses, the questions behind the verdict. The knowledge base is never changed
        after loading, so the cache can never go stale; it is not pickled (workers rebuild it)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_derived"} | {"_derived": {}}

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.rules}

    @property
    def question_order(self) -> list[str]:
        return list(self.questions)

    def upstream_questions(self, rule_ids: Iterable[str]) -> list[str]:
        """Questions the given rules read, directly or through the facts they depend on."""
        seen_rules: set[str] = set()
        questions: set[str] = set()
        stack = list(rule_ids)
        while stack:
            rule = self.rule(stack.pop())
            if rule.id in seen_rules:
                continue
            seen_rules.add(rule.id)
            questions.update(rule.questions)
            for fact in cond.facts_of(rule.condition):
                stack.extend(self.fact_producers.get(fact, ()))
        return [q for q in self.questions if q in questions]


def _one_line_validation(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    got = first.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    message = first["msg"].removeprefix("Value error, ")
    return loc, f"{message} (got {shown})"


def _validate(model: type[M], data: Any, path: str, field_prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc, msg = _one_line_validation(exc)
        where = ".".join(p for p in (field_prefix, loc) if p)
        raise KnowledgeBaseError(msg, path=path, field=where or None) from None


def suggest(value: str, options: Iterable[str]) -> str:
    """A "did you mean" suffix naming the nearest valid option, or an empty string."""
    close = difflib.get_close_matches(str(value), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: The largest shipped file holds about 1,500 values; far more means an alias bomb.
MAX_FILE_VALUES = 100_000


def _parsed(path: Path, raw: bytes) -> Any:
    """One file's data, parsed as ``yaml_io.read_yaml`` parses it, refused if aliases blow it up."""
    text = yaml_io.decode(raw, str(path), KnowledgeBaseError)
    data = yaml_io.parse_text(text, str(path), KnowledgeBaseError, as_json=path.suffix.lower() == ".json")
    yaml_io.check_size(data, MAX_FILE_VALUES, str(path), KnowledgeBaseError, "a knowledge-base file")
    return data


def _checked(path: Path, data: Any, model: type[M]) -> M:
    if data is None:
        raise KnowledgeBaseError("file is empty; expected a mapping", path=str(path))
    return _validate(model, data, str(path))


def _read_all(root: Path) -> tuple[dict[Path, Any], list[Path], str, bool]:
    """Every knowledge-base file's data (from the cache when its bytes are unchanged), the rule
    files among them, the fingerprint of the files, and whether the data came from the cache.

    The bytes are always read (safely, bounded) and hashed; only parsing is saved. The cache
    holds parsed YAML of a knowledge base that loaded without error, keyed by the files'
    fingerprint and the parsing code (``kb.cache``); validation runs on it all the same.
    """
    paths = [root / "questions.yaml", root / "models.yaml", root / "risks.yaml", root / "settings.yaml"]
    if (root / "practice.yaml").exists():  # optional
        paths.append(root / "practice.yaml")
    rule_paths = sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []
    paths += rule_paths
    raw = {p: yaml_io.read_bytes(p, KnowledgeBaseError) for p in paths}
    names = [p.relative_to(root).as_posix() for p in paths]
    fingerprint = cache.digest([part for n, p in zip(names, paths) for part in (n.encode(), raw[p])])
    cached = cache.load("kb-data", _data_key(fingerprint)) if cache.enabled() else None
    if isinstance(cached, dict) and list(cached) == names:
        return {p: cached[n] for n, p in zip(names, paths)}, rule_paths, fingerprint, True
    return {p: _parsed(p, raw[p]) for p in paths}, rule_paths, fingerprint, False


def _data_key(fingerprint: str) -> dict[str, str]:
    """What parsed knowledge-base data depends on: the files, and the code and library parsing them."""
    import yaml

    code = cache.code_fingerprint(yaml_io.__file__, __file__, libraries=[f"PyYAML {yaml.__version__}",
                                                                       f"libyaml {yaml.__with_libyaml__}"])
    return {"kb": fingerprint, "code": code}


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
    data, rule_paths, fingerprint, from_cache = _read_all(root)
    questions_file = _checked(root / "questions.yaml", data[root / "questions.yaml"], QuestionsFile)
    models_file = _checked(root / "models.yaml", data[root / "models.yaml"], ModelsFile)
    risks_file = _checked(root / "risks.yaml", data[root / "risks.yaml"], RisksFile)
    settings = _checked(root / "settings.yaml", data[root / "settings.yaml"], Settings)

    questions = _unique(questions_file.questions, str(root / "questions.yaml"), "questions")
    for q in questions.values():
        _check_question(q, str(root / "questions.yaml"))
    models = _unique(models_file.models, str(root / "models.yaml"), "models")
    missing = [m for m in MODEL_IDS if m not in models]
    if missing:
        raise KnowledgeBaseError(f"missing models {missing}", path=str(root / "models.yaml"), field="models")
    risks = _unique(risks_file.risks, str(root / "risks.yaml"), "risks")
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
        rules_file = _checked(rule_path, data[rule_path], RulesFile)
        for index, raw in enumerate(rules_file.rules):
            rule_id = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
            spec = _validate(RuleSpec, raw, str(rule_path), f"rule {rule_id}")
            rules.append(_build_rule(spec, str(rule_path), len(rules), questions, risks))
    rules.extend(_default_allocation_rules(risks, len(rules), str(root / "risks.yaml")))
    _check_unique_ids(rules)
    rules, producers = _order(rules)
    practice = None
    if root / "practice.yaml" in data:
        practice = _unique(_checked(root / "practice.yaml", data[root / "practice.yaml"], PracticeFile).practice,
                           str(root / "practice.yaml"), "practice")
    if not from_cache:  # only a knowledge base that loaded without error is cached
        cache.store("kb-data", _data_key(fingerprint), {p.relative_to(root).as_posix(): v for p, v in data.items()})
    return KnowledgeBase(root, questions, models, risks, settings, rules, producers, practice,
                         fingerprint=fingerprint)


def _unique(items: list[Any], path: str, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            raise KnowledgeBaseError(f"duplicate id '{item.id}'", path=path, field=what)
        out[item.id] = item
    return out


def _check_question(q: Question, path: str) -> None:
    if q.type == "choice" and not q.answers:
        raise KnowledgeBaseError("a choice question needs answers", path=path, field=f"questions.{q.id}.answers")
    if q.type != "choice" and q.answers:
        raise KnowledgeBaseError("a numeric question takes min/max, not answers", path=path, field=f"questions.{q.id}")
    if cond.UNKNOWN in q.answers:
        raise KnowledgeBaseError("'unknown' is always accepted; do not list it", path=path,
                                 field=f"questions.{q.id}.answers")


def _check_unique_ids(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise KnowledgeBaseError(f"duplicate rule id (also in {seen[rule.id]})", path=rule.file,
                                     field=f"rule {rule.id}")
        seen[rule.id] = rule.file


def _build_rule(spec_raw: RuleSpec, path: str, position: int, questions: Mapping[str, Question],
                risks: Mapping[str, Risk]) -> Rule:
    field_base = f"rule {spec_raw.id}"
    try:
        condition = cond.parse(spec_raw.when)
    except cond.ConditionSyntaxError as exc:
        raise KnowledgeBaseError(str(exc), path=path, field=f"{field_base}: when") from None
    for leaf in cond.leaves(condition):
        _check_leaf(leaf, questions, path, field_base)
    conclusions = tuple(_conclusion(raw, path, f"{field_base}: then[{i}]", risks)
                        for i, raw in enumerate(spec_raw.then))
    for i, c in enumerate(conclusions):
        if isinstance(c, GateConclusion):
            _check_gate_clear(c.gate.clear, questions, path, f"{field_base}: then[{i}].gate.clear")
    return Rule(
        id=spec_raw.id, title=spec_raw.title, source=spec_raw.source, salience=spec_raw.salience,
        condition=condition, conclusions=conclusions, position=position, file=path,
        specificity=sum(1 for _ in cond.leaves(condition)),
    )


def _check_gate_clear(clear: Mapping[str, list[Any]], questions: Mapping[str, Question], path: str,
                      field: str) -> None:
    """The answers that clear a gate must be real answers of real choice questions."""
    for qid, values in clear.items():
        question = questions.get(qid)
        if question is None:
            raise KnowledgeBaseError(f"unknown question '{qid}'{suggest(qid, questions)}", path=path, field=field)
        if question.type == "choice":
            for value in values:
                if value not in question.answers:
                    raise KnowledgeBaseError(
                        f"'{value}' is not an answer of '{qid}'{suggest(str(value), question.answers)}; "
                        f"expected one of {sorted(question.answers)}", path=path, field=field)


def _check_leaf(leaf: cond.Leaf, questions: Mapping[str, Question], path: str, field: str) -> None:
    if isinstance(leaf, (cond.AnswerIn, cond.AnswerCompare)):
        question = questions.get(leaf.question)
        if question is None:
            raise KnowledgeBaseError(
                f"unknown question '{leaf.question}'{suggest(leaf.question, questions)}", path=path,
                field=f"{field}: when",
            )
        if isinstance(leaf, cond.AnswerCompare) and question.type == "choice":
            raise KnowledgeBaseError(
                f"numeric comparison on choice question '{leaf.question}'", path=path, field=f"{field}: when"
            )
        if isinstance(leaf, cond.AnswerIn):
            allowed = set(question.answers) | {cond.UNKNOWN}
            for value in sorted(leaf.values - allowed):
                raise KnowledgeBaseError(
                    f"'{value}' is not an answer of '{leaf.question}'{suggest(value, allowed)}; "
                    f"expected one of {sorted(allowed)}",
                    path=path, field=f"{field}: when",
                )
    elif isinstance(leaf, cond.DecisionIn):
        allowed = set(MODEL_IDS) if leaf.kind == "model" else set(OUTCOMES)
        for value in sorted(leaf.values - allowed):
            raise KnowledgeBaseError(
                f"'{value}' is not a {leaf.kind}{suggest(value, allowed)}", path=path, field=f"{field}: when"
            )


def _conclusion(raw: Any, path: str, field: str, risks: Mapping[str, Risk]) -> Conclusion:
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"expected a mapping, got {raw!r}", path=path, field=field)
    kinds = [k for k in raw if k in CONCLUSION_KINDS]
    if len(kinds) != 1:
        raise KnowledgeBaseError(
            f"expected exactly one of {sorted(CONCLUSION_KINDS)}, got keys {sorted(raw)}", path=path, field=field
        )
    conclusion = _validate(CONCLUSION_KINDS[kinds[0]], raw, path, field)
    catalogues = {"risk": risks}
    for what, name in conclusion.references().items():
        if name not in catalogues[what]:
            raise KnowledgeBaseError(f"unknown {what} '{name}'{suggest(name, catalogues[what])}", path=path,
                                     field=field)
    return conclusion


def _default_allocation_rules(risks: Mapping[str, Risk], start: int, path: str) -> list[Rule]:
    rules: list[Rule] = []
    for risk in risks.values():
        for model in MODEL_IDS:
            default = risk.defaults[model]
            rules.append(Rule(
                id=f"risk.{risk.id}.default.{model}",
                title=f"Default allocation of {risk.title.lower()} under {model}",
                source=risk.source, salience=0,
                condition=cond.DecisionIn("model", frozenset([model])),
                conclusions=(AllocateConclusion(allocate=Allocation(risk=risk.id, **default.model_dump())),),
                position=start + len(rules), file=path, specificity=1,
            ))
    return rules


def _order(rules: list[Rule]) -> tuple[list[Rule], dict[str, list[str]]]:
    """Give each rule its phase and stratum: producers of a fact run before its readers."""
    producers: dict[str, list[str]] = {}
    for rule in rules:
        for fact in rule.concluded_facts:
            producers.setdefault(fact, []).append(rule.id)
    by_id = {r.id: r for r in rules}
    for rule in rules:
        for fact in cond.facts_of(rule.condition):
            if fact not in producers:
                raise KnowledgeBaseError(
                    f"fact '{fact}' is never concluded by any rule{suggest(fact, producers)}",
                    path=rule.file, field=f"rule {rule.id}: when",
                )

    strata: dict[str, int] = {}
    phases: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(rule: Rule) -> tuple[int, int]:
        if rule.id in strata:
            return strata[rule.id], phases[rule.id]
        if rule.id in visiting:
            raise KnowledgeBaseError("rules conclude facts in a cycle", path=rule.file, field=f"rule {rule.id}")
        visiting.add(rule.id)
        stratum, phase = 0, 2 if cond.is_second_phase(rule.condition) else 1
        for fact in cond.facts_of(rule.condition):
            for producer in producers[fact]:
                p_stratum, p_phase = visit(by_id[producer])
                stratum, phase = max(stratum, p_stratum + 1), max(phase, p_phase)
        visiting.discard(rule.id)
        strata[rule.id], phases[rule.id] = stratum, phase
        return stratum, phase

    ordered = []
    for rule in rules:
        stratum, phase = visit(rule)
        if phase == 2 and any(c.competition == "certainty" for c in rule.conclusions):
            raise KnowledgeBaseError(
                "a rule that depends on the decision (model/verdict) cannot give evidence for it",
                path=rule.file, field=f"rule {rule.id}: then",
            )
        ordered.append(replace(rule, stratum=stratum, phase=phase))
    return ordered, producers
