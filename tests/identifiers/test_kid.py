"""KID rules: 2–25 characters, digits with a MOD10 (Luhn) or MOD11 check character, '-' for MOD11 check value 10."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reskontro.identifiers import kid
from reskontro.identifiers.kid import InvalidChecksum, InvalidFormat, InvalidLength


def test_module_doctests_pass() -> None:
    result = doctest.testmod(kid)
    assert result.attempted > 0
    assert result.failed == 0


# --- MOD10 (Luhn) ----------------------------------------------------------------------------------


def test_mod10_check_digit_of_the_spec_example() -> None:
    assert kid.calc_check_digit("000100010", "mod10") == "8"


def test_mod10_create_appends_the_check_digit() -> None:
    assert kid.create("000100010", "mod10") == "0001000108"


def test_mod10_is_the_default_algorithm() -> None:
    assert kid.create("000100010") == "0001000108"


def test_mod10_spec_example_validates() -> None:
    assert kid.validate("0001000108", "mod10") == "0001000108"


@pytest.mark.parametrize(("payload", "check"), [("7992739871", "3"), ("0", "0"), ("1", "8"), ("9", "1")])
def test_mod10_doubles_every_second_digit_from_the_right(payload: str, check: str) -> None:
    assert kid.calc_check_digit(payload, "mod10") == check


def test_mod10_wrong_check_digit_is_invalid_checksum() -> None:
    with pytest.raises(InvalidChecksum):
        kid.validate("0001000109", "mod10")


# --- MOD11 -----------------------------------------------------------------------------------------


def test_mod11_weights_cycle_2_to_7_from_the_right() -> None:
    # 1234: 4*2 + 3*3 + 2*4 + 1*5 = 30; 30 mod 11 = 8; 11 - 8 = 3
    assert kid.calc_check_digit("1234", "mod11") == "3"
    assert kid.create("1234", "mod11") == "12343"


def test_mod11_weights_restart_at_2_after_7() -> None:
    # 11111111: weights 2,3,4,5,6,7,2,3 = 32; 32 mod 11 = 10; 11 - 10 = 1
    assert kid.calc_check_digit("11111111", "mod11") == "1"


def test_mod11_check_value_11_is_written_as_zero() -> None:
    # 1003: 3*2 + 1*5 = 11; 11 mod 11 = 0; 11 - 0 = 11 -> "0"
    assert kid.calc_check_digit("1003", "mod11") == "0"
    assert kid.create("1003", "mod11") == "10030"


def test_mod11_check_value_10_is_written_as_hyphen() -> None:
    # 1009: 9*2 + 1*5 = 23; 23 mod 11 = 1; 11 - 1 = 10 -> "-"
    assert kid.calc_check_digit("1009", "mod11") == "-"
    assert kid.create("1009", "mod11") == "1009-"


def test_mod11_kid_ending_in_hyphen_validates() -> None:
    assert kid.validate("1009-", "mod11") == "1009-"
    assert kid.validate("1009-") == "1009-"


def test_hyphen_is_never_a_mod10_check_digit() -> None:
    with pytest.raises(InvalidChecksum):
        kid.validate("1009-", "mod10")


def test_mod11_wrong_check_digit_is_invalid_checksum() -> None:
    with pytest.raises(InvalidChecksum):
        kid.validate("12344", "mod11")


# --- algorithm choice ------------------------------------------------------------------------------


def test_without_algorithm_either_mod10_or_mod11_is_accepted() -> None:
    assert kid.is_valid("0001000108")  # MOD10
    assert kid.is_valid("12343")  # MOD11
    assert not kid.is_valid("12345")  # MOD10 wants 4, MOD11 wants 3


def test_named_algorithm_accepts_only_its_own_check() -> None:
    assert kid.is_valid("12343", "mod11")
    assert not kid.is_valid("12343", "mod10")
    assert kid.is_valid("0001000108", "mod10")
    assert not kid.is_valid("0001000108", "mod11")


# --- form ------------------------------------------------------------------------------------------


def test_shortest_kid_is_two_characters() -> None:
    assert kid.validate("00") == "00"
    with pytest.raises(InvalidLength):
        kid.validate("0")


def test_longest_kid_is_twenty_five_characters() -> None:
    longest = kid.create("1" * 24, "mod10")
    assert len(longest) == 25
    assert kid.validate(longest) == longest
    with pytest.raises(InvalidLength):
        kid.validate(kid.create("1" * 25, "mod10"))


def test_empty_kid_is_invalid_length() -> None:
    with pytest.raises(InvalidLength):
        kid.validate("")


@pytest.mark.parametrize("number", ["12a4", "-1234", "12-34", "1234+", "12\u0663\u0664"])
def test_kid_is_digits_only_except_a_final_hyphen(number: str) -> None:
    with pytest.raises(InvalidFormat):
        kid.validate(number)


def test_non_ascii_digit_as_check_character_is_invalid_format() -> None:
    # U+0663 ARABIC-INDIC DIGIT THREE is a Unicode digit but never a KID character.
    with pytest.raises(InvalidFormat):
        kid.validate("1234\u0663")


def test_calc_check_digit_refuses_a_payload_that_is_not_digits() -> None:
    for payload in ("", "12a", "1-2", "\u0661\u0662"):
        with pytest.raises(InvalidFormat):
            kid.calc_check_digit(payload, "mod10")


def test_leading_zeros_are_kept() -> None:
    assert kid.validate("0001000108").startswith("000")


def test_spaces_and_dots_are_removed_before_validation() -> None:
    assert kid.validate(" 0001 000.108 ") == "0001000108"
    assert kid.compact("12 34.3") == "12343"


def test_format_prints_the_compact_kid_without_grouping() -> None:
    assert kid.format("0001 000 108") == "0001000108"


def test_is_valid_is_false_for_every_kind_of_fault() -> None:
    assert not kid.is_valid("0")  # length
    assert not kid.is_valid("12a4")  # format
    assert not kid.is_valid("0001000109")  # checksum


# --- properties ------------------------------------------------------------------------------------

_payloads = st.text(alphabet="0123456789", min_size=1, max_size=24)


@settings(max_examples=200)
@given(payload=_payloads, algorithm=st.sampled_from(["mod10", "mod11"]))
def test_created_kid_always_validates_with_its_algorithm(payload: str, algorithm: kid.Algorithm) -> None:
    number = kid.create(payload, algorithm)
    assert number[:-1] == payload
    assert kid.validate(number, algorithm) == number
    assert kid.validate(number) == number


@settings(max_examples=200)
@given(payload=_payloads, algorithm=st.sampled_from(["mod10", "mod11"]), wrong=st.sampled_from("0123456789-"))
def test_any_other_check_character_is_refused(payload: str, algorithm: kid.Algorithm, wrong: str) -> None:
    right = kid.calc_check_digit(payload, algorithm)
    if wrong != right:
        assert not kid.is_valid(payload + wrong, algorithm)
