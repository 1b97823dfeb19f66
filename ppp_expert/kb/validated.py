"""Validated knowledge-base values, kept as plain data and rebuilt without validating again.

Loading a knowledge base validates every file with pydantic (``sources.validate``). What that
made is the same every time for the same files and the same code, so the loader keeps it in the
cache beside the parsed files (``Checker.made``: for each validated object, keyed by file and
field, the plain data of the fields validation changed or filled in, usually few), and a later
load with a cache hit rebuilds the very same objects from the files' data and those fields
(``Checker(replay=...)``, ``build``) without importing pydantic: a cold start pays for neither
the library nor the validation. The cache entry is keyed by the files' bytes and by the code
and pydantic release that validated them (``sources.data_key``), and sealed (``kb.cache``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar, Union, get_args, get_origin, get_type_hints

from ppp_expert.kb.sources import validate

M = TypeVar("M")
Builder = Optional[Callable[[Any], Any]]


class Checker:
    """Validates file data into knowledge-base classes and keeps the plain data of each result
    (``made``); or, given what an earlier load made (``replay``), rebuilds the same objects."""

    def __init__(self, root: Path, replay: dict[str, Any] | None = None) -> None:
        self.prefix = f"{root}{os.sep}"
        self.replay = replay
        self.made: dict[str, Any] = {}

    def __call__(self, model: type[M], data: Any, path: str, field_prefix: str = "") -> M:
        key = f"{path.removeprefix(self.prefix)}\0{field_prefix}"
        if self.replay is not None and key in self.replay and type(data) is dict:
            return build(model, {**data, **self.replay[key]})
        value = validate(model, data, path, field_prefix)
        if type(data) is dict:  # kept: the fields validation changed or filled in (often none)
            made = dataclasses.asdict(value)  # type: ignore[call-overload]
            self.made[key] = {k: v for k, v in made.items() if k not in data or not same(v, data[k])}
        return value


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (``1 == 1.0``, but validation made one of them)."""
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def build(model: Any, data: Any) -> Any:
    """The object of class ``model`` whose plain data (``dataclasses.asdict``) is ``data``."""
    builder = _builder(model)
    return data if builder is None else builder(data)


_BUILDERS: dict[Any, Builder] = {}


def _field_type(cls: Any, field: dataclasses.Field[Any]) -> Any:
    """The type of a field, for ``_builder``: its annotation evaluated only when it names a class
    (``list[Question]``); text and numbers (``Id``, ``Optional[float]``) need no evaluating,
    which saves compiling some hundred annotations at every start."""
    annotation = field.type
    if not isinstance(annotation, str):
        return annotation
    namespace = vars(sys.modules[cls.__module__])
    if not any(dataclasses.is_dataclass(namespace.get(name)) for name in re.findall(r"[A-Za-z_]\w*", annotation)):
        return Any
    return get_type_hints(cls)[field.name]


def _builder(kind: Any) -> Builder:
    """How to rebuild a value of type ``kind`` from its plain data; None when the plain data is
    the value itself (text, numbers, lists and mappings of them)."""
    if kind in _BUILDERS:
        return _BUILDERS[kind]
    origin = get_origin(kind)
    made: Builder = None
    if dataclasses.is_dataclass(kind):
        parts = [(f.name, _builder(_field_type(kind, f))) for f in dataclasses.fields(kind) if f.init]

        def made(data: Any, cls: Any = kind, parts: list[tuple[str, Builder]] = parts) -> Any:
            return cls(**{name: data[name] if part is None else part(data[name]) for name, part in parts
                          if name in data})
    elif origin is list:
        item = _builder(get_args(kind)[0])
        if item is not None:
            made = lambda data, item=item: [item(x) for x in data]  # noqa: E731
    elif origin is dict:
        value = _builder(get_args(kind)[1])
        if value is not None:
            made = lambda data, value=value: {k: value(x) for k, x in data.items()}  # noqa: E731
    elif origin is Union and any(_builder(arg) is not None for arg in get_args(kind)):
        raise TypeError(f"cannot rebuild a union holding a class: {kind}")  # none in the schema
    _BUILDERS[kind] = made
    return made
