"""The read side of the dashboard: today's open balances in aging buckets, the most overdue parties,
the newest audit events.

Every figure here is about *today*, and comes from the maintained totals (``store.totals``) where it
can, so the first view after a posting costs no pass over the open items:

* the aging buckets sum ``open_totals`` (open amount now by kind and due date: a few thousand rows,
  however many items), and the number of open items is the items posted less those settled
  (``posted_totals`` and ``settled_totals``);
* the most overdue parties are found by a bound: a customer's overdue amount is at most what its debit
  items hold open (a supplier's: its credit items), kept per party in ``party_totals``. Only the parties
  whose bound is largest have their open items read (the partial covering index ``ix_items_open``); if
  the bound of a party not read could reach the ``limit``-th overdue amount found, the whole index is read.

The newest audit events walk the primary key (company, audit id) backwards.

Amounts are minor units of the company currency in the GL sign (customers positive, suppliers
negative); the service turns them into ``Decimal`` in the ledger's natural sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, case, cast, func, select

from reskontro.store import tables as t
from reskontro.store.listings import AuditRow as AuditRow  # the same rows as the audit listing


def _sum(value: Any) -> Any:
    # bigint on PostgreSQL too, where sum(bigint) would be numeric
    return cast(func.coalesce(func.sum(value), 0), BigInteger)


@dataclass(frozen=True, slots=True)
class AgingTotalsRow:
    kind: str
    buckets: tuple[int, ...]  # not due, then one per limit, then over the last limit; GL sign
    total: int
    overdue: int
    open_items: int


def aging_totals(conn: Connection, company_id: int, today: date, limits: Sequence[int]) -> list[AgingTotalsRow]:
    """Open amounts today per kind (customer, supplier) in aging buckets by due date, from the maintained sums."""
    o = t.open_totals
    amount = o.c.open_company_minor
    sums = [_sum(case((o.c.due_date >= today, amount), else_=0))]  # not due: 0 or fewer days past due
    low_day = today - timedelta(days=1)
    for limit in limits:
        high_day = today - timedelta(days=limit)  # the oldest due date still in this bucket
        sums.append(_sum(case((and_(o.c.due_date <= low_day, o.c.due_date >= high_day), amount), else_=0)))
        low_day = high_day - timedelta(days=1)
    sums.append(_sum(case((o.c.due_date <= low_day, amount), else_=0)))
    q = (select(o.c.kind, *sums, _sum(amount)).where(o.c.company_id == company_id).group_by(o.c.kind)
         .order_by(o.c.kind))
    counts = _open_item_counts(conn, company_id)
    n = len(limits) + 2
    out = []
    for row in conn.execute(q):
        buckets = tuple(int(x) for x in row[1:1 + n])
        if counts.get(row[0]):  # a kind with open items (their sum may still be 0)
            out.append(AgingTotalsRow(row[0], buckets, int(row[1 + n]), sum(buckets[1:]), counts.get(row[0], 0)))
    return out


def _open_item_counts(conn: Connection, company_id: int) -> dict[str, int]:
    """Open items now per kind: the items posted less the items settled (an item is settled when its open amount
    is zero, and no item is posted with an amount of zero)."""
    posted, settled = t.posted_totals, t.settled_totals
    out: dict[str, int] = {}
    for table, sign in ((posted, 1), (settled, -1)):
        for kind, n in conn.execute(select(table.c.kind, _sum(table.c["items"])).where(table.c.company_id == company_id)
                                    .group_by(table.c.kind)):
            out[kind] = out.get(kind, 0) + sign * int(n)
    return out


@dataclass(frozen=True, slots=True)
class OverdueRow:
    party_id: int
    number: str
    name: str
    overdue: int  # GL sign
    oldest_due: date


#: Parties whose overdue amount :func:`top_overdue` reads first, by their bound (a multiple of the rows it keeps).
CANDIDATES = 32


def top_overdue(conn: Connection, company_id: int, kind: str, today: date, limit: int) -> list[OverdueRow]:
    """The ``limit`` parties of a kind with the largest overdue open amount today, largest first (then by number).

    The parties with the largest bound on their overdue amount (see the module) are read first; that answer is
    final when its ``limit``-th amount is above the largest bound left unread, and otherwise every open item of
    the kind is read."""
    pt = t.party_totals
    debit = pt.c.open_debit_company_minor
    bound = debit if kind == "customer" else debit - pt.c.open_company_minor  # natural sign, never negative
    n = max(CANDIDATES, 4 * limit)
    picked = conn.execute(select(pt.c.party_id, bound).where(pt.c.company_id == company_id, pt.c.kind == kind,
                                                             bound > 0).order_by(bound.desc()).limit(n + 1)).all()
    ids = [int(r[0]) for r in picked[:n]]
    rows = _overdue(conn, company_id, kind, today, limit, ids) if ids else []
    unread = int(picked[n][1]) if len(picked) > n else 0
    sign = 1 if kind == "customer" else -1
    if unread and (len(rows) < limit or sign * rows[-1].overdue <= unread):  # an unread party could tie
        rows = _overdue(conn, company_id, kind, today, limit, None)
    return rows


def _overdue(conn: Connection, company_id: int, kind: str, today: date, limit: int,
             party_ids: Sequence[int] | None) -> list[OverdueRow]:
    """:func:`top_overdue` over the given parties' open items, or over every open item of the kind."""
    i, p = t.items, t.parties
    where = [i.c.company_id == company_id, i.c.kind == kind, i.c.open_minor != 0, i.c.due_date < today]
    if party_ids is not None:
        where.append(i.c.party_id.in_(party_ids))
    g = (select(i.c.party_id, _sum(i.c.open_company_minor).label("overdue"), func.min(i.c.due_date).label("oldest"))
         .where(*where).group_by(i.c.party_id).subquery())
    # Customers owe us (GL positive), we owe suppliers (GL negative): largest in the natural sign first.
    order = g.c.overdue.desc() if kind == "customer" else g.c.overdue.asc()
    natural = g.c.overdue if kind == "customer" else -g.c.overdue
    q = (select(g.c.party_id, p.c.number, p.c.name, g.c.overdue, g.c.oldest)
         .join(p, and_(p.c.company_id == company_id, p.c.party_id == g.c.party_id))
         .where(natural > 0).order_by(order, p.c.number).limit(limit))
    return [OverdueRow(int(r[0]), r[1], r[2], int(r[3]), r[4]) for r in conn.execute(q)]


def audit_version(conn: Connection, company_id: int) -> int:
    """The newest audit id of the company (0 for none): every change writes one, in commit order (the id
    counter's row stays locked until commit), so the figures of the company are unchanged while it is."""
    a = t.audit_events
    return int(conn.execute(select(func.coalesce(func.max(a.c.audit_id), 0)).where(a.c.company_id == company_id))
               .scalar_one())


def recent_audit(conn: Connection, company_id: int, limit: int) -> list[AuditRow]:
    """The newest audit events of the company, newest first."""
    a = t.audit_events
    q = (select(a.c.audit_id, a.c.at, a.c.actor, a.c.entity, a.c.entity_id, a.c.action, a.c.field, a.c.old_value,
                a.c.new_value).where(a.c.company_id == company_id).order_by(a.c.audit_id.desc()).limit(limit))
    return [AuditRow(*tuple(row)) for row in conn.execute(q)]
