"""Money rules: exact Decimal amounts, one currency per amount, half-up rounding, minor-unit conversion."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.money import (
    Money,
    MoneyError,
    check_currency,
    exponent,
    from_minor,
    round_money,
    to_decimal,
    to_minor,
)

# --- parsing amounts -------------------------------------------------------------------------------


def test_floats_are_refused_as_amounts() -> None:
    with pytest.raises(MoneyError, match="float"):
        to_decimal(0.1)  # type: ignore[arg-type]


def test_floats_are_refused_by_money_of() -> None:
    with pytest.raises(MoneyError):
        Money.of(12.5, "NOK")  # type: ignore[arg-type]


def test_floats_are_refused_by_the_money_constructor() -> None:
    with pytest.raises(MoneyError):
        Money(1.5, "NOK")  # type: ignore[arg-type]


def test_booleans_are_refused_as_amounts() -> None:
    with pytest.raises(MoneyError):
        to_decimal(True)


def test_int_string_and_decimal_are_accepted_exactly() -> None:
    assert to_decimal(12) == Decimal(12)
    assert to_decimal("12.345") == Decimal("12.345")
    assert to_decimal(Decimal("0.10")) == Decimal("0.10")


@pytest.mark.parametrize("text", ["abc", "", "12,50", "1.2.3"])
def test_text_that_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(MoneyError, match="not a number"):
        to_decimal(text)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amounts_are_refused(value: str | Decimal) -> None:
    with pytest.raises(MoneyError, match="not finite"):
        to_decimal(value)


def test_money_of_accepts_spaces_as_thousands_separators() -> None:
    assert Money.of("1 234.50", "NOK").amount == Decimal("1234.50")


def test_money_of_accepts_non_breaking_spaces_as_thousands_separators() -> None:
    assert Money.of("1\u00a0234\u00a0567.50", "NOK").amount == Decimal("1234567.50")


def test_money_of_strips_surrounding_whitespace() -> None:
    assert Money.of("  99.90 ", "NOK").amount == Decimal("99.90")


def test_money_of_rounds_to_the_currency_minor_unit_half_up() -> None:
    assert Money.of("10.005", "NOK").amount == Decimal("10.01")
    assert Money.of("10.5", "JPY").amount == Decimal(11)
    assert Money.of("1.0005", "KWD").amount == Decimal("1.001")


def test_money_of_pads_to_the_currency_minor_unit() -> None:
    assert str(Money.of(5, "NOK").amount) == "5.00"
    assert str(Money.of(5, "KWD").amount) == "5.000"
    assert str(Money.of(5, "JPY").amount) == "5"


def test_money_of_normalises_the_currency_code_to_upper_case() -> None:
    assert Money.of("1", " nok ").currency == "NOK"


# --- currency codes --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["NO", "NOKK", "", "N1K", "ÆØÅ", "12 "])
def test_currency_must_be_a_three_letter_ascii_code(code: str) -> None:
    with pytest.raises(MoneyError, match="ISO 4217"):
        check_currency(code)


def test_money_refuses_an_invalid_currency() -> None:
    with pytest.raises(MoneyError):
        Money.of("1", "KRONER")


def test_currency_exponent_is_two_for_nok() -> None:
    assert exponent("NOK") == 2


def test_currency_exponent_is_zero_for_jpy() -> None:
    assert exponent("JPY") == 0


def test_currency_exponent_is_three_for_kwd() -> None:
    assert exponent("KWD") == 3


def test_unlisted_currencies_have_two_decimals() -> None:
    assert exponent("EUR") == 2
    assert exponent("SEK") == 2


# --- rounding --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "NOK", "2.35"),
        ("2.344", "NOK", "2.34"),
        ("-2.345", "NOK", "-2.35"),
        ("0.125", "EUR", "0.13"),
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("1.2345", "KWD", "1.235"),
    ],
)
def test_round_money_rounds_half_up_away_from_zero(amount: str, currency: str, expected: str) -> None:
    result = round_money(Decimal(amount), currency)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_round_money_uses_another_mode_when_one_is_named() -> None:
    assert round_money(Decimal("2.345"), "NOK", ROUND_HALF_EVEN) == Decimal("2.34")
    assert round_money(Decimal("2.5"), "JPY", ROUND_HALF_EVEN) == Decimal(2)


# --- minor units -----------------------------------------------------------------------------------


def test_to_minor_gives_whole_ore_for_nok() -> None:
    assert to_minor(Decimal("1234.50"), "NOK") == 123450
    assert to_minor(Decimal("-0.01"), "NOK") == -1


def test_to_minor_uses_the_currency_exponent() -> None:
    assert to_minor(Decimal(1500), "JPY") == 1500
    assert to_minor(Decimal("1.234"), "KWD") == 1234


def test_to_minor_accepts_trailing_zeros_beyond_the_minor_unit() -> None:
    assert to_minor(Decimal("10.5000"), "NOK") == 1050


def test_to_minor_refuses_more_decimals_than_the_currency_has() -> None:
    with pytest.raises(MoneyError, match="more decimals"):
        to_minor(Decimal("10.005"), "NOK")


def test_to_minor_refuses_any_decimals_for_jpy() -> None:
    with pytest.raises(MoneyError):
        to_minor(Decimal("1.5"), "JPY")


def test_from_minor_gives_the_currency_number_of_decimals() -> None:
    assert str(from_minor(123450, "NOK")) == "1234.50"
    assert str(from_minor(-1, "NOK")) == "-0.01"
    assert str(from_minor(5, "KWD")) == "0.005"
    assert str(from_minor(1500, "JPY")) == "1500"
    assert str(from_minor(0, "NOK")) == "0.00"


def test_money_minor_and_from_minor_are_inverse() -> None:
    money = Money.from_minor(123450, "nok")
    assert money == Money.of("1234.50", "NOK")
    assert money.minor == 123450


def test_money_minor_refuses_an_amount_finer_than_the_minor_unit() -> None:
    with pytest.raises(MoneyError):
        _ = Money(Decimal("0.001"), "NOK").minor


@settings(max_examples=200)
@given(minor=st.integers(min_value=-(10**15), max_value=10**15), currency=st.sampled_from(["NOK", "JPY", "KWD", "EUR"]))
def test_to_minor_and_from_minor_round_trip(minor: int, currency: str) -> None:
    amount = from_minor(minor, currency)
    assert to_minor(amount, currency) == minor
    assert amount.as_tuple().exponent == -exponent(currency)


@settings(max_examples=200)
@given(amount=st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_nok_amounts_round_trip_through_minor_units(amount: Decimal) -> None:
    assert from_minor(to_minor(amount, "NOK"), "NOK") == amount


# --- arithmetic ------------------------------------------------------------------------------------


def test_adding_and_subtracting_in_one_currency() -> None:
    a, b = Money.of("100.10", "NOK"), Money.of("0.90", "NOK")
    assert a + b == Money.of("101.00", "NOK")
    assert a - b == Money.of("99.20", "NOK")


def test_negation_and_absolute_value() -> None:
    m = Money.of("12.50", "NOK")
    assert -m == Money.of("-12.50", "NOK")
    assert abs(-m) == m


def test_adding_across_currencies_raises() -> None:
    with pytest.raises(MoneyError, match=r"NOK.*EUR"):
        _ = Money.of(1, "NOK") + Money.of(1, "EUR")


def test_subtracting_across_currencies_raises() -> None:
    with pytest.raises(MoneyError):
        _ = Money.of(1, "NOK") - Money.of(1, "EUR")


def test_comparing_across_currencies_raises() -> None:
    with pytest.raises(MoneyError):
        _ = Money.of(1, "NOK") < Money.of(2, "EUR")
    with pytest.raises(MoneyError):
        _ = Money.of(1, "NOK") <= Money.of(2, "EUR")


def test_combining_money_with_a_plain_number_raises_type_error() -> None:
    with pytest.raises(TypeError):
        _ = Money.of(1, "NOK") + Decimal(1)  # type: ignore[operator]


def test_comparison_within_one_currency() -> None:
    small, big = Money.of(1, "NOK"), Money.of(2, "NOK")
    assert small < big
    assert small <= small
    assert big > small
    assert not big < small


def test_zero_money_is_falsy_and_other_amounts_truthy() -> None:
    assert not Money.zero("NOK")
    assert Money.of("0.01", "NOK")
    assert Money.zero("JPY").amount == Decimal(0)


def test_money_prints_amount_then_currency() -> None:
    assert str(Money.of("1234.5", "NOK")) == "1234.50 NOK"


def test_money_is_immutable() -> None:
    m = Money.of(1, "NOK")
    with pytest.raises(AttributeError):
        m.amount = Decimal(2)  # type: ignore[misc]
