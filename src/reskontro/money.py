"""Money: an exact ``Decimal`` amount in one ISO 4217 currency.

Amounts are never floats. In the database an amount is an integer number of minor units (øre, cent)
beside its currency code; :func:`to_minor` and :func:`from_minor` convert, and :func:`round_money` is
the one place where rounding happens (half-up to the currency's minor unit unless a mode is named).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: ISO 4217 minor-unit exponents that differ from 2 (everything else has two decimals).
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}
#: The exponent of every other currency.
DEFAULT_EXPONENT = 2


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def check_currency(code: str) -> str:
    """Return the ISO 4217 code upper-cased, or raise :class:`MoneyError`."""
    norm = code.strip().upper()
    if len(norm) != 3 or not norm.isascii() or not norm.isalpha():
        raise MoneyError(f"currency {code!r} is not a three-letter ISO 4217 code")
    return norm


def exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (NOK 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency, DEFAULT_EXPONENT)


def exceptional_exponents() -> dict[str, int]:
    """The currencies whose exponent is not :data:`DEFAULT_EXPONENT`, with theirs (for SQL that formats amounts)."""
    return dict(_EXPONENTS)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse an amount exactly; floats are refused, since they cannot hold øre exactly."""
    if isinstance(value, (bool, float)):
        raise MoneyError(f"amount {value!r} is a float; give a string, int or Decimal")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"amount {value!r} is not a number") from None
    else:
        raise MoneyError(f"amount {value!r} has unsupported type {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"amount {value!r} is not finite")
    return result


def round_money(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the currency's minor unit; half-up unless another ``decimal`` mode is named."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=rounding)


def to_minor(amount: Decimal, currency: str) -> int:
    """Exact conversion to minor units; an amount with more decimals than the currency has is refused."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"amount {amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """Minor units back to a Decimal with the currency's number of decimals."""
    exp = exponent(currency)
    if -10**28 < minor < 10**28:
        # Decimal(int) has exponent 0, so scaleb gives exactly ``exp`` decimals (0 -> 0.00) and quantize would
        # change nothing, as long as the digits fit the default context's precision (28).
        return Decimal(minor).scaleb(-exp)
    # More digits than that: scaleb would round, and quantize refuses with InvalidOperation, as it always did.
    return Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency. Arithmetic across currencies raises :class:`MoneyError`."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from text, int or Decimal, rounded to the currency's minor unit."""
        cur = check_currency(currency)
        return cls(round_money(to_decimal(amount), cur), cur)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        cur = check_currency(currency)
        return cls(from_minor(minor, cur), cur)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
