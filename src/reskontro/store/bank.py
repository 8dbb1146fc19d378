"""Bank accounts, bank files and their transactions; the set-based lookups that tie a payment to a customer.

A day's file can hold 100 000 payments against a million open items, so nothing here is asked per payment:
each lookup takes every payment's KID (or text token, or payer account) at once, as one bound value — a JSON
array read by ``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL — through a covering index
(``ix_items_kid``, ``ix_items_document``, ``ix_bank_payments_reference``). A thousand-value ``IN`` list per chunk
took 1.4–2.4 s for 100 000 KIDs on SQLite; one JSON array takes a third of that.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, String, and_, any_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from reskontro.store import tables as t


def one_of(conn: Connection, column: Any, values: Iterable[str] | Iterable[int]) -> ColumnElement[bool]:
    """``column`` is one of ``values``, bound as one parameter however many there are."""
    items = sorted(set(values))  # type: ignore[type-var]
    integer = bool(items) and isinstance(items[0], int)
    if conn.dialect.name == "postgresql":
        array = bindparam(None, items, type_=ARRAY(BigInteger if integer else String), unique=True)
        return column == any_(array)  # type: ignore[no-any-return]
    rows = func.json_each(bindparam(None, json.dumps(items), type_=String, unique=True)).table_valued("value")
    return column.in_(select(rows.c.value))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class BankAccountRow:
    account: str
    name: str
    currency: str
    gl_account: str
    bic: str | None
    ocr_agreement_id: str | None


def bank_accounts(conn: Connection, company_id: int) -> list[BankAccountRow]:
    b = t.bank_accounts
    rows = conn.execute(select(b.c.account, b.c.name, b.c.currency, b.c.gl_account, b.c.bic, b.c.ocr_agreement_id)
                        .where(b.c.company_id == company_id).order_by(b.c.account))
    return [BankAccountRow(*r) for r in rows]


def file_of(conn: Connection, company_id: int, bank_file_id: int) -> dict[str, Any]:
    f = t.bank_files
    row = conn.execute(select(f).where(f.c.company_id == company_id, f.c.bank_file_id == bank_file_id)).mappings().one()
    return dict(row)


def party_numbers(conn: Connection, company_id: int, party_ids: Iterable[int]) -> dict[int, str]:
    p = t.parties
    ids = set(party_ids)
    if not ids:
        return {}
    q = select(p.c.party_id, p.c.number).where(p.c.company_id == company_id, one_of(conn, p.c.party_id, ids))
    return {int(pid): number for pid, number in conn.execute(q)}


def file_by_key(conn: Connection, company_id: int, file_key: str) -> dict[str, Any] | None:
    f = t.bank_files
    row = conn.execute(select(f).where(f.c.company_id == company_id, f.c.file_key == file_key)).mappings().first()
    return dict(row) if row else None


def recent_files(conn: Connection, company_id: int, limit: int) -> list[dict[str, Any]]:
    f = t.bank_files
    rows = conn.execute(select(f).where(f.c.company_id == company_id)
                        .order_by(f.c.bank_file_id.desc()).limit(limit)).mappings()
    return [dict(r) for r in rows]


def parties_by_kid(conn: Connection, company_id: int, kids: Iterable[str]) -> dict[str, set[int]]:
    """KID → the customers whose items carry it (usually one; two customers with one KID is for a person)."""
    i = t.items
    out: dict[str, set[int]] = defaultdict(set)
    wanted = set(kids)
    if wanted:
        q = select(i.c.kid, i.c.party_id).where(i.c.company_id == company_id, one_of(conn, i.c.kid, wanted),
                                                i.c.kind == "customer")
        for kid, pid in conn.execute(q):
            out[kid].add(int(pid))
    return out


def parties_by_document(conn: Connection, company_id: int, kind: str, documents: Iterable[str]
                        ) -> dict[str, set[int]]:
    """Invoice number → the parties of ``kind`` with an invoice of that number."""
    i = t.items
    out: dict[str, set[int]] = defaultdict(set)
    wanted = set(documents)
    if wanted:
        q = select(i.c.document_number, i.c.party_id).where(
            i.c.company_id == company_id, one_of(conn, i.c.document_number, wanted), i.c.kind == kind,
            i.c.item_type == "invoice")
        for doc, pid in conn.execute(q):
            out[doc].add(int(pid))
    return out


def parties_by_account(conn: Connection, company_id: int, kind: str, accounts: Iterable[str]) -> dict[str, set[int]]:
    """Bank account on the card → the parties of ``kind`` that have it."""
    p = t.parties
    out: dict[str, set[int]] = defaultdict(set)
    wanted = set(accounts)
    if wanted:
        q = select(p.c.bank_account, p.c.party_id).where(p.c.company_id == company_id, p.c.kind == kind,
                                                         one_of(conn, p.c.bank_account, wanted))
        for acc, pid in conn.execute(q):
            out[acc].add(int(pid))
    return out


def parties_by_name(conn: Connection, company_id: int, kind: str, names: Iterable[str]) -> dict[str, set[int]]:
    """Name (compared case-blind) → the parties of ``kind`` with exactly that name."""
    p = t.parties
    out: dict[str, set[int]] = defaultdict(set)
    wanted = {n.casefold() for n in names}
    if wanted:
        q = select(func.lower(p.c.name), p.c.party_id).where(p.c.company_id == company_id, p.c.kind == kind,
                                                             one_of(conn, func.lower(p.c.name), wanted))
        for name, pid in conn.execute(q):
            out[str(name).casefold()].add(int(pid))
    return out


def open_amounts(conn: Connection, company_id: int, kind: str, party_ids: Iterable[int]
                 ) -> dict[int, list[tuple[str, int]]]:
    """Party → (currency, open amount in GL sign) of each of its open items (the covering open-items index)."""
    i = t.items
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    ids = set(party_ids)
    if ids:
        q = select(i.c.party_id, i.c.currency, i.c.open_minor).where(
            i.c.company_id == company_id, i.c.kind == kind, one_of(conn, i.c.party_id, ids), i.c.open_minor != 0)
        for pid, cur, open_minor in conn.execute(q):
            out[int(pid)].append((cur, int(open_minor)))
    return out


def posted_references(conn: Connection, company_id: int, keys: Sequence[tuple[str, str, int, date, bool]]
                      ) -> dict[tuple[str, str, int, date, bool], int]:
    """(account, bank reference, amount, booking date, credit) → the bank payment already taken in with them: the
    same payment read again from another file (a statement after its notification)."""
    b = t.bank_payments
    out: dict[tuple[str, str, int, date, bool], int] = {}
    refs = {k[1] for k in keys}
    if refs:
        q = select(b.c.account, b.c.bank_reference, b.c.amount_minor, b.c.booking_date, b.c.credit,
                   b.c.bank_payment_id).where(b.c.company_id == company_id, one_of(conn, b.c.bank_reference, refs),
                                              b.c.reversal.is_(False))
        for acc, ref, amount, day, credit, pid in conn.execute(q):
            out.setdefault((acc, ref, int(amount), day, bool(credit)), int(pid))
    return out


EntryKey = tuple[str, str, int, date, bool, str]


def posted_entries(conn: Connection, company_id: int, keys: Sequence[EntryKey]) -> dict[EntryKey, int]:
    """(account, entry reference, amount, booking date, credit, KID) → the bank payment of another file with them:
    a statement's transaction whose own reference differs from its notification's (camt.053 after camt.054)."""
    b = t.bank_payments
    out: dict[EntryKey, int] = {}
    refs = {k[1] for k in keys}
    if refs:
        q = select(b.c.account, b.c.entry_reference, b.c.amount_minor, b.c.booking_date, b.c.credit, b.c.kid,
                   b.c.bank_payment_id).where(b.c.company_id == company_id, one_of(conn, b.c.entry_reference, refs),
                                              b.c.reversal.is_(False))
        for acc, ref, amount, day, credit, kid, pid in conn.execute(q):
            out.setdefault((acc, ref, int(amount), day, bool(credit), kid or ""), int(pid))
    return out


def reversible(conn: Connection, company_id: int, account: str, amount_minor: int, on: date, kid: str | None,
               reference: str | None) -> dict[str, Any] | None:
    """The latest payment on or before ``on`` that a reversal of this amount (and KID, else reference) takes back,
    not reversed yet and not waiting in the queue."""
    b = t.bank_payments
    r = b.alias("r")
    taken = select(r.c.bank_payment_id).where(r.c.company_id == company_id,
                                              r.c.reverses_payment_id == b.c.bank_payment_id).exists()
    q = select(b).where(b.c.company_id == company_id, b.c.account == account, b.c.amount_minor == amount_minor,
                        b.c.credit.is_(True), b.c.reversal.is_(False), b.c.booking_date <= on,
                        b.c.status.in_(("posted", "suspense")), ~taken)
    if kid:
        q = q.where(b.c.kid == kid)
    elif reference:
        q = q.where(b.c.bank_reference == reference)
    else:
        return None
    row = conn.execute(q.order_by(b.c.booking_date.desc(), b.c.bank_payment_id.desc()).limit(1)).mappings().first()
    return dict(row) if row else None


def payment(conn: Connection, company_id: int, bank_payment_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    b = t.bank_payments
    q = select(b).where(b.c.company_id == company_id, b.c.bank_payment_id == bank_payment_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def resolve(conn: Connection, company_id: int, bank_payment_id: int, expect: Sequence[str], values: dict[str, Any]
            ) -> bool:
    """Record what became of a payment, if it is still in one of the ``expect`` states (False: someone else
    resolved it first)."""
    b = t.bank_payments
    res = conn.execute(update(b).where(b.c.company_id == company_id, b.c.bank_payment_id == bank_payment_id,
                                       b.c.status.in_(expect)).values(**values))
    return bool(res.rowcount == 1)


def file_counts(conn: Connection, company_id: int, bank_file_id: int, posted: int, review: int) -> None:
    f = t.bank_files
    conn.execute(update(f).where(f.c.company_id == company_id, f.c.bank_file_id == bank_file_id)
                 .values(posted=posted, review=review))


@dataclass(frozen=True, slots=True)
class QueueRow:
    bank_payment_id: int
    bank_file_id: int
    filename: str
    location: str
    account: str
    booking_date: date
    currency: str
    amount_minor: int
    credit: bool
    reversal: bool
    kid: str | None
    text: str | None
    counterparty_name: str | None
    counterparty_account: str | None
    status: str
    note: str | None
    resolved_at: datetime | None


def queue(conn: Connection, company_id: int, *, status: str = "review", limit: int = 200, offset: int = 0
          ) -> tuple[list[QueueRow], int]:
    """The bank payments in ``status`` (oldest booking first) and how many there are."""
    b, f = t.bank_payments, t.bank_files
    where = and_(b.c.company_id == company_id, b.c.status == status)
    total = int(conn.execute(select(func.count()).select_from(b).where(where)).scalar_one())
    q = (select(b.c.bank_payment_id, b.c.bank_file_id, f.c.filename, b.c.location, b.c.account, b.c.booking_date,
                b.c.currency, b.c.amount_minor, b.c.credit, b.c.reversal, b.c.kid, b.c.text, b.c.counterparty_name,
                b.c.counterparty_account, b.c.status, b.c.note, b.c.resolved_at)
         .join(f, and_(f.c.company_id == b.c.company_id, f.c.bank_file_id == b.c.bank_file_id))
         .where(where).order_by(b.c.booking_date, b.c.bank_payment_id).limit(limit).offset(offset))
    return [QueueRow(**r._mapping) for r in conn.execute(q)], total


def file_payments(conn: Connection, company_id: int, bank_file_id: int) -> list[dict[str, Any]]:
    b = t.bank_payments
    rows = conn.execute(select(b).where(b.c.company_id == company_id, b.c.bank_file_id == bank_file_id)
                        .order_by(b.c.seq)).mappings()
    return [dict(r) for r in rows]


@dataclass(frozen=True, slots=True)
class CandidateRow:
    item_id: int
    party_id: int
    party_number: str
    party_name: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    open_minor: int
    kid: str | None


def candidates(conn: Connection, company_id: int, kind: str, *, amount_minor: int | None = None,
               party_ids: Iterable[int] = (), documents: Iterable[str] = (), kid_prefix: str | None = None,
               limit: int = 50) -> list[CandidateRow]:
    """Open items of ``kind`` that a queued payment could be for: of exactly its amount, of the named parties,
    with the named document numbers, or with a KID that starts the same way."""
    i, p = t.items, t.parties
    conds = []
    if amount_minor is not None:
        conds.append(i.c.open_minor == amount_minor)
    ids = set(party_ids)
    if ids:
        conds.append(one_of(conn, i.c.party_id, ids))
    docs = set(documents)
    if docs:
        conds.append(one_of(conn, i.c.document_number, docs))
    if kid_prefix:
        conds.append(i.c.kid.like(kid_prefix.replace("%", "").replace("_", "") + "%"))
    if not conds:
        return []
    q = (select(i.c.item_id, i.c.party_id, p.c.number, p.c.name, i.c.document_number, i.c.item_date, i.c.due_date,
                i.c.currency, i.c.open_minor, i.c.kid)
         .join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
         .where(i.c.company_id == company_id, i.c.kind == kind, i.c.open_minor != 0, or_(*conds))
         .order_by(i.c.due_date, i.c.item_id).limit(limit))
    return [CandidateRow(int(r[0]), int(r[1]), *r[2:8], int(r[8]), r[9]) for r in conn.execute(q)]


def party_ids_named_like(conn: Connection, company_id: int, kind: str, words: Sequence[str], limit: int = 20
                         ) -> list[int]:
    """Parties of ``kind`` whose name holds every one of ``words`` (case-blind)."""
    p = t.parties
    if not words:
        return []
    q = select(p.c.party_id).where(p.c.company_id == company_id, p.c.kind == kind)
    for w in words:
        q = q.where(func.lower(p.c.name).like("%" + w.casefold().replace("%", "").replace("_", "") + "%"))
    return [int(r[0]) for r in conn.execute(q.limit(limit))]
