"""A party's bank account: a Norwegian kontonummer (BBAN) or an IBAN with a BIC.

Norwegian accounts are 11 digits with a MOD11 check digit (python-stdnum ``no.kontonr``); a
Norwegian IBAN is reduced to its BBAN so one account is stored one way. Foreign accounts are
IBANs (python-stdnum ``iban``) and need a BIC (``bic``) for payment files.
"""

from __future__ import annotations

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr as _kontonr

__all__ = ["ValidationError", "format_account", "is_valid", "validate_account", "validate_bic"]


def validate_account(number: str) -> str:
    """Return the compact account: 11-digit BBAN for Norway, compact IBAN otherwise."""
    text = "".join(number.split()).replace(".", "").upper()
    if text.isdigit():
        return str(_kontonr.validate(text))
    compacted = str(_iban.validate(text))
    if compacted.startswith("NO"):
        return str(_kontonr.validate(compacted[4:]))
    return compacted


def validate_bic(code: str) -> str:
    """Return the compact BIC (8 or 11 characters) or raise."""
    return str(_bic.validate(code))


def is_valid(number: str) -> bool:
    try:
        validate_account(number)
    except ValidationError:
        return False
    return True


def format_account(number: str) -> str:
    """``1503.12.34562`` for a BBAN, grouped by four for an IBAN."""
    if number.isdigit():
        return str(_kontonr.format(number))
    return str(_iban.format(number))
