"""Payments in: bank files (Nets OCR Giro, camt.054, camt.053) posted to the customer ledger and matched.

A file is taken whole or not at all, and once: its key at the bank (transmission number, message id) is kept,
and importing it again posts nothing. Every transaction is first tied to a customer, all at once with
set-based lookups (``store.bank``):

1. the KID (its check digit right) names an invoice, and so its customer;
2. else an invoice number in the remittance text;
3. else the payer's account on a customer card, or the payer's exact name, when that customer has an open
   item of exactly the amount.

Tied payments are posted through the posting engine, which settles the invoice with the KID (else the one named
in the text, else the one of exactly the amount); what a payment holds beyond its invoice stays open as a credit
of the customer. A reversal (OCR types 18/20, camt ``RvslInd``) reverses the payment it takes back. Whatever
cannot be tied waits in the review queue with ranked suggestions; a user posts it to a customer (or, for money
out, a supplier), with or without naming the invoice, or to the suspense account. A payment read again from
another file (a statement after its notification: same account, bank reference, amount and day) is recorded as
a duplicate and posts nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

from reskontro.domain.errors import (
    AlreadyExists,
    ConcurrentUpdate,
    ImportFailed,
    NotFound,
    ValidationFailed,
)
from reskontro.domain.matching import document_numbers_in_text
from reskontro.domain.parties import PartyKind
from reskontro.domain.periods import Period
from reskontro.domain.vouchers import SERIES, CounterLine, ItemType, Line, VoucherType
from reskontro.formats import bank_files
from reskontro.formats.payments import BankFile, BankFileInvalid, BankTransaction
from reskontro.identifiers import bank as bank_ids
from reskontro.identifiers import kid as kid_mod
from reskontro.money import from_minor, to_minor
from reskontro.services.imports import file_sha256
from reskontro.services.posting import MatchMade, PostingRequest, _Batch, post_batch, post_stream, reverse_posted
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import bank as sql
from reskontro.store import payments_out as out_sql
from reskontro.store.repositories import Company

Progress = Callable[[int], None]

#: How a bank payment was tied to its party ("payline": the bank's debit of a payment of ours, by EndToEndId).
METHODS = ("kid", "text", "payer", "payline", "manual", "suspense", "reversal")


# -- the company's bank accounts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankAccount:
    account: str
    name: str
    currency: str
    gl_account: str
    bic: str | None
    ocr_agreement_id: str | None

    @property
    def display(self) -> str:
        return bank_ids.format_account(self.account)


def add_bank_account(*, uow: UnitOfWork, company_id: int, account: str, name: str, gl_account: str | None = None,
                     currency: str | None = None, bic: str | None = None,
                     ocr_agreement_id: str | None = None) -> BankAccount:
    """Register one of the company's own bank accounts and the GL account its transactions post to."""
    try:
        number = bank_ids.validate_account(account)
    except bank_ids.ValidationError as exc:
        raise ValidationFailed(f"bank account {account!r} is not valid ({exc})", field="account") from None
    code = None
    if bic:
        try:
            code = bank_ids.validate_bic(bic)
        except bank_ids.ValidationError as exc:
            raise ValidationFailed(f"BIC {bic!r} is not valid ({exc})", field="bic") from None
    agreement = (ocr_agreement_id or "").strip() or None
    if agreement is not None and not (agreement.isdigit() and len(agreement) <= 9):
        raise ValidationFailed(f"OCR agreement id {ocr_agreement_id!r} must be up to 9 digits",
                               field="ocr_agreement_id")
    if not name.strip() or len(name.strip()) > 100:
        raise ValidationFailed("a bank account needs a name of up to 100 characters", field="name")
    with uow:
        company = uow.repo.company(company_id)
        gl = gl_account or company.bank_account
        if gl not in uow.repo.account_numbers(company_id):
            raise ValidationFailed(f"account {gl} does not exist", field="gl_account")
        if any(a.account == number for a in sql.bank_accounts(uow.repo.conn, company_id)):
            raise AlreadyExists(f"bank account {bank_ids.format_account(number)} is already registered",
                                field="account")
        row = {"company_id": company_id, "account": number, "name": name.strip(),
               "currency": (currency or company.currency).upper(), "gl_account": gl, "bic": code,
               "ocr_agreement_id": agreement.zfill(9) if agreement else None, "created_at": uow.now(),
               "created_by": uow.actor}
        uow.repo.insert_rows("bank_accounts", [row])
        uow.repo.audit(company_id, "bank_account", number, "create",
                       [("gl_account", None, gl), ("name", None, row["name"])])
        uow.commit()
    return BankAccount(number, name.strip(), str(row["currency"]), gl, code, agreement.zfill(9) if agreement else None)


def list_bank_accounts(*, uow: UnitOfWork, company_id: int) -> list[BankAccount]:
    with uow:
        return [BankAccount(r.account, r.name, r.currency, r.gl_account, r.bic, r.ocr_agreement_id)
                for r in sql.bank_accounts(uow.repo.conn, company_id)]


# -- import ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Decision:
    """What the import does with one transaction."""

    seq: int
    tx: BankTransaction
    status: str = "review"  # posted / review / duplicate (suspense only by a user)
    method: str | None = None
    party_id: int | None = None
    kid: str | None = None  # the KID when its check digit is right
    note: str | None = None
    voucher_id: int | None = None
    item_id: int | None = None
    invoice_item_id: int | None = None
    reverses: int | None = None
    kind: PartyKind = PartyKind.CUSTOMER
    line: dict[str, Any] | None = None  # money out: the payment line of ours it pays (by its EndToEndId)


@dataclass(frozen=True, slots=True)
class BankImportSummary:
    """What an import did (or, for a preview or a file taken before, would do / did the first time)."""

    filename: str
    format: str
    file_key: str
    transactions: int
    posted: int  # payments posted to a customer (or supplier)
    settled: int  # of them, those that settled at least one invoice
    review: int  # waiting in the review queue
    duplicates: int
    reversals: int
    amount_in: Decimal
    amount_out: Decimal
    currency: str
    by_method: dict[str, int] = field(default_factory=dict)
    already_imported: bool = False
    bank_file_id: int | None = None
    rows: tuple[BankLine, ...] = ()


@dataclass(frozen=True, slots=True)
class BankLine:
    """One transaction of a preview: what the import will do with it."""

    location: str
    booking_date: date
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    kid: str | None
    text: str | None
    counterparty: str | None
    outcome: str  # posted / review / duplicate
    method: str | None
    party_number: str | None
    party_name: str | None
    note: str | None


def _problems_of(exc: BankFileInvalid, filename: str) -> ImportFailed:
    problems = [str(p) if str(p).startswith(filename) else f"{filename}, {p}" for p in exc.problems]
    return ImportFailed(f"{filename}: the bank file cannot be taken ({len(problems)} problems); nothing was posted",
                        problems)


def _parse(data: bytes, filename: str) -> BankFile:
    try:
        return bank_files.parse(data, filename)
    except BankFileInvalid as exc:
        raise _problems_of(exc, filename) from None


def _read(data: bytes | BinaryIO) -> bytes:
    if isinstance(data, bytes):
        return data
    data.seek(0)
    return data.read()


_WORD = re.compile(r"\w+", re.UNICODE)


def _decide(uow: UnitOfWork, company: Company, parsed: BankFile, filename: str,
            accounts: dict[str, sql.BankAccountRow]) -> list[_Decision]:
    """Check every transaction against the company and tie each to a party, set-based; no writes."""
    conn, cid = uow.repo.conn, company.company_id
    problems = []
    for tx in parsed.transactions:
        if tx.account not in accounts:
            problems.append(f"{filename}, {tx.location}: account {bank_ids.format_account(tx.account)} is not one "
                            f"of the company's bank accounts (register it with `reskontro bank account add`)")
        elif tx.agreement_id and accounts[tx.account].ocr_agreement_id not in (None, tx.agreement_id):
            problems.append(f"{filename}, {tx.location}: OCR agreement {tx.agreement_id} is not the agreement "
                            f"{accounts[tx.account].ocr_agreement_id} of account "
                            f"{bank_ids.format_account(tx.account)}")
        if len(tx.kid or "") > 25:
            problems.append(f"{filename}, {tx.location}: KID {tx.kid!r} is longer than 25 characters")
    if problems:
        raise ImportFailed(f"{filename}: {len(problems)} transactions are for accounts or agreements the company "
                           f"does not have; nothing was posted", problems)
    decisions = [_Decision(seq, tx) for seq, tx in enumerate(parsed.transactions, start=1)]
    closed = uow.repo.closed_periods(cid)
    # The same payment read again from another file.
    keyed = [(d, _ref_key(d.tx)) for d in decisions if d.tx.bank_reference and not d.tx.reversal]
    seen = sql.posted_references(conn, cid, [key for _, key in keyed])
    entries = [(d, _entry_key(d.tx)) for d in decisions if d.tx.entry_reference and not d.tx.reversal]
    seen_entries = sql.posted_entries(conn, cid, [key for _, key in entries])
    for d, entry in entries:
        if entry in seen_entries:
            d.status, d.note = "duplicate", f"already taken in as bank payment {seen_entries[entry]}"
    in_file: dict[tuple[str, str, int, date, bool], int] = {}
    for d, key in keyed:
        if d.status == "duplicate":
            continue
        if key in seen:
            d.status, d.note = "duplicate", f"already taken in as bank payment {seen[key]}"
        elif key in in_file:
            d.status, d.note = "duplicate", f"the same as transaction {in_file[key]} of this file"
        else:
            in_file[key] = d.seq
    todo = [d for d in decisions if d.status == "review"]
    # The OCR agreement fixes the algorithm: with a scheme, a KID that passes only the other one is mistyped.
    scheme = company.kid_scheme()
    algorithm = scheme.algorithm if scheme else None
    for d in todo:
        if d.tx.kid:
            try:
                d.kid = kid_mod.validate(d.tx.kid, algorithm)
            except (kid_mod.InvalidFormat, kid_mod.InvalidLength, kid_mod.InvalidChecksum):
                d.note = f"KID {d.tx.kid} fails its check digit"
    # Money out: the bank's debit of a payment we sent, known by its EndToEndId (camt.054 "D").
    ours = out_sql.lines_by_end_to_end(conn, cid, {d.tx.end_to_end_id for d in todo if d.tx.end_to_end_id
                                                   and not d.tx.credit and not d.tx.reversal})
    waiting: set[int] = set()  # seqs that wait for a user whatever the rules below would find
    for d in todo:
        line = ours.get(d.tx.end_to_end_id or "") if not d.tx.credit and not d.tx.reversal else None
        if (d.tx.booking_date.year, d.tx.booking_date.month) in closed:
            d.note = f"period {Period.of(d.tx.booking_date)} is closed"
        elif line is not None and line["status"] == "in_payment" and line["currency"] == d.tx.currency:
            d.kind, d.line, d.party_id, d.method, d.status = PartyKind.SUPPLIER, line, int(line["party_id"]), \
                "payline", "posted"
            continue
        elif line is not None:
            d.note = f"payment {d.tx.end_to_end_id} of ours is {line['status']}, not in payment"
        elif not d.tx.credit and not d.tx.reversal:
            d.note = "money out: post it to the supplier it paid"
        elif d.tx.reversal and not d.tx.credit:
            d.note = "money back from a payment out: post it to the suspense account and clear it by hand"
        elif d.tx.reversal:
            d.method = "reversal"
            continue
        else:
            continue
        waiting.add(d.seq)
    tie = [d for d in todo if d.method is None and d.seq not in waiting]
    # 1. KID
    by_kid = sql.parties_by_kid(conn, cid, {d.kid for d in tie if d.kid})
    for d in tie:
        found = by_kid.get(d.kid or "", set())
        if len(found) == 1:
            d.party_id, d.method = next(iter(found)), "kid"
        elif len(found) > 1:
            d.note = f"KID {d.kid} is on invoices of {len(found)} customers"
        elif d.kid:
            d.note = f"KID {d.kid} is on no customer invoice"
    # 2. invoice number in the text
    rest = [d for d in tie if d.method is None]
    tokens = {d.seq: document_numbers_in_text(d.tx.text) for d in rest}
    by_doc = sql.parties_by_document(conn, cid, "customer", {tok for toks in tokens.values() for tok in toks})
    for d in rest:
        found = set().union(*(by_doc.get(tok, set()) for tok in tokens[d.seq])) if tokens[d.seq] else set()
        if len(found) == 1:
            d.party_id, d.method = next(iter(found)), "text"
        elif len(found) > 1:
            d.note = "the invoice numbers in the text belong to several customers"
    # 3. payer account or name, with an open item of exactly the amount
    rest = [d for d in tie if d.method is None]
    by_acc = sql.parties_by_account(conn, cid, "customer", {_compact_account(d.tx.counterparty_account) or ""
                                                           for d in rest} - {""})
    by_name = sql.parties_by_name(conn, cid, "customer", {d.tx.counterparty_name.strip() for d in rest
                                                         if d.tx.counterparty_name and d.tx.counterparty_name.strip()})
    payer: dict[int, set[int]] = {}
    for d in rest:
        found = set(by_acc.get(_compact_account(d.tx.counterparty_account) or "", set()))
        if not found and d.tx.counterparty_name:
            found = set(by_name.get(d.tx.counterparty_name.strip().casefold(), set()))
        payer[d.seq] = found
    opens = sql.open_amounts(conn, cid, "customer", {p for ps in payer.values() for p in ps})
    for d in rest:
        minor = to_minor(d.tx.amount, d.tx.currency)
        # A customer's invoice is a debit: its open amount is the payment's amount.
        exact = [p for p in payer[d.seq] if any(cur == d.tx.currency and o == minor for cur, o in opens.get(p, ()))]
        if len(exact) == 1:
            d.party_id, d.method = exact[0], "payer"
        elif payer[d.seq]:
            d.note = "the payer is known, but has no open item of exactly this amount"
        elif d.note is None:
            d.note = "no KID, invoice number or known payer with an open item of this amount"
    for d in tie:
        if d.party_id is not None:
            d.status = "posted"
    return decisions


def _compact_account(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return bank_ids.validate_account(text)
    except bank_ids.ValidationError:
        return None


def _entry_key(tx: BankTransaction) -> tuple[str, str, int, date, bool, str]:
    return (tx.account, tx.entry_reference or "", to_minor(tx.amount, tx.currency), tx.booking_date, tx.credit,
            tx.kid or "")


def _ref_key(tx: BankTransaction) -> tuple[str, str, int, date, bool]:
    return (tx.account, tx.bank_reference or "", to_minor(tx.amount, tx.currency), tx.booking_date, tx.credit)


def _payment_request(d: _Decision, number: str, kind: PartyKind, counter_account: str,
                     applies_to: str | None = None) -> PostingRequest:
    tx = d.tx
    return PostingRequest(kind, ItemType.PAYMENT, number, tx.booking_date, tx.amount, currency=tx.currency,
                          kid=d.kid, description=_description(tx), applies_to=applies_to,
                          lines=(CounterLine(counter_account, tx.amount),), row=d.seq)


def _description(tx: BankTransaction) -> str:
    parts = [tx.text or "", f"({tx.counterparty_name})" if tx.counterparty_name else ""]
    text = " ".join(p for p in parts if p).strip() or "Bank payment"
    return text[:500]


def _summary(filename: str, parsed: BankFile, decisions: list[_Decision], currency: str, *,
             already: bool = False, bank_file_id: int | None = None, rows: tuple[BankLine, ...] = ()
             ) -> BankImportSummary:
    by_method: dict[str, int] = {}
    for d in decisions:
        if d.status in ("posted", "suspense") and d.method:
            by_method[d.method] = by_method.get(d.method, 0) + 1
    amount_in = sum((d.tx.amount for d in decisions if d.tx.credit != d.tx.reversal), Decimal(0))
    amount_out = sum((d.tx.amount for d in decisions if d.tx.credit == d.tx.reversal), Decimal(0))
    return BankImportSummary(
        filename, parsed.format, parsed.key, len(decisions),
        posted=sum(1 for d in decisions if d.status == "posted" and not d.tx.reversal),
        settled=sum(1 for d in decisions if d.invoice_item_id is not None),
        review=sum(1 for d in decisions if d.status == "review"),
        duplicates=sum(1 for d in decisions if d.status == "duplicate"),
        reversals=sum(1 for d in decisions if d.status == "posted" and d.tx.reversal),
        amount_in=amount_in, amount_out=amount_out, currency=currency, by_method=by_method,
        already_imported=already, bank_file_id=bank_file_id, rows=rows)


def preview_bank_file(*, uow: UnitOfWork, company_id: int, data: bytes | BinaryIO, filename: str
                      ) -> BankImportSummary:
    """What :func:`import_bank_file` would do, transaction by transaction; nothing is written.

    Problems with the file raise :class:`ImportFailed` listing each with its line or element path.
    """
    raw = _read(data)
    parsed = _parse(raw, filename)
    with uow:
        company = uow.repo.company(company_id)
        conn = uow.repo.conn
        before = sql.file_by_key(conn, company_id, parsed.key)
        accounts = {a.account: a for a in sql.bank_accounts(conn, company_id)}
        decisions = _decide(uow, company, parsed, filename, accounts)
        for d in decisions:
            if d.tx.reversal and d.status == "review":
                original = sql.reversible(conn, company_id, d.tx.account, to_minor(d.tx.amount, d.tx.currency),
                                          d.tx.booking_date, d.kid or d.tx.kid, d.tx.bank_reference)
                if original is not None:
                    d.status, d.method = "posted", "reversal"
                else:
                    d.note = "no earlier payment of this amount and KID to take back"
        ids = {d.party_id for d in decisions if d.party_id is not None}
        cards = uow.repo.parties_for_ids(company_id, ids) if ids and len(ids) <= 5000 else {}
    rows = tuple(BankLine(d.tx.location, d.tx.booking_date, d.tx.amount, d.tx.currency, d.tx.credit, d.tx.reversal,
                          d.tx.kid, d.tx.text, d.tx.counterparty_name, d.status, d.method,
                          cards[d.party_id].number if d.party_id in cards else None,
                          cards[d.party_id].name if d.party_id in cards else None, d.note)
                 for d in decisions[:5000])
    return _summary(filename, parsed, decisions, company.currency, already=before is not None,
                    bank_file_id=before["bank_file_id"] if before else None, rows=rows)


def import_bank_file(*, uow: UnitOfWork, company_id: int, data: bytes | BinaryIO, filename: str,
                     progress: Progress | None = None, dry_run: bool = False) -> BankImportSummary:
    """Post a bank file's payments to the customer ledger and match them; queue what cannot be tied.

    All or nothing: a problem with the file, or with any posting, leaves nothing posted. A file whose key at the
    bank was taken before posts nothing and returns what the first import did (``already_imported``).
    """
    raw = _read(data)
    parsed = _parse(raw, filename)
    sha = file_sha256(raw)
    with uow:
        repo, conn = uow.repo, uow.repo.conn
        company = repo.company(company_id)
        before = sql.file_by_key(conn, company_id, parsed.key)
        if before is not None:
            first = sql.file_payments(conn, company_id, int(before["bank_file_id"]))
            decisions = [_Decision(r["seq"], _tx_of(r), r["status"], r["method"], r["party_id"],
                                   invoice_item_id=r["invoice_item_id"]) for r in first]
            return _summary(before["filename"], parsed, decisions, company.currency, already=True,
                            bank_file_id=int(before["bank_file_id"]))
        accounts = {a.account: a for a in sql.bank_accounts(conn, company_id)}
        decisions = _decide(uow, company, parsed, filename, accounts)
        numbers = sql.party_numbers(conn, company_id, {d.party_id for d in decisions if d.party_id is not None})
        by_seq = {d.seq: d for d in decisions}

        def posted(req: PostingRequest, voucher_id: int, item_id: int, matches: tuple[MatchMade, ...]) -> None:
            d = by_seq[req.row or 0]
            d.voucher_id, d.item_id = voucher_id, item_id
            targets = [m.debit_item_id if m.credit_item_id == item_id else m.credit_item_id for m in matches]
            d.invoice_item_id = targets[0] if targets else None

        requests = (_payment_request(d, numbers[d.party_id], d.kind, accounts[d.tx.account].gl_account,
                                     applies_to=d.line["document_number"] if d.line else None)
                    for d in decisions if d.status == "posted" and d.party_id is not None)
        try:
            post_stream(uow, company, requests, source=f"bank:{sha[:16]}", progress=progress, on_posted=posted)
        except ImportFailed as exc:
            raise ImportFailed(f"{filename}: {exc.message}",
                               [f"{filename}, transaction {p}" for p in exc.problems]) from None
        file_id = repo.next_ids(company_id, "bank_files")[0]
        repo.insert_rows("bank_files", [{
            "company_id": company_id, "bank_file_id": file_id, "file_key": parsed.key, "format": parsed.format,
            "filename": filename[:255], "sha256": sha, "transactions": len(decisions), "posted": 0, "review": 0,
            "created_at": uow.now(), "created_by": uow.actor}])
        ids = repo.next_ids(company_id, "bank_payments", len(decisions))
        repo.insert_rows("bank_payments", [_row(company_id, file_id, pid, d) for pid, d in zip(ids, decisions,
                                                                                             strict=True)])
        pay_ids = {d.seq: pid for pid, d in zip(ids, decisions, strict=True)}
        for d in decisions:  # our payments the bank has made: their lines are paid
            if d.line is not None and d.status == "posted":
                out_sql.set_lines(conn, company_id, int(d.line["proposal_id"]), [int(d.line["line_no"])],
                                  {"status": "paid", "bank_payment_id": pay_ids[d.seq]}, only=("in_payment",))
        for d in decisions:  # reversals, after the payments of this very file are in
            if d.tx.reversal and d.status == "review" and d.method == "reversal":
                _reverse_payment(uow, company, d, pay_ids[d.seq])
        sql.file_counts(conn, company_id, file_id, sum(1 for d in decisions if d.status == "posted"),
                        sum(1 for d in decisions if d.status == "review"))
        repo.audit(company_id, "bank_file", file_id, "import",
                   [("file_key", None, parsed.key), ("filename", None, filename[:200]),
                    ("transactions", None, str(len(decisions)))])
        summary = _summary(filename, parsed, decisions, company.currency, bank_file_id=file_id)
        if not dry_run:
            uow.commit()
    return summary


def _row(company_id: int, file_id: int, payment_id: int, d: _Decision) -> dict[str, Any]:
    tx = d.tx
    return {"company_id": company_id, "bank_payment_id": payment_id, "bank_file_id": file_id, "seq": d.seq,
            "location": tx.location[:200], "account": tx.account, "booking_date": tx.booking_date,
            "value_date": tx.value_date, "currency": tx.currency, "amount_minor": to_minor(tx.amount, tx.currency),
            "credit": tx.credit, "reversal": tx.reversal, "kid": (tx.kid or None) and tx.kid[:25],
            "text": tx.text[:500] if tx.text else None,
            "counterparty_name": tx.counterparty_name[:200] if tx.counterparty_name else None,
            "counterparty_account": tx.counterparty_account[:34] if tx.counterparty_account else None,
            "bank_reference": tx.bank_reference[:60] if tx.bank_reference else None,
            "end_to_end_id": tx.end_to_end_id[:60] if tx.end_to_end_id else None,
            "transaction_type": tx.transaction_type[:40] if tx.transaction_type else None,
            "entry_reference": tx.entry_reference[:60] if tx.entry_reference else None,
            "status": d.status, "method": d.method if d.status != "review" else None, "party_id": d.party_id,
            "invoice_item_id": d.invoice_item_id, "voucher_id": d.voucher_id, "reverses_payment_id": None,
            "note": d.note[:500] if d.note else None, "resolved_at": None, "resolved_by": None}


def _tx_of(r: dict[str, Any]) -> BankTransaction:
    cur = str(r["currency"])
    return BankTransaction(r["location"], r["account"], r["booking_date"], from_minor(int(r["amount_minor"]), cur),
                           cur, bool(r["credit"]), bool(r["reversal"]), kid=r["kid"], text=r["text"],
                           counterparty_name=r["counterparty_name"], counterparty_account=r["counterparty_account"],
                           bank_reference=r["bank_reference"], entry_reference=r.get("entry_reference"))


def _reverse_payment(uow: UnitOfWork, company: Company, d: _Decision, payment_id: int) -> None:
    """Take back the earlier payment a reversal names: its voucher is reversed (and its matches undone)."""
    conn, cid = uow.repo.conn, company.company_id
    original = sql.reversible(conn, cid, d.tx.account, to_minor(d.tx.amount, d.tx.currency), d.tx.booking_date,
                              d.kid or d.tx.kid, d.tx.bank_reference)
    if original is None or original["voucher_id"] is None:
        sql.resolve(conn, cid, payment_id, ("review",),
                    {"note": "no earlier payment of this amount and KID to take back"})
        d.method, d.note = None, "no earlier payment of this amount and KID to take back"
        return
    result = reverse_posted(uow, company, int(original["voucher_id"]), on=d.tx.booking_date,
                            reason=f"Bank reversal {d.tx.location}")
    sql.resolve(conn, cid, payment_id, ("review",), {
        "status": "posted", "method": "reversal", "party_id": original["party_id"], "voucher_id": result.voucher_id,
        "reverses_payment_id": original["bank_payment_id"], "note": f"takes back bank payment "
                                                                    f"{original['bank_payment_id']}"})
    d.status, d.method, d.voucher_id = "posted", "reversal", result.voucher_id


# -- the review queue ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueuedPayment:
    bank_payment_id: int
    filename: str
    location: str
    account: str
    booking_date: date
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    kid: str | None
    text: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    status: str
    note: str | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReviewQueue:
    rows: list[QueuedPayment]
    total: int
    status: str


def review_queue(*, uow: UnitOfWork, company_id: int, status: str = "review", limit: int = 200,
                 offset: int = 0) -> ReviewQueue:
    """The bank payments waiting for a user (``status`` "review"), or those parked on the suspense account."""
    if status not in ("review", "suspense"):
        raise ValidationFailed(f"status {status!r} must be review or suspense", field="status")
    with uow:
        rows, total = sql.queue(uow.repo.conn, company_id, status=status, limit=limit, offset=offset)
    return ReviewQueue([_queued(r) for r in rows], total, status)


def _queued(r: sql.QueueRow) -> QueuedPayment:
    return QueuedPayment(r.bank_payment_id, r.filename, r.location, r.account, r.booking_date,
                         from_minor(r.amount_minor, r.currency), r.currency, r.credit, r.reversal, r.kid, r.text,
                         r.counterparty_name, r.counterparty_account, r.status, r.note, r.resolved_at)


def queued_payment(*, uow: UnitOfWork, company_id: int, bank_payment_id: int) -> QueuedPayment:
    with uow:
        row = sql.payment(uow.repo.conn, company_id, bank_payment_id)
        if row is None:
            raise NotFound(f"bank payment {bank_payment_id} does not exist", field="bank_payment")
        f = sql.file_of(uow.repo.conn, company_id, int(row["bank_file_id"]))
    return QueuedPayment(int(row["bank_payment_id"]), str(f["filename"]), row["location"], row["account"],
                         row["booking_date"], from_minor(int(row["amount_minor"]), row["currency"]), row["currency"],
                         bool(row["credit"]), bool(row["reversal"]), row["kid"], row["text"],
                         row["counterparty_name"], row["counterparty_account"], row["status"], row["note"],
                         row["resolved_at"])


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An open item a queued payment may be for, with the reasons it is suggested (best first)."""

    score: int
    reasons: tuple[str, ...]
    party_kind: str
    party_number: str
    party_name: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    open_amount: Decimal
    kid: str | None


def suggestions(*, uow: UnitOfWork, company_id: int, bank_payment_id: int, limit: int = 10) -> list[Suggestion]:
    """Ranked open items for a queued payment: exact amount, an invoice number in the text, a payer whose name
    or account is on the card, a KID that differs only in its last digits, a due date near the payment."""
    with uow:
        conn = uow.repo.conn
        row = sql.payment(conn, company_id, bank_payment_id)
        if row is None:
            raise NotFound(f"bank payment {bank_payment_id} does not exist", field="bank_payment")
        credit = bool(row["credit"]) != bool(row["reversal"])
        kind = "customer" if credit else "supplier"
        sign = 1 if kind == "customer" else -1
        amount = int(row["amount_minor"])
        text = row["text"] or ""
        docs = document_numbers_in_text(text)
        payer_ids: set[int] = set()
        if row["counterparty_account"]:
            acc = _compact_account(row["counterparty_account"])
            if acc:
                payer_ids |= sql.parties_by_account(conn, company_id, kind, [acc]).get(acc, set())
        words = [w for w in _WORD.findall(row["counterparty_name"] or "") if len(w) > 2
                 and w.casefold() not in {"as", "asa", "ans", "da", "enk"}][:3]
        named = set(sql.party_ids_named_like(conn, company_id, kind, words)) if words else set()
        kid = row["kid"] or ""
        found = sql.candidates(conn, company_id, kind, amount_minor=sign * amount, party_ids=payer_ids | named,
                               documents=docs, kid_prefix=kid[:-2] if len(kid) >= 6 else None, limit=200)
    ranked: list[Suggestion] = []
    for c in found:
        reasons: list[str] = []
        score = 0
        if c.open_minor == sign * amount:
            score += 40
            reasons.append("exact amount")
        elif abs(c.open_minor) > amount:
            score += 5
            reasons.append("part payment")
        if c.document_number in docs:
            score += 50
            reasons.append("invoice number in the text")
        if c.party_id in payer_ids:
            score += 35
            reasons.append("payer's account on the card")
        elif c.party_id in named:
            score += 25
            reasons.append("payer's name")
        if kid and c.kid and c.kid[:-2] == kid[:-2] and c.kid != kid:
            score += 20
            reasons.append("KID differs in its last digits")
        days = abs((c.due_date - row["booking_date"]).days)
        if days <= 7:
            score += 5
        if score <= 5:
            continue
        ranked.append(Suggestion(score, tuple(reasons), kind, c.party_number, c.party_name, c.document_number,
                                 c.item_date, c.due_date, c.currency, from_minor(sign * c.open_minor, c.currency),
                                 c.kid))
    ranked.sort(key=lambda s: (-s.score, s.due_date, s.document_number))
    return ranked[:limit]


@dataclass(frozen=True, slots=True)
class Resolution:
    bank_payment_id: int
    status: str
    voucher_ref: str
    party_number: str | None
    settled: tuple[str, ...]  # document numbers of the items it settled


def _locked_open(uow: UnitOfWork, company_id: int, bank_payment_id: int, statuses: tuple[str, ...]
                 ) -> dict[str, Any]:
    row = sql.payment(uow.repo.conn, company_id, bank_payment_id, lock=True)
    if row is None:
        raise NotFound(f"bank payment {bank_payment_id} does not exist", field="bank_payment")
    if row["status"] not in statuses:
        raise ValidationFailed(f"bank payment {bank_payment_id} is {row['status']}, not "
                               f"{' or '.join(statuses)}", field="bank_payment")
    return row


def resolve_payment(*, uow: UnitOfWork, company_id: int, bank_payment_id: int, party_number: str,
                    invoice: str | None = None, note: str | None = None) -> Resolution:
    """Post a queued (or suspense) payment to a party: money in to a customer, money out to a supplier.

    Naming ``invoice`` settles that invoice; else the usual rules pick one (KID, text, exact amount) and what is
    left stays open on the party. A payment parked on the suspense account is moved off it.
    """
    with uow:
        repo = uow.repo
        company = repo.company(company_id)
        row = _locked_open(uow, company_id, bank_payment_id, ("review", "suspense"))
        if row["reversal"]:
            raise ValidationFailed("a reversal without the payment it takes back can only go to the suspense "
                                   "account", field="bank_payment")
        kind = PartyKind.CUSTOMER if row["credit"] else PartyKind.SUPPLIER
        if row["status"] == "suspense":
            counter = company.suspense_account
        else:
            acc = next((a for a in sql.bank_accounts(repo.conn, company_id) if a.account == row["account"]), None)
            counter = acc.gl_account if acc else company.bank_account
        d = _Decision(int(row["seq"]), _tx_of(row))
        if d.tx.kid and kid_mod.is_valid(d.tx.kid):
            d.kid = kid_mod.compact(d.tx.kid)
        req = _payment_request(d, party_number.strip(), kind, counter, applies_to=(invoice or "").strip() or None)
        result = post_batch(uow, company, [req], source=f"bank payment {bank_payment_id}")[0]
        party = repo.party_by_number(company_id, kind.value, party_number.strip())
        targets = [m.debit_item_id if m.credit_item_id == result.item_id else m.credit_item_id
                   for m in result.matches]
        docs = tuple(repo.item(company_id, i).document_number for i in targets)
        ok = sql.resolve(repo.conn, company_id, bank_payment_id, (row["status"],), {
            "status": "posted", "method": "manual", "party_id": party.party_id if party else None,
            "invoice_item_id": targets[0] if targets else None, "voucher_id": result.voucher_id,
            "note": (note or "").strip()[:500] or row["note"], "resolved_at": uow.now(), "resolved_by": uow.actor})
        if not ok:
            raise ConcurrentUpdate(f"bank payment {bank_payment_id} was resolved by someone else meanwhile")
        repo.audit(company_id, "bank_payment", bank_payment_id, "resolve",
                   [("status", row["status"], "posted"), ("party", None, f"{kind.value} {party_number.strip()}"),
                    ("voucher", None, result.voucher_ref)])
        uow.commit()
    return Resolution(bank_payment_id, "posted", result.voucher_ref, party_number.strip(), docs)


def post_to_suspense(*, uow: UnitOfWork, company_id: int, bank_payment_id: int, note: str | None = None
                     ) -> Resolution:
    """Park a queued payment on the company's suspense account (bank against suspense), out of the queue."""
    with uow:
        repo = uow.repo
        company = repo.company(company_id)
        row = _locked_open(uow, company_id, bank_payment_id, ("review",))
        acc = next((a for a in sql.bank_accounts(repo.conn, company_id) if a.account == row["account"]), None)
        bank_gl = acc.gl_account if acc else company.bank_account
        cc = company.currency
        if row["currency"] != cc:
            raise ValidationFailed(f"a payment in {row['currency']} cannot be parked on the suspense account in "
                                   f"{cc}; post it to a party", field="bank_payment")
        money_in = bool(row["credit"]) != bool(row["reversal"])
        amount = from_minor(int(row["amount_minor"]), cc) * (1 if money_in else -1)
        on = row["booking_date"]
        batch = _Batch(uow, company, source=f"bank payment {bank_payment_id}")
        if batch.is_closed(on):
            on = batch.first_open_day(on)
        text = f"Bank payment to suspense: {_description(_tx_of(row))}"[:500]
        lines = [Line(bank_gl, amount, cc, amount, description=text),
                 Line(company.suspense_account, -amount, cc, -amount, description=text)]
        vid = repo.next_ids(company_id, "vouchers")[0]
        series = SERIES[VoucherType.BANK_SUSPENSE]
        number = repo.next_voucher_numbers(company_id, series, on.year)[0]
        batch.add_voucher(voucher_id=vid, series=series, number=number, vtype=VoucherType.BANK_SUSPENSE, on=on,
                          description=text, lines=lines, party_id=None)
        batch.flush()
        ref = f"{series}{on.year}-{number}"
        ok = sql.resolve(repo.conn, company_id, bank_payment_id, ("review",), {
            "status": "suspense", "method": "suspense", "voucher_id": vid,
            "note": (note or "").strip()[:500] or row["note"], "resolved_at": uow.now(), "resolved_by": uow.actor})
        if not ok:
            raise ConcurrentUpdate(f"bank payment {bank_payment_id} was resolved by someone else meanwhile")
        repo.audit(company_id, "bank_payment", bank_payment_id, "suspense",
                   [("status", "review", "suspense"), ("voucher", None, ref)])
        uow.commit()
    return Resolution(bank_payment_id, "suspense", ref, None, ())


@dataclass(frozen=True, slots=True)
class BankFileRecord:
    bank_file_id: int
    filename: str
    format: str
    file_key: str
    transactions: int
    posted: int
    review: int
    created_at: datetime
    created_by: str


def recent_bank_files(*, uow: UnitOfWork, company_id: int, limit: int = 20) -> list[BankFileRecord]:
    with uow:
        rows = sql.recent_files(uow.repo.conn, company_id, limit)
    return [BankFileRecord(int(r["bank_file_id"]), r["filename"], r["format"], r["file_key"], r["transactions"],
                           r["posted"], r["review"], r["created_at"], r["created_by"]) for r in rows]

