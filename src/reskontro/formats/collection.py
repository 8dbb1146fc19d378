"""Debt collection (inkasso): the case file we hand to a collection agency, and the status file it sends back.

A Norwegian creditor may hand an overdue claim to a collection agency (inkassobyrå) once the debtor has had a
written collection notice (inkassovarsel, inkassoloven § 9) with a deadline of at least 14 days from when it
was sent, and that deadline has passed. What goes over is a *case*: one debtor, one currency, the open
documents (the invoices, the reminder fees we charged, the interest we billed), the reminder history, and what
the agency needs to go on (where interest runs from and on what basis, the standard compensation of
forsinkelsesrenteloven § 3a against a business).

Out — a :class:`CaseBatch` of :class:`CollectionCase` records, written by

* :func:`write_case_batch_json`: the complete file (``"format": "reskontro-collection-cases"``,
  ``"version": 1``), UTF-8, keys in a fixed order, amounts as decimal strings with the currency's decimals
  (``"1234.50"``, never a JSON number), dates ISO 8601, ``created_at`` in UTC. Its JSON Schema (draft 2020-12)
  is ``schemas/collection-cases-v1.schema.json`` (:func:`case_batch_schema`);
* :func:`write_case_batch_csv`: the same cases flat, one row per case document with the case and debtor
  columns repeated, for a spreadsheet: UTF-8 with a BOM, ``;`` between cells, a decimal *point*, a header row.
  A text cell that a spreadsheet would run as a formula gets a leading apostrophe
  (:func:`reskontro.formats.tabular.export.neutralise`). The reminder history is in the JSON only.

The records check themselves when built (``ValueError`` naming the case and field): a case's ``principal``,
``fees`` and ``interest`` are the sums of its open documents by type, amounts are exact ``Decimal`` with no
more decimals than the currency has and never negative (a float is refused), the warning deadline is at
least 14 days after the warning was sent and the case was ready only after it had passed.

In — :func:`read_status_file` reads the agency's status/settlement file (CSV with ``;`` or ``,``, UTF-8 with
or without a BOM, or the same as JSON) into a :class:`StatusFile` of :class:`StatusEvent`. Each event says
what happened to one case: the agency acknowledged it, the debtor paid (in part or in full), it was closed or
written off; what the debtor paid to the agency for each component, what the agency kept and what it remits
to us. The remittance rule::

    paid     = paid_principal + paid_fees + paid_interest + paid_costs   (what the debtor paid the agency)
    remitted = max(paid − agency_fee, 0)                                (what the agency pays us)
    owed_to_agency = max(agency_fee − paid, 0)                          (what the agency invoices us)

``paid_costs`` is what the debtor paid toward the agency's own collection costs (inkassosalær, omkostninger),
``agency_fee`` everything the agency keeps for the event — its salær out of those costs, and any fee it takes
from our money. In the normal Norwegian case the two are equal and the agency remits principal, fees and
interest in full. The whole file is checked and every fault is reported with its row (CSV: the file's row,
the header being row 1; JSON: the event's number) and column; a file with any fault yields no events at all
(:class:`CollectionFileInvalid`), so nothing of it is posted. ``event_id`` is the agency's key for an event,
unique in the file; importing services keep it (per agency) under a unique constraint so that an event read
again posts nothing.

See ``docs/collection.md`` for both files field by field, with examples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any, TypeVar

from reskontro.formats.result import Problem
from reskontro.formats.tabular.export import to_csv
from reskontro.formats.tabular.reader import TableError, read_table
from reskontro.money import MoneyError, check_currency, from_minor, to_decimal, to_minor

#: The case file's ``format`` and ``version``; a change a reader must know of is a new version.
CASE_FORMAT = "reskontro-collection-cases"
CASE_VERSION = 1
#: The JSON status file's ``format`` and ``version``.
STATUS_FORMAT = "reskontro-collection-status"
STATUS_VERSION = 1
#: The case file's JSON Schema, in ``reskontro/formats/schemas/``.
CASE_SCHEMA_FILE = "collection-cases-v1.schema.json"

#: inkassoloven § 9: the debtor gets at least 14 days from when the collection notice is sent.
WARNING_MIN_DAYS = 14
#: Address lines a creditor or debtor may have (the CSV has three address columns).
MAX_ADDRESS_LINES = 3

_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")  # a batch_ref is also a file name
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_ORG_NUMBER_NO = re.compile(r"[0-9]{9}")
_BANK_ACCOUNT = re.compile(r"[0-9]{11}|[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")  # compact BBAN or IBAN
_KID = re.compile(r"[0-9]{1,24}[0-9-]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_Code = TypeVar("_Code", bound=StrEnum)


class DebtorType(StrEnum):
    BUSINESS = "business"
    CONSUMER = "consumer"


class ClaimItemType(StrEnum):
    """What an open document of a case is; each type sums to one of the case's amounts."""

    INVOICE = "invoice"  # -> principal
    REMINDER_FEE = "reminder_fee"  # -> fees (purregebyr, the inkassovarsel fee)
    INTEREST = "interest"  # -> interest (forsinkelsesrente billed so far)


class ReminderLevelType(StrEnum):
    REMINDER = "reminder"  # purring / betalingspåminnelse
    WARNING = "warning"  # inkassovarsel (inkassoloven § 9)


class Channel(StrEnum):
    LETTER = "letter"
    EMAIL = "email"


class CollectionStatus(StrEnum):
    """What a status event says happened to a case at the agency."""

    ACKNOWLEDGED = "acknowledged"  # the agency received and registered the case
    OPEN = "open"  # still in collection, nothing paid in this event (a status update, a payment plan)
    PARTLY_PAID = "partly_paid"  # the debtor paid part of the claim
    PAID = "paid"  # paid in full; the case is closed at the agency
    CLOSED = "closed"  # closed without (further) payment: withdrawn by us, or paid to us directly
    WRITTEN_OFF = "written_off"  # the agency gave up: nothing (more) to collect


#: Statuses whose events carry no money at all.
_NO_MONEY = (CollectionStatus.ACKNOWLEDGED, CollectionStatus.OPEN)
#: Statuses whose events carry no payment from the debtor (the agency may still charge us a fee).
_NO_PAYMENT = (*_NO_MONEY, CollectionStatus.CLOSED, CollectionStatus.WRITTEN_OFF)


# --- checks the records make of themselves ----------------------------------------------------------


def _fail(owner: str, field: str, message: str) -> ValueError:
    return ValueError(f"{owner}: {field} {message}")


def _set(record: object, field: str, value: object) -> None:
    object.__setattr__(record, field, value)


def _text(owner: str, field: str, value: object, *, optional: bool = False, max_len: int = 200) -> None:
    if value is None and optional:
        return
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _fail(owner, field, "is required")
    if not isinstance(value, str):
        raise _fail(owner, field, f"must be text, not {value!r}")
    if len(value) > max_len:
        raise _fail(owner, field, f"is longer than {max_len} characters")


def _pattern(owner: str, field: str, value: object, pattern: re.Pattern[str], shape: str, *,
             optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _fail(owner, field, f"{value!r} is not {shape}")


def _day(owner: str, field: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _fail(owner, field, f"must be a date, not {value!r}")


def _choice(owner: str, field: str, value: object, kind: type[_Code]) -> _Code:
    """The code as its enum member; a plain string with a known value is taken too."""
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    allowed = ", ".join(k.value for k in kind)
    raise _fail(owner, field, f"{value!r} is not one of {allowed}")


def _amount(owner: str, field: str, value: object, currency: str | None) -> Decimal:
    """An exact, non-negative amount (a float is refused), with no more decimals than the currency has."""
    try:
        amount = to_decimal(value)  # type: ignore[arg-type]  # anything else is refused with MoneyError
    except MoneyError as exc:
        raise _fail(owner, field, str(exc)) from None
    if amount < 0:
        raise _fail(owner, field, f"{amount} is negative")
    if currency is not None:
        try:
            to_minor(amount, currency)
        except MoneyError:
            raise _fail(owner, field, f"{amount} has more decimals than {currency} allows") from None
    return amount


def _currency(owner: str, value: object) -> str:
    if not isinstance(value, str) or _currency_code(value) != value:
        raise _fail(owner, "currency", f"{value!r} is not a three-letter ISO 4217 code in capitals")
    return value


def _currency_code(text: str) -> str | None:
    """The ISO 4217 code upper-cased, or None if the text is not three ASCII letters."""
    try:
        return check_currency(text)
    except MoneyError:
        return None


def _address(owner: str, lines: object) -> tuple[str, ...]:
    if isinstance(lines, str) or not isinstance(lines, Iterable):
        raise _fail(owner, "address", f"must be a sequence of lines, not {lines!r}")
    address = tuple(lines)
    if not 1 <= len(address) <= MAX_ADDRESS_LINES:
        raise _fail(owner, "address", f"must have 1 to {MAX_ADDRESS_LINES} lines, not {len(address)}")
    for line in address:
        _text(owner, "address", line, max_len=100)
    return address


# --- the case file's records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Creditor:
    """Us: the company that owns the claims. Numbers in compact form (9-digit orgnr, 11-digit BBAN or IBAN)."""

    name: str
    org_number: str
    bank_account: str  # where the agency remits
    address: tuple[str, ...]
    postal_code: str
    city: str
    country: str = "NO"
    contact_email: str

    def __post_init__(self) -> None:
        owner = "creditor"
        _text(owner, "name", self.name)
        _text(owner, "org_number", self.org_number)
        _pattern(owner, "org_number", self.org_number, _ORG_NUMBER_NO, "a 9-digit organisation number")
        _text(owner, "bank_account", self.bank_account)
        _pattern(owner, "bank_account", self.bank_account, _BANK_ACCOUNT, "an 11-digit account number or an IBAN")
        _set(self, "address", _address(owner, self.address))
        _text(owner, "postal_code", self.postal_code, max_len=20)
        _text(owner, "city", self.city, max_len=100)
        _pattern(owner, "country", self.country, _COUNTRY, "a two-letter ISO 3166 country code")
        _text(owner, "contact_email", self.contact_email)
        _pattern(owner, "contact_email", self.contact_email, _EMAIL, "an e-mail address")


@dataclass(frozen=True, slots=True, kw_only=True)
class Debtor:
    """The customer who owes. A consumer has no organisation number; a Norwegian one is 9 digits."""

    party_number: str  # our customer number
    name: str
    debtor_type: DebtorType
    org_number: str | None = None
    address: tuple[str, ...]
    postal_code: str
    city: str
    country: str = "NO"
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None  # the person to ask for at a business
    language: str = "nb"  # ISO 639-1: nb, nn, en...

    def __post_init__(self) -> None:
        owner = f"debtor {self.party_number!r}"
        _text(owner, "party_number", self.party_number, max_len=50)
        _text(owner, "name", self.name)
        _set(self, "debtor_type", _choice(owner, "debtor_type", self.debtor_type, DebtorType))
        _text(owner, "org_number", self.org_number, optional=True, max_len=50)
        if self.debtor_type is DebtorType.CONSUMER and self.org_number is not None:
            raise _fail(owner, "org_number", "is given for a consumer: a debtor with one is a business")
        if self.country == "NO":
            _pattern(owner, "org_number", self.org_number, _ORG_NUMBER_NO, "a 9-digit organisation number",
                     optional=True)
        _set(self, "address", _address(owner, self.address))
        _text(owner, "postal_code", self.postal_code, max_len=20)
        _text(owner, "city", self.city, max_len=100)
        _pattern(owner, "country", self.country, _COUNTRY, "a two-letter ISO 3166 country code")
        _text(owner, "email", self.email, optional=True)
        _pattern(owner, "email", self.email, _EMAIL, "an e-mail address", optional=True)
        _text(owner, "phone", self.phone, optional=True, max_len=50)
        _text(owner, "contact_name", self.contact_name, optional=True)
        _pattern(owner, "language", self.language, _LANGUAGE, "a two-letter ISO 639-1 language code")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimDocument:
    """One open document of the case: ``original`` as issued, ``open`` what is still owed (0 < open ≤ original)."""

    document_number: str
    item_type: ClaimItemType
    item_date: date
    due_date: date
    currency: str
    original: Decimal
    open: Decimal
    kid: str | None = None

    def __post_init__(self) -> None:
        owner = f"document {self.document_number!r}"
        _text(owner, "document_number", self.document_number, max_len=50)
        _set(self, "item_type", _choice(owner, "item_type", self.item_type, ClaimItemType))
        _day(owner, "item_date", self.item_date)
        _day(owner, "due_date", self.due_date)
        if self.due_date < self.item_date:
            raise _fail(owner, "due_date", f"{self.due_date} is before the item date {self.item_date}")
        currency = _currency(owner, self.currency)
        _set(self, "original", _amount(owner, "original", self.original, currency))
        _set(self, "open", _amount(owner, "open", self.open, currency))
        if not 0 < self.open <= self.original:
            raise _fail(owner, "open", f"{self.open} must be above 0 and at most the original {self.original}")
        _pattern(owner, "kid", self.kid, _KID, "a KID (digits, the last may be '-')", optional=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderEvent:
    """A reminder (purring) or collection notice (inkassovarsel) we sent, with the fee and interest it stated."""

    sent_on: date
    level_no: int  # 1, 2, ... in the order of the company's reminder levels
    level_type: ReminderLevelType
    deadline: date
    fee: Decimal
    interest: Decimal
    channel: Channel
    reference: str | None = None  # our letter or message id

    def __post_init__(self) -> None:
        owner = f"reminder of {self.sent_on}"
        _day(owner, "sent_on", self.sent_on)
        if isinstance(self.level_no, bool) or not isinstance(self.level_no, int) or self.level_no < 1:
            raise _fail(owner, "level_no", f"must be a whole number from 1, not {self.level_no!r}")
        _set(self, "level_type", _choice(owner, "level_type", self.level_type, ReminderLevelType))
        _day(owner, "deadline", self.deadline)
        if self.deadline < self.sent_on:
            raise _fail(owner, "deadline", f"{self.deadline} is before it was sent")
        _set(self, "fee", _amount(owner, "fee", self.fee, None))
        _set(self, "interest", _amount(owner, "interest", self.interest, None))
        _set(self, "channel", _choice(owner, "channel", self.channel, Channel))
        _text(owner, "reference", self.reference, optional=True, max_len=100)


#: Which case amount each document type adds up to.
_SUMMED: tuple[tuple[str, ClaimItemType], ...] = (
    ("principal", ClaimItemType.INVOICE), ("fees", ClaimItemType.REMINDER_FEE), ("interest", ClaimItemType.INTEREST))


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionCase:
    """One debtor's claims in one currency, ready for collection.

    ``principal``, ``fees`` and ``interest`` are the sums of the open documents of type invoice, reminder_fee
    and interest. ``compensation`` is the standard compensation of forsinkelsesrenteloven § 3a (business
    debtors only). ``interest_from`` is the day from which the agency calculates further interest on the
    principal (interest before it is in ``interest``); None claims no further interest. ``ready_on`` is the
    day the case became ready to hand over: after ``warning_deadline``.
    """

    case_ref: str
    currency: str
    debtor: Debtor
    documents: tuple[ClaimDocument, ...]
    principal: Decimal
    fees: Decimal
    interest: Decimal
    compensation: Decimal = Decimal(0)
    interest_from: date | None
    interest_rate_note: str | None = None  # e.g. "forsinkelsesrente, forsinkelsesrenteloven § 3"
    warning_sent_on: date
    warning_deadline: date
    ready_on: date
    reminders: tuple[ReminderEvent, ...] = ()

    def __post_init__(self) -> None:
        owner = f"case {self.case_ref!r}"
        _text(owner, "case_ref", self.case_ref, max_len=80)
        currency = _currency(owner, self.currency)
        if not isinstance(self.debtor, Debtor):
            raise _fail(owner, "debtor", f"must be a Debtor, not {type(self.debtor).__name__}")
        _set(self, "documents", tuple(self.documents))
        _set(self, "reminders", tuple(self.reminders))
        for field in ("principal", "fees", "interest", "compensation"):
            _set(self, field, _amount(owner, field, getattr(self, field), currency))
        _day(owner, "interest_from", self.interest_from, optional=True)
        _text(owner, "interest_rate_note", self.interest_rate_note, optional=True, max_len=500)
        for field in ("warning_sent_on", "warning_deadline", "ready_on"):
            _day(owner, field, getattr(self, field))
        self._check_documents(owner, currency)
        self._check_dates(owner)
        self._check_reminders(owner, currency)
        if self.debtor.debtor_type is DebtorType.CONSUMER and self.compensation:
            raise _fail(owner, "compensation", "cannot be claimed from a consumer (forsinkelsesrenteloven § 3a)")

    def _check_documents(self, owner: str, currency: str) -> None:
        if not self.documents:
            raise _fail(owner, "documents", "are missing: a case has at least one invoice")
        seen: set[str] = set()
        for doc in self.documents:
            if not isinstance(doc, ClaimDocument):
                raise _fail(owner, "documents", f"must be ClaimDocument records, not {type(doc).__name__}")
            if doc.currency != currency:
                raise _fail(owner, "documents", f"{doc.document_number!r} is in {doc.currency}, not {currency}")
            if doc.document_number in seen:
                raise _fail(owner, "documents", f"{doc.document_number!r} is given twice")
            seen.add(doc.document_number)
            if doc.item_type is ClaimItemType.INVOICE and doc.due_date >= self.ready_on:
                raise _fail(owner, "documents", f"invoice {doc.document_number!r} is not overdue on {self.ready_on}")
        for field, item_type in _SUMMED:
            total = sum((d.open for d in self.documents if d.item_type is item_type), Decimal(0))
            if getattr(self, field) != total:
                raise _fail(owner, field, f"{getattr(self, field)} is not the sum of the open {item_type} "
                                          f"documents ({total})")
        if not self.principal:
            raise _fail(owner, "documents", "hold no invoice: there is no principal to collect")

    def _check_dates(self, owner: str) -> None:
        if self.warning_deadline < self.warning_sent_on + timedelta(days=WARNING_MIN_DAYS):
            raise _fail(owner, "warning_deadline", f"{self.warning_deadline} is less than {WARNING_MIN_DAYS} days "
                                                   f"after the warning was sent ({self.warning_sent_on})")
        if self.ready_on <= self.warning_deadline:
            raise _fail(owner, "ready_on", f"{self.ready_on} is not after the warning deadline "
                                           f"{self.warning_deadline}")

    def _check_reminders(self, owner: str, currency: str) -> None:
        last: ReminderEvent | None = None
        for event in self.reminders:
            if not isinstance(event, ReminderEvent):
                raise _fail(owner, "reminders", f"must be ReminderEvent records, not {type(event).__name__}")
            if last is not None and event.sent_on < last.sent_on:
                raise _fail(owner, "reminders", f"are not in date order ({event.sent_on} after {last.sent_on})")
            last = event
            for field in ("fee", "interest"):
                _amount(owner, f"reminders[{event.sent_on}].{field}", getattr(event, field), currency)
        warnings = [e for e in self.reminders if e.level_type is ReminderLevelType.WARNING]
        if warnings and (warnings[-1].sent_on, warnings[-1].deadline) != (self.warning_sent_on,
                                                                             self.warning_deadline):
            raise _fail(owner, "warning_sent_on", f"and warning_deadline ({self.warning_sent_on}, "
                                                  f"{self.warning_deadline}) are not those of the last warning in "
                                                  f"reminders ({warnings[-1].sent_on}, {warnings[-1].deadline})")

    @property
    def total(self) -> Decimal:
        """What the case claims: principal + fees + interest + compensation."""
        return self.principal + self.fees + self.interest + self.compensation


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseBatch:
    """The cases handed over together. ``batch_ref`` names the files (letters, digits, ``.``, ``_``, ``-``)."""

    batch_ref: str
    created_at: datetime  # aware; kept in UTC
    creditor: Creditor
    cases: tuple[CollectionCase, ...]

    def __post_init__(self) -> None:
        owner = f"batch {self.batch_ref!r}"
        _text(owner, "batch_ref", self.batch_ref, max_len=80)
        _pattern(owner, "batch_ref", self.batch_ref, _REFERENCE, "a plain reference (letters, digits, . _ -)")
        if not isinstance(self.created_at, datetime) or self.created_at.utcoffset() is None:
            raise _fail(owner, "created_at", f"must be an aware datetime, not {self.created_at!r}")
        _set(self, "created_at", self.created_at.astimezone(UTC))
        if not isinstance(self.creditor, Creditor):
            raise _fail(owner, "creditor", f"must be a Creditor, not {type(self.creditor).__name__}")
        _set(self, "cases", tuple(self.cases))
        if not self.cases:
            raise _fail(owner, "cases", "are missing: a batch hands over at least one case")
        refs = [c.case_ref for c in self.cases]
        twice = sorted({r for r in refs if refs.count(r) > 1})
        if twice:
            raise _fail(owner, "cases", f"give case_ref {', '.join(map(repr, twice))} more than once")

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Control totals per currency: principal, fees, interest, compensation and total."""
        out: dict[str, dict[str, Decimal]] = {}
        for case in self.cases:
            sums = out.setdefault(case.currency, dict.fromkeys(_TOTAL_FIELDS, Decimal(0)))
            for field in _TOTAL_FIELDS:
                sums[field] += getattr(case, field)
        return dict(sorted(out.items()))


_TOTAL_FIELDS = ("principal", "fees", "interest", "compensation", "total")


# --- writers -----------------------------------------------------------------------------------------


def _money(amount: Decimal, currency: str) -> str:
    """The amount as text with exactly the currency's decimals: ``1234.50``, ``1200`` (JPY)."""
    return str(from_minor(to_minor(amount, currency), currency))


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _creditor_json(creditor: Creditor) -> dict[str, Any]:
    return {
        "name": creditor.name, "org_number": creditor.org_number, "bank_account": creditor.bank_account,
        "address": list(creditor.address), "postal_code": creditor.postal_code, "city": creditor.city,
        "country": creditor.country, "contact_email": creditor.contact_email,
    }


def _debtor_json(debtor: Debtor) -> dict[str, Any]:
    return {
        "party_number": debtor.party_number, "name": debtor.name, "debtor_type": debtor.debtor_type.value,
        "org_number": debtor.org_number, "address": list(debtor.address), "postal_code": debtor.postal_code,
        "city": debtor.city, "country": debtor.country, "email": debtor.email, "phone": debtor.phone,
        "contact_name": debtor.contact_name, "language": debtor.language,
    }


def _case_json(case: CollectionCase) -> dict[str, Any]:
    cur = case.currency
    return {
        "case_ref": case.case_ref, "currency": cur,
        "principal": _money(case.principal, cur), "fees": _money(case.fees, cur),
        "interest": _money(case.interest, cur), "compensation": _money(case.compensation, cur),
        "total": _money(case.total, cur),
        "interest_from": _iso(case.interest_from), "interest_rate_note": case.interest_rate_note,
        "warning_sent_on": _iso(case.warning_sent_on), "warning_deadline": _iso(case.warning_deadline),
        "ready_on": _iso(case.ready_on),
        "debtor": _debtor_json(case.debtor),
        "documents": [{
            "document_number": d.document_number, "item_type": d.item_type.value, "item_date": _iso(d.item_date),
            "due_date": _iso(d.due_date), "currency": d.currency, "original": _money(d.original, cur),
            "open": _money(d.open, cur), "kid": d.kid,
        } for d in case.documents],
        "reminders": [{
            "sent_on": _iso(r.sent_on), "level_no": r.level_no, "level_type": r.level_type.value,
            "deadline": _iso(r.deadline), "fee": _money(r.fee, cur), "interest": _money(r.interest, cur),
            "channel": r.channel.value, "reference": r.reference,
        } for r in case.reminders],
    }


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def case_batch_document(batch: CaseBatch) -> dict[str, Any]:
    """The case file as a JSON-ready ``dict`` (text, lists and dicts only; amounts as decimal strings)."""
    return {
        "format": CASE_FORMAT,
        "version": CASE_VERSION,
        "batch_ref": batch.batch_ref,
        "created_at": _utc_text(batch.created_at),
        "creditor": _creditor_json(batch.creditor),
        "case_count": len(batch.cases),
        "totals": [{"currency": cur, **{k: _money(v, cur) for k, v in sums.items()}}
                   for cur, sums in batch.totals().items()],
        "cases": [_case_json(case) for case in batch.cases],
    }


def write_case_batch_json(batch: CaseBatch) -> bytes:
    """The complete case file as UTF-8 JSON (see the module docstring); the same batch gives the same bytes."""
    return (json.dumps(case_batch_document(batch), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


#: The CSV's columns, in order: batch, case, debtor, then the document of the row.
CSV_COLUMNS = (
    "batch_ref", "creditor_org_number", "case_ref", "case_currency", "principal", "fees", "interest",
    "compensation", "case_total", "interest_from", "interest_rate_note", "warning_sent_on", "warning_deadline",
    "ready_on", "debtor_party_number", "debtor_name", "debtor_type", "debtor_org_number",
    *(f"debtor_address_{n}" for n in range(1, MAX_ADDRESS_LINES + 1)), "debtor_postal_code", "debtor_city",
    "debtor_country", "debtor_email", "debtor_phone", "debtor_contact_name", "debtor_language",
    "document_number", "item_type", "item_date", "due_date", "currency", "original", "open", "kid",
)


def _csv_rows(batch: CaseBatch) -> Iterator[dict[str, Any]]:
    for case in batch.cases:
        cur, debtor = case.currency, case.debtor
        lines = [*debtor.address, *[None] * MAX_ADDRESS_LINES]
        head = {
            "batch_ref": batch.batch_ref, "creditor_org_number": batch.creditor.org_number,
            "case_ref": case.case_ref, "case_currency": cur, "principal": _money(case.principal, cur),
            "fees": _money(case.fees, cur), "interest": _money(case.interest, cur),
            "compensation": _money(case.compensation, cur), "case_total": _money(case.total, cur),
            "interest_from": case.interest_from, "interest_rate_note": case.interest_rate_note,
            "warning_sent_on": case.warning_sent_on, "warning_deadline": case.warning_deadline,
            "ready_on": case.ready_on, "debtor_party_number": debtor.party_number, "debtor_name": debtor.name,
            "debtor_type": debtor.debtor_type.value, "debtor_org_number": debtor.org_number,
            **{f"debtor_address_{n}": lines[n - 1] for n in range(1, MAX_ADDRESS_LINES + 1)},
            "debtor_postal_code": debtor.postal_code, "debtor_city": debtor.city, "debtor_country": debtor.country,
            "debtor_email": debtor.email, "debtor_phone": debtor.phone, "debtor_contact_name": debtor.contact_name,
            "debtor_language": debtor.language,
        }
        for doc in case.documents:
            yield {**head, "document_number": doc.document_number, "item_type": doc.item_type.value,
                   "item_date": doc.item_date, "due_date": doc.due_date, "currency": doc.currency,
                   "original": _money(doc.original, cur), "open": _money(doc.open, cur), "kid": doc.kid}


def write_case_batch_csv(batch: CaseBatch) -> bytes:
    """The cases flat, one row per case document (see the module docstring): UTF-8 with a BOM, ``;``-separated."""
    # Amounts go in as text with a decimal point; ``to_csv`` leaves plain numbers alone and neutralises any
    # other text that starts like a formula.
    return to_csv(_csv_rows(batch), CSV_COLUMNS, delimiter=";", bom=True)


def case_batch_schema() -> dict[str, Any]:
    """The case file's JSON Schema (draft 2020-12), from the package data."""
    text = (resources.files("reskontro.formats") / "schemas" / CASE_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# --- the status file ---------------------------------------------------------------------------------


class CollectionFileInvalid(ValueError):
    """A status file that cannot be taken: ``problems`` names each fault with its row and column."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:3]]
        if len(self.problems) > 3:
            shown[-1] += f" (and {len(self.problems) - 3} more)"
        super().__init__("; ".join(shown))


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusEvent:
    """One event of one case at the agency; amounts are what the debtor paid the agency in this event.

    ``location`` is where in the file it was read ("row 3", "event 2").
    """

    location: str
    agency_ref: str  # the agency's case number
    case_ref: str  # ours, from the case file
    event_id: str  # the agency's key for the event: unique, the idempotency key of the import
    event_date: date
    status: CollectionStatus
    currency: str
    paid_principal: Decimal
    paid_fees: Decimal  # toward our reminder fees and the § 3a compensation
    paid_interest: Decimal
    paid_costs: Decimal  # toward the agency's own collection costs
    agency_fee: Decimal  # all the agency keeps for the event
    remitted: Decimal  # what the agency pays us for the event
    note: str | None = None

    @property
    def paid(self) -> Decimal:
        """All the debtor paid the agency in this event."""
        return self.paid_principal + self.paid_fees + self.paid_interest + self.paid_costs

    @property
    def collected(self) -> Decimal:
        """What this event takes off our claim: the paid principal, fees and interest."""
        return self.paid_principal + self.paid_fees + self.paid_interest

    @property
    def owed_to_agency(self) -> Decimal:
        """What we owe the agency for this event (it kept less than its fee): it invoices us for this."""
        return max(self.agency_fee - self.paid, Decimal(0))


@dataclass(frozen=True, slots=True)
class StatusFile:
    """A checked status file: its name, ``"csv"`` or ``"json"``, and its events in file order."""

    source: str
    format: str
    events: tuple[StatusEvent, ...]


STATUS_COLUMNS = ("agency_ref", "case_ref", "event_id", "event_date", "status", "currency", "paid_principal",
                  "paid_fees", "paid_interest", "agency_fee", "remitted")
#: Columns a status file may leave out: ``paid_costs`` is then 0, ``note`` empty.
STATUS_OPTIONAL = ("paid_costs", "note")
_AMOUNT_COLUMNS = ("paid_principal", "paid_fees", "paid_interest", "paid_costs", "agency_fee", "remitted")
_TEXT_LIMITS = {"agency_ref": 100, "case_ref": 80, "event_id": 100, "note": 500}
_AMOUNT = re.compile(r"[0-9]+([.,][0-9]+)?")


class _Event:
    """One event's values, typed one column at a time; each bad value is a problem naming row and column."""

    def __init__(self, source: str, row: int, unit: str, values: Mapping[str, object],
                 problems: list[Problem]) -> None:
        self.source, self.row, self.unit, self.values, self.problems = source, row, unit, values, problems
        self.bad = False

    def fail(self, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, column, code, message, self.unit))
        self.bad = True

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = self.values.get(column)
        if value is None or value == "":
            if required:
                self.fail(column, "required", f"{column} is required")
            return None
        if not isinstance(value, str):
            self.fail(column, "bad_type", f"{column} must be text, not {value!r}")
            return None
        value = value.strip()
        if not value and required:
            self.fail(column, "required", f"{column} is required")
            return None
        if len(value) > _TEXT_LIMITS.get(column, 100):
            self.fail(column, "too_long", f"{column} is longer than {_TEXT_LIMITS.get(column, 100)} characters")
            return None
        return value or None

    def amount(self, column: str, currency: str | None) -> Decimal | None:
        """A non-negative amount with a decimal point or comma and no more decimals than the currency; blank is 0."""
        value = self.values.get(column)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            value = str(value)  # a JSON number, read exactly
        if value is None or value == "":
            return Decimal(0)
        if not isinstance(value, str):
            self.fail(column, "bad_type", f"{column} must be an amount, not {value!r}")
            return None
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
            self.fail(column, "negative_amount", f"{value!r} is negative; amounts in a status file are never "
                                                 "below 0")
            return None
        if not _AMOUNT.fullmatch(text):
            self.fail(column, "not_a_number", f"{value!r} is not an amount (like 1234.50)")
            return None
        amount = Decimal(text.replace(",", "."))
        if currency is not None:
            try:
                to_minor(amount, currency)
            except MoneyError:
                self.fail(column, "too_many_decimals", f"{value!r} has more decimals than {currency} allows")
                return None
        return amount

    def day(self, column: str) -> date | None:
        raw = self.text(column)
        if raw is None:
            return None
        for shape, order in ((r"(\d{4})-(\d{2})-(\d{2})", (1, 2, 3)), (r"(\d{2})\.(\d{2})\.(\d{4})", (3, 2, 1))):
            match = re.fullmatch(shape, raw)
            if match:
                try:
                    return date(*(int(match.group(k)) for k in order))
                except ValueError:
                    break
        self.fail(column, "not_a_date", f"{raw!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
        return None

    def currency(self) -> str | None:
        raw = self.text("currency")
        if raw is None:
            return None
        code = _currency_code(raw)
        if code is None:
            self.fail("currency", "bad_currency", f"{raw!r} is not a three-letter ISO 4217 currency code")
        return code

    def status(self) -> CollectionStatus | None:
        raw = self.text("status")
        if raw is None:
            return None
        try:
            return CollectionStatus(raw.lower())
        except ValueError:
            allowed = ", ".join(s.value for s in CollectionStatus)
            self.fail("status", "unknown_status", f"{raw!r} is not a status; one of {allowed}")
            return None


def _event(source: str, row: int, unit: str, values: Mapping[str, object],
           problems: list[Problem]) -> StatusEvent | None:
    """The row as an event, or None with its problems recorded: first each value, then the rules between them."""
    v = _Event(source, row, unit, values, problems)
    agency_ref, case_ref, event_id = v.text("agency_ref"), v.text("case_ref"), v.text("event_id")
    event_date, status, currency = v.day("event_date"), v.status(), v.currency()
    amounts = {c: v.amount(c, currency) for c in _AMOUNT_COLUMNS}
    note = v.text("note", required=False)
    if (v.bad or agency_ref is None or case_ref is None or event_id is None or event_date is None or status is None
            or currency is None):
        return None
    sums = {c: a or Decimal(0) for c, a in amounts.items()}  # all there: a bad amount made the row bad
    event = StatusEvent(location=f"{unit} {row}", agency_ref=agency_ref, case_ref=case_ref, event_id=event_id,
                        event_date=event_date, status=status, currency=currency,
                        paid_principal=sums["paid_principal"], paid_fees=sums["paid_fees"],
                        paid_interest=sums["paid_interest"], paid_costs=sums["paid_costs"],
                        agency_fee=sums["agency_fee"], remitted=sums["remitted"], note=note)
    refused = (_AMOUNT_COLUMNS if status in _NO_MONEY
               else ("paid_principal", "paid_fees", "paid_interest", "paid_costs") if status in _NO_PAYMENT else ())
    for column in refused:
        if sums[column]:
            v.fail(column, "amount_not_allowed", f"a {status} event carries no {column}, not {sums[column]}")
    if status is CollectionStatus.PARTLY_PAID and not event.paid:
        v.fail("status", "payment_missing", "a partly_paid event carries a payment: every paid_ amount is 0")
    expected = max(event.paid - event.agency_fee, Decimal(0))
    if not v.bad and event.remitted != expected:
        v.fail("remitted", "remitted_mismatch",
               f"{event.remitted} is not what the debtor paid ({event.paid}) less the agency's fee "
               f"({event.agency_fee}), which is {expected}")
    return None if v.bad else event


def _csv_events(data: bytes, source: str, problems: list[Problem]) -> Iterator[tuple[int, str, Mapping[str, object]]]:
    try:
        for text_row in read_table(data, source, required=STATUS_COLUMNS, optional=STATUS_OPTIONAL):
            yield text_row.row, "row", text_row.values
    except TableError as exc:
        problems.append(exc.problem)


def _json_events(data: bytes, source: str,
                 problems: list[Problem]) -> Iterator[tuple[int, str, Mapping[str, object]]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        problems.append(Problem(source, None, None, "bad_encoding", f"the file is not UTF-8 ({exc.reason})"))
        return
    except json.JSONDecodeError as exc:
        problems.append(Problem(source, exc.lineno, None, "bad_json", f"not valid JSON ({exc.msg}, column "
                                                                      f"{exc.colno})", "line"))
        return
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("format") != STATUS_FORMAT or type(version) is not int or (
            version != STATUS_VERSION):
        problems.append(Problem(source, None, "format", "bad_format",
                                f'not a status file: expected an object with "format": "{STATUS_FORMAT}", '
                                f'"version": {STATUS_VERSION} and "events"'))
        return
    events = doc.get("events")
    if not isinstance(events, list):
        problems.append(Problem(source, None, "events", "bad_format", '"events" must be a list of objects'))
        return
    known = {*STATUS_COLUMNS, *STATUS_OPTIONAL}
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            problems.append(Problem(source, number, None, "bad_type", "an event must be an object", "event"))
            continue
        for key in event:
            if key not in known:
                problems.append(Problem(source, number, str(key), "unknown_field", f"{key!r} is not a status "
                                                                                   "field", "event"))
        yield number, "event", event


def read_status_file(data: bytes, source: str) -> StatusFile:
    """Read and check an agency's status file (CSV or JSON); raises :class:`CollectionFileInvalid` with every fault.

    JSON is told by its first character (``{`` or ``[``); anything else is read as CSV.
    """
    problems: list[Problem] = []
    is_json = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    if data[:4] == b"PK\x03\x04":
        raise CollectionFileInvalid(source, [Problem(source, None, None, "bad_file",
                                                     "a status file is CSV or JSON, not a spreadsheet")])
    rows = _json_events(data, source, problems) if is_json else _csv_events(data, source, problems)
    events: list[StatusEvent] = []
    first_row: dict[str, int] = {}
    for row, unit, values in rows:
        event = _event(source, row, unit, values, problems)
        event_id = values.get("event_id")
        if isinstance(event_id, str) and event_id.strip():
            key = event_id.strip()
            if key in first_row:
                problems.append(Problem(source, row, "event_id", "duplicate_event",
                                        f"event_id {key!r} is already used in {unit} {first_row[key]}", unit))
                continue
            first_row[key] = row
        if event is not None:
            events.append(event)
    if problems:
        raise CollectionFileInvalid(source, problems)
    return StatusFile(source, "json" if is_json else "csv", tuple(events))
