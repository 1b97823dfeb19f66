"""ppp-expert: a rule-based expert system for technology public-private partnerships."""

from __future__ import annotations

__version__ = "0.1.0"

from .advice import Advice  # noqa: E402
from .api import default_kb, evaluate  # noqa: E402
from .case import Case, load_case  # noqa: E402
from .errors import CaseError, KnowledgeBaseError, PPPExpertError  # noqa: E402
from .kb import KnowledgeBase, load_kb  # noqa: E402

__all__ = [
    "Advice", "Case", "CaseError", "KnowledgeBase", "KnowledgeBaseError", "PPPExpertError",
    "__version__", "default_kb", "evaluate", "load_case", "load_kb",
]
