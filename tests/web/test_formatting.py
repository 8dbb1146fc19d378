"""Amounts and dates the Norwegian way in bokmål, the English way in English — from Decimal, never float."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.money import MoneyError
from reskontro.web.formatting import amount, amount_formatter, bank_account, day, integer, moment, org_number
from reskontro.web.forms import parse_amount

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.mark.parametrize(("value", "nb", "en"), [
    (Decimal("1234.50"), f"1{NBSP}234,50", "1,234.50"),
    (Decimal("-1234.50"), f"{MINUS}1{NBSP}234,50", "-1,234.50"),
    (Decimal("0.00"), "0,00", "0.00"),
    (Decimal("-0.00"), "0,00", "0.00"),
    (Decimal("1234567890123.45"), f"1{NBSP}234{NBSP}567{NBSP}890{NBSP}123,45", "1,234,567,890,123.45"),
    (Decimal("0.05"), "0,05", "0.05"),
    (Decimal("1500"), f"1{NBSP}500", "1,500"),  # JPY: no decimals, none added
    (Decimal("12.345"), "12,345", "12.345"),  # a currency with three decimals keeps them
])
def test_amounts_are_grouped_with_a_decimal_comma_and_a_real_minus_in_bokmal(value: Decimal, nb: str,
                                                                              en: str) -> None:
    assert amount(value, "nb") == nb
    assert amount(value, "en") == en


def test_amounts_can_be_padded_to_a_number_of_decimals_but_are_never_rounded() -> None:
    assert amount(Decimal("50000"), "nb", places=2) == f"50{NBSP}000,00"
    assert amount(Decimal("1.005"), "en", places=2) == "1.005"
    assert amount(None, "nb") == ""


def test_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        amount(1234.5, "nb")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an amount"):
        amount(Decimal("NaN"), "nb")


def test_dates_are_day_month_year_in_bokmal_and_iso_in_english() -> None:
    assert day(date(2026, 12, 31), "nb") == "31.12.2026"
    assert day(date(2026, 1, 5), "nb") == "05.01.2026"
    assert day(date(2026, 12, 31), "en") == "2026-12-31"
    assert day(None, "nb") == ""


def test_timestamps_are_shown_in_norwegian_time() -> None:
    assert moment(datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "nb") == "01.07.2026 00:30"  # CEST, UTC+2
    assert moment(datetime(2026, 1, 15, 8, 0, tzinfo=UTC), "en") == "2026-01-15 09:00"  # CET, UTC+1
    naive = datetime(2026, 1, 15, 8, 0, tzinfo=UTC).replace(tzinfo=None)  # as SQLite hands a stored UTC time back
    assert moment(naive, "nb") == "15.01.2026 09:00"


def test_counts_and_identifiers() -> None:
    assert integer(12345, "nb") == f"12{NBSP}345"
    assert integer(12345, "en") == "12,345"
    assert org_number("923456783") == "923 456 783"
    assert org_number("123") == "123"
    assert bank_account("15031234562") == "1503.12.34562"
    assert bank_account("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("1 234,50", "nb", "1234.50"),
    (f"1{NBSP}234,50", "nb", "1234.50"),
    ("1.234,50", "nb", "1234.50"),
    ("50.000", "nb", "50000"),
    ("1.234.567", "nb", "1234567"),
    ("1234.50", "nb", "1234.50"),
    (f"{MINUS}50", "nb", "-50"),
    ("1,234.50", "en", "1234.50"),
    ("1,234", "en", "1234"),
    ("1234.5", "en", "1234.5"),
    ("1.234,50", "en", "1234.50"),
])
def test_amounts_typed_by_a_person_are_read_exactly(text: str, lang: str, expected: str) -> None:
    value = parse_amount(text, lang)
    assert isinstance(value, Decimal) and value == Decimal(expected)


def test_text_that_is_not_an_amount_is_refused() -> None:
    with pytest.raises(MoneyError):
        parse_amount("tusen", "nb")


@given(st.integers(min_value=0, max_value=6).flatmap(
    lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places, min_value=-10**12,
                               max_value=10**12))
       | st.integers(min_value=-10**15, max_value=10**15))
@settings(max_examples=300, deadline=None)
def test_the_fast_formatter_of_report_tables_writes_exactly_what_amount_writes(value: Decimal | int) -> None:
    for lang in ("nb", "en"):
        assert amount_formatter(lang)(value) == amount(value, lang)


def test_the_fast_formatter_refuses_floats_like_amount_does() -> None:
    with pytest.raises(TypeError):
        amount_formatter("nb")(1.5)  # type: ignore[arg-type]
    assert amount_formatter("nb")(None) == ""
