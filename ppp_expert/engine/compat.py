"""Compatibility shims that must run before experta is imported.

experta 1.9.4 pins frozendict 1.2, which still imports ``collections.Mapping`` (removed in
Python 3.10). Aliasing it to ``collections.abc.Mapping`` lets the pinned version import.
experta also calls ``logging.basicConfig()`` at import time; the CLI owns logging, so the
root logger's handlers are restored afterwards.

In the package only ``experta_seam`` imports this module (and through it experta); everything
else imports experta's names from the seam.
"""

from __future__ import annotations

import collections
import collections.abc
import logging
from types import ModuleType

if not hasattr(collections, "Mapping"):
    collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]


def import_experta() -> ModuleType:
    """Import experta without letting it configure the root logger."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    import experta  # noqa: WPS433 (import here on purpose)

    root.handlers[:] = handlers
    return experta


experta = import_experta()
