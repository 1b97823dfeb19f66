"""Constraints on the fields of the knowledge base's plain classes, for pydantic to enforce.

The knowledge-base classes (``schema``, ``conclusions``) are plain dataclasses, so that using a
loaded knowledge base never needs pydantic; their fields carry these markers in ``Annotated``
types. Pydantic reads the markers only when it validates files (``sources.validate``), through
the ``__get_pydantic_core_schema__`` hook, so this module imports nothing heavy.
"""

from __future__ import annotations

from typing import Any, Callable


class Rules:
    """Bounds on a field, as pydantic's ``Field`` takes them: ``Rules(pattern=...)``,
    ``Rules(min_length=1)``, ``Rules(ge=-1, le=1)``."""

    def __init__(self, **rules: Any) -> None:
        self.rules = rules

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from typing import Annotated

        from pydantic import Field

        return handler(Annotated[source, Field(**self.rules)])

    def __repr__(self) -> str:
        return f"Rules({', '.join(f'{k}={v!r}' for k, v in self.rules.items())})"


class After:
    """A check run on a field's value once its type is right: returns the value, or raises
    ValueError saying what was expected."""

    def __init__(self, check: Callable[[Any], Any]) -> None:
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __repr__(self) -> str:
        return f"After({self.check.__name__})"
