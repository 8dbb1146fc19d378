"""Dated legal rates and late-payment interest (forsinkelsesrente), to the øre."""

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.legal_rates import DEFAULT_RATES, DatedRate, RateKind, RateTable, balances, late_interest

RATES = RateTable(DEFAULT_RATES)


def test_the_rate_of_a_day_is_the_latest_row_on_or_before_it() -> None:
    assert RATES.at(RateKind.INKASSOSATS, date(2025, 12, 31)).value == Decimal(700)
    assert RATES.at(RateKind.INKASSOSATS, date(2026, 1, 1)).value == Decimal(750)
    assert RATES.at(RateKind.REMINDER_FEE_FRACTION, date(2020, 9, 30)).value == Decimal("0.10")
    assert RATES.at(RateKind.REMINDER_FEE_FRACTION, date(2020, 10, 1)).value == Decimal("0.05")


def test_a_day_before_every_row_is_named_in_the_error() -> None:
    with pytest.raises(NotFound, match="no late_interest rate is valid on 2021-12-31"):
        RATES.at(RateKind.LATE_INTEREST, date(2021, 12, 31))


def test_rows_are_refused_when_negative_a_fraction_above_one_or_two_on_one_day() -> None:
    with pytest.raises(ValidationFailed, match="negative"):
        DatedRate(RateKind.INKASSOSATS, date(2026, 1, 1), Decimal(-1))
    with pytest.raises(ValidationFailed, match="fraction"):
        DatedRate(RateKind.REMINDER_FEE_FRACTION, date(2026, 1, 1), Decimal(2))
    with pytest.raises(ValidationFailed, match="two inkassosats rates from 2026-01-01"):
        RateTable([DatedRate(RateKind.INKASSOSATS, date(2026, 1, 1), Decimal(1)),
                   DatedRate(RateKind.INKASSOSATS, date(2026, 1, 1), Decimal(2))])


def test_simple_interest_per_day_on_the_open_balance() -> None:
    # 10 000 due 15 Jan 2026, 30 days at 12.00 %: 10 000 × 0.12 × 30 / 365 = 98.630… → 98.63
    calc = late_interest(original=Decimal(10000), allocations=(), start=date(2026, 1, 16), end=date(2026, 2, 14),
                         rates=RATES, currency="NOK")
    assert calc.amount == Decimal("98.63")
    assert calc.days == 30


def test_interest_splits_at_the_half_year_rate_change() -> None:
    # 10 days at 12.50 % (21–30 June 2025) and 10 at 12.25 % (1–10 July): 10 000 × 2.475 / 365 = 67.808… → 67.81
    calc = late_interest(original=Decimal(10000), allocations=(), start=date(2025, 6, 21), end=date(2025, 7, 10),
                         rates=RATES, currency="NOK")
    assert [(p.rate, p.days) for p in calc.pieces] == [(Decimal("12.50"), 10), (Decimal("12.25"), 10)]
    assert calc.amount == Decimal("67.81")


def test_a_part_payment_lowers_the_balance_from_the_next_day() -> None:
    # 1 000 from 1 Feb; 400 paid on 10 Feb: 10 days on 1 000 (1–10 Feb), then 18 days on 600 (11–28 Feb)
    calc = late_interest(original=Decimal(1000), allocations=((date(2026, 2, 10), Decimal(400)),),
                         start=date(2026, 2, 1), end=date(2026, 2, 28), rates=RATES, currency="NOK")
    assert [(p.balance, p.days) for p in calc.pieces] == [(Decimal(1000), 10), (Decimal(600), 18)]
    expected = (Decimal(1000) * 10 + Decimal(600) * 18) * Decimal("0.12") / 365
    assert calc.amount == expected.quantize(Decimal("0.01"))


def test_disputed_days_bear_no_interest() -> None:
    calc = late_interest(original=Decimal(1000), allocations=(), start=date(2026, 3, 1), end=date(2026, 3, 31),
                         rates=RATES, currency="NOK", paused=((date(2026, 3, 11), date(2026, 3, 20)),))
    assert calc.days == 21
    assert calc.paused_days == 10


def test_a_half_year_without_its_own_row_carries_the_last_rate_and_says_so() -> None:
    calc = late_interest(original=Decimal(1000), allocations=(), start=date(2026, 6, 1), end=date(2026, 7, 31),
                         rates=RATES, currency="NOK")
    assert [(p.start, p.carried) for p in calc.pieces] == [(date(2026, 6, 1), False), (date(2026, 7, 1), True)]


def test_nothing_is_charged_once_paid_and_an_unmatch_restores_the_balance() -> None:
    assert balances(Decimal(100), [(date(2026, 1, 2), Decimal(100)), (date(2026, 1, 5), Decimal(-100))]) == [
        (date(2026, 1, 2), Decimal(0)), (date(2026, 1, 5), Decimal(100))]
    calc = late_interest(original=Decimal(1000), allocations=((date(2026, 1, 1), Decimal(1000)),),
                         start=date(2026, 1, 2), end=date(2026, 3, 1), rates=RATES, currency="NOK")
    assert calc.amount == 0
