"""Organisation number rules: nine digits with a MOD11 check digit, compacted and printed in groups of three."""

from __future__ import annotations

import doctest

import pytest

from reskontro.identifiers import orgnr

VALID = ["923456783", "934567897", "812345672", "960000013", "123456785", "987654325"]


def test_module_doctests_pass() -> None:
    result = doctest.testmod(orgnr)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("number", VALID)
def test_known_good_org_numbers_validate(number: str) -> None:
    assert orgnr.is_valid(number)
    assert orgnr.validate(number) == number


def test_wrong_check_digit_is_invalid() -> None:
    assert not orgnr.is_valid("923456784")
    with pytest.raises(orgnr.ValidationError):
        orgnr.validate("923456784")


def test_validate_returns_the_compact_number() -> None:
    assert orgnr.validate(" 923 456 783 ") == "923456783"


def test_compact_removes_spaces() -> None:
    assert orgnr.compact("923 456 783") == "923456783"


def test_format_groups_by_three() -> None:
    assert orgnr.format("923456783") == "923 456 783"


@pytest.mark.parametrize("number", ["92345678", "9234567830", ""])
def test_org_number_must_be_nine_digits(number: str) -> None:
    assert not orgnr.is_valid(number)
    with pytest.raises(orgnr.ValidationError):
        orgnr.validate(number)


def test_org_number_with_letters_is_invalid() -> None:
    with pytest.raises(orgnr.ValidationError):
        orgnr.validate("92345678A")
