"""Norwegian organisation number (organisasjonsnummer): nine digits, MOD11 check digit.

A thin re-export of python-stdnum's ``no.orgnr`` so the rest of the code names one module.

>>> validate('923 456 783')
'923456783'
>>> is_valid('923456784')
False
"""

from __future__ import annotations

from stdnum.exceptions import ValidationError
from stdnum.no import orgnr as _orgnr

__all__ = ["ValidationError", "compact", "format", "is_valid", "validate"]


def compact(number: str) -> str:
    return str(_orgnr.compact(number))


def validate(number: str) -> str:
    """Return the compact number or raise InvalidFormat / InvalidLength / InvalidChecksum."""
    return str(_orgnr.validate(number))


def is_valid(number: str) -> bool:
    return bool(_orgnr.is_valid(number))


def format(number: str) -> str:
    return str(_orgnr.format(number))
