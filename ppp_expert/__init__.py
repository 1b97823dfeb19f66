"""ppp-expert: a rule-based expert system for technology public-private partnerships.

Exports are loaded lazily so that ``ppp-expert --help`` does not pay for pydantic and experta.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Advice": "advice.contract", "evaluate": "api", "default_kb": "kb.loader", "Case": "cases.case",
    "load_case": "cases.case", "CaseError": "errors", "KnowledgeBaseError": "errors",
    "PPPExpertError": "errors", "KnowledgeBase": "kb.knowledge_base", "load_kb": "kb.loader",
}
__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'ppp_expert' has no attribute {name!r}")
