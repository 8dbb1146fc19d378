"""Vouchers (bilag): balanced sets of GL lines, with the party's sub-ledger line among them.

A posting for a party is turned into lines here: the sub-ledger line on the party's control
account (1500 customers, 2400 suppliers, or the party group's override) and the counter lines
from the posting rules — revenue or expense with VAT computed from the VAT code, or the bank
account for payments. Amounts are signed: debit positive, credit negative, in company currency;
foreign-currency lines also carry the currency amount and rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from reskontro.domain.errors import Unbalanced, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.money import exponent, round_money


class VoucherType(StrEnum):
    CUSTOMER_INVOICE = "customer_invoice"
    CUSTOMER_CREDIT_NOTE = "customer_credit_note"
    CUSTOMER_PAYMENT = "customer_payment"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_CREDIT_NOTE = "supplier_credit_note"
    SUPPLIER_PAYMENT = "supplier_payment"
    WRITE_OFF = "write_off"
    OPENING_BALANCE = "opening_balance"
    FX_DIFFERENCE = "fx_difference"
    REVERSAL = "reversal"
    BANK_SUSPENSE = "bank_suspense"  # a bank transaction parked on the suspense account until it is cleared
    REMINDER_FEE = "reminder_fee"  # a reminder's fee or § 3a compensation, charged to the customer
    INTEREST_NOTE = "interest_note"  # late-payment interest (rentenota)


class ItemType(StrEnum):
    """What a sub-ledger item is, as the reports show it (the import file's ``type``)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"
    WRITE_OFF = "write_off"
    OPENING_BALANCE = "opening_balance"
    REVERSAL = "reversal"
    REMINDER_FEE = "reminder_fee"  # a customer's reminder fee or standard compensation (purregebyr, § 3a)
    INTEREST = "interest"  # late-payment interest charged to a customer (forsinkelsesrente)


#: Item types that charge a customer something with a due date (and a KID): invoices, fees and interest notes.
CHARGES = frozenset({ItemType.INVOICE, ItemType.REMINDER_FEE, ItemType.INTEREST})


#: Voucher series per type: gapless numbering runs per series and year.
SERIES: dict[VoucherType, str] = {
    VoucherType.CUSTOMER_INVOICE: "SF",
    VoucherType.CUSTOMER_CREDIT_NOTE: "SF",
    VoucherType.CUSTOMER_PAYMENT: "IB",
    VoucherType.SUPPLIER_INVOICE: "LF",
    VoucherType.SUPPLIER_CREDIT_NOTE: "LF",
    VoucherType.SUPPLIER_PAYMENT: "UB",
    VoucherType.WRITE_OFF: "M",
    VoucherType.OPENING_BALANCE: "IB0",
    VoucherType.FX_DIFFERENCE: "M",
    VoucherType.REVERSAL: "M",
    VoucherType.BANK_SUSPENSE: "IB",
    VoucherType.REMINDER_FEE: "P",
    VoucherType.INTEREST_NOTE: "P",
}


_VOUCHER_TYPES: dict[tuple[PartyKind, ItemType], VoucherType] = {
    (PartyKind.CUSTOMER, ItemType.INVOICE): VoucherType.CUSTOMER_INVOICE,
    (PartyKind.CUSTOMER, ItemType.CREDIT_NOTE): VoucherType.CUSTOMER_CREDIT_NOTE,
    (PartyKind.CUSTOMER, ItemType.PAYMENT): VoucherType.CUSTOMER_PAYMENT,
    (PartyKind.SUPPLIER, ItemType.INVOICE): VoucherType.SUPPLIER_INVOICE,
    (PartyKind.SUPPLIER, ItemType.CREDIT_NOTE): VoucherType.SUPPLIER_CREDIT_NOTE,
    (PartyKind.SUPPLIER, ItemType.PAYMENT): VoucherType.SUPPLIER_PAYMENT,
    (PartyKind.CUSTOMER, ItemType.REMINDER_FEE): VoucherType.REMINDER_FEE,
    (PartyKind.CUSTOMER, ItemType.INTEREST): VoucherType.INTEREST_NOTE,
    **{(k, ItemType.WRITE_OFF): VoucherType.WRITE_OFF for k in PartyKind},
    **{(k, ItemType.OPENING_BALANCE): VoucherType.OPENING_BALANCE for k in PartyKind},
}


def voucher_type_for(kind: PartyKind, item_type: ItemType) -> VoucherType:
    """The voucher type of a party posting of the given item type."""
    try:
        return _VOUCHER_TYPES[(kind, item_type)]
    except KeyError:
        raise ValidationFailed(f"no voucher type for a {kind} {item_type}", field="type") from None


def ledger_sign(kind: PartyKind, item_type: ItemType) -> int:
    """Sign of the sub-ledger line in GL terms (debit +1, credit −1) for a positive amount.

    Customer invoices debit the receivable; supplier invoices credit the payable; payments, credit
    notes and write-offs go the other way (they reduce what is owed). An opening balance is given in
    the ledger's natural sign (positive = the party owes us for customers, we owe them for
    suppliers), like an invoice.
    """
    natural = -1 if item_type in (ItemType.PAYMENT, ItemType.CREDIT_NOTE, ItemType.WRITE_OFF) else 1
    return natural if kind is PartyKind.CUSTOMER else -natural


def natural_sign(kind: PartyKind) -> int:
    """Multiply a GL-signed sub-ledger amount by this to get the ledger's natural sign."""
    return 1 if kind is PartyKind.CUSTOMER else -1


@dataclass(frozen=True, slots=True)
class VatCode:
    """A VAT code with its rate (percent), GL account and SAF-T standard tax code."""

    code: str
    rate: Decimal
    account: str | None
    direction: str  # "output", "input" or "none"
    saft_code: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    """One GL line. ``amount`` is company currency, debit positive."""

    account: str
    amount: Decimal
    currency: str
    currency_amount: Decimal
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None
    description: str | None = None
    is_subledger: bool = False


@dataclass(frozen=True, slots=True)
class CounterLine:
    """A revenue/expense/bank part of a posting, gross (incl. VAT) in the posting's currency."""

    account: str
    gross: Decimal
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None
    description: str | None = None


def split_vat(gross: Decimal, rate: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """Split a VAT-inclusive amount into (net, vat), VAT rounded half-up to the minor unit."""
    vat = round_money(gross * rate / (Decimal(100) + rate), currency)
    return gross - vat, vat


_ONE = Decimal(1)


def convert(amount: Decimal, rate: Decimal, company_currency: str) -> Decimal:
    """A currency amount in company currency at ``rate`` (company currency per unit)."""
    if rate == _ONE and -int(amount.as_tuple().exponent) <= exponent(company_currency):
        return amount  # already whole minor units of the company currency: nothing to round
    return round_money(amount * rate, company_currency)


def build_lines(
    *,
    control_account: str,
    sign: int,
    gross: Decimal,
    currency: str,
    rate: Decimal,
    company_currency: str,
    counters: Sequence[CounterLine],
    vat_codes: dict[str, VatCode],
    description: str | None = None,
) -> list[Line]:
    """The balanced lines of a party posting.

    The sub-ledger line carries ``sign * gross``; each counter line the opposite sign, split
    into net and VAT by its VAT code. Company-currency rounding differences go to the largest
    counter line, so the voucher always balances to the øre.
    """
    if gross <= 0:
        raise ValidationFailed(f"amount {gross} must be positive", field="amount")
    if sum((c.gross for c in counters), Decimal(0)) != gross:
        raise Unbalanced(f"the counter lines add up to {sum(c.gross for c in counters)}, not {gross}",
                         field="lines")
    control_company = convert(gross, rate, company_currency)
    lines = [Line(control_account, sign * control_company, currency, sign * gross,
                  description=description, is_subledger=True)]
    counter_lines: list[Line] = []
    for c in counters:
        vc = vat_codes.get(c.vat_code) if c.vat_code else None
        if c.vat_code and vc is None:
            raise ValidationFailed(f"VAT code {c.vat_code!r} does not exist", field="vat_code")
        net, vat = (split_vat(c.gross, vc.rate, currency) if vc and vc.rate else (c.gross, Decimal(0)))
        counter_lines.append(Line(c.account, -sign * convert(net, rate, company_currency), currency, -sign * net,
                                  c.vat_code, c.department, c.project, c.description or description))
        if vat:
            assert vc is not None
            if vc.account is None:
                raise ValidationFailed(f"VAT code {vc.code} has a {vc.rate} % rate but no VAT account",
                                       field="vat_code")
            counter_lines.append(Line(vc.account, -sign * convert(vat, rate, company_currency), currency,
                                      -sign * vat, c.vat_code, c.department, c.project,
                                      c.description or description))
    diff = -(sum((ln.amount for ln in counter_lines), Decimal(0)) + lines[0].amount)
    if diff:
        biggest = max(range(len(counter_lines)), key=lambda i: abs(counter_lines[i].amount))
        old = counter_lines[biggest]
        counter_lines[biggest] = Line(old.account, old.amount + diff, old.currency, old.currency_amount,
                                      old.vat_code, old.department, old.project, old.description)
    lines.extend(counter_lines)
    check_balanced(lines)
    return lines


def check_balanced(lines: Sequence[Line]) -> None:
    """Raise :class:`Unbalanced` unless the lines sum to zero in company currency."""
    total = sum((ln.amount for ln in lines), Decimal(0))
    if total != 0:
        raise Unbalanced(f"voucher does not balance: debit − credit = {total}")


def reversal_lines(lines: Sequence[Line]) -> list[Line]:
    """The lines of a reversal: every line with its sign turned."""
    return [Line(ln.account, -ln.amount, ln.currency, -ln.currency_amount, ln.vat_code, ln.department,
                 ln.project, ln.description, ln.is_subledger) for ln in lines]
