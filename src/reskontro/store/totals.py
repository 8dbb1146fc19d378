"""Maintained totals: the whole-ledger sums a report page needs, kept beside the rows they add up.

Three tables (migration 0008):

* ``open_totals``: Σ open amount now per (kind, control account, currency, due date, item date). The aging
  totals of every open item are a pass over a few thousand of these rows instead of 370k items.
* ``gl_totals``: Σ debits and Σ credits per (account, party kind, day) of the voucher lines. Balances and
  movements of any period, GL side (by account) and sub-ledger side (by party kind).
* ``alloc_totals``: Σ what allocations took off per item key and allocation day: added back, the open amounts
  at any past date.
* ``party_totals``: Σ open amount now per party: the largest balances in two passes over 100k small rows.
* ``posted_totals`` and ``settled_totals``: the items posted and settled per day, kind and type (how many,
  how late, Σ amounts): the payment behaviour of every customer.

:func:`add` writes what a posting batch adds, in the batch's transaction, from the rows it has just written
(an ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` per table), so the sums follow the rows exactly,
whoever posted them. Keys are upserted in key order, so two transactions never wait on each other in
opposite orders. The rows they sum are append-only (lines) or change only through allocations, which
:func:`add` counts too.

The open amounts at a date D are ``open_totals`` of the items dated by D plus what allocations dated after D
took off them (``alloc_totals``). The per-party balances are those now: :func:`current_at` says when they are
those at D.

:func:`recount` adds the sums up again from the rows and lists every difference (``reskontro check``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Insert,
    Select,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles

from reskontro.store import tables as t

#: Ids per statement when a batch's rows are picked by id.
_CHUNK = 5000


def _sum(value: Any) -> Any:
    return cast(func.coalesce(func.sum(value), 0), BigInteger)


def days_between(conn: Connection, later: Any, earlier: Any) -> Any:
    """Whole days from ``earlier`` to ``later`` in SQL (dates are ISO text on SQLite)."""
    if conn.dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), BigInteger)
    return later - earlier


class _Among(ColumnElement[bool]):
    """``column`` is one of ``ids``: ``IN (…)`` in general, ``= ANY(array)`` on PostgreSQL, which binds one
    array instead of a parameter per id (5 000 per batch) and plans the statement faster."""

    inherit_cache = False
    type = Boolean()
    _is_implicitly_boolean = True  # a condition: no "= 1" after it on SQLite

    def __init__(self, column: Any, ids: Sequence[int]) -> None:
        self.column, self.ids = column, list(ids)


@compiles(_Among)
def _among(element: _Among, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.ids), **kw))


@compiles(_Among, "postgresql")
def _among_postgresql(element: _Among, compiler: Any, **kw: Any) -> str:
    ids = bindparam(None, element.ids, type_=ARRAY(BigInteger), unique=True)
    return str(compiler.process(element.column == any_(ids), **kw))


def _grouped(q: Select[Any], keys: Sequence[Any], kind: Any) -> Select[Any]:
    """``q`` grouped and ordered by ``keys``, led by an expression of the ``kind`` column.

    The lead matters to SQLite, which has no statistics: when the first grouping term is a column of an index
    (company, account…; company, party…; the settled items' company, kind, closed_on…) it walks that whole index
    to skip the sort, instead of fetching the batch's rows by the ids it is given — every batch would read every
    row posted before (measured: 0.16 s a statement at 100k items, growing). An expression leads no index. One
    order for every writer also means two transactions take the rows' locks in the same order."""
    ordered = [func.coalesce(kind, ""), *keys]
    return q.group_by(*ordered).order_by(*ordered)


def _posted_of_items(company_id: int, item_ids: Sequence[int] | None) -> Select[Any]:
    i = t.items
    keys = (i.c.company_id, i.c.kind, i.c.item_type, i.c.item_date)
    q = select(*keys, _sum(1).label("items"), _sum(i.c.amount_company_minor).label("amount_company_minor")).where(
        i.c.company_id == company_id)
    if item_ids is not None:
        q = q.where(_Among(i.c.item_id, item_ids))
    return _grouped(q, keys, i.c.kind)


def _settled_of_items(conn: Connection, company_id: int, item_ids: Sequence[int] | None, sign: int = 1
                      ) -> Select[Any]:
    i = t.items
    days = days_between(conn, i.c.closed_on, i.c.due_date)
    keys = (i.c.company_id, i.c.kind, i.c.item_type, i.c.closed_on)
    q = select(*keys, _sum(sign), _sum(case((days > 0, sign), else_=0)), _sum(sign * days),
               _sum(sign * days * i.c.amount_company_minor), _sum(sign * i.c.amount_company_minor)).where(
        i.c.company_id == company_id, i.c.closed_on.is_not(None))
    if item_ids is not None:
        q = q.where(_Among(i.c.item_id, item_ids))
    return _grouped(q, keys, i.c.kind)


def _open_of_items(company_id: int, item_ids: Sequence[int] | None) -> Select[Any]:
    """Per key, Σ the items' open amounts now (all items) or their original amounts (items just posted,
    whose allocations :func:`_taken_by_allocations` counts)."""
    i = t.items
    amount, company = (i.c.open_minor, i.c.open_company_minor) if item_ids is None else \
        (i.c.amount_minor, i.c.amount_company_minor)
    keys = (i.c.company_id, i.c.kind, i.c.control_account, i.c.currency, i.c.due_date, i.c.item_date)
    q = select(*keys, _sum(amount).label("open_minor"), _sum(company).label("open_company_minor")).where(
        i.c.company_id == company_id)
    if item_ids is not None:
        q = q.where(_Among(i.c.item_id, item_ids))
    return _grouped(q, keys, i.c.kind)


def _taken_by_allocations(company_id: int, match_ids: Sequence[int]) -> Select[Any]:
    i, a = t.items, t.allocations
    keys = (i.c.company_id, i.c.kind, i.c.control_account, i.c.currency, i.c.due_date, i.c.item_date)
    q = (select(*keys, _sum(-a.c.amount_minor).label("open_minor"),
                _sum(-a.c.amount_company_minor).label("open_company_minor"))
            .select_from(a.join(i, and_(i.c.company_id == a.c.company_id, i.c.item_id == a.c.item_id)))
            .where(a.c.company_id == company_id, _Among(a.c.match_id, match_ids)))
    return _grouped(q, keys, i.c.kind)


def _allocs(company_id: int, match_ids: Sequence[int] | None) -> Select[Any]:
    """What allocations took off items, by the items' key and the allocation's date."""
    i, a = t.items, t.allocations
    keys = (i.c.company_id, i.c.kind, i.c.control_account, i.c.currency, i.c.due_date, i.c.item_date,
            a.c.alloc_date)
    q = (select(*keys, _sum(a.c.amount_minor).label("amount_minor"),
                _sum(a.c.amount_company_minor).label("amount_company_minor"))
         .select_from(a.join(i, and_(i.c.company_id == a.c.company_id, i.c.item_id == a.c.item_id)))
         .where(a.c.company_id == company_id))
    if match_ids is not None:
        q = q.where(_Among(a.c.match_id, match_ids))
    return _grouped(q, keys, i.c.kind)


def _gl_of_lines(company_id: int, voucher_ids: Sequence[int] | None) -> Select[Any]:
    vl, p = t.voucher_lines, t.parties
    kind = func.coalesce(p.c.kind, "")
    keys = (vl.c.company_id, vl.c.account, kind, vl.c.line_date)
    q = (select(*keys, _sum(case((vl.c.amount_minor > 0, vl.c.amount_minor), else_=0)).label("debit_minor"),
                _sum(case((vl.c.amount_minor < 0, -vl.c.amount_minor), else_=0)).label("credit_minor"))
         .select_from(vl.outerjoin(p, and_(p.c.company_id == vl.c.company_id, p.c.party_id == vl.c.party_id)))
         .where(vl.c.company_id == company_id))
    if voucher_ids is not None:
        q = q.where(_Among(vl.c.voucher_id, voucher_ids))
    return _grouped(q, keys, p.c.kind)


def _party_of_items(company_id: int, item_ids: Sequence[int] | None,
                    party_ids: Sequence[int] | None = None) -> Select[Any]:
    """Per party, Σ the open amounts now of its items (all items, or those of ``party_ids``) or the original
    amounts of the items ``item_ids``; and the same of its debit items."""
    i = t.items
    amount = i.c.open_company_minor if item_ids is None else i.c.amount_company_minor
    q = select(i.c.company_id, i.c.party_id, i.c.kind, _sum(amount).label("open_company_minor"),
               _sum(case((i.c.amount_company_minor > 0, amount), else_=0)).label("open_debit_company_minor")).where(
        i.c.company_id == company_id)
    if item_ids is not None:
        q = q.where(_Among(i.c.item_id, item_ids))
    if party_ids is not None:
        q = q.where(_Among(i.c.party_id, party_ids))
    return _grouped(q, (i.c.company_id, i.c.party_id, i.c.kind), i.c.kind)


def _party_taken(company_id: int, match_ids: Sequence[int]) -> Select[Any]:
    i, a = t.items, t.allocations
    q = (select(i.c.company_id, i.c.party_id, i.c.kind, _sum(-a.c.amount_company_minor).label("open_company_minor"),
                _sum(case((i.c.amount_company_minor > 0, -a.c.amount_company_minor), else_=0))
                .label("open_debit_company_minor"))
         .select_from(a.join(i, and_(i.c.company_id == a.c.company_id, i.c.item_id == a.c.item_id)))
         .where(a.c.company_id == company_id, _Among(a.c.match_id, match_ids)))
    return _grouped(q, (i.c.company_id, i.c.party_id, i.c.kind), i.c.kind)


_OPEN_KEY = ("company_id", "kind", "control_account", "currency", "due_date", "item_date")
_OPEN_SUMS = ("open_minor", "open_company_minor")
_GL_KEY = ("company_id", "account", "party_kind", "day")
_PARTY_KEY = ("company_id", "party_id")
_PARTY_SUMS = ("open_company_minor", "open_debit_company_minor")
_ALLOC_KEY = (*_OPEN_KEY, "alloc_date")
_ALLOC_SUMS = ("amount_minor", "amount_company_minor")
_POSTED_KEY = ("company_id", "kind", "item_type", "item_date")
_POSTED_SUMS = ("items", "amount_company_minor")
_SETTLED_KEY = ("company_id", "kind", "item_type", "closed_on")
_SETTLED_SUMS = ("items", "late_items", "days_sum", "days_amount_sum", "amount_company_minor")


def _upsert(conn: Connection, table: Any, key: Sequence[str], sums: Sequence[str], q: Select[Any],
            extra: Sequence[str] = (), replace: bool = False) -> None:
    """Add the rows of ``q`` (key columns, ``extra`` columns written only with a new row, then sums) to
    ``table``, or with ``replace`` put them in place of the stored sums."""
    ins: Any = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    stmt: Insert = ins.from_select([*key, *extra, *sums], q).on_conflict_do_update(
        index_elements=list(key),
        set_={s: ins.excluded[s] if replace else table.c[s] + ins.excluded[s] for s in sums})
    conn.execute(stmt)


def settled(conn: Connection, company_id: int, item_ids: Sequence[int], sign: int) -> None:
    """Take items out of their settlement day (``sign`` -1, before their allocations change them) or put them
    in (+1, after): an item whose new allocations settle, reopen or re-date it moves between the days."""
    for ids in _chunks(item_ids):
        _upsert(conn, t.settled_totals, _SETTLED_KEY, _SETTLED_SUMS, _settled_of_items(conn, company_id, ids, sign))


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    ordered = sorted(ids)
    return [ordered[k:k + _CHUNK] for k in range(0, len(ordered), _CHUNK)]


def add(conn: Connection, company_id: int, *, voucher_ids: Sequence[int], item_ids: Sequence[int],
        match_ids: Sequence[int], parties: bool = True) -> None:
    """Count the rows a batch has just written: the lines of ``voucher_ids``, the items ``item_ids`` (their
    original amounts, and their settlement if they were settled at once) and the allocations of ``match_ids``
    (what they took off, on old and new items). Items settled or reopened by the batch's allocations are
    counted by :func:`settled`, around the update. Without ``parties`` the per-party sums are left to
    :func:`recount_parties` (a long import: see there)."""
    for ids in _chunks(voucher_ids):
        _upsert(conn, t.gl_totals, _GL_KEY, ("debit_minor", "credit_minor"), _gl_of_lines(company_id, ids))
    for ids in _chunks(item_ids):
        _upsert(conn, t.open_totals, _OPEN_KEY, _OPEN_SUMS, _open_of_items(company_id, ids))
        if parties:
            _upsert(conn, t.party_totals, _PARTY_KEY, _PARTY_SUMS, _party_of_items(company_id, ids),
                    extra=("kind",))
        _upsert(conn, t.posted_totals, _POSTED_KEY, _POSTED_SUMS, _posted_of_items(company_id, ids))
        _upsert(conn, t.settled_totals, _SETTLED_KEY, _SETTLED_SUMS, _settled_of_items(conn, company_id, ids))
    for ids in _chunks(match_ids):
        _upsert(conn, t.open_totals, _OPEN_KEY, _OPEN_SUMS, _taken_by_allocations(company_id, ids))
        _upsert(conn, t.alloc_totals, _ALLOC_KEY, _ALLOC_SUMS, _allocs(company_id, ids))
        if parties:
            _upsert(conn, t.party_totals, _PARTY_KEY, _PARTY_SUMS, _party_taken(company_id, ids),
                    extra=("kind",))


def recount_parties(conn: Connection, company_id: int, party_ids: Sequence[int]) -> None:
    """Put the parties' sums, counted from their items, in place of the stored ones.

    A long import (``services.posting.post_stream``) calls this once at its end for the parties it posted to,
    instead of adding to their rows at every chunk: one transaction updating a party's row a hundred times
    leaves PostgreSQL a hundred versions of it that no one may remove before the commit (party_totals grew to
    184 MB for 100k parties, and each read of it scanned them all).
    """
    for ids in _chunks(party_ids):
        _upsert(conn, t.party_totals, _PARTY_KEY, _PARTY_SUMS, _party_of_items(company_id, None, party_ids=ids),
                extra=("kind",), replace=True)


# -- reading -------------------------------------------------------------------------------------------


def current_at(conn: Connection, company_id: int, as_of: date) -> bool:
    """True when the open amounts now are those at ``as_of``: no open amount is on an item dated after it and
    no allocation is dated after it (so for today, unless the ledger holds post-dated items)."""
    o, a = t.open_totals, t.allocations
    later_item = conn.execute(select(o.c.item_date).where(
        o.c.company_id == company_id, o.c.item_date > as_of,
        (o.c.open_minor != 0) | (o.c.open_company_minor != 0)).limit(1)).first()
    if later_item is not None:
        return False
    return conn.execute(select(a.c.item_id).where(a.c.company_id == company_id, a.c.alloc_date > as_of)
                        .limit(1)).first() is None


def _open_at(company_id: int, as_of: date) -> Any:
    """The open amounts at ``as_of`` by (kind, control account, currency, due date, item date): what is open now
    of the items dated by then, plus what allocations dated after it took off them."""
    o, a = t.open_totals, t.alloc_totals
    cols = ("kind", "control_account", "currency", "due_date", "item_date")
    now = select(*(o.c[c] for c in cols), o.c.open_minor, o.c.open_company_minor).where(
        o.c.company_id == company_id, o.c.item_date <= as_of)
    later = select(*(a.c[c] for c in cols), a.c.amount_minor, a.c.amount_company_minor).where(
        a.c.company_id == company_id, a.c.alloc_date > as_of, a.c.item_date <= as_of)
    return union_all(now, later).subquery()


def aged_totals(conn: Connection, company_id: int, as_of: date, edges: Sequence[date], *, kind: str | None,
                by: str, currency: str | None, per_currency: bool) -> dict[str, list[int]]:
    """Kind → [c_0 … c_n, total, total_company]: the cumulative sums of :func:`queries.aged` at ``as_of`` (open
    amount due on or after each edge), in company currency, or in the currency's own units when
    ``per_currency``."""
    o = _open_at(company_id, as_of)
    col = o.c.due_date if by == "due_date" else o.c.item_date
    amount = o.c.open_minor if per_currency else o.c.open_company_minor
    sums = [_sum(case((col >= edge, amount), else_=0)) for edge in edges]
    q = select(o.c.kind, *sums, _sum(amount), _sum(o.c.open_company_minor))
    if kind is not None:
        q = q.where(o.c.kind == kind)
    if currency is not None:
        q = q.where(o.c.currency == currency)
    return {str(r[0]): [int(x) for x in r[1:]] for r in conn.execute(q.group_by(o.c.kind))}


def open_total(conn: Connection, company_id: int, as_of: date, *, kind: str | None, currency: str | None,
               due_before: date | None) -> int:
    """Σ open amount at ``as_of`` (company currency) in the ledger's natural sign (customers' debts and our
    debts to suppliers both positive) of the items of ``kind``, ``currency`` and due before ``due_before``."""
    o = _open_at(company_id, as_of)
    q = select(_sum(case((o.c.kind == "customer", o.c.open_company_minor), else_=-o.c.open_company_minor)))
    if kind is not None:
        q = q.where(o.c.kind == kind)
    if currency is not None:
        q = q.where(o.c.currency == currency)
    if due_before is not None:
        q = q.where(o.c.due_date < due_before)
    return int(conn.execute(q).scalar_one())


def subledger_by_account(conn: Connection, company_id: int, as_of: date) -> dict[str, int]:
    """Control account → Σ open amount at ``as_of`` (company currency, GL sign)."""
    o = _open_at(company_id, as_of)
    return {str(r[0]): int(r[1]) for r in conn.execute(
        select(o.c.control_account, _sum(o.c.open_company_minor)).group_by(o.c.control_account))}


def accounts_used(conn: Connection, company_id: int, kind: str | None = None) -> set[str]:
    """The control accounts items have been posted to."""
    o = t.open_totals
    q = select(o.c.control_account).where(o.c.company_id == company_id)
    if kind is not None:
        q = q.where(o.c.kind == kind)
    return set(conn.execute(q.distinct()).scalars())


def gl_balances(conn: Connection, company_id: int, accounts: Sequence[str], as_of: date) -> dict[str, int]:
    """Account → GL balance (debit positive) at ``as_of``."""
    g = t.gl_totals
    return {str(r[0]): int(r[1]) for r in conn.execute(
        select(g.c.account, _sum(g.c.debit_minor - g.c.credit_minor))
        .where(g.c.company_id == company_id, g.c.account.in_(accounts), g.c.day <= as_of).group_by(g.c.account))}


@dataclass(frozen=True, slots=True)
class Movements:
    opening: int  # GL sign, before the period
    debit: int
    credit: int

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit


def _movements(date_from: date) -> list[Any]:
    g = t.gl_totals
    return [_sum(case((g.c.day < date_from, g.c.debit_minor - g.c.credit_minor), else_=0)),
            _sum(case((g.c.day >= date_from, g.c.debit_minor), else_=0)),
            _sum(case((g.c.day >= date_from, g.c.credit_minor), else_=0))]


def account_movements(conn: Connection, company_id: int, accounts: Sequence[str], date_from: date,
                      date_to: date) -> dict[str, Movements]:
    """Account → opening balance, debits and credits of the period, from every line on it."""
    g = t.gl_totals
    return {str(r[0]): Movements(int(r[1]), int(r[2]), int(r[3])) for r in conn.execute(
        select(g.c.account, *_movements(date_from))
        .where(g.c.company_id == company_id, g.c.account.in_(accounts), g.c.day <= date_to).group_by(g.c.account))}


def subledger_movements(conn: Connection, company_id: int, kind: str, date_from: date, date_to: date) -> Movements:
    """Opening balance, debits and credits of the period of every line with a party of ``kind``: the totals
    of the ledger specification's rows."""
    g = t.gl_totals
    r = conn.execute(select(*_movements(date_from)).where(g.c.company_id == company_id, g.c.party_kind == kind,
                                                          g.c.day <= date_to)).one()
    return Movements(int(r[0]), int(r[1]), int(r[2]))


@dataclass(frozen=True, slots=True)
class Settled:
    items: int
    late_items: int
    days_sum: int
    days_amount_sum: int
    amount_company: int


def settled_between(conn: Connection, company_id: int, kind: str, item_type: str, date_from: date,
                    date_to: date) -> Settled:
    """The items of ``kind`` and ``item_type`` settled in the period."""
    s = t.settled_totals
    r = conn.execute(select(*(_sum(s.c[c]) for c in _SETTLED_SUMS)).where(
        s.c.company_id == company_id, s.c.kind == kind, s.c.item_type == item_type, s.c.closed_on >= date_from,
        s.c.closed_on <= date_to)).one()
    return Settled(*(int(x) for x in r))


def posted_between(conn: Connection, company_id: int, kind: str, item_type: str, date_from: date,
                   date_to: date) -> tuple[int, int]:
    """How many items of ``kind`` and ``item_type`` are dated in the period, and Σ their amounts (company
    currency, GL sign)."""
    p = t.posted_totals
    r = conn.execute(select(_sum(p.c["items"]), _sum(p.c.amount_company_minor)).where(
        p.c.company_id == company_id, p.c.kind == kind, p.c.item_type == item_type, p.c.item_date >= date_from,
        p.c.item_date <= date_to)).one()
    return int(r[0]), int(r[1])


def largest_balances(conn: Connection, company_id: int, kind: str, n: int) -> list[int]:
    """The ids of the parties of ``kind`` whose open balance now is among the ``n`` largest in the ledger's natural
    sign (customers: most positive; suppliers: most negative), ties at the ``n``-th included (the caller orders
    them by number); zero balances never. Two passes over the per-party sums, which carry no index on the
    balance: every posting changes it, and an index on it would cost each of those updates more than the scan."""
    pt = t.party_totals
    natural = pt.c.open_company_minor if kind == "customer" else -pt.c.open_company_minor
    mine = [pt.c.company_id == company_id, pt.c.kind == kind, pt.c.open_company_minor != 0]
    nth = conn.execute(select(natural).where(*mine).order_by(natural.desc()).offset(n - 1).limit(1)).scalar()
    q = select(pt.c.party_id).where(*mine, *([natural >= nth] if nth is not None else []))
    return [int(x) for x in conn.execute(q).scalars()]


# -- checking --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    stored: tuple[int, ...]
    counted: tuple[int, ...]


def recount(conn: Connection, company_id: int) -> list[Difference]:
    """Every maintained sum that differs from the rows it sums (an empty list when all agree)."""
    out: list[Difference] = []
    o, g, pt = t.open_totals, t.gl_totals, t.party_totals
    checks: list[tuple[str, Any, tuple[str, ...], tuple[str, ...], Select[Any]]] = [
        ("open_totals", o, _OPEN_KEY, _OPEN_SUMS, _open_of_items(company_id, None)),
        ("gl_totals", g, _GL_KEY, ("debit_minor", "credit_minor"), _gl_of_lines(company_id, None)),
        ("party_totals", pt, _PARTY_KEY, _PARTY_SUMS, _party_of_items(company_id, None)),
        ("alloc_totals", t.alloc_totals, _ALLOC_KEY, _ALLOC_SUMS, _allocs(company_id, None)),
        ("posted_totals", t.posted_totals, _POSTED_KEY, _POSTED_SUMS, _posted_of_items(company_id, None)),
        ("settled_totals", t.settled_totals, _SETTLED_KEY, _SETTLED_SUMS, _settled_of_items(conn, company_id, None)),
    ]
    for name, table, key, sums, counted_q in checks:
        n, skip = len(key), len(key) + (1 if table is pt else 0)  # the party's kind is not a sum
        counted = {tuple(r[:n]): tuple(int(x) for x in r[skip:]) for r in conn.execute(counted_q)}
        stored_q = select(*(table.c[k] for k in key), *(table.c[s] for s in sums)).where(
            table.c.company_id == company_id)
        stored = {tuple(r[:n]): tuple(int(x) for x in r[n:]) for r in conn.execute(stored_q)}
        zero = (0,) * len(sums)
        for k in sorted(set(counted) | set(stored), key=repr):
            if counted.get(k, zero) != stored.get(k, zero):
                out.append(Difference(name, k, stored.get(k, zero), counted.get(k, zero)))
    return out
