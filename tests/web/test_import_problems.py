"""An import problem's explanation: its cause when the text names one, else what the column must hold."""

from __future__ import annotations

import pytest

from reskontro.web.i18n import Translator
from reskontro.web.import_problems import CAUSES, COLUMNS, explain


@pytest.mark.parametrize(("column", "message", "expected"), [
    ("document_number", "invoice F1 of customer 10001 is in the input twice",
     "The same document is in the file twice."),
    ("document_number", "invoice F1 already exists for customer 10001 with another amount or date",
     "This document is already posted for the party, with another amount or date."),
    ("party_number", "customer '999999' does not exist",
     "No customer or supplier has this number: import or create the party first."),
    ("applies_to", "document 'F9' of party 10001 does not exist",
     "The document it settles is neither in the ledger nor in the file."),
    ("applies_to", "F1 is in EUR, this payment in NOK", "The document it settles is in another currency."),
    ("date", "period 2026-01 is closed; nothing can be posted on 2026-01-10",
     "The accounting period of the date is closed."),
    ("kid", "KID '0001000109' fails the MOD10 and MOD11 check digit",
     "The KID's check digit is wrong (neither MOD10 nor MOD11)."),
    ("amount", "amount -3 must be positive (the type gives the direction)",
     "The amount must be above zero: the type gives the direction."),
    ("number", "customer 10001 is also on row 2", "The same party is in the file twice."),
    (None, "missing column(s) amount. Expected: party_number, kind",
     "The first row must name the columns as the documentation gives them, each once."),
    ("date", "'10/01/2026' is not a date (YYYY-MM-DD or DD.MM.YYYY)", "Give a date as YYYY-MM-DD or DD.MM.YYYY."),
    ("amount", "'12,3,4' is not a number", "Give an amount such as 1234.50 or 1 234,50."),
    ("name", "name is required", "This column must have a value."),
])
def test_a_problem_is_explained_by_its_cause_or_its_column(column: str | None, message: str, expected: str) -> None:
    assert explain(column, message) == expected


def test_a_problem_of_no_known_kind_keeps_its_own_words() -> None:
    assert explain(None, "something new went wrong") is None
    assert explain("description", "something new went wrong") is None


def test_every_explanation_has_bokmaal_words() -> None:
    nb = Translator("nb")
    for text in [c[2] for c in CAUSES] + list(COLUMNS.values()):
        assert nb.gettext(text) != text, text
