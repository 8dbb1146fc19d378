"""The KID scheme of a company's OCR agreement: how the KID on a customer invoice is built.

The bank agreement fixes the algorithm (MOD10 or MOD11) and the length. The payload is built from the
customer number, the invoice number, or both (customer number in a fixed number of leading digits, invoice
number in the rest), each zero-padded on the left; the check character completes it. A number longer than its
place cannot be made into a KID of that length, and is refused rather than cut (a cut KID would point at
another invoice).

>>> KidScheme("mod10", 10, "invoice").make(customer="K1001", invoice="10001")
'0000100016'
>>> KidScheme("mod11", 12, "customer_invoice", customer_digits=5).make(customer="1001", invoice="10001")
'010010100017'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reskontro.domain.errors import ValidationFailed
from reskontro.identifiers import kid

KidSource = Literal["invoice", "customer", "customer_invoice"]
SOURCES: tuple[KidSource, ...] = ("invoice", "customer", "customer_invoice")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


@dataclass(frozen=True, slots=True)
class KidScheme:
    algorithm: kid.Algorithm
    length: int
    source: KidSource
    customer_digits: int | None = None

    def __post_init__(self) -> None:
        if self.algorithm not in ("mod10", "mod11"):
            raise ValidationFailed(f"KID algorithm {self.algorithm!r} must be mod10 or mod11", field="kid_algorithm")
        if not 2 <= self.length <= 25:
            raise ValidationFailed(f"KID length {self.length} must be 2–25 (check digit included)",
                                   field="kid_length")
        if self.source not in SOURCES:
            raise ValidationFailed(f"KID source {self.source!r} must be one of {', '.join(SOURCES)}",
                                   field="kid_source")
        if self.source == "customer_invoice":
            digits = self.customer_digits
            if digits is None or not 1 <= digits <= self.length - 2:
                raise ValidationFailed(f"with customer and invoice number, the customer number needs 1–"
                                       f"{self.length - 2} of the {self.length - 1} payload digits",
                                       field="kid_customer_digits")

    def _place(self, number: str, width: int, what: str) -> str:
        digits = _digits(number)
        if not digits:
            raise ValidationFailed(f"{what} {number!r} has no digits to build a KID from", field="kid")
        digits = digits.lstrip("0") or "0"
        if len(digits) > width:
            raise ValidationFailed(f"{what} {number!r} needs {len(digits)} digits; the KID scheme leaves it {width}",
                                   field="kid")
        return digits.zfill(width)

    def make(self, *, customer: str, invoice: str) -> str:
        """The KID for an invoice of a customer."""
        payload_len = self.length - 1
        if self.source == "invoice":
            payload = self._place(invoice, payload_len, "invoice number")
        elif self.source == "customer":
            payload = self._place(customer, payload_len, "customer number")
        else:
            width = self.customer_digits or 0
            payload = (self._place(customer, width, "customer number")
                       + self._place(invoice, payload_len - width, "invoice number"))
        return kid.create(payload, self.algorithm)

    def check(self, value: str) -> str:
        """A KID given for an invoice of this company: the agreement's length and check digit, or refused."""
        try:
            compact = kid.validate(value, self.algorithm)
        except kid.InvalidLength:
            raise ValidationFailed(f"KID {value!r} must be 2–25 characters", field="kid") from None
        except (kid.InvalidFormat, kid.InvalidChecksum):
            raise ValidationFailed(f"KID {value!r} fails the {self.algorithm.upper()} check digit of the company's "
                                   f"KID agreement", field="kid") from None
        if len(compact) != self.length:
            raise ValidationFailed(f"KID {value!r} has {len(compact)} characters; the company's KID agreement says "
                                   f"{self.length}", field="kid")
        return compact
