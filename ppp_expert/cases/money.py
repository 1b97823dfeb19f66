"""Amounts of money as officials type them: "18 million", "$18m", "US$ 1.2bn", "750k", "18,000,000".

A question whose id ends in ``_musd`` is answered in US$ millions. Typed amounts are converted to
that unit and the conversion is said back, so "1.2bn" can never be read as 1.2 (million).
"""

from __future__ import annotations

import re

MILLIONS_SUFFIX = "_musd"
_SCALES = {
    "": None, "k": 1e-3, "thousand": 1e-3, "m": 1.0, "mn": 1.0, "mio": 1.0, "million": 1.0, "millions": 1.0,
    "b": 1e3, "bn": 1e3, "billion": 1e3, "billions": 1e3,
}
_AMOUNT = re.compile(
    r"^(?:us\s*\$|usd|\$)?\s*(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*"
    r"(?P<scale>k|thousand|m|mn|mio|millions?|b|bn|billions?)?\s*(?:us\s*dollars?|usd|dollars?)?$",
    re.IGNORECASE,
)


def is_money(question_id: str) -> bool:
    return question_id.endswith(MILLIONS_SUFFIX)


class AmbiguousAmount(ValueError):
    """An amount whose unit cannot be told (``$250``: dollars or millions?)."""


def parse_millions(text: str) -> tuple[float, str] | None:
    """(amount in US$ millions, how it was read) or None when ``text`` is not an amount.

    A bare number is already in millions (the question's unit); a scale word converts
    (k, m, bn ...). With a currency but no scale word, only a full dollar figure (a million or
    more, "$18,000,000") is clear; "$250" raises ``AmbiguousAmount``.
    """
    match = _AMOUNT.match(text.strip())
    if not match:
        return None
    number = float(match.group("number").replace(",", ""))
    scale = (match.group("scale") or "").lower()
    has_currency = bool(re.match(r"^\s*(us\s*\$|usd|\$)", text, re.IGNORECASE)) or bool(
        re.search(r"(dollars?|usd)\s*$", text, re.IGNORECASE))
    factor = _SCALES[scale]
    if factor is None and has_currency:
        if number < 1_000_000:
            raise AmbiguousAmount(f"'{text.strip()}': is that dollars or millions? Type e.g. {number:g}m or "
                                  f"{number:g} million")
        factor = 1e-6
    elif factor is None:
        factor = 1.0
    millions = number * factor
    return millions, f"US${_format(millions)} million"


def _format(millions: float) -> str:
    text = f"{millions:,.3f}".rstrip("0").rstrip(".")
    return text
