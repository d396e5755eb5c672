"""The skills-sponsorship estimate (mécénat de compétences): one pure function.

The tax rule (article 238 bis of the French tax code, as the programme's guide puts
it): the deduction is 60 % of the value given, here the loaded salary cost of the
time employees spent, within the limit of 20 000 EUR or 0.5 % of the annual revenue
when that is higher. Figures are exact decimals, rounded to the cent at the end, and
every one the estimate used is returned so a partner can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATE = Decimal("0.60")
FLOOR_CAP_EUR = Decimal("20000")
REVENUE_SHARE = Decimal("0.005")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Convention:
    """The figures of a signed sponsorship convention the estimate needs."""

    hourly_loaded_cost_eur: Decimal
    annual_revenue_eur: Decimal | None = None


@dataclass(frozen=True)
class SponsorshipEstimate:
    """The deduction and every figure it came from (amounts in euros)."""

    hours: Decimal
    hourly_loaded_cost_eur: Decimal
    base_eur: Decimal  # hours × hourly loaded cost
    rate: Decimal
    deduction_before_cap_eur: Decimal
    floor_cap_eur: Decimal
    revenue_cap_eur: Decimal | None  # 0.5 % of the annual revenue, when known
    cap_eur: Decimal  # the higher of the two
    capped: bool
    deduction_eur: Decimal


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def sponsorship_estimate(minutes: int, convention: Convention | None) -> SponsorshipEstimate | None:
    """The deduction for ``minutes`` of interventions under ``convention``.

    No convention, no deduction: None. Minutes rather than hours keep the product
    exact (20 minutes is not a finite decimal number of hours).
    """
    if convention is None:
        return None
    cost = convention.hourly_loaded_cost_eur
    base = _cents(Decimal(minutes) * cost / 60)
    before_cap = _cents(base * RATE)
    revenue_cap = (
        _cents(convention.annual_revenue_eur * REVENUE_SHARE)
        if convention.annual_revenue_eur is not None
        else None
    )
    cap = max(FLOOR_CAP_EUR, revenue_cap) if revenue_cap is not None else FLOOR_CAP_EUR
    capped = before_cap > cap
    return SponsorshipEstimate(
        hours=_cents(Decimal(minutes) / 60),
        hourly_loaded_cost_eur=cost,
        base_eur=base,
        rate=RATE,
        deduction_before_cap_eur=before_cap,
        floor_cap_eur=FLOOR_CAP_EUR,
        revenue_cap_eur=revenue_cap,
        cap_eur=cap,
        capped=capped,
        deduction_eur=cap if capped else before_cap,
    )
