"""What an import problem means, in the user's language.

The parser and the ledger name each problem's row and column in English, with the values at fault
(``"'10/01/2026' is not a date (YYYY-MM-DD or DD.MM.YYYY)"``). The preview page shows that text as the
detail, under a translated explanation: the cause when the text says which (a duplicate, an unknown
party, a closed period...), else what the column must hold. The explanations are gettext message ids
(:data:`CAUSES`, :data:`COLUMNS`), translated by the page.
"""

from __future__ import annotations

import re

from reskontro.web.i18n import N_

#: (column or None for any, pattern of the English text, explanation), the first that matches wins.
CAUSES: tuple[tuple[str | None, re.Pattern[str], str], ...] = (
    (None, re.compile(r"is in the input twice"), N_("The same document is in the file twice.")),
    ("number", re.compile(r"is also on row"), N_("The same party is in the file twice.")),
    ("document_number", re.compile(r"already exists"),
     N_("This document is already posted for the party, with another amount or date.")),
    ("party_number", re.compile(r"does not exist"),
     N_("No customer or supplier has this number: import or create the party first.")),
    ("applies_to", re.compile(r"does not exist"),
     N_("The document it settles is neither in the ledger nor in the file.")),
    ("applies_to", re.compile(r" is in [A-Z]{3}, "), N_("The document it settles is in another currency.")),
    (None, re.compile(r"period .* is closed"), N_("The accounting period of the date is closed.")),
    (None, re.compile(r"fails the MOD10 and MOD11"), N_("The KID's check digit is wrong (neither MOD10 nor MOD11).")),
    (None, re.compile(r"must be positive"), N_("The amount must be above zero: the type gives the direction.")),
    (None, re.compile(r"more decimals than"), N_("The amount has more decimals than the currency has.")),
    (None, re.compile(r"no exchange rate"), N_("No exchange rate is recorded for the currency on or before the date.")),
    (None, re.compile(r"is before the invoice date"), N_("The due date is before the invoice date.")),
    (None, re.compile(r" is required$"), N_("This column must have a value.")),
    (None, re.compile(r"is longer than"), N_("The value is too long.")),
    (None, re.compile(r"(missing|unknown|duplicated) column\(s\)"),
     N_("The first row must name the columns as the documentation gives them, each once.")),
    (None, re.compile(r"values but the header has"), N_("The row has more values than the first row has columns.")),
    (None, re.compile(r"^the file is empty$"), N_("The file is empty.")),
    (None, re.compile(r"not a readable XLSX|is not UTF-8|malformed CSV"),
     N_("The file cannot be read: save it as CSV (UTF-8) or XLSX.")),
)

_DATE = N_("Give a date as YYYY-MM-DD or DD.MM.YYYY.")
_AMOUNT = N_("Give an amount such as 1234.50 or 1 234,50.")

#: What a column must hold (both import files), for a problem whose cause no pattern names.
COLUMNS: dict[str, str] = {
    "number": N_("Give the party's number: at most 30 characters, no “/”."),
    "party_number": N_("Give the number of an existing customer or supplier."),
    "kind": N_("Write customer or supplier."),
    "name": N_("Give the name."),
    "org_number": N_("Not a valid organisation number: nine digits with a correct check digit."),
    "email": N_("Not an e-mail address."),
    "language": N_("Use a language code such as nb, nn, en, sv, da or de."),
    "currency": N_("Use a three-letter currency code, like NOK or EUR."),
    "payment_terms_days": N_("Give a whole number of days from 0 to 365."),
    "credit_limit": N_("Give an amount of zero or more."),
    "country": N_("Use a two-letter country code, like NO or SE."),
    "postal_code": N_("Not a valid postal code."),
    "type": N_("Write invoice, credit_note or payment."),
    "document_number": N_("Give a document number: at most 60 characters, once per party and type."),
    "date": _DATE,
    "due_date": _DATE,
    "amount": _AMOUNT,
    "kid": N_("Not a valid KID: 2–25 digits with a MOD10 or MOD11 check digit."),
    "applies_to": N_("Give the number of a document of the same party, or leave it empty."),
    "group": N_("No such group."),
    "bank_account": N_("Not a valid account number: eleven digits (Norway) or an IBAN."),
}


def explain(column: str | None, message: str) -> str | None:
    """The message id explaining a problem of ``column`` whose English text is ``message`` (None: no better
    words than the text)."""
    for only, pattern, text in CAUSES:
        if (only is None or only == column) and pattern.search(message):
            return text
    return COLUMNS.get(column or "")
