"""The core sub-ledger's import files: parties and transactions (CSV or XLSX).

``parse_parties`` and ``parse_transactions`` check types and required values and collect every
problem with its row and column; business rules (org-number checksum, known party, duplicate
document) are the services' part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import ItemType
from reskontro.formats.result import ParseResult, Problem
from reskontro.formats.tabular.reader import TableError, TextRow, read_table

PARTY_COLUMNS = ("number", "kind", "name", "org_number", "email", "language", "currency", "payment_terms_days",
                 "credit_limit", "address", "postal_code", "city", "country")
PARTY_OPTIONAL = ("vat_registered", "phone", "bank_account", "bic", "group", "account", "vat_code", "department",
                  "project")
TRANSACTION_COLUMNS = ("party_number", "kind", "type", "document_number", "date", "due_date", "amount", "currency",
                       "kid", "description", "applies_to")
TRANSACTION_OPTIONAL = ("rate",)
TRANSACTION_TYPES = (ItemType.INVOICE, ItemType.CREDIT_NOTE, ItemType.PAYMENT)


@dataclass(frozen=True, slots=True)
class PartyRow:
    row: int
    values: dict[str, str]
    kind: PartyKind
    payment_terms_days: int | None
    credit_limit: Decimal | None


@dataclass(frozen=True, slots=True)
class TransactionRow:
    row: int
    party_number: str
    kind: PartyKind
    type: ItemType
    document_number: str
    date: dt.date
    due_date: dt.date | None
    amount: Decimal
    currency: str | None
    kid: str | None
    description: str | None
    applies_to: str | None
    rate: Decimal | None


class _Row:
    """Typed access to one row's text that records a problem instead of raising."""

    def __init__(self, source: str, text_row: TextRow, problems: list[Problem]) -> None:
        self.source, self.row, self.values, self.problems = source, text_row.row, text_row.values, problems
        self.bad = False

    def fail(self, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, column, code, message))
        self.bad = True

    def text(self, column: str, *, required: bool = False, max_len: int = 500) -> str | None:
        value = self.values.get(column, "").strip()
        if not value:
            if required:
                self.fail(column, "required", f"{column} is required")
            return None
        if len(value) > max_len:
            self.fail(column, "too_long", f"{column} is longer than {max_len} characters")
            return None
        return value

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        text = raw.replace("\u00a0", "").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # Norwegian decimal comma
        if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
            self.fail(column, "not_a_number", f"{raw!r} is not a number")
            return None
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes this
            self.fail(column, "not_a_number", f"{raw!r} is not a number")
            return None

    def integer(self, column: str) -> int | None:
        raw = self.text(column)
        if raw is None:
            return None
        if not re.fullmatch(r"\d{1,4}", raw):
            self.fail(column, "not_an_integer", f"{raw!r} is not a whole number of days")
            return None
        return int(raw)

    def day(self, column: str, *, required: bool = False) -> date | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        if len(raw) == 10 and raw[4] == "-":
            try:
                return date.fromisoformat(raw)  # the common case, and much faster than strptime
            except ValueError:
                pass
        for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
            try:
                return datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
            except ValueError:
                continue
        self.fail(column, "not_a_date", f"{raw!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
        return None

    def choice(self, column: str, allowed: tuple[str, ...]) -> str | None:
        raw = self.text(column, required=True)
        if raw is None:
            return None
        if raw.lower() not in allowed:
            self.fail(column, "bad_choice", f"{raw!r} is not one of {', '.join(allowed)}")
            return None
        return raw.lower()


def parse_parties(data: bytes | BinaryIO, source: str) -> ParseResult[PartyRow]:
    """Parse a parties file; every bad row is a problem, the good ones are records."""
    result: ParseResult[PartyRow] = ParseResult()
    try:
        for text_row in read_table(data, source, required=PARTY_COLUMNS, optional=PARTY_OPTIONAL):
            r = _Row(source, text_row, result.problems)
            r.text("number", required=True, max_len=30)
            r.text("name", required=True, max_len=200)
            kind = r.choice("kind", ("customer", "supplier"))
            terms = r.integer("payment_terms_days")
            limit = r.decimal("credit_limit")
            if limit is not None and limit < 0:
                r.fail("credit_limit", "negative", "credit limit cannot be negative")
            if not r.bad and kind is not None:
                result.records.append(PartyRow(text_row.row, text_row.values, PartyKind(kind), terms, limit))
    except TableError as exc:
        result.problems.append(exc.problem)
    return result


def iter_transactions(data: bytes | BinaryIO, source: str) -> Iterator[TransactionRow | Problem]:
    """Transactions one by one, or a :class:`Problem` for each bad row or for the file as a whole."""
    problems: list[Problem] = []
    try:
        for text_row in read_table(data, source, required=TRANSACTION_COLUMNS, optional=TRANSACTION_OPTIONAL):
            r = _Row(source, text_row, problems)
            party = r.text("party_number", required=True, max_len=30)
            kind = r.choice("kind", ("customer", "supplier"))
            type_ = r.choice("type", tuple(t.value for t in TRANSACTION_TYPES))
            document = r.text("document_number", required=True, max_len=60)
            day = r.day("date", required=True)
            due = r.day("due_date")
            amount = r.decimal("amount", required=True)
            if amount is not None and amount <= 0:
                r.fail("amount", "not_positive", f"amount {amount} must be positive (the type gives the direction)")
            currency = r.text("currency", max_len=3)
            kid = r.text("kid", max_len=25)
            rate = r.decimal("rate")
            if rate is not None and rate <= 0:
                r.fail("rate", "not_positive", "rate must be positive")
            if day and due and due < day:
                r.fail("due_date", "before_date", f"due date {due} is before the date {day}")
            description = r.text("description")
            applies_to = r.text("applies_to", max_len=60)
            if r.bad:
                yield from problems
                problems.clear()
                continue
            assert party and kind and type_ and document and day and amount is not None
            yield TransactionRow(
                text_row.row, party, PartyKind(kind), ItemType(type_), document, day, due, amount,
                currency.upper() if currency else None, kid, description, applies_to, rate)
    except TableError as exc:
        yield exc.problem


def parse_transactions(data: bytes | BinaryIO, source: str) -> ParseResult[TransactionRow]:
    """Parse a whole transactions file; every bad row is a problem, the good ones are records."""
    result: ParseResult[TransactionRow] = ParseResult()
    for item in iter_transactions(data, source):
        if isinstance(item, Problem):
            result.problems.append(item)
        else:
            result.records.append(item)
    return result
