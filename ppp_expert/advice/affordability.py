"""The financial and affordability case, from the case's own figures only.

Payments are set against the budget envelope year by year, the public-sector comparator against
the market estimate, and guarantees and other contingent liabilities are totalled as a fiscal
commitment (as the IMF's PPP fiscal risk assessment treats them). Where a figure is absent the
section says so: nothing is estimated, interpolated or carried over from another case. Computed
here once; every memo format only lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ppp_expert.cases.finance import Finance

UNIT_WORDS = {"one": "", "thousand": " thousand", "million": " million", "billion": " billion"}


def money(finance: Finance, amount: float) -> str:
    """An amount as the memo prints it: ``EUR 1,234.5 million``."""
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{finance.currency} {text}{UNIT_WORDS[finance.unit]}"


@dataclass(frozen=True)
class YearRow:
    year: int
    payment: Optional[str]
    envelope: Optional[str]
    headroom: Optional[str]  # envelope minus payment, signed; None unless both are given
    status: str  # "within", "exceeds", "no envelope", "no payment"


@dataclass(frozen=True)
class Affordability:
    """What the memo's financial section shows; ``given`` is False when the case has no figures."""

    given: bool
    currency: str = ""
    source: str = ""
    capital_cost: Optional[str] = None
    years: tuple[YearRow, ...] = ()
    years_over: tuple[int, ...] = ()
    total_payments: Optional[str] = None
    comparator: Optional[str] = None
    estimate: Optional[str] = None
    comparison: Optional[str] = None  # the estimate against the comparator, in words
    liabilities: tuple[tuple[str, Optional[str]], ...] = ()
    liabilities_total: Optional[str] = None
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)  # where the answers and the figures disagree


def affordability(finance: Optional[Finance], answers: Mapping[str, Any]) -> Affordability:
    """The affordability view of a case's figures, and what is missing from them."""
    if finance is None:
        cost = answers.get("capital_cost_musd")
        notes = (f"The answers give a capital cost of US${cost:,g} million (capital_cost_musd); no other "
                 "figure is stated.",) if isinstance(cost, (int, float)) else ()
        return Affordability(given=False, missing=(
            "The case file states no figures (no finance block): the payments, the budget envelope, the "
            "public-sector comparator, the market estimate and the contingent liabilities are all missing, "
            "so affordability and value for money cannot be shown from figures.",), notes=notes)
    f = finance
    rows = []
    for year in sorted(set(f.annual_payments) | set(f.budget_envelope)):
        pay, env = f.annual_payments.get(year), f.budget_envelope.get(year)
        headroom = None if pay is None or env is None else env - pay
        status = ("no envelope" if env is None else "no payment" if pay is None
                  else "exceeds" if headroom is not None and headroom < 0 else "within")
        rows.append(YearRow(year, None if pay is None else money(f, pay), None if env is None else money(f, env),
                            None if headroom is None else ("+" if headroom >= 0 else "-") + money(f, abs(headroom)),
                            status))
    missing = []
    if f.capital_cost is None:
        missing.append("capital cost")
    if not f.annual_payments:
        missing.append("annual payments")
    if not f.budget_envelope:
        missing.append("budget envelope")
    elif f.annual_payments and any(r.status == "no envelope" for r in rows):
        missing.append("budget envelope for " + ", ".join(str(r.year) for r in rows if r.status == "no envelope"))
    if f.public_sector_comparator is None:
        missing.append("public-sector comparator")
    if f.market_estimate is None:
        missing.append("shadow bid or market estimate")
    if not f.contingent_liabilities and answers.get("guarantees_sought") == "yes":
        missing.append("contingent liabilities (the answers say guarantees will be sought)")
    unquantified = [x.title for x in f.contingent_liabilities if x.amount is None]
    if unquantified:
        missing.append("the amount of " + "; ".join(unquantified))
    over = tuple(r.year for r in rows if r.status == "exceeds")
    quantified = [x.amount for x in f.contingent_liabilities if x.amount is not None]
    return Affordability(
        given=True, currency=f.currency, source=f.source,
        capital_cost=None if f.capital_cost is None else money(f, f.capital_cost),
        years=tuple(rows), years_over=over,
        total_payments=money(f, sum(f.annual_payments.values())) if f.annual_payments else None,
        comparator=None if f.public_sector_comparator is None else money(f, f.public_sector_comparator),
        estimate=None if f.market_estimate is None else money(f, f.market_estimate),
        comparison=_comparison(f),
        liabilities=tuple((x.title, None if x.amount is None else money(f, x.amount))
                          for x in f.contingent_liabilities),
        liabilities_total=money(f, sum(quantified)) if quantified else None,
        missing=tuple(missing), notes=_disagreements(answers, over, f),
    )


def _comparison(f: Finance) -> Optional[str]:
    psc, bid = f.public_sector_comparator, f.market_estimate
    if psc is None or bid is None:
        return None
    if psc == 0:
        return "The comparator is zero, so the estimate cannot be compared with it as a share."
    gap = (psc - bid) / psc * 100
    if bid < psc:
        return (f"The market estimate is {money(f, psc - bid)} ({gap:.1f}%) below the public-sector comparator: "
                "on these figures the partnership offers value for money, before any adjustment for risk.")
    if bid > psc:
        return (f"The market estimate is {money(f, bid - psc)} ({-gap:.1f}%) above the public-sector comparator: "
                "on these figures public delivery costs less; the partnership must justify the premium.")
    return "The market estimate equals the public-sector comparator."


def _capital_cost_notes(answers: Mapping[str, Any], f: Finance) -> list[str]:
    """How the screening rules (thresholds in US$ millions) see the capital cost in the case's currency."""
    if f.capital_cost is None:
        return []
    musd, said = f.capital_cost_musd(), answers.get("capital_cost_musd")
    if musd is None:
        return [f"The capital cost is stated in {f.currency} without a rate to US dollars (finance.usd_rate), so "
                "the screening rules, whose thresholds are in US$ millions, do not use it"
                + (f"; they use the answer capital_cost_musd: {said:,g}." if isinstance(said, (int, float))
                   else ".")]
    if not isinstance(said, (int, float)):
        return []
    if abs(said - musd) > 0.1 * max(said, musd):
        return [f"The answers give a capital cost of US${said:,g} million (capital_cost_musd), but the figures "
                f"come to US${musd:,g} million; the screening rules use the answer."]
    if f.currency != "USD":
        return [f"The screening rules see the capital cost as US${said:,g} million ({money(f, f.capital_cost)} "
                f"at {f.usd_rate:g} US$ per {f.currency})."]
    return []


def _disagreements(answers: Mapping[str, Any], over: tuple[int, ...], f: Finance) -> tuple[str, ...]:
    """Where an answer and the figures say different things: both are shown, neither is changed."""
    notes = _capital_cost_notes(answers, f)
    said = answers.get("payments_affordable")
    if over and said == "yes":
        notes.append("The answers say the payments are affordable (payments_affordable: yes), but the "
                     f"figures exceed the envelope in {', '.join(map(str, over))}.")
    if f.annual_payments and f.budget_envelope and not over and said == "no":
        notes.append("The answers say the payments are not affordable (payments_affordable: no), but every "
                     "year with both figures stays within the envelope.")
    if f.public_sector_comparator is not None and f.market_estimate is not None:
        cheaper = f.market_estimate < f.public_sector_comparator
        vfm = answers.get("vfm_assessment")
        if vfm == "favourable" and not cheaper:
            notes.append("The answers call the value-for-money assessment favourable (vfm_assessment), but the "
                         "market estimate is not below the comparator.")
        if vfm == "unfavourable" and cheaper:
            notes.append("The answers call the value-for-money assessment unfavourable (vfm_assessment), but the "
                         "market estimate is below the comparator.")
    return tuple(notes)
