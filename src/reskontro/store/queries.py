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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

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
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from reskontro.store import tables as t
from reskontro.store import totals


class _Unindexed(ColumnElement[Any]):
    """A column that SQLite must not look up by index in this condition (``+column``, SQLite's no-op that
    makes a term unusable for an index); the plain column elsewhere.

    SQLite keeps no statistics here, so for ``item_date <= D`` — true of most items at most dates — it
    would walk the index on the item date (``ix_items_date``, for the transactions of a period) through
    most of the ledger, instead of the partial covering index of open items: at 1.75M items the aged report
    at a past date took 1.7 s instead of 1.1 s, every open item today 7.4 s instead of 6.3 s."""

    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 (the cache key)
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Unindexed)
def _unindexed(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_Unindexed, "sqlite")
def _unindexed_sqlite(element: _Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


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
             columns: Sequence[str] = ITEM_COLUMNS, party_ids: Sequence[int] | None = None
             ) -> Select[Any] | CompoundSelect[Any]:
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
    base = [i.c.company_id == company_id, _Unindexed(i.c.item_date) <= as_of]
    if kind:
        base.append(i.c.kind == kind)
    if party_id is not None:
        base.append(i.c.party_id == party_id)
    if party_ids is not None:
        base.append(i.c.party_id.in_(party_ids))
    if nothing_allocated_after(conn, company_id, as_of):
        now = select(*cols, i.c.open_minor, i.c.open_company_minor).where(*base, i.c.open_minor != 0)
        if party_ids is not None and not kind:  # some parties of both kinds: the index of open items leads
            return union_all(*(now.where(i.c.kind == k) for k in ("customer", "supplier")))  # with the kind
        return now

    def at_date(column: str) -> Any:
        later = (select(func.coalesce(func.sum(a.c[f"amount_{column}"]), 0))
                 .where(a.c.company_id == company_id, a.c.item_id == i.c.item_id, a.c.alloc_date > as_of)
                 .scalar_subquery())
        now = i.c[f"open_{column}"]
        return (now + cast(case((i.c.last_alloc_date > as_of, later), else_=0), BigInteger)).label(f"open_{column}")

    picked = select(*cols, at_date("minor"), at_date("company_minor"))
    if party_id is not None or party_ids is not None:  # a few parties: their items, by the index on party
        return picked.where(*base, or_(i.c.open_minor != 0, i.c.closed_on > as_of))
    return union_all(picked.where(*base, i.c.open_minor != 0),
                     picked.where(*base, i.c.closed_on.is_not(None), i.c.closed_on > as_of))


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Filters of the open-items listing. Amounts are company-currency minor units in the ledger's
    natural sign (a customer's invoice and a supplier's invoice are both positive)."""

    group_code: str | None = None
    currency: str | None = None
    due_before: date | None = None
    min_open_minor: int | None = None
    max_open_minor: int | None = None
    overdue_only: bool = False
    disputed: bool | None = None
    in_collection: bool | None = None
    blocked: bool | None = None  # the party has a reminder block, credit stop or payment block
    free_fields: tuple[tuple[str, str], ...] = ()  # (code, canonical value text), all must match


def open_items(conn: Connection, company_id: int, as_of: date, *, kind: str | None = None,
               party_id: int | None = None, overdue_only: bool = False) -> list[OpenItemRow]:
    """Every item open at ``as_of`` (one party or all), ordered by party and due date."""
    return list(iter_open_items(conn, company_id, as_of, kind=kind, party_id=party_id,
                                where=ItemFilter(overdue_only=overdue_only)))


def _natural(kind: Any, amount: Any) -> Any:
    return case((kind == "customer", amount), else_=-amount)


#: Parties per query when the first rows of the open-items listing are walked party by party.
PARTY_CHUNK = 1000


def iter_open_items(conn: Connection, company_id: int, as_of: date, *, kind: str | None = None,
                    party_id: int | None = None, where: ItemFilter | None = None,
                    overdue_only: bool = False, limit: int | None = None) -> Iterator[OpenItemRow]:
    """:func:`open_items` with filters, as a stream: the rows arrive in batches, so a listing of 370k
    items (or an export of it) holds only a batch in memory.

    With ``limit`` (a page of the listing) the parties are walked in number order, :data:`PARTY_CHUNK` at
    a time, and the walk stops once ``limit`` rows are out: the first 500 of 370k open items then cost a
    few small queries instead of sorting every open item by party number. The rows and their order are the
    same as without a limit."""
    if limit is None or party_id is not None:
        yield from _iter_open_items(conn, company_id, as_of, kind, party_id, where, overdue_only, None, limit)
        return
    left = limit
    for ids in party_chunks(conn, company_id, kind, min(PARTY_CHUNK, limit)):  # a party has one item or more
        for row in _iter_open_items(conn, company_id, as_of, kind, None, where, overdue_only, ids, left):
            yield row
            left -= 1
        if left <= 0:
            return


def party_chunks(conn: Connection, company_id: int, kind: str | None, size: int | None = None,
                 next_size: Callable[[], int] | None = None) -> Iterator[list[int]]:
    """The ids of the parties (of ``kind``, or both) in number order, ``size`` (:data:`PARTY_CHUNK`) numbers at a
    time, or as many as ``next_size()`` asks for each chunk after the first: the first page of a per-party report
    reads the parties of its first chunks only. Every party with a number in the chunk is in it (a customer and
    a supplier may share a number and sort together)."""
    p = t.parties
    size = size or PARTY_CHUNK
    kinds = [kind] if kind else ["customer", "supplier"]
    after: str | None = None
    while True:
        if after is not None and next_size is not None:
            size = max(1, next_size())
        later = [p.c.number > after] if after is not None else []
        # The chunk ends at the size-th number of each kind (read from the index on kind and number); both
        # kinds together end at the smaller, so no party is skipped.
        ends = [conn.execute(select(p.c.number).where(p.c.company_id == company_id, p.c.kind == k, *later)
                             .order_by(p.c.number).offset(size - 1).limit(1)).scalar() for k in kinds]
        last = min((e for e in ends if e is not None), default=None)
        ids = list(conn.execute(select(p.c.party_id).where(
            p.c.company_id == company_id, p.c.kind.in_(kinds), *later,
            *([p.c.number <= last] if last is not None else []))).scalars())
        if not ids:
            return
        yield ids
        if last is None:  # that was the last chunk
            return
        after = last


def _iter_open_items(conn: Connection, company_id: int, as_of: date, kind: str | None, party_id: int | None,
                     where: ItemFilter | None, overdue_only: bool, party_ids: Sequence[int] | None,
                     limit: int | None) -> Iterator[OpenItemRow]:
    f = where or ItemFilter(overdue_only=overdue_only)
    sub = _open_at(conn, company_id, as_of, kind, party_id, party_ids=party_ids).subquery()
    p, v, i, fv = t.parties, t.vouchers, t.items, t.party_free_values
    q = (select(sub.c.item_id, sub.c.party_id, p.c.number, p.c.name, sub.c.kind, sub.c.item_type,
                sub.c.document_number, sub.c.item_date, sub.c.due_date, sub.c.kid, sub.c.currency, sub.c.amount_minor,
                sub.c.amount_company_minor, sub.c.open_minor, sub.c.open_company_minor, voucher_ref(v))
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == sub.c.party_id))
         .join(v, and_(v.c.company_id == company_id, v.c.voucher_id == sub.c.voucher_id))
         .where(sub.c.open_minor != 0))
    if f.overdue_only or overdue_only:
        q = q.where(sub.c.due_date < as_of)
    if f.due_before is not None:
        q = q.where(sub.c.due_date < f.due_before)
    if f.group_code is not None:
        q = q.where(p.c.group_code == f.group_code)
    if f.currency is not None:
        q = q.where(sub.c.currency == f.currency)
    natural_open = _natural(sub.c.kind, sub.c.open_company_minor)
    if f.min_open_minor is not None:
        q = q.where(natural_open >= f.min_open_minor)
    if f.max_open_minor is not None:
        q = q.where(natural_open <= f.max_open_minor)
    for flag, column in ((f.disputed, i.c.disputed_since), (f.in_collection, i.c.collection_since)):
        if flag is not None:
            on_item = select(i.c.item_id).where(i.c.company_id == company_id, i.c.item_id == sub.c.item_id,
                                                column.is_not(None), column <= as_of)
            q = q.where(on_item.exists() if flag else ~on_item.exists())
    if f.blocked is not None:
        any_block = or_(p.c.reminder_block_since.is_not(None), p.c.credit_stop_since.is_not(None),
                        p.c.payment_block_since.is_not(None))
        q = q.where(any_block if f.blocked else ~any_block)
    for code, value in f.free_fields:
        q = q.where(select(fv.c.party_id).where(fv.c.company_id == company_id, fv.c.party_id == sub.c.party_id,
                                                fv.c.code == code, fv.c.value_text == value).exists())
    q = q.order_by(p.c.number, sub.c.due_date, sub.c.item_id)
    if limit is not None:
        q = q.limit(limit)
    for row in stream(conn, q):
        yield OpenItemRow(*row)


class AgedRow(NamedTuple):  # a tuple, not a frozen dataclass: 100k of them are made per report
    party_id: int
    party_number: str
    party_name: str
    kind: str
    buckets: tuple[int, ...]  # minor units, GL sign, one per bucket: company currency, or ``currency``
    total: int  # the buckets' sum
    currency: str | None = None  # set when aged per currency: buckets and total are in it
    total_company: int | None = None  # the company-currency total of a per-currency row


def aging_edges(as_of: date, limits: Sequence[int]) -> list[date]:
    """The dates of the bucket edges: ``as_of`` (not due on or after it), then ``as_of`` minus each limit."""
    return [as_of, *(as_of - timedelta(days=limit) for limit in limits)]


def aged(conn: Connection, company_id: int, as_of: date, limits: Sequence[int], *, kind: str | None = None,
         party_id: int | None = None, by: str = "due_date", per_currency: bool = False,
         currency: str | None = None, group_code: str | None = None,
         party_ids: Sequence[int] | None = None) -> list[AgedRow]:
    """Open amounts at ``as_of`` per party (or per party and currency) in aging buckets, in one
    set-based pass.

    Bucket edges are turned into dates (``due_date >= as_of - 30``), so the database compares dates
    and needs no date arithmetic of its own. ``by`` is ``due_date`` or ``item_date``. The sums are
    grouped by party first and joined to the parties afterwards, so today's report is an index-only
    scan of the open items. Per currency, the buckets hold currency amounts and ``total_company``
    the company-currency total.
    """
    if by not in ("due_date", "item_date"):
        raise ValueError(f"aging is by due_date or item_date, not {by!r}")
    need_currency = per_currency or currency is not None
    sub = _open_at(conn, company_id, as_of, kind, party_id,
                   ("party_id", by, "currency") if need_currency else ("party_id", by), party_ids).subquery()
    col = sub.c[by]
    amount = sub.c.open_minor if per_currency else sub.c.open_company_minor

    def total(value: Any) -> Any:  # bigint on PostgreSQL too, where sum(bigint) would be numeric
        return cast(func.sum(value), BigInteger)

    # Cumulative sums, one comparison per row each: c0 is what is not due (due on or after as_of), c_k
    # what is at most limit_k days past due. The buckets are their differences, taken per party.
    edges = aging_edges(as_of, limits)
    sums = [total(case((col >= edge, amount), else_=0)).label(f"c{n}") for n, edge in enumerate(edges)]
    keys = [sub.c.party_id, *([sub.c.currency] if per_currency else [])]
    grouped = select(*keys, *sums, total(amount).label("total"), total(sub.c.open_company_minor).label("tc"))
    grouped = grouped.where(sub.c.open_minor != 0)
    if currency is not None:
        grouped = grouped.where(sub.c.currency == currency)
    g = grouped.group_by(*keys).subquery()
    c = [g.c[f"c{k}"] for k in range(len(edges))]
    buckets = [c[0], *(c[k] - c[k - 1] for k in range(1, len(c))), g.c.total - c[-1]]
    p = t.parties
    q = (select(g.c.party_id, p.c.number, p.c.name, p.c.kind, g.c.total,
                g.c.currency if per_currency else literal(None), g.c.tc, *buckets)
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == g.c.party_id))
         .order_by(p.c.number, p.c.kind, *([g.c.currency] if per_currency else [])))
    if group_code is not None:
        q = q.where(p.c.group_code == group_code)
    make = AgedRow._make
    return [make((r[0], r[1], r[2], r[3], r[7:], r[4], r[5], r[6])) for r in conn.execute(q).all()]


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
    """GL balance of every control account against Σ open sub-ledger items at ``as_of``: the GL side from the
    maintained totals of the lines, the sub-ledger side from those of the items and their allocations."""
    controls = control_accounts(conn, company_id)
    accounts = sorted(controls)
    gl = totals.gl_balances(conn, company_id, accounts, as_of)
    subl = totals.subledger_by_account(conn, company_id, as_of)
    return [ControlRow(acc, controls[acc], int(gl.get(acc) or 0), int(subl.get(acc) or 0)) for acc in accounts]


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


@dataclass(frozen=True, slots=True)
class SpecRow:
    party_id: int
    party_number: str
    party_name: str
    kind: str
    opening_minor: int  # GL sign, company currency
    debit_minor: int  # movements in the period, both positive
    credit_minor: int
    closing_minor: int


@dataclass(frozen=True, slots=True)
class SpecControl:
    account: str
    opening_minor: int
    debit_minor: int
    credit_minor: int
    closing_minor: int


def _movements(amount: Any, day: Any, date_from: date) -> list[Any]:
    def total(value: Any) -> Any:
        return cast(func.coalesce(func.sum(value), 0), BigInteger)

    return [total(case((day < date_from, amount), else_=0)).label("opening"),
            total(case((and_(day >= date_from, amount > 0), amount), else_=0)).label("debit"),
            total(case((and_(day >= date_from, amount < 0), -amount), else_=0)).label("credit")]


def ledger_specification(conn: Connection, company_id: int, kind: str, date_from: date, date_to: date, *,
                         party_ids: Sequence[int] | None = None) -> tuple[list[SpecRow], list[SpecControl]]:
    """Reskontrospesifikasjon: per party (all of ``kind``; or ``party_ids``, and then no accounts) the opening
    balance, debits,
    credits and closing balance of its sub-ledger lines in the period, summed from the lines (covering index
    on party); and the same figures for every control account the kind's sub-ledger posts to, from the
    maintained GL totals of all lines on it. The party rows and the account figures come from different
    lines (the party's, the account's), so their difference is a real check: a line on a control account
    without a party, or a party's line on another account, shows.
    """
    vl, p = t.voucher_lines, t.parties
    per_party = (select(vl.c.party_id, *_movements(vl.c.amount_minor, vl.c.line_date, date_from))
                 .where(vl.c.company_id == company_id, vl.c.party_id.is_not(None), vl.c.line_date <= date_to,
                        *([vl.c.party_id.in_(party_ids)] if party_ids is not None else []))
                 .group_by(vl.c.party_id).subquery())
    q = (select(per_party.c.party_id, p.c.number, p.c.name, p.c.kind, per_party.c.opening, per_party.c.debit,
                per_party.c.credit)
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == per_party.c.party_id))
         .where(p.c.kind == kind,
                or_(per_party.c.opening != 0, per_party.c.debit != 0, per_party.c.credit != 0))
         .order_by(p.c.number))
    rows = [SpecRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[4] + r[5] - r[6]) for r in conn.execute(q)]
    return rows, ([] if party_ids is not None else ledger_spec_controls(conn, company_id, kind, date_from, date_to))


def control_accounts(conn: Connection, company_id: int, kind: str | None = None) -> dict[str, str | None]:
    """Account → the kind of sub-ledger it controls: the accounts marked as control accounts (of ``kind``),
    and any other account items have been posted to."""
    a = t.accounts
    q = select(a.c.number, a.c.control_kind).where(a.c.company_id == company_id, a.c.control_kind.is_not(None))
    if kind is not None:
        q = q.where(a.c.control_kind == kind)
    out: dict[str, str | None] = {str(r[0]): r[1] for r in conn.execute(q)}
    for acc in totals.accounts_used(conn, company_id, kind):
        out.setdefault(acc, None)
    return out


def ledger_spec_controls(conn: Connection, company_id: int, kind: str, date_from: date, date_to: date
                         ) -> list[SpecControl]:
    """The ledger specification's GL side: each control account of ``kind`` with its opening balance, debits,
    credits and closing balance of the period."""
    accounts = sorted(control_accounts(conn, company_id, kind))
    found = totals.account_movements(conn, company_id, accounts, date_from, date_to)
    none = totals.Movements(0, 0, 0)
    return [SpecControl(acc, m.opening, m.debit, m.credit, m.closing)
            for acc in accounts for m in (found.get(acc, none),)]


@dataclass(frozen=True, slots=True)
class PaymentBehaviourRow:
    party_id: int
    party_number: str
    party_name: str
    invoices_paid: int  # invoices settled in the period
    paid_late: int  # of those, settled after their due date
    days_after_due_sum: int  # Σ (settled − due) in days, early payments negative
    days_late_weighted_sum: int  # Σ days after due × amount (company minor units), for an amount-weighted mean
    paid_amount_minor: int  # Σ amounts of the invoices settled in the period
    invoiced_minor: int  # Σ invoices dated in the period (company currency)
    open_minor: int  # open at the period's end (company currency, GL sign)


def payment_behaviour(conn: Connection, company_id: int, date_from: date, date_to: date, *,
                      party_id: int | None = None, party_ids: Sequence[int] | None = None
                      ) -> list[PaymentBehaviourRow]:
    """How customers pay: invoices settled in the period, how many late and by how many days, what was
    invoiced in the period and what is open at its end — three grouped passes, joined by party. All
    customers, one (``party_id``) or some (``party_ids``)."""
    p = t.parties
    paid, invoiced, open_at = _behaviour(conn, company_id, date_from, date_to, party_id, party_ids)
    ids = set(paid) | set(invoiced) | set(open_at)
    if not ids:
        return []
    # The names of every customer, or of the few asked for (by their primary key: a filter on the kind would
    # lead SQLite to the index on kind and name, a scan of every customer).
    few = party_id is not None or party_ids is not None
    names = {r[0]: (r[1], r[2]) for r in conn.execute(
        select(p.c.party_id, p.c.number, p.c.name).where(
            p.c.company_id == company_id, p.c.party_id.in_(ids) if few else p.c.kind == "customer"))}
    out = []
    for pid in ids:
        n, late, days_sum, weighted, paid_amount = paid.get(pid, (0, 0, 0, 0, 0))
        number, name = names[pid]
        out.append(PaymentBehaviourRow(pid, number, name, int(n), int(late), int(days_sum), int(weighted),
                                       int(paid_amount), int(invoiced.get(pid, 0)), int(open_at.get(pid, 0))))
    out.sort(key=lambda r: r.party_number)
    return out


def payment_behaviour_totals(conn: Connection, company_id: int, date_from: date, date_to: date
                             ) -> PaymentBehaviourRow:
    """:func:`payment_behaviour` of every customer as one row (party id 0, no number or name), from the
    maintained totals of the invoices settled and posted in the period and of what is open at its end."""
    s = totals.settled_between(conn, company_id, "customer", "invoice", date_from, date_to)
    _, invoiced = totals.posted_between(conn, company_id, "customer", "invoice", date_from, date_to)
    open_minor = totals.open_total(conn, company_id, date_to, kind="customer", currency=None, due_before=None)
    return PaymentBehaviourRow(0, "", "", s.items, s.late_items, s.days_sum, s.days_amount_sum, s.amount_company,
                               invoiced, open_minor)


def _behaviour(conn: Connection, company_id: int, date_from: date, date_to: date, party_id: int | None,
               party_ids: Sequence[int] | None) -> tuple[dict[Any, tuple[Any, ...]], dict[Any, int], dict[Any, int]]:
    """The three passes of the payment behaviour, per party id: settled invoices, invoiced, open at the end."""
    i = t.items
    base = [i.c.company_id == company_id, i.c.kind == "customer", i.c.item_type == "invoice"]
    if party_id is not None:
        base.append(i.c.party_id == party_id)
    if party_ids is not None:
        base.append(i.c.party_id.in_(party_ids))
    days = totals.days_between(conn, i.c.closed_on, i.c.due_date)

    def total(value: Any) -> Any:
        return cast(func.coalesce(func.sum(value), 0), BigInteger)

    settled = and_(i.c.closed_on.is_not(None), i.c.closed_on >= date_from, i.c.closed_on <= date_to)
    dated = and_(i.c.item_date >= date_from, i.c.item_date <= date_to)
    if party_id is None and party_ids is None:  # every customer: each pass by its own index
        paid = {r[0]: r[1:] for r in conn.execute(
            select(i.c.party_id, func.count(), total(case((days > 0, 1), else_=0)), total(days),
                   total(days * i.c.amount_company_minor), total(i.c.amount_company_minor))
            .where(*base, settled).group_by(i.c.party_id))}
        invoiced: dict[Any, int] = {r[0]: r[1] for r in conn.execute(
            select(i.c.party_id, total(i.c.amount_company_minor)).where(*base, dated).group_by(i.c.party_id))}
    else:  # some: their invoices once, by the index on party, each tested for the period
        paid, invoiced = {}, {}
        for r in conn.execute(
                select(i.c.party_id, total(case((settled, 1), else_=0)),
                       total(case((and_(settled, days > 0), 1), else_=0)), total(case((settled, days), else_=0)),
                       total(case((settled, days * i.c.amount_company_minor), else_=0)),
                       total(case((settled, i.c.amount_company_minor), else_=0)),
                       total(case((dated, i.c.amount_company_minor), else_=0)), func.max(case((dated, 1), else_=0)))
                .where(*base).group_by(i.c.party_id)):
            if r[1]:
                paid[r[0]] = tuple(r[1:6])
            if r[7]:
                invoiced[r[0]] = r[6]
    sub = _open_at(conn, company_id, date_to, "customer", party_id, ("party_id",), party_ids).subquery()
    open_at: dict[Any, int] = {r[0]: r[1] for r in conn.execute(
        select(sub.c.party_id, total(sub.c.open_company_minor)).group_by(sub.c.party_id))}
    return paid, invoiced, open_at


@dataclass(frozen=True, slots=True)
class ItemLine:
    item_id: int
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
    open_company_minor: int
    voucher_ref: str
    description: str | None


def transaction_order(party_id: int | None) -> tuple[Any, ...]:
    """The order of the transactions report: date, then posting order. For one party ``item_id + 0``, so that
    SQLite reads the party's items by the index on party and sorts them, instead of walking the index on date
    (which gives this order) through every party's items of the period."""
    i = t.items
    return (i.c.company_id, i.c.item_date, i.c.item_id if party_id is None else i.c.item_id + 0)


def iter_items(conn: Connection, company_id: int, date_from: date, date_to: date, *, kind: str | None = None,
               party_id: int | None = None, item_type: str | None = None, limit: int | None = None
               ) -> Iterator[ItemLine]:
    """Every sub-ledger item dated in the period (or the first ``limit``), as a stream in date order (then
    posting order: the index on date, so no sort), with its open amount now."""
    i, p, v = t.items, t.parties, t.vouchers
    q = (select(i.c.item_id, p.c.number, p.c.name, i.c.kind, i.c.item_type, i.c.document_number, i.c.item_date,
                i.c.due_date, i.c.kid, i.c.currency, i.c.amount_minor, i.c.amount_company_minor,
                i.c.open_company_minor, voucher_ref(v), i.c.description)
         .join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
         .join(v, and_(v.c.company_id == i.c.company_id, v.c.voucher_id == i.c.voucher_id))
         .where(i.c.company_id == company_id, i.c.item_date >= date_from, i.c.item_date <= date_to))
    if kind is not None:
        q = q.where(i.c.kind == kind)
    if party_id is not None:
        q = q.where(i.c.party_id == party_id)
    if item_type is not None:
        q = q.where(i.c.item_type == item_type)
    q = q.order_by(*transaction_order(party_id))
    if limit is not None:
        q = q.limit(limit)
    for row in stream(conn, q, batch=20000 if limit is None else min(limit, 20000)):
        yield ItemLine(*row)
