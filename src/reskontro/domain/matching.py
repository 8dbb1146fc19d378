"""Matching (utligning): which open items a payment or credit note settles, and by how much.

Auto-match order when a payment or credit note is posted: the document it names
(``applies_to``), else the invoice with the same KID, else an invoice number found in its text,
else the single open item of exactly the opposite amount. A match never over-allocates: the amount is
the smaller of the two open amounts, and what is left stays open (an unallocated credit when
the payment was larger).

Amounts here are GL-signed (debit positive); a match pairs one debit item with one credit item
of the same party and currency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reskontro.domain.errors import CurrencyMismatch, MatchRefused, OverAllocation
from reskontro.money import round_money


@dataclass(frozen=True, slots=True)
class OpenItem:
    """What matching needs to know about an item."""

    id: int
    party_id: int
    document_number: str
    date: date
    currency: str
    amount: Decimal          # original, currency, GL sign
    open: Decimal            # open, currency, GL sign
    amount_company: Decimal  # original, company currency
    open_company: Decimal    # open, company currency
    kid: str | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    """A match of ``amount`` (currency, positive) between a debit and a credit item.

    ``debit_company`` and ``credit_company`` are the company-currency amounts taken off each side;
    they differ when the two items were booked at different rates, and the difference
    ``debit_company - credit_company`` is the realised exchange difference (positive = loss).
    """

    debit_id: int
    credit_id: int
    amount: Decimal
    debit_company: Decimal
    credit_company: Decimal
    on: date

    @property
    def fx_difference(self) -> Decimal:
        return self.debit_company - self.credit_company


def _company_share(item: OpenItem, take: Decimal, company_currency: str) -> Decimal:
    """Company-currency part of ``take`` (positive) from an item; closing an item takes all that is left."""
    if take == abs(item.open):
        return abs(item.open_company)
    return round_money(abs(item.amount_company) * take / abs(item.amount), company_currency)


def allocate(a: OpenItem, b: OpenItem, company_currency: str, amount: Decimal | None = None) -> Allocation:
    """Match two items of the same party: one debit, one credit. ``amount`` None takes the most possible."""
    if a.party_id != b.party_id:
        raise MatchRefused(f"items {a.document_number} and {b.document_number} belong to different parties")
    if a.currency != b.currency:
        raise CurrencyMismatch(f"item {a.document_number} is in {a.currency}, "
                               f"item {b.document_number} in {b.currency}", field="currency")
    if a.open == 0 or b.open == 0:
        closed = a if a.open == 0 else b
        raise MatchRefused(f"item {closed.document_number} has nothing open")
    if (a.open > 0) == (b.open > 0):
        raise MatchRefused(f"items {a.document_number} and {b.document_number} are both "
                           f"{'debits' if a.open > 0 else 'credits'}; a match needs one of each")
    debit, credit = (a, b) if a.open > 0 else (b, a)
    most = min(debit.open, -credit.open)
    take = most if amount is None else amount
    if take <= 0:
        raise MatchRefused(f"match amount {take} must be positive", field="amount")
    if take > most:
        raise OverAllocation(f"match amount {take} is more than the {most} open on "
                             f"{debit.document_number if debit.open == most else credit.document_number}",
                             field="amount")
    return Allocation(debit.id, credit.id, take, _company_share(debit, take, company_currency),
                      _company_share(credit, take, company_currency), max(a.date, b.date))


_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/]*")


def document_numbers_in_text(text: str | None) -> set[str]:
    """Candidate document numbers mentioned in a free text ("Faktura 10003 betaling" → {"10003"...})."""
    if not text:
        return set()
    return {t.strip("-/") for t in _TOKEN.findall(text)}


def choose_targets(
    payment: OpenItem,
    candidates: Sequence[OpenItem],
    *,
    applies_to: str | None,
    text: str | None,
) -> list[OpenItem]:
    """The items a payment or credit note should settle, in order, by the auto-match rules.

    ``candidates`` are the party's open items of the same currency with the opposite sign.
    """
    opposite = [c for c in candidates if c.open != 0 and (c.open > 0) != (payment.open > 0)
                and c.currency == payment.currency and c.id != payment.id]
    if applies_to:
        return [c for c in opposite if c.document_number == applies_to][:1]
    if payment.kid:
        by_kid = sorted((c for c in opposite if c.kid == payment.kid), key=lambda c: (c.date, c.id))
        if by_kid:
            return by_kid
    mentioned = document_numbers_in_text(text)
    if mentioned:
        by_text = sorted((c for c in opposite if c.document_number in mentioned), key=lambda c: (c.date, c.id))
        if by_text:
            return by_text
    exact = [c for c in opposite if c.open == -payment.open]
    if len(exact) == 1:
        return exact
    return []
