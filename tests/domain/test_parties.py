"""Party card rules: validation stores compact identifiers and names the field at fault; free fields parse by type."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.parties import (
    LANGUAGES,
    Block,
    FreeFieldDef,
    FreeFieldType,
    PartyCard,
    PartyKind,
    PostingRules,
    card_changes,
    parse_free_value,
    validate_card,
)


def card(**changes: Any) -> PartyCard:
    base = PartyCard(kind=PartyKind.CUSTOMER, number="10001", name="Fjordkraft Handel AS")
    return replace(base, **changes)


def field_error(c: PartyCard) -> str | None:
    with pytest.raises(ValidationFailed) as info:
        validate_card(c)
    return info.value.field


# --- a good card -----------------------------------------------------------------------------------


def test_minimal_card_is_valid_with_norwegian_defaults() -> None:
    v = validate_card(card())
    assert (v.number, v.name) == ("10001", "Fjordkraft Handel AS")
    assert (v.country, v.language, v.currency, v.payment_terms_days) == ("NO", "nb", "NOK", 14)


def test_number_and_name_are_stripped() -> None:
    v = validate_card(card(number=" 10001 ", name="  Fjordkraft  "))
    assert (v.number, v.name) == ("10001", "Fjordkraft")


def test_org_number_is_stored_compact() -> None:
    assert validate_card(card(org_number="923 456 783")).org_number == "923456783"


def test_norwegian_bank_account_is_stored_compact() -> None:
    assert validate_card(card(bank_account="1503.12.34562")).bank_account == "15031234562"


def test_norwegian_iban_is_stored_as_bban_and_needs_no_bic() -> None:
    v = validate_card(card(bank_account="NO72 1503 1234 562"))
    assert v.bank_account == "15031234562"
    assert v.bic is None


def test_foreign_iban_with_bic_is_stored_compact() -> None:
    v = validate_card(card(bank_account="de89 3704 0044 0532 0130 00", bic="deut de ff"))
    assert v.bank_account == "DE89370400440532013000"
    assert v.bic == "DEUTDEFF"


def test_language_currency_and_country_are_normalised() -> None:
    v = validate_card(card(language=" NN ", currency="eur", country=" se "))
    assert (v.language, v.currency, v.country) == ("nn", "EUR", "SE")


def test_blank_optional_text_is_stored_as_none() -> None:
    v = validate_card(card(org_number="  ", email=" ", address=" ", postal_code="", city=" ", phone=" ",
                           group_code=" ", bank_account=" ", bic=" "))
    assert (v.org_number, v.email, v.address, v.postal_code, v.city, v.phone, v.group_code, v.bank_account,
            v.bic) == (None,) * 9


def test_optional_text_is_stripped() -> None:
    v = validate_card(card(email=" post@firma.no ", address=" Storgata 1 ", postal_code=" 0155 ", city=" Oslo ",
                           phone=" +47 22 00 00 00 ", group_code=" A "))
    assert (v.email, v.address, v.postal_code, v.city, v.phone, v.group_code) == (
        "post@firma.no", "Storgata 1", "0155", "Oslo", "+47 22 00 00 00", "A")


def test_empty_country_defaults_to_norway() -> None:
    assert validate_card(card(country="")).country == "NO"


def test_credit_limit_is_kept_as_decimal() -> None:
    assert validate_card(card(credit_limit=Decimal("50000.00"))).credit_limit == Decimal("50000.00")


def test_zero_credit_limit_is_allowed() -> None:
    assert validate_card(card(credit_limit=Decimal(0))).credit_limit == Decimal(0)


@pytest.mark.parametrize("days", [0, 365])
def test_payment_terms_of_0_to_365_days_are_allowed(days: int) -> None:
    assert validate_card(card(payment_terms_days=days)).payment_terms_days == days


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_listed_language_is_accepted(language: str) -> None:
    assert validate_card(card(language=language)).language == language


def test_validation_keeps_fields_it_does_not_touch() -> None:
    rules = PostingRules(account="3000", vat_code="3")
    block = Block("dispute", date(2024, 1, 5))
    v = validate_card(card(kind=PartyKind.SUPPLIER, vat_registered=True, rules=rules, payment_block=block))
    assert (v.kind, v.vat_registered, v.rules, v.payment_block) == (PartyKind.SUPPLIER, True, rules, block)


def test_validating_a_validated_card_changes_nothing() -> None:
    once = validate_card(card(org_number="923 456 783", bank_account="NO7215031234562", email=" a@b.no ",
                              language="EN", currency="sek"))
    assert validate_card(once) == once


# --- each fault names its field --------------------------------------------------------------------


@pytest.mark.parametrize("number", ["", "   "])
def test_number_is_required(number: str) -> None:
    assert field_error(card(number=number)) == "number"


def test_number_is_at_most_30_characters() -> None:
    assert validate_card(card(number="9" * 30)).number == "9" * 30
    assert field_error(card(number="9" * 31)) == "number"


@pytest.mark.parametrize("number", ["10/2", "/1", ".", ".."])
def test_a_number_is_no_path_it_has_no_slash_and_is_no_dot_segment(number: str) -> None:
    # The card's address is /c/{company}/{kind}/{number} in the web UI and the API.
    assert field_error(card(number=number)) == "number"
    assert validate_card(card(number="10.2-A")).number == "10.2-A"


def test_name_is_required() -> None:
    assert field_error(card(name="  ")) == "name"


def test_org_number_with_bad_checksum_is_refused() -> None:
    assert field_error(card(org_number="923456784")) == "org_number"


def test_org_number_of_wrong_length_is_refused() -> None:
    assert field_error(card(org_number="12345")) == "org_number"


@pytest.mark.parametrize("email", ["post", "post@firma", "@firma.no", "post@@firma.no", "po st@firma.no"])
def test_email_must_look_like_an_email_address(email: str) -> None:
    assert field_error(card(email=email)) == "email"


@pytest.mark.parametrize("language", ["no", "xx", "", "norsk"])
def test_language_must_be_a_listed_iso_639_1_code(language: str) -> None:
    assert field_error(card(language=language)) == "language"


@pytest.mark.parametrize("currency", ["NO", "KRONER", "", "N0K"])
def test_currency_must_be_a_three_letter_code(currency: str) -> None:
    assert field_error(card(currency=currency)) == "currency"


@pytest.mark.parametrize("days", [-1, 366])
def test_payment_terms_outside_0_to_365_are_refused(days: int) -> None:
    assert field_error(card(payment_terms_days=days)) == "payment_terms_days"


def test_negative_credit_limit_is_refused() -> None:
    assert field_error(card(credit_limit=Decimal("-0.01"))) == "credit_limit"


def test_float_credit_limit_is_refused() -> None:
    assert field_error(card(credit_limit=1000.0)) == "credit_limit"


def test_invalid_bank_account_is_refused() -> None:
    assert field_error(card(bank_account="15031234563")) == "bank_account"


def test_invalid_bic_is_refused() -> None:
    assert field_error(card(bank_account="DE89370400440532013000", bic="DEUTDEF")) == "bic"


def test_foreign_iban_without_bic_is_refused_on_the_bic_field() -> None:
    with pytest.raises(ValidationFailed, match="BIC") as info:
        validate_card(card(bank_account="DE89370400440532013000"))
    assert info.value.field == "bic"


@pytest.mark.parametrize("country", ["NOR", "N", "N1", "12"])
def test_country_must_be_a_two_letter_code(country: str) -> None:
    assert field_error(card(country=country)) == "country"


def test_error_message_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_card(card(org_number="923456784"))
    assert "org_number" in str(info.value)
    assert "923456784" in str(info.value)


# --- audit trail of changes ------------------------------------------------------------------------


def test_card_changes_of_an_unchanged_card_is_empty() -> None:
    assert card_changes(card(), card()) == []


def test_card_changes_lists_field_old_and_new() -> None:
    assert card_changes(card(), card(name="Nytt Navn AS", payment_terms_days=30)) == [
        ("name", "Fjordkraft Handel AS", "Nytt Navn AS"),
        ("payment_terms_days", 14, 30),
    ]


def test_card_changes_flattens_posting_rules() -> None:
    before = card(rules=PostingRules(account="3000"))
    after = card(rules=PostingRules(account="3100", project="P1"))
    assert card_changes(before, after) == [("rules.account", "3000", "3100"), ("rules.project", None, "P1")]


def test_card_changes_shows_a_block_as_reason_and_date() -> None:
    after = card(credit_stop=Block("unpaid invoices", date(2024, 5, 2)))
    assert card_changes(card(), after) == [("credit_stop", None, "unpaid invoices (since 2024-05-02)")]


def test_card_changes_notices_a_changed_block_date() -> None:
    before = card(reminder_block=Block("dispute", date(2024, 5, 2)))
    after = card(reminder_block=Block("dispute", date(2024, 6, 1)))
    assert card_changes(before, after) == [
        ("reminder_block", "dispute (since 2024-05-02)", "dispute (since 2024-06-01)")]


# --- free fields -----------------------------------------------------------------------------------


def free(type_: FreeFieldType, choices: tuple[str, ...] = ()) -> FreeFieldDef:
    return FreeFieldDef(code="x1", label="Field", type=type_, choices=choices)


def free_error(definition: FreeFieldDef, raw: str) -> str | None:
    with pytest.raises(ValidationFailed) as info:
        parse_free_value(definition, raw)
    return info.value.field


def test_free_text_is_stripped() -> None:
    assert parse_free_value(free(FreeFieldType.TEXT), "  hei  ") == "hei"


def test_free_text_is_at_most_500_characters() -> None:
    assert parse_free_value(free(FreeFieldType.TEXT), "x" * 500) == "x" * 500
    assert free_error(free(FreeFieldType.TEXT), "x" * 501) == "free_field.x1"


@pytest.mark.parametrize(("raw", "expected"), [("12.5", "12.5"), ("12,5", "12.5"), ("-3", "-3"),
                                               ("1 234,50", "1234.50")])
def test_free_number_parses_decimal_point_or_comma(raw: str, expected: str) -> None:
    value = parse_free_value(free(FreeFieldType.NUMBER), raw)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize("raw", ["tolv", "", "1.234,50"])
def test_free_number_refuses_non_numbers(raw: str) -> None:
    assert free_error(free(FreeFieldType.NUMBER), raw) == "free_field.x1"


def test_free_date_parses_iso_dates() -> None:
    assert parse_free_value(free(FreeFieldType.DATE), " 2024-02-29 ") == date(2024, 2, 29)


@pytest.mark.parametrize("raw", ["29.02.2024", "2023-02-29", "i morgen"])
def test_free_date_refuses_non_iso_or_impossible_dates(raw: str) -> None:
    assert free_error(free(FreeFieldType.DATE), raw) == "free_field.x1"


@pytest.mark.parametrize("raw", ["yes", "Ja", "TRUE", "1", "y", "j"])
def test_free_bool_reads_yes_words_as_true(raw: str) -> None:
    assert parse_free_value(free(FreeFieldType.BOOL), raw) is True


@pytest.mark.parametrize("raw", ["no", "Nei", "false", "0", "N"])
def test_free_bool_reads_no_words_as_false(raw: str) -> None:
    assert parse_free_value(free(FreeFieldType.BOOL), raw) is False


@pytest.mark.parametrize("raw", ["kanskje", "", "2"])
def test_free_bool_refuses_other_words(raw: str) -> None:
    assert free_error(free(FreeFieldType.BOOL), raw) == "free_field.x1"


def test_free_choice_accepts_a_listed_choice() -> None:
    assert parse_free_value(free(FreeFieldType.CHOICE, ("gull", "sølv")), " sølv ") == "sølv"


def test_free_choice_refuses_an_unlisted_value() -> None:
    with pytest.raises(ValidationFailed, match="gull, sølv") as info:
        parse_free_value(free(FreeFieldType.CHOICE, ("gull", "sølv")), "bronse")
    assert info.value.field == "free_field.x1"


def test_free_choice_is_case_sensitive() -> None:
    assert free_error(free(FreeFieldType.CHOICE, ("gull",)), "Gull") == "free_field.x1"


def test_every_free_field_type_is_parsed_to_its_python_type() -> None:
    samples: dict[FreeFieldType, tuple[str, object]] = {
        FreeFieldType.TEXT: ("a", "a"),
        FreeFieldType.NUMBER: ("1", Decimal(1)),
        FreeFieldType.DATE: ("2024-01-01", date(2024, 1, 1)),
        FreeFieldType.BOOL: ("ja", True),
        FreeFieldType.CHOICE: ("a", "a"),
    }
    assert set(samples) == set(FreeFieldType)
    for type_, (raw, expected) in samples.items():
        value = parse_free_value(free(type_, ("a",)), raw)
        assert value == expected
        assert type(value) is type(expected)
