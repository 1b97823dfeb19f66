"""The figures of a business case, as a case file states them (the optional ``finance`` block).

Every amount is the case's own: nothing is estimated or filled in. Amounts are in one currency
(an ISO 4217 code) and one unit (``million`` unless the file says otherwise). A bad figure is a
one-line error naming the file and the field, like every other case-file error.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ppp_expert.cases.currencies import CURRENCIES
from ppp_expert.errors import CaseError, echoed, echoed_key
from ppp_expert.kb.sources import suggest

UNITS = ("one", "thousand", "million", "billion")
FINANCE_KEYS = ("currency", "unit", "capital_cost", "annual_payments", "budget_envelope",
                "public_sector_comparator", "market_estimate", "contingent_liabilities", "usd_rate", "source")
#: How many of the unit each unit word stands for.
UNIT_FACTORS = {"one": 1.0, "thousand": 1e3, "million": 1e6, "billion": 1e9}
#: A dearer currency than any (one unit for over 10,000 US$) is a typing error.
LARGEST_RATE = 1e4
YEARS = (1900, 2200)
#: Far above any public budget in any unit; a larger figure is a typing error.
LARGEST = 1e15


@dataclass(frozen=True, kw_only=True)
class Liability:
    """A guarantee or other contingent liability the authority would carry."""

    title: str
    amount: Optional[float] = None  # None: the exposure is named but not quantified


@dataclass(frozen=True, kw_only=True)
class Finance:
    """The case's figures; every field optional except the currency once any amount is given.

    Plain data, checked field by field by ``finance_from_data`` (amounts made floats there)."""

    currency: str
    unit: str = "million"
    capital_cost: Optional[float] = None
    annual_payments: dict[int, float] = field(default_factory=dict)
    budget_envelope: dict[int, float] = field(default_factory=dict)
    public_sector_comparator: Optional[float] = None
    market_estimate: Optional[float] = None
    contingent_liabilities: tuple[Liability, ...] = ()
    #: US dollars per one unit of ``currency``, at the rate the business case uses (nothing is looked
    #: up: rates move, and the case's own rate is the one its figures were made with).
    usd_rate: Optional[float] = None
    source: str = ""

    def capital_cost_musd(self) -> Optional[float]:
        """The capital cost in US$ millions, the unit of the screening thresholds; None when the
        figures give no capital cost, or no rate for a currency other than the dollar."""
        rate = 1.0 if self.currency == "USD" else self.usd_rate
        if self.capital_cost is None or rate is None:
            return None
        return round(self.capital_cost * UNIT_FACTORS[self.unit] * rate / 1e6, 3)


def finance_from_data(raw: Any, where: str) -> Optional[Finance]:
    """Check the ``finance`` block of a case file; None when the file has none."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise CaseError(f"expected a mapping with {', '.join(FINANCE_KEYS)}, got {type(raw).__name__}",
                        path=where, field="finance")
    for key in raw:
        if key not in FINANCE_KEYS:
            raise CaseError(f"unknown key{suggest(str(key), FINANCE_KEYS)}; expected {', '.join(FINANCE_KEYS)}",
                            path=where, field=f"finance.{echoed_key(key)}")
    currency = raw.get("currency")
    if not isinstance(currency, str) or currency not in CURRENCIES:
        hint = suggest(currency.upper(), CURRENCIES) if isinstance(currency, str) else ""
        got = "nothing" if currency is None else echoed(currency)
        raise CaseError(f"expected an ISO 4217 currency code such as EUR, USD or GBP{hint}, got {got}",
                        path=where, field="finance.currency")
    unit = raw.get("unit", "million")
    if unit not in UNITS:
        raise CaseError(f"expected one of {', '.join(UNITS)}, got {echoed(unit)}", path=where, field="finance.unit")
    source = _text(raw.get("source", ""), where, "finance.source")
    return Finance(
        currency=currency, unit=unit, source=source,
        capital_cost=_amount(raw.get("capital_cost"), where, "finance.capital_cost"),
        annual_payments=_by_year(raw.get("annual_payments"), where, "finance.annual_payments"),
        budget_envelope=_by_year(raw.get("budget_envelope"), where, "finance.budget_envelope"),
        public_sector_comparator=_amount(raw.get("public_sector_comparator"), where,
                                         "finance.public_sector_comparator"),
        market_estimate=_amount(raw.get("market_estimate"), where, "finance.market_estimate"),
        contingent_liabilities=_liabilities(raw.get("contingent_liabilities"), where),
        usd_rate=_rate(raw.get("usd_rate"), where),
    )


def _rate(value: Any, where: str) -> Optional[float]:
    """US dollars per one unit of the currency: a number above 0 and at most 10,000."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= LARGEST_RATE:
        raise CaseError(f"expected US dollars per one unit of the currency, a number above 0 and at most "
                        f"{LARGEST_RATE:,.0f} (e.g. 1.27 for GBP), got {echoed(value)}", path=where,
                        field="finance.usd_rate")
    return float(value)


def _amount(value: Any, where: str, field: str, required: bool = False) -> Optional[float]:
    """A non-negative finite number in the case's unit; None (or ``unknown``) when not given."""
    if (value is None or value == "unknown") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= LARGEST:
        raise CaseError(f"expected an amount from 0 to {LARGEST:g} in the case's currency and unit, "
                        f"got {echoed(value)}", path=where, field=field)
    return float(value)


def _by_year(raw: Any, where: str, field: str) -> dict[int, float]:
    """``{2026: 120, 2027: 135}``: a whole year from 1900 to 2200 to an amount."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CaseError(f"expected a mapping of year to amount such as {{2026: 120}}, got {type(raw).__name__}",
                        path=where, field=field)
    out: dict[int, float] = {}
    for key, value in raw.items():
        year = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else key
        if isinstance(year, bool) or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
            raise CaseError(f"expected a year from {YEARS[0]} to {YEARS[1]}, got {echoed(key)}", path=where,
                            field=f"{field}.{echoed_key(key)}")
        if year in out:
            raise CaseError("the year is given twice; expected each year once", path=where,
                            field=f"{field}.{year}")
        amount = _amount(value, where, f"{field}.{year}", required=True)
        assert amount is not None
        out[year] = amount
    return dict(sorted(out.items()))


def _liabilities(raw: Any, where: str) -> tuple[Liability, ...]:
    """A list of ``{title, amount}``; the amount may be left out (named, not yet quantified)."""
    field = "finance.contingent_liabilities"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CaseError(f"expected a list of {{title, amount}}, got {type(raw).__name__}", path=where, field=field)
    out = []
    for i, item in enumerate(raw):
        at = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            raise CaseError(f"expected a mapping with title and amount, got {type(item).__name__}", path=where,
                            field=at)
        for key in item:
            if key not in ("title", "amount"):
                raise CaseError("unknown key; expected title, amount", path=where, field=f"{at}.{echoed_key(key)}")
        title = _text(item.get("title"), where, f"{at}.title")
        if not title.strip():
            raise CaseError("is empty; expected text naming the liability", path=where, field=f"{at}.title")
        out.append(Liability(title=title, amount=_amount(item.get("amount"), where, f"{at}.amount")))
    return tuple(out)


def _text(value: Any, where: str, field: str) -> str:
    """Text shown in the memo: no control characters (an escape sequence would reach a terminal)."""
    if value is None:
        raise CaseError("is missing; expected text", path=where, field=field)
    if not isinstance(value, str):
        raise CaseError(f"expected text, got {type(value).__name__}", path=where, field=field)
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n" for c in value):
        raise CaseError("contains a control character; expected plain text", path=where, field=field)
    return value
