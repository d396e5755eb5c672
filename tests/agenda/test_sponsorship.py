"""The skills-sponsorship estimate: 60 % of the time's loaded cost, within the legal cap."""

from __future__ import annotations

from decimal import Decimal

from services.agenda.domain.sponsorship import Convention, sponsorship_estimate

HOUR = 60


def test_below_the_cap_the_deduction_is_sixty_percent_of_the_loaded_cost() -> None:
    estimate = sponsorship_estimate(
        10 * HOUR, Convention(Decimal("50"), annual_revenue_eur=Decimal("1000000"))
    )

    assert estimate is not None
    assert estimate.hours == Decimal("10.00")
    assert estimate.base_eur == Decimal("500.00")
    assert estimate.deduction_before_cap_eur == Decimal("300.00")
    assert estimate.revenue_cap_eur == Decimal("5000.00")
    assert estimate.cap_eur == Decimal("20000")
    assert estimate.capped is False
    assert estimate.deduction_eur == Decimal("300.00")


def test_capped_at_20000_euros_when_half_a_percent_of_revenue_is_lower() -> None:
    # 1,000 h × 50 € = 50,000 €; 60 % = 30,000 €; 0.5 % of 2 M€ = 10,000 € < 20,000 €.
    estimate = sponsorship_estimate(
        1000 * HOUR, Convention(Decimal("50"), annual_revenue_eur=Decimal("2000000"))
    )

    assert estimate is not None
    assert estimate.deduction_before_cap_eur == Decimal("30000.00")
    assert estimate.revenue_cap_eur == Decimal("10000.00")
    assert (estimate.cap_eur, estimate.capped) == (Decimal("20000"), True)
    assert estimate.deduction_eur == Decimal("20000")


def test_capped_at_half_a_percent_of_revenue_when_that_is_higher() -> None:
    # 2,000 h × 60 € = 120,000 €; 60 % = 72,000 €; 0.5 % of 10 M€ = 50,000 € > 20,000 €.
    estimate = sponsorship_estimate(
        2000 * HOUR, Convention(Decimal("60"), annual_revenue_eur=Decimal("10000000"))
    )

    assert estimate is not None
    assert estimate.base_eur == Decimal("120000.00")
    assert estimate.deduction_before_cap_eur == Decimal("72000.00")
    assert (estimate.cap_eur, estimate.capped) == (Decimal("50000.00"), True)
    assert estimate.deduction_eur == Decimal("50000.00")


def test_without_a_known_revenue_the_cap_is_20000_euros() -> None:
    estimate = sponsorship_estimate(1000 * HOUR, Convention(Decimal("50")))

    assert estimate is not None
    assert (estimate.revenue_cap_eur, estimate.cap_eur) == (None, Decimal("20000"))
    assert estimate.deduction_eur == Decimal("20000")


def test_minutes_are_valued_exactly_to_the_cent() -> None:
    # 20 minutes at 45 €/h: 15 € (a third of an hour has no finite decimal form).
    estimate = sponsorship_estimate(20, Convention(Decimal("45")))

    assert estimate is not None
    assert (estimate.base_eur, estimate.deduction_eur) == (Decimal("15.00"), Decimal("9.00"))
    assert estimate.hours == Decimal("0.33")


def test_no_convention_no_deduction() -> None:
    assert sponsorship_estimate(10 * HOUR, None) is None
