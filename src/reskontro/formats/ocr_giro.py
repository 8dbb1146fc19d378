"""Nets OCR Giro: the fixed-width file of incoming KID payments a Norwegian bank delivers.

One transmission (``NY000010`` … ``NY000089``) holds assignments, one per receiving account (``NY090020`` …
``NY090088``); an assignment holds transactions of two records each (amount items 1 and 2, ``NY09tt30`` and
``NY09tt31``), plus a text record (item 3, ``NY09tt32``) for the "with text" types 20 and 21. Every line is
80 characters of ISO-8859-1; amounts are øre, dates ``DDMMYY``. Positions are those of the Nets system manual
as netsgiro reads them (``shared/reference/norway.md`` §3.1).

We read the file ourselves rather than with netsgiro because netsgiro refuses a MOD11 KID whose check
digit is ``-`` and its errors name no line. The whole file is checked — layout, record order, transaction
numbers, the counts and sums of the end records — and every fault is reported with its line and field: a
file with any fault yields no transaction, so a half-read file is never posted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from reskontro.formats.payments import BankFile, BankFileInvalid, BankTransaction
from reskontro.formats.result import Problem
from reskontro.identifiers.bank import ValidationError, validate_account

__all__ = ["FORMAT", "parse"]

FORMAT = "ocr-giro"

_LINE = 80
_TRANSMISSION_START = "NY000010"
_TRANSMISSION_END = "NY000089"
_ASSIGNMENT_START = "NY090020"
_ASSIGNMENT_END = "NY090088"
_ITEMS = {"30": 1, "31": 2, "32": 3}
_TYPES = frozenset(str(n) for n in range(10, 22))
_REVERSAL_TYPES = frozenset({"18", "20"})  # "reversal with KID", "reversal with text"
_TEXT_TYPES = frozenset({"20", "21"})  # only these carry amount item 3
#: Amount items 1 and 2 whose numeric fields are all digits: the usual line, checked in one match.
_ITEM1 = re.compile(r"NY09(\d\d)30(\d{7})(\d{6})\d{10}([0-])(\d{17})(.{25}).{6}", re.ASCII)
_ITEM2 = re.compile(r"NY09(\d\d)31(\d{7})\d{10}(.{9}).{7}(\d{6})(\d{11}).{22}", re.ASCII)
#: Digits, spaces around them, and a MOD11 check digit ``-`` only as the last character.
_KID = re.compile(r"[0-9](?:[0-9 ]*[0-9])?-?")


@dataclass(slots=True)
class _Transaction:
    line: int
    type: str
    number: str
    booking_date: date | None
    amount: int | None  # øre; None when the field could not be read
    sign: str
    kid: str | None
    items: int = 1  # the last amount item read (1, 2 or 3)
    done: bool = False  # made into a BankTransaction
    value_date: date | None = None
    counterparty_account: str | None = None
    bank_reference: str | None = None
    text: str | None = None


@dataclass(slots=True)
class _Assignment:
    line: int
    account: str
    transactions: int = 0
    total: int = 0
    total_known: bool = True
    last_number: int | None = None


@dataclass(slots=True)
class _Reader:
    """The state of one pass over the lines: where we are in the hierarchy, and every problem so far."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    quiet: bool = False  # a line of the wrong length reports that, not the faults of fields it cuts or shifts
    key: str | None = None
    created: date | None = None
    started: bool = False
    ended: int | None = None  # line of the transmission end
    assignment: _Assignment | None = None
    account: str = ""
    agreement: str | None = None
    tx: _Transaction | None = None
    transactions: list[BankTransaction] = field(default_factory=list)
    count: int = 0
    total: int = 0
    total_known: bool = True
    dates: dict[str, date | None] = field(default_factory=dict)

    def problem(self, row: int | None, column: str | None, code: str, message: str) -> None:
        self.problems.append(Problem(self.source, row, column, code, message, unit="line"))

    def digits(self, row: int, text: str, column: str) -> str | None:
        if text.isdigit() and text.isascii():
            return text
        if not self.quiet:
            self.problem(row, column, "not_digits", f"{column} must be digits, found {text!r}")
        return None

    def day(self, row: int, text: str, column: str, *, optional: bool = False) -> date | None:
        """A ``DDMMYY`` date (the year taken as 20YY); ``000000`` is no date where ``optional``."""
        if optional and text == "000000":
            return None
        try:
            found = self.dates[text]
        except KeyError:  # a file has few distinct dates: each is read once
            found = self.dates[text] = _ddmmyy(text)
        if found is None and not self.quiet:
            self.problem(row, column, "date", f"{column} must be a date DDMMYY, found {text!r}")
        return found

    def close_assignment(self) -> _Assignment | None:
        """End the open assignment, adding its transactions to the file's totals."""
        a = self.assignment
        if a is not None:
            self.assignment = None
            self.count += a.transactions
            self.total += a.total
            self.total_known = self.total_known and a.total_known
        return a

    def finish_transaction(self, row: int) -> None:
        """Close the open transaction; ``row`` is the line that closes it (for a missing item 2)."""
        tx = self.tx
        if tx is None:
            return
        self.tx = None
        if tx.items < 2:
            self.problem(row, "record_type", "record_order",
                         f"transaction {tx.number} of line {tx.line} has no amount item 2 (NY09{tx.type}31)")
        elif not tx.done:
            self.add(tx)  # a type 20/21 transaction without a text record

    def add(self, tx: _Transaction) -> None:
        """Make the transaction's record as soon as it is complete, so a big file never holds two objects per
        transaction (and none is made once the file is known to be bad)."""
        tx.done = True
        if not self.problems and tx.booking_date is not None and tx.amount is not None:
            self.transactions.append(BankTransaction(
                location=f"line {tx.line}",
                account=self.account,
                booking_date=tx.booking_date,
                amount=Decimal(tx.amount).scaleb(-2),
                currency="NOK",
                credit=True,
                # A "-" on a reversal type is still one reversal: the sign and the type say the same thing.
                reversal=tx.type in _REVERSAL_TYPES or tx.sign == "-",
                value_date=tx.value_date,
                kid=tx.kid,
                text=tx.text,
                counterparty_account=tx.counterparty_account,
                bank_reference=tx.bank_reference,
                transaction_type=tx.type,
                agreement_id=self.agreement,
            ))


def _ddmmyy(text: str) -> date | None:
    if not (text.isdigit() and text.isascii()):
        return None
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        return None


def parse(data: bytes, source: str) -> BankFile:
    """The transactions of an OCR Giro file, or :class:`BankFileInvalid` naming every fault by line and field."""
    text = data.decode("iso-8859-1")
    lines = (text.replace("\r\n", "\n") if "\r" in text else text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    r = _Reader(source)
    if not lines:
        raise BankFileInvalid(source, [Problem(source, None, None, "empty", "the file is empty", unit="line")])
    for row, line in enumerate(lines, start=1):
        if len(line) != _LINE:
            r.quiet = True
            r.problem(row, None, "line_length", f"a record is {_LINE} characters, this line has {len(line)}")
            line = line.ljust(_LINE)[:_LINE]
            if r.assignment is not None:
                r.assignment.total_known = False
            r.total_known = False
        elif r.quiet:
            r.quiet = False
        if r.ended is not None:
            r.problem(row, "record_type", "record_order",
                      f"nothing may follow the transmission end record of line {r.ended}")
            continue
        if row == 1 and line[:8] != _TRANSMISSION_START:
            r.problem(row, "record_type", "record_order", "the file must begin with a transmission start record "
                      f"({_TRANSMISSION_START}), found {line[:8]!r}")
        kind = line[6:8]
        if line[:4] == "NY09" and kind in _ITEMS and line[4:6] != "00":
            if kind == "30":
                _item1(r, row, line)
            else:
                _item2or3(r, row, line, _ITEMS[kind])
            continue
        key = line[:8]
        if key == _ASSIGNMENT_START:
            _assignment_start(r, row, line)
        elif key == _ASSIGNMENT_END:
            _assignment_end(r, row, line)
        elif key == _TRANSMISSION_START:
            _transmission_start(r, row, line)
        elif key == _TRANSMISSION_END:
            _transmission_end(r, row, line)
        else:
            r.problem(row, "record_type", "record_type",
                      f"unknown record type {key!r} (OCR Giro has NY000010, NY090020, NY09tt30/31/32, NY090088, "
                      "NY000089)")
    last = len(lines)
    r.finish_transaction(last)
    if r.assignment is not None:
        r.problem(last, "record_type", "record_order",
                  f"the assignment started on line {r.assignment.line} has no end record ({_ASSIGNMENT_END})")
    if r.ended is None:
        r.problem(last, "record_type", "record_order",
                  f"the file has no transmission end record ({_TRANSMISSION_END})")
    if r.problems:
        raise BankFileInvalid(source, r.problems)
    assert r.key is not None and r.created is not None  # a file without problems has both
    return BankFile(FORMAT, r.key, r.created, tuple(r.transactions))


def _transmission_start(r: _Reader, row: int, line: str) -> None:
    if r.started:
        r.problem(row, "record_type", "record_order", "a second transmission start record: one file, one transmission")
        return
    r.started = True
    sender = r.digits(row, line[8:16], "data_sender")
    number = r.digits(row, line[16:23], "transmission_number")
    recipient = r.digits(row, line[23:31], "data_recipient")
    if sender and number and recipient:
        r.key = f"ocr:{sender}:{number}:{recipient}"


def _transmission_end(r: _Reader, row: int, line: str) -> None:
    r.finish_transaction(row)
    open_ = r.close_assignment()
    if open_ is not None:
        r.problem(row, "record_type", "record_order",
                  f"the transmission ends before the assignment started on line {open_.line} has ended")
    r.ended = row
    r.created = r.day(row, line[41:47], "nets_date")
    _control(r, row, line, transactions=r.count, records=row, total=r.total if r.total_known else None,
             what="the file")


def _assignment_start(r: _Reader, row: int, line: str) -> None:
    r.finish_transaction(row)
    open_ = r.close_assignment()
    if open_ is not None:
        r.problem(row, "record_type", "record_order",
                  f"a new assignment starts before the assignment started on line {open_.line} has ended")
    agreement = r.digits(row, line[8:17], "agreement_id")
    r.agreement = None if agreement is None or not agreement.strip("0") else agreement
    r.digits(row, line[17:24], "assignment_number")
    text = line[24:35]
    try:
        r.account = validate_account(text)
    except ValidationError:
        r.account = text
        if not r.quiet:
            r.problem(row, "assignment_account", "account",
                      f"assignment_account {text!r} is not a valid Norwegian account number")
    r.assignment = _Assignment(row, r.account)


def _assignment_end(r: _Reader, row: int, line: str) -> None:
    r.finish_transaction(row)
    a = r.close_assignment()
    if a is None:
        r.problem(row, "record_type", "record_order", "an assignment end record without an assignment start")
        return
    r.day(row, line[41:47], "settlement_date", optional=True)
    r.day(row, line[47:53], "earliest_date", optional=True)
    r.day(row, line[53:59], "latest_date", optional=True)
    _control(r, row, line, transactions=a.transactions, records=row - a.line + 1,
             total=a.total if a.total_known else None,
             what=f"the assignment of line {a.line}")


def _control(r: _Reader, row: int, line: str, *, transactions: int, records: int, total: int | None,
             what: str) -> None:
    """The counts and sum an end record states must be those of the detail it closes."""
    stated = r.digits(row, line[8:16], "num_transactions")
    if stated is not None and int(stated) != transactions:
        r.problem(row, "num_transactions", "control_count",
                  f"num_transactions says {int(stated)}, {what} has {transactions}")
    stated = r.digits(row, line[16:24], "num_records")
    if stated is not None and int(stated) != records:
        r.problem(row, "num_records", "control_count", f"num_records says {int(stated)}, {what} has {records}")
    stated = r.digits(row, line[24:41], "total_amount")
    if stated is not None and total is not None and int(stated) != total:
        r.problem(row, "total_amount", "control_sum",
                  f"total_amount says {Decimal(int(stated)).scaleb(-2)}, the transactions of {what} sum to "
                  f"{Decimal(total).scaleb(-2)}")


def _item_type(r: _Reader, row: int, tt: str) -> None:
    if tt not in _TYPES and not r.quiet:
        r.problem(row, "transaction_type", "transaction_type",
                  f"unknown transaction type {tt!r} (OCR Giro has 10 to 21)")


def _item1(r: _Reader, row: int, line: str) -> None:
    if r.tx is not None:
        r.finish_transaction(row)
    a = r.assignment
    if a is None:
        r.problem(row, "record_type", "record_order", "amount item 1 outside an assignment (no NY090020 before it)")
    fast = _ITEM1.fullmatch(line)
    if fast is not None:  # the usual case: one match checks the digits of eight fields
        tt, number, nets, sign, amount_text, kid = fast.groups()
        booking = r.dates.get(nets) or r.day(row, nets, "nets_date")
        if tt not in _TYPES:
            _item_type(r, row, tt)
        amount: int | None = int(amount_text)
        number_: str | None = number
    else:
        tt = line[4:6]
        _item_type(r, row, tt)
        number_ = r.digits(row, line[8:15], "transaction_number")
        booking = r.day(row, line[15:21], "nets_date")
        r.digits(row, line[21:23], "centre_id")
        r.digits(row, line[23:25], "day_code")
        r.digits(row, line[25:26], "partial_settlement_number")
        r.digits(row, line[26:31], "partial_settlement_serial_number")
        sign = line[31]
        if sign not in ("0", "-") and not r.quiet:
            r.problem(row, "sign", "sign", f"sign must be '0' or '-', found {sign!r}")
        amount_text_ = r.digits(row, line[32:49], "amount")
        amount = int(amount_text_) if amount_text_ is not None else None
        kid = line[49:74]
    kid = kid.strip(" ")
    if kid and not kid.isdigit() and not _KID.fullmatch(kid) and not r.quiet:
        r.problem(row, "kid", "kid", f"a KID is digits with a last character '-' allowed, found {kid!r}")
    if a is None:  # counted in the file's totals all the same, so they report only what is wrong
        r.count += 1
        r.total += amount or 0
        r.total_known = r.total_known and amount is not None
    else:
        if number_ is not None:
            current = int(number_)
            if a.last_number is not None and current <= a.last_number:
                r.problem(row, "transaction_number", "transaction_number",
                          f"transaction_number {number_} does not follow {a.last_number:07d}: numbers ascend within "
                          "an assignment")
            a.last_number = current
        a.transactions += 1
        if amount is None:
            a.total_known = False
        else:
            a.total += amount
    r.tx = _Transaction(row, tt, number_ or line[8:15], booking, amount, sign, kid or None)


def _item2or3(r: _Reader, row: int, line: str, item: int) -> None:
    tx = r.tx
    fast = _ITEM2.fullmatch(line) if item == 2 else None
    if fast is not None:
        tt, number, reference, bank_date, account = fast.groups()
        if tt not in _TYPES:
            _item_type(r, row, tt)
        number_: str | None = number
    else:
        tt = line[4:6]
        _item_type(r, row, tt)
        number_ = r.digits(row, line[8:15], "transaction_number")
    if tx is None or tx.items != item - 1:
        before = "amount item 1" if item == 2 else "amount item 2"
        r.problem(row, "record_type", "record_order", f"amount item {item} must follow {before} of its transaction")
        return
    if item == 3 and tx.type not in _TEXT_TYPES:
        r.problem(row, "record_type", "record_order",
                  f"amount item 3 (text) is only for transaction types 20 and 21, not {tx.type}")
    tx.items = item
    if number_ is not None and number_ != tx.number:
        r.problem(row, "transaction_number", "transaction_number",
                  f"transaction_number {number_} differs from {tx.number} of amount item 1 on line {tx.line}")
    if tt != tx.type and not r.quiet:
        r.problem(row, "transaction_type", "transaction_type",
                  f"transaction type {tt} differs from {tx.type} of amount item 1 on line {tx.line}")
    if item == 3:
        tx.text = line[15:55].strip() or None
        r.add(tx)
        return
    if fast is None:
        r.digits(row, line[15:25], "form_number")
        reference = line[25:34]
        bank_date = line[41:47]
        account = r.digits(row, line[47:58], "debit_account")
    tx.bank_reference = reference.strip() or None
    tx.value_date = r.dates.get(bank_date) or r.day(row, bank_date, "bank_date", optional=True)
    tx.counterparty_account = None if account is None or account == "00000000000" else account
    if tx.type not in _TEXT_TYPES:
        r.add(tx)
