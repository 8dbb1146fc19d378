"""The read side of the dashboard: today's open balances in aging buckets, the most overdue parties,
the newest audit events.

Every figure here is about *today*, so each query reads only the partial covering index of open items
(``ix_items_open``: company, kind, party, due date, ..., open amounts) — no allocation is read and no
table row is visited. The aging totals are one pass grouped by kind (two rows come back, however many
parties there are); the overdue list groups the overdue part of that index by party and joins the
few parties it keeps. The newest audit events walk the primary key (company, audit id) backwards.

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
    """Open amounts today per kind (customer, supplier) in aging buckets by due date, in one pass."""
    i = t.items
    amount = i.c.open_company_minor
    sums = [_sum(case((i.c.due_date >= today, amount), else_=0))]  # not due: 0 or fewer days past due
    low_day = today - timedelta(days=1)
    for limit in limits:
        high_day = today - timedelta(days=limit)  # the oldest due date still in this bucket
        sums.append(_sum(case((and_(i.c.due_date <= low_day, i.c.due_date >= high_day), amount), else_=0)))
        low_day = high_day - timedelta(days=1)
    sums.append(_sum(case((i.c.due_date <= low_day, amount), else_=0)))
    q = (select(i.c.kind, *sums, _sum(amount), func.count())
         .where(i.c.company_id == company_id, i.c.open_minor != 0)
         .group_by(i.c.kind).order_by(i.c.kind))
    n = len(limits) + 2
    out = []
    for row in conn.execute(q):
        buckets = tuple(int(x) for x in row[1:1 + n])
        out.append(AgingTotalsRow(row[0], buckets, int(row[1 + n]), sum(buckets[1:]), int(row[2 + n])))
    return out


@dataclass(frozen=True, slots=True)
class OverdueRow:
    party_id: int
    number: str
    name: str
    overdue: int  # GL sign
    oldest_due: date


def top_overdue(conn: Connection, company_id: int, kind: str, today: date, limit: int) -> list[OverdueRow]:
    """The ``limit`` parties of a kind with the largest overdue open amount today, largest first."""
    i, p = t.items, t.parties
    g = (select(i.c.party_id, _sum(i.c.open_company_minor).label("overdue"), func.min(i.c.due_date).label("oldest"))
         .where(i.c.company_id == company_id, i.c.kind == kind, i.c.open_minor != 0, i.c.due_date < today)
         .group_by(i.c.party_id).subquery())
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
