"""Bank account rules: Norwegian BBAN (11 digits, MOD11), Norwegian IBAN reduced to BBAN, foreign IBAN kept, BIC."""

from __future__ import annotations

import pytest

from reskontro.identifiers import bank


def test_norwegian_bban_validates_to_itself() -> None:
    assert bank.validate_account("15031234562") == "15031234562"


def test_bban_with_dots_and_spaces_is_compacted() -> None:
    assert bank.validate_account("1503.12.34562") == "15031234562"
    assert bank.validate_account(" 1503 12 34562 ") == "15031234562"


def test_bban_with_wrong_check_digit_is_invalid() -> None:
    assert not bank.is_valid("15031234563")
    with pytest.raises(bank.ValidationError):
        bank.validate_account("15031234563")


def test_bban_of_wrong_length_is_invalid() -> None:
    assert not bank.is_valid("1503123456")


def test_norwegian_iban_is_reduced_to_its_bban() -> None:
    assert bank.validate_account("NO7215031234562") == "15031234562"


def test_norwegian_iban_in_print_form_is_reduced_to_its_bban() -> None:
    assert bank.validate_account("no72 1503 1234 562") == "15031234562"


def test_norwegian_iban_with_bad_checksum_is_invalid() -> None:
    assert not bank.is_valid("NO7315031234562")


def test_foreign_iban_stays_an_iban() -> None:
    assert bank.validate_account("DE89370400440532013000") == "DE89370400440532013000"


def test_foreign_iban_in_print_form_is_compacted_and_upper_cased() -> None:
    assert bank.validate_account("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"


def test_foreign_iban_with_bad_checksum_is_invalid() -> None:
    assert not bank.is_valid("DE89370400440532013001")


@pytest.mark.parametrize("text", ["", "XX", "not an account"])
def test_text_that_is_no_account_is_invalid(text: str) -> None:
    assert not bank.is_valid(text)


def test_eight_character_bic_validates() -> None:
    assert bank.validate_bic("DEUTDEFF") == "DEUTDEFF"


def test_eleven_character_bic_validates_and_is_compacted() -> None:
    assert bank.validate_bic("deut de ff 500") == "DEUTDEFF500"


@pytest.mark.parametrize("code", ["DEUTDEF", "DEUTDEFF5", "1EUTDEFF"])
def test_malformed_bic_is_refused(code: str) -> None:
    with pytest.raises(bank.ValidationError):
        bank.validate_bic(code)


def test_bban_is_printed_in_norwegian_groups() -> None:
    assert bank.format_account("15031234562") == "1503.12.34562"


def test_iban_is_printed_in_groups_of_four() -> None:
    assert bank.format_account("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
