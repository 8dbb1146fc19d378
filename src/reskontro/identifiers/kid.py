"""KID (kundeidentifikasjon): the Norwegian payment reference.

A KID is 2–25 characters; the last is a check digit computed over the rest with either
MOD10 (Luhn) or MOD11 (weights 2, 3, 4, 5, 6, 7 repeating from the right). For MOD11 a
remainder giving check value 10 is written as ``-``. Leading zeros are significant, so a KID is
always a string. This module follows python-stdnum's interface.

>>> validate('0001000108')
'0001000108'
>>> calc_check_digit('1009', 'mod11')
'-'
>>> validate('1009-')
'1009-'
>>> create('1234', 'mod11')
'12343'
>>> is_valid('0001000109')
False
>>> format(' 0001 000 108 ')
'0001000108'
"""

from __future__ import annotations

from typing import Literal

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

Algorithm = Literal["mod10", "mod11"]

__all__ = [
    "Algorithm",
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "calc_check_digit",
    "compact",
    "create",
    "format",
    "is_valid",
    "validate",
]


def compact(number: str) -> str:
    """Remove spaces, dots and surrounding white space."""
    return "".join(number.split()).replace(".", "")


#: Byte translation for the doubled MOD10 positions: ASCII digit d → the digit sum of 2·d.
_DOUBLED = bytes.maketrans(b"0123456789", bytes(2 * d - 9 if d > 4 else 2 * d for d in range(10)))
_ZERO = ord("0")


def _mod10(payload: str) -> str:
    # Table-driven over bytes (the payload is ASCII digits): an import checks a million KIDs.
    digits = payload.encode("ascii")[::-1]
    plain = digits[1::2]
    total = sum(digits[0::2].translate(_DOUBLED)) + sum(plain) - _ZERO * len(plain)
    return str((10 - total % 10) % 10)


def _mod11(payload: str) -> str:
    total = sum(int(ch) * (2 + i % 6) for i, ch in enumerate(reversed(payload)))
    check = 11 - total % 11
    if check == 11:
        return "0"
    if check == 10:
        return "-"
    return str(check)


def calc_check_digit(payload: str, algorithm: Algorithm = "mod10") -> str:
    """The check character for a payload of digits."""
    if not payload.isdigit() or not payload.isascii():
        raise InvalidFormat()
    return _mod10(payload) if algorithm == "mod10" else _mod11(payload)


def create(payload: str, algorithm: Algorithm = "mod10") -> str:
    """Append the check character to a payload of digits."""
    return payload + calc_check_digit(payload, algorithm)


def validate(number: str, algorithm: Algorithm | None = None) -> str:
    """Return the compact KID or raise InvalidFormat, InvalidLength or InvalidChecksum.

    With ``algorithm`` None the KID is accepted when it passes MOD10 or MOD11 (the agreement
    with the bank decides which one a company uses; a check against both is what a payer's bank does).
    """
    number = compact(number)
    if not 2 <= len(number) <= 25:
        raise InvalidLength()
    payload, check = number[:-1], number[-1]
    if not payload.isascii() or not payload.isdigit() or check not in "0123456789-":
        raise InvalidFormat()
    # The payload is checked above: straight to the algorithms (a bank file checks a hundred thousand KIDs).
    if (algorithm != "mod11" and _mod10(payload) == check) or (algorithm != "mod10" and _mod11(payload) == check):
        return number
    raise InvalidChecksum()


def is_valid(number: str, algorithm: Algorithm | None = None) -> bool:
    """Whether the KID passes :func:`validate`."""
    try:
        return bool(validate(number, algorithm))
    except (InvalidFormat, InvalidLength, InvalidChecksum):
        return False


def format(number: str) -> str:
    """A KID is printed as it is, without grouping."""
    return compact(number)
