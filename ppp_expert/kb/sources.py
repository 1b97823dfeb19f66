"""Reading the knowledge-base files: where the shipped one is, bounded safe parsing, the parsed-data
cache keyed by the files' fingerprint, and validation into the schema with one-line errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Iterable, TypeVar

from ppp_expert import yaml_io
from ppp_expert.errors import KnowledgeBaseError
from ppp_expert.kb import cache

M = TypeVar("M")


def shipped_kb_dir() -> Path:
    """The shipped knowledge base: package data in an installed wheel, else the checkout's top level."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "knowledge_base"
    return installed if installed.is_dir() else package.parent / "knowledge_base"


def _one_line_validation(error: Any) -> tuple[str, str]:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    got = first.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    message = _MESSAGES.get(first["type"], first["msg"]).format(**first.get("ctx", {}))
    return loc, f"{message.removeprefix('Value error, ')} (got {shown})"


#: Pydantic words two errors differently for the plain classes than for its own models; the
#: files' errors keep the wording they have always had.
_MESSAGES = {
    "unexpected_keyword_argument": "Extra inputs are not permitted",
    "dataclass_type": "Input should be a valid dictionary or instance of {class_name}",
}
_ADAPTERS: dict[type, Any] = {}


def validate(model: type[M], data: Any, path: str, field_prefix: str = "") -> M:
    """``data`` validated into the knowledge-base class ``model`` by pydantic (imported only here:
    a knowledge base loaded from the cache is rebuilt without it, see ``kb.validated``)."""
    from pydantic import TypeAdapter, ValidationError

    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        loc, msg = _one_line_validation(exc)
        where = ".".join(p for p in (field_prefix, loc) if p)
        raise KnowledgeBaseError(msg, path=path, field=where or None) from None


def suggest(value: str, options: Iterable[str]) -> str:
    """A "did you mean" suffix naming the nearest valid option, or an empty string."""
    import difflib  # only when something is wrong: a correct run never suggests

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


def checked(path: Path, data: Any, model: type[M], check: Any = validate) -> M:
    """A whole file's data validated into ``model`` (by ``check``: ``validate`` or a
    ``validated.Checker``)."""
    if data is None:
        raise KnowledgeBaseError("file is empty; expected a mapping", path=str(path))
    return check(model, data, str(path))


def read_all(root: Path) -> tuple[dict[Path, Any], list[Path], str, dict[str, Any] | None]:
    """Every knowledge-base file's data (from the cache when its bytes are unchanged), the rule
    files among them, the fingerprint of the files, and, when the data came from the cache, what
    validating it made (``validated.Checker.made``), else None.

    The bytes are always read (safely, bounded) and hashed; parsing and validation are saved.
    The cache holds the parsed YAML of a knowledge base that loaded without error and the
    validated values, keyed by the files' fingerprint and the code and libraries that parsed and
    validated them (``kb.cache``, ``data_key``).
    """
    paths = [root / "questions.yaml", root / "models.yaml", root / "risks.yaml", root / "settings.yaml"]
    if (root / "practice.yaml").exists():  # optional
        paths.append(root / "practice.yaml")
    rule_paths = sorted((root / "rules").glob("*.yaml")) if (root / "rules").is_dir() else []
    paths += rule_paths
    raw = {p: yaml_io.read_bytes(p, KnowledgeBaseError) for p in paths}
    names = [p.relative_to(root).as_posix() for p in paths]
    fingerprint = cache.digest([part for n, p in zip(names, paths) for part in (n.encode(), raw[p])])
    cached = cache.load("kb-data", data_key(fingerprint)) if cache.enabled() else None
    if (isinstance(cached, dict) and isinstance(cached.get("files"), dict) and list(cached["files"]) == names
            and isinstance(cached.get("made"), dict)):
        return {p: cached["files"][n] for n, p in zip(names, paths)}, rule_paths, fingerprint, cached["made"]
    return {p: _parsed(p, raw[p]) for p in paths}, rule_paths, fingerprint, None


def data_key(fingerprint: str) -> dict[str, str]:
    """What the cached data depends on: the files, and the code and libraries parsing and validating them."""
    import yaml

    here = Path(__file__).parent
    code = cache.code_fingerprint(
        yaml_io.__file__, __file__, *(here / f"{name}.py" for name in _VALIDATING),
        libraries=[f"PyYAML {yaml.__version__}", f"libyaml {yaml.__with_libyaml__}", _pydantic_version()])
    return {"kb": fingerprint, "code": code}


#: The modules whose code decides what validation makes of the files (with this one).
_VALIDATING = ("schema", "conclusions", "constraints", "validated", "loader", "build")


def _pydantic_version() -> str:
    """Pydantic's version file, read without importing pydantic (a cache hit never imports it)."""
    spec = importlib.util.find_spec("pydantic")
    if spec is None or spec.origin is None:
        return "pydantic missing"
    return "pydantic " + (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")


def unique(items: list[Any], path: str, what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            raise KnowledgeBaseError(f"duplicate id '{item.id}'", path=path, field=what)
        out[item.id] = item
    return out
