"""Domain error rules: every error is a ReskontroError with a stable code, and its message names the row and field."""

from __future__ import annotations

import pytest

from reskontro.domain import errors
from reskontro.domain.errors import (
    AlreadyExists,
    AlreadyReversed,
    ConcurrentUpdate,
    CurrencyMismatch,
    DuplicateDocument,
    ImportFailed,
    MatchRefused,
    NotFound,
    OverAllocation,
    PeriodClosed,
    ReskontroError,
    Unbalanced,
    ValidationFailed,
)

CODES: dict[type[ReskontroError], str] = {
    ValidationFailed: "invalid_value",
    NotFound: "not_found",
    AlreadyExists: "already_exists",
    DuplicateDocument: "duplicate_document",
    CurrencyMismatch: "currency_mismatch",
    Unbalanced: "unbalanced_voucher",
    PeriodClosed: "period_closed",
    OverAllocation: "over_allocation",
    MatchRefused: "match_refused",
    AlreadyReversed: "already_reversed",
    ImportFailed: "import_failed",
    ConcurrentUpdate: "concurrent_update",
}


@pytest.mark.parametrize(("cls", "code"), CODES.items())
def test_each_error_has_its_stable_code(cls: type[ReskontroError], code: str) -> None:
    assert cls.code == code


def test_every_error_class_in_the_module_has_a_listed_code() -> None:
    classes = {obj for obj in vars(errors).values()
               if isinstance(obj, type) and issubclass(obj, ReskontroError) and obj is not ReskontroError}
    assert classes == set(CODES)


def test_error_codes_are_unique() -> None:
    assert len(set(CODES.values())) == len(CODES)


def test_every_error_is_a_reskontro_error() -> None:
    for cls in CODES:
        assert issubclass(cls, ReskontroError)


def test_duplicate_document_is_a_kind_of_already_exists() -> None:
    assert issubclass(DuplicateDocument, AlreadyExists)


def test_default_exit_code_is_one() -> None:
    assert ReskontroError("x").exit_code == 1


def test_message_alone_when_no_row_or_field() -> None:
    assert str(ValidationFailed("bad value")) == "bad value"


def test_message_names_the_field() -> None:
    exc = ValidationFailed("is not valid", field="org_number")
    assert exc.field == "org_number"
    assert exc.row is None
    assert str(exc) == "field 'org_number': is not valid"


def test_message_names_the_row() -> None:
    assert str(NotFound("no such party", row=7)) == "row 7: no such party"


def test_message_names_row_then_field() -> None:
    exc = ValidationFailed("is required", field="amount", row=3)
    assert str(exc) == "row 3, field 'amount': is required"
    assert exc.message == "is required"


def test_row_zero_is_still_named() -> None:
    assert str(ReskontroError("x", row=0)) == "row 0: x"


def test_import_failed_carries_every_problem() -> None:
    exc = ImportFailed("2 problems", ["row 2: bad amount", "row 5: bad date"])
    assert exc.problems == ["row 2: bad amount", "row 5: bad date"]
    assert str(exc) == "2 problems\nrow 2: bad amount\nrow 5: bad date"
    assert exc.field is None
    assert exc.row is None


def test_errors_can_be_raised_and_caught_as_reskontro_error() -> None:
    with pytest.raises(ReskontroError) as info:
        raise OverAllocation("too much", field="amount")
    assert info.value.code == "over_allocation"
    assert info.value.field == "amount"
