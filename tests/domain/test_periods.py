"""Accounting period rules: monthly periods parsed from YYYY-MM, ordered, with a first day and a next period."""

from __future__ import annotations

from datetime import date

import pytest

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.periods import Period


def test_parse_reads_year_and_month() -> None:
    assert Period.parse("2024-03") == Period(2024, 3)


def test_parse_accepts_a_single_digit_month_and_surrounding_space() -> None:
    assert Period.parse(" 2024-3 ") == Period(2024, 3)


@pytest.mark.parametrize("text", ["2024-00", "2024-13", "24-01", "2024/01", "2024-01-01", "", "januar", "2024-"])
def test_parse_refuses_anything_but_yyyy_mm(text: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Period.parse(text)
    assert info.value.field == "period"


def test_str_is_zero_padded_yyyy_mm() -> None:
    assert str(Period(2024, 3)) == "2024-03"


def test_str_and_parse_round_trip() -> None:
    for month in range(1, 13):
        p = Period(2024, month)
        assert Period.parse(str(p)) == p


def test_period_of_a_date() -> None:
    assert Period.of(date(2024, 2, 29)) == Period(2024, 2)


def test_first_day_is_the_first_of_the_month() -> None:
    assert Period(2024, 2).first_day() == date(2024, 2, 1)


def test_next_within_a_year() -> None:
    assert Period(2024, 1).next() == Period(2024, 2)
    assert Period(2024, 11).next() == Period(2024, 12)


def test_next_of_december_is_january_next_year() -> None:
    assert Period(2024, 12).next() == Period(2025, 1)


def test_twelve_nexts_make_a_year() -> None:
    p = Period(2023, 7)
    for _ in range(12):
        p = p.next()
    assert p == Period(2024, 7)


def test_periods_are_ordered_by_year_then_month() -> None:
    assert Period(2023, 12) < Period(2024, 1) < Period(2024, 2)
    assert sorted([Period(2024, 2), Period(2023, 12), Period(2024, 1)]) == [
        Period(2023, 12), Period(2024, 1), Period(2024, 2)]


def test_periods_are_hashable_values() -> None:
    assert {Period(2024, 1), Period.parse("2024-01")} == {Period(2024, 1)}


@pytest.mark.parametrize("text", ["２０２６-01", "0000-01", "2026-٣"])
def test_periods_are_ascii_digits_and_year_one_or_later(text: str) -> None:
    with pytest.raises(ValidationFailed):
        Period.parse(text)
