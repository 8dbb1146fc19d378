"""How numbers, amounts, dates and identifiers look on the page, per language.

Bokmål (``nb``) writes amounts the Norwegian way — ``1 234,50`` with a no-break space between
thousands, a decimal comma and a real minus sign (U+2212: ``−1 234,50``) — and dates as
``31.12.2026``; English (``en``) writes ``1,234.50`` and ISO dates (``2026-12-31``), which sort and
read the same everywhere. Grouping comes from Babel's CLDR data for ``nb_NO`` and ``en_GB``.

Amounts are formatted from ``Decimal`` only: a ``float`` is refused (it would already have lost
øre), and the number of decimals is the value's own (``from_minor`` gives NOK two, JPY none), never
rounded here. Timestamps are stored in UTC and shown in Norwegian time (Europe/Oslo) in both
languages: the books are kept in Norway.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from reskontro.identifiers import bank, orgnr

LANGUAGES = ("nb", "en")
DEFAULT_LANGUAGE = "nb"
#: The CLDR locale that formats each language of the UI.
LOCALES = {"nb": "nb_NO", "en": "en_GB"}
OSLO = ZoneInfo("Europe/Oslo")


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])


def amount(value: Decimal | int | None, lang: str, *, places: int | None = None) -> str:
    """``Decimal('-1234.50')`` → ``−1 234,50`` (nb) or ``-1,234.50`` (en); None → empty.

    ``places`` pads to that many decimals (never rounds: an amount with more decimals keeps them).
    """
    if value is None:
        return ""
    if isinstance(value, float) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"amounts are formatted from Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{number} is not an amount")
    own = max(0, -int(number.as_tuple().exponent))
    decimals = max(own, places or 0)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(abs(number), format=pattern, locale=_locale(lang), decimal_quantization=True)
    return f"{get_minus_sign_symbol(_locale(lang))}{text}" if number < 0 else text


@functools.cache
def amount_formatter(lang: str) -> Callable[[Decimal | int | None], str]:
    """A formatter for many amounts (the report tables' hundreds of rows): the same text as :func:`amount`
    without ``places``, at a tenth of its cost — the language's CLDR symbols are looked up once and the
    digits grouped by Python's format (Babel's per-value pattern parsing is what costs)."""
    locale = _locale(lang)
    symbols = str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})
    minus = get_minus_sign_symbol(locale)

    def format_amount(value: Decimal | int | None) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"{value} is not an amount")
            text = f"{abs(value):,f}".translate(symbols)
        elif isinstance(value, int) and not isinstance(value, bool):
            text = f"{abs(value):,}".translate(symbols)
        else:
            raise TypeError(f"amounts are formatted from Decimal, not {type(value).__name__}")
        return f"{minus}{text}" if value < 0 else text

    return format_amount


def integer(value: int | None, lang: str) -> str:
    """A count with thousands grouped: ``12 345`` / ``12,345``."""
    if value is None:
        return ""
    return amount(int(value), lang)


def day(value: date | None, lang: str) -> str:
    """``31.12.2026`` (nb) or ``2026-12-31`` (en); None → empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = moment_date(value)
    return value.strftime("%d.%m.%Y") if lang == "nb" else value.isoformat()


def moment_date(value: datetime) -> date:
    return (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(OSLO).date()


def moment(value: datetime | None, lang: str) -> str:
    """A timestamp in Norwegian time to the minute: ``31.12.2026 14:05`` / ``2026-12-31 14:05``."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))).astimezone(OSLO)
    return f"{day(local.date(), lang)} {local:%H:%M}"


def org_number(value: str | None) -> str:
    """``923456783`` → ``923 456 783`` (as stored when not a valid number)."""
    if not value:
        return ""
    return orgnr.format(value) if orgnr.is_valid(value) else value


def bank_account(value: str | None) -> str:
    """A Norwegian account ``1503.12.34562``, an IBAN in groups of four."""
    if not value:
        return ""
    try:
        return bank.format_account(value)
    except ValueError:  # display only: an odd stored value is shown as it is
        return value
