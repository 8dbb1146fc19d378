"""The read side: reports as set-based SQL, returning plain typed rows.

Historic truth: an item's open amount at date D is its open amount now plus everything that
matches dated after D took off it (``allocations.alloc_date > D``). An item can be open at D only
if it is open now or was closed after D (``closed_on > D``), so the query reads two partial
indexes; it probes allocations only for items allocated after D (``last_alloc_date > D``), and for
D = today it touches no allocation at all.

Amounts come back in minor units and the GL sign; the services turn them into the ledger's
natural sign and ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from reskontro.store import tables as t


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(row)


def voucher_ref(v: Any) -> Any:
    """``SF2026-15``: series, year and number as one text."""
    return v.c.series + cast(v.c.year, String) + literal("-") + cast(v.c.number, String)


@dataclass(frozen=True, slots=True)
class OpenItemRow:
    item_id: int
    party_id: int
    party_number: str
    party_name: str
    kind: str
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    kid: str | None
    currency: str
    amount_minor: int
    amount_company_minor: int
    open_minor: int
    open_company_minor: int
    voucher_ref: str


def nothing_allocated_after(conn: Connection, company_id: int, as_of: date) -> bool:
    """True when no match is dated after ``as_of`` (always so for today): open amounts then are the
    stored ones, and the reports read only the covering partial index of open items."""
    a = t.allocations
    return conn.execute(select(a.c.item_id).where(a.c.company_id == company_id, a.c.alloc_date > as_of)
                        .limit(1)).first() is None


#: The item columns the open-items listing needs; other reports ask for fewer, so their pass can stay
#: inside the covering index of open items.
ITEM_COLUMNS = ("item_id", "party_id", "kind", "item_type", "document_number", "item_date", "due_date", "kid",
                "currency", "amount_minor", "amount_company_minor", "voucher_id", "control_account")


def _open_at(conn: Connection, company_id: int, as_of: date, kind: str | None, party_id: int | None,
             columns: Sequence[str] = ITEM_COLUMNS) -> Select[Any] | CompoundSelect[Any]:
    """Items open at ``as_of`` with their open amounts then (GL sign, minor units): the given item
    columns plus ``open_minor`` and ``open_company_minor``.

    Today (nothing allocated later) this is a scan of the partial index of open items. For a past date
    the candidates are the items open now (the same index) and those closed after ``as_of`` (the
    partial index on ``closed_on``). Only candidates whose latest allocation is after ``as_of`` add
    back what later allocations took, read from the covering index on (item, date); nothing is
    aggregated for the whole company, and an item untouched since ``as_of`` costs no probe at all.
    """
    i, a = t.items, t.allocations
    cols = [i.c[name] for name in columns]
    base = [i.c.company_id == company_id, i.c.item_date <= as_of]
    if kind:
        base.append(i.c.kind == kind)
    if party_id is not None:
        base.append(i.c.party_id == party_id)
    if nothing_allocated_after(conn, company_id, as_of):
        return select(*cols, i.c.open_minor, i.c.open_company_minor).where(*base, i.c.open_minor != 0)

    def at_date(column: str) -> Any:
        later = (select(func.coalesce(func.sum(a.c[f"amount_{column}"]), 0))
                 .where(a.c.company_id == company_id, a.c.item_id == i.c.item_id, a.c.alloc_date > as_of)
                 .scalar_subquery())
        now = i.c[f"open_{column}"]
        return (now + cast(case((i.c.last_alloc_date > as_of, later), else_=0), BigInteger)).label(f"open_{column}")

    picked = select(*cols, at_date("minor"), at_date("company_minor"))
    if party_id is not None:
        return picked.where(*base, or_(i.c.open_minor != 0, i.c.closed_on > as_of))
    return union_all(picked.where(*base, i.c.open_minor != 0),
                     picked.where(*base, i.c.closed_on.is_not(None), i.c.closed_on > as_of))


def open_items(conn: Connection, company_id: int, as_of: date, *, kind: str | None = None,
               party_id: int | None = None, overdue_only: bool = False) -> list[OpenItemRow]:
    """Every item open at ``as_of`` (one party or all), ordered by party and due date."""
    return list(iter_open_items(conn, company_id, as_of, kind=kind, party_id=party_id, overdue_only=overdue_only))


def iter_open_items(conn: Connection, company_id: int, as_of: date, *, kind: str | None = None,
                    party_id: int | None = None, overdue_only: bool = False) -> Iterator[OpenItemRow]:
    """:func:`open_items` as a stream: the rows arrive in batches, so a listing of 370k items (or an
    export of it) holds only a batch in memory."""
    sub = _open_at(conn, company_id, as_of, kind, party_id).subquery()
    p, v = t.parties, t.vouchers
    q = (select(sub.c.item_id, sub.c.party_id, p.c.number, p.c.name, sub.c.kind, sub.c.item_type,
                sub.c.document_number, sub.c.item_date, sub.c.due_date, sub.c.kid, sub.c.currency, sub.c.amount_minor,
                sub.c.amount_company_minor, sub.c.open_minor, sub.c.open_company_minor, voucher_ref(v))
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == sub.c.party_id))
         .join(v, and_(v.c.company_id == company_id, v.c.voucher_id == sub.c.voucher_id))
         .where(sub.c.open_minor != 0))
    if overdue_only:
        q = q.where(sub.c.due_date < as_of)
    q = q.order_by(p.c.number, sub.c.due_date, sub.c.item_id)
    for row in stream(conn, q):
        yield OpenItemRow(*row)


@dataclass(frozen=True, slots=True)
class AgedRow:
    party_id: int
    party_number: str
    party_name: str
    kind: str
    buckets: tuple[int, ...]  # company currency, minor units, GL sign; one per bucket
    total: int


def aged(conn: Connection, company_id: int, as_of: date, limits: Sequence[int], *, kind: str | None = None,
         party_id: int | None = None, by: str = "due_date") -> list[AgedRow]:
    """Open amounts at ``as_of`` per party in aging buckets, in one set-based pass.

    Bucket edges are turned into dates (``due_date >= as_of - 30``), so the database compares dates
    and needs no date arithmetic of its own. ``by`` is ``due_date`` or ``item_date``. The sums are
    grouped by party first and joined to the parties afterwards, so today's report is an index-only
    scan of the open items.
    """
    if by not in ("due_date", "item_date"):
        raise ValueError(f"aging is by due_date or item_date, not {by!r}")
    sub = _open_at(conn, company_id, as_of, kind, party_id, ("party_id", by)).subquery()
    col = sub.c[by]
    amount = sub.c.open_company_minor
    def total(value: Any) -> Any:  # bigint on PostgreSQL too, where sum(bigint) would be numeric
        return cast(func.sum(value), BigInteger)

    sums = [total(case((col >= as_of, amount), else_=0)).label("b0")]  # not due: 0 or fewer days past
    low_day = as_of - timedelta(days=1)
    for n, limit in enumerate(limits, start=1):
        high_day = as_of - timedelta(days=limit)  # oldest date still in this bucket
        sums.append(total(case((and_(col <= low_day, col >= high_day), amount), else_=0)).label(f"b{n}"))
        low_day = high_day - timedelta(days=1)
    sums.append(total(case((col <= low_day, amount), else_=0)).label(f"b{len(limits) + 1}"))
    grouped = (select(sub.c.party_id, *sums, total(amount).label("total"))
               .where(sub.c.open_minor != 0).group_by(sub.c.party_id).subquery())
    p = t.parties
    bucket_cols = [grouped.c[f"b{n}"] for n in range(len(limits) + 2)]
    q = (select(grouped.c.party_id, p.c.number, p.c.name, p.c.kind, *bucket_cols, grouped.c.total)
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == grouped.c.party_id))
         .order_by(p.c.number))
    n = len(limits) + 2
    return [AgedRow(r[0], r[1], r[2], r[3], tuple(r[4:4 + n]), r[4 + n]) for r in conn.execute(q)]


@dataclass(frozen=True, slots=True)
class LedgerRow:
    voucher_id: int
    voucher_ref: str
    voucher_type: str
    line_date: date
    document_number: str | None
    item_type: str | None
    due_date: date | None
    description: str | None
    currency: str
    currency_amount_minor: int
    amount_minor: int
    balance_minor: int
    open_minor: int | None


def party_ledger(conn: Connection, company_id: int, party_id: int, *, date_from: date | None = None,
                 date_to: date | None = None) -> tuple[int, list[LedgerRow]]:
    """The party's sub-ledger lines with a running balance (window function), and the opening balance."""
    vl, v, i = t.voucher_lines, t.vouchers, t.items
    base = [vl.c.company_id == company_id, vl.c.party_id == party_id]
    opening = 0
    if date_from is not None:
        opening = int(conn.execute(select(func.coalesce(func.sum(vl.c.amount_minor), 0))
                                   .where(*base, vl.c.line_date < date_from)).scalar_one())
    conds = list(base)
    if date_from is not None:
        conds.append(vl.c.line_date >= date_from)
    if date_to is not None:
        conds.append(vl.c.line_date <= date_to)
    running = func.sum(vl.c.amount_minor).over(order_by=(vl.c.line_date, vl.c.voucher_id, vl.c.line_no))
    ref = voucher_ref(v)
    q = (select(vl.c.voucher_id, ref, v.c.voucher_type, vl.c.line_date, i.c.document_number, i.c.item_type,
                i.c.due_date, func.coalesce(vl.c.description, v.c.description), vl.c.currency,
                vl.c.currency_amount_minor, vl.c.amount_minor, running + opening, i.c.open_company_minor)
         .select_from(vl.join(v, and_(v.c.company_id == vl.c.company_id, v.c.voucher_id == vl.c.voucher_id))
                      .outerjoin(i, and_(i.c.company_id == vl.c.company_id, i.c.voucher_id == vl.c.voucher_id,
                                         i.c.line_no == vl.c.line_no)))
         .where(*conds).order_by(vl.c.line_date, vl.c.voucher_id, vl.c.line_no))
    return opening, [LedgerRow(*_values(row)) for row in conn.execute(q)]


@dataclass(frozen=True, slots=True)
class ControlRow:
    account: str
    kind: str | None
    gl_minor: int
    subledger_minor: int

    @property
    def difference_minor(self) -> int:
        return self.gl_minor - self.subledger_minor


def control_reconciliation(conn: Connection, company_id: int, as_of: date) -> list[ControlRow]:
    """GL balance of every control account against Σ open sub-ledger items at ``as_of``."""
    a, vl, i = t.accounts, t.voucher_lines, t.items
    controls = {r.number: r.control_kind for r in conn.execute(
        select(a.c.number, a.c.control_kind).where(a.c.company_id == company_id, a.c.control_kind.is_not(None)))}
    used = set(conn.execute(select(i.c.control_account).where(i.c.company_id == company_id).distinct()).scalars())
    gl = dict(conn.execute(
        select(vl.c.account, func.sum(vl.c.amount_minor))
        .where(vl.c.company_id == company_id, vl.c.line_date <= as_of,
               vl.c.account.in_(sorted(set(controls) | used)))
        .group_by(vl.c.account)).all())
    sub = _open_at(conn, company_id, as_of, None, None, ("control_account",)).subquery()
    subl = dict(conn.execute(
        select(sub.c.control_account, func.sum(sub.c.open_company_minor)).group_by(sub.c.control_account)).all())
    return [ControlRow(acc, controls.get(acc), int(gl.get(acc) or 0), int(subl.get(acc) or 0))
            for acc in sorted(set(controls) | used)]


def party_balances(conn: Connection, company_id: int, as_of: date) -> dict[int, tuple[int, int]]:
    """party_id → (GL balance of its control-account lines, Σ its open items) at ``as_of``."""
    vl = t.voucher_lines
    gl = dict(conn.execute(select(vl.c.party_id, func.sum(vl.c.amount_minor))
                           .where(vl.c.company_id == company_id, vl.c.party_id.is_not(None), vl.c.line_date <= as_of)
                           .group_by(vl.c.party_id)).all())
    sub = _open_at(conn, company_id, as_of, None, None, ("party_id",)).subquery()
    subl = dict(conn.execute(select(sub.c.party_id, func.sum(sub.c.open_company_minor)).group_by(sub.c.party_id))
                .all())
    return {int(p): (int(gl.get(p) or 0), int(subl.get(p) or 0)) for p in set(gl) | set(subl)}


def unbalanced_vouchers(conn: Connection, company_id: int) -> list[int]:
    vl = t.voucher_lines
    return [int(v) for v in conn.execute(
        select(vl.c.voucher_id).where(vl.c.company_id == company_id).group_by(vl.c.voucher_id)
        .having(func.sum(vl.c.amount_minor) != 0)).scalars()]


@dataclass(frozen=True, slots=True)
class PartyListRow:
    party_id: int
    kind: str
    number: str
    name: str
    org_number: str | None
    currency: str
    balance_minor: int


def list_parties(conn: Connection, company_id: int, *, kind: str | None = None, search: str | None = None,
                 free_field: tuple[str, str] | None = None, limit: int = 100, offset: int = 0) -> list[PartyListRow]:
    """Parties with their open balance, filtered by kind, a name/number/org search and a free-field value."""
    p, i, fv = t.parties, t.items, t.party_free_values
    bal = (select(i.c.party_id, func.sum(i.c.open_company_minor).label("b"))
           .where(i.c.company_id == company_id, i.c.open_minor != 0).group_by(i.c.party_id).subquery())
    q = (select(p.c.party_id, p.c.kind, p.c.number, p.c.name, p.c.org_number, p.c.currency,
                func.coalesce(bal.c.b, 0))
         .outerjoin(bal, bal.c.party_id == p.c.party_id).where(p.c.company_id == company_id))
    if kind:
        q = q.where(p.c.kind == kind)
    if search:
        like = f"%{search.lower()}%"
        q = q.where(or_(func.lower(p.c.name).like(like), p.c.number == search, p.c.org_number == search))
    if free_field:
        code, value = free_field
        q = q.where(select(fv.c.party_id).where(fv.c.company_id == company_id, fv.c.party_id == p.c.party_id,
                                               fv.c.code == code, fv.c.value_text == value).exists())
    q = q.order_by(p.c.kind, p.c.number).limit(limit).offset(offset)
    return [PartyListRow(*_values(row)) for row in conn.execute(q)]


def stream(conn: Connection, q: Select[Any], batch: int = 5000) -> Iterator[Any]:
    """Rows of a large query without holding them all in memory."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
    yield from result
