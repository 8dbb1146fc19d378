"""The dashboard: what a finance user wants to see first — receivables and payables today, how old they
are, who is most overdue, and what happened lately.

One read-only unit of work; every figure is about today (``uow.today()``), so the queries read only
the covering index of open items (see :mod:`reskontro.store.dashboard`). Amounts are ``Decimal`` in
the company currency and the ledger's natural sign: what customers owe us and what we owe suppliers
are both positive.

At a million items the two passes over the open items take a few hundred milliseconds, and the
dashboard is the page everyone opens first and comes back to. Every change to a company writes an
audit event, so a :class:`DashboardCache` keeps the last dashboard of each company and hands it out
again, after one index lookup, for as long as the company's newest audit id and the day are the same:
never stale, and computed once per change rather than once per view.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from reskontro.domain.aging import Buckets
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.money import from_minor
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import dashboard as sql
from reskontro.store import listings

#: Aging buckets of the dashboard chart (days past due).
DASHBOARD_BUCKETS = Buckets((30, 60, 90))
#: Audit rows read for the activity list; rows of one change (a card's fields) are shown as one entry.
_AUDIT_ROWS = 200


@dataclass(frozen=True, slots=True)
class Aging:
    """One ledger's open balance today, by bucket (names from :class:`~reskontro.domain.aging.Buckets`)."""

    kind: PartyKind
    buckets: tuple[tuple[str, Decimal], ...]
    total: Decimal
    overdue: Decimal
    open_items: int


@dataclass(frozen=True, slots=True)
class Overdue:
    kind: PartyKind
    number: str
    name: str
    overdue: Decimal
    oldest_due: date
    days: int  # days past due of the oldest overdue item


@dataclass(frozen=True, slots=True)
class Activity:
    """One change: an audit event, or the events of one change to one record (a card's fields) together."""

    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    fields: tuple[str, ...]
    party: tuple[PartyKind, str, str] | None = None  # kind, number, name when the record is a party
    subject: str = ""  # how the record is named: a voucher's reference (SF2026-15), else its id


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    currency: str
    bucket_names: tuple[str, ...]
    aging: dict[PartyKind, Aging]
    overdue: dict[PartyKind, list[Overdue]]
    activity: list[Activity] = field(default_factory=list)


class DashboardCache:
    """The newest dashboard of each company (up to ``size`` companies), with the audit id it was made at."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, date, int, int], tuple[int, Dashboard]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, date, int, int], version: int) -> Dashboard | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != version:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[int, date, int, int], version: int, board: Dashboard) -> None:
        with self._lock:
            self._entries[key] = (version, board)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _activity(rows: list[sql.AuditRow], limit: int) -> list[list[sql.AuditRow]]:
    """Audit rows grouped: consecutive rows of one record, action, actor and moment are one change."""
    groups: list[list[sql.AuditRow]] = []
    for row in rows:
        last = groups[-1][0] if groups else None
        if last is not None and (last.entity, last.entity_id, last.action, last.actor, last.at) == (
                row.entity, row.entity_id, row.action, row.actor, row.at):
            groups[-1].append(row)
        elif len(groups) == limit:
            break
        else:
            groups.append([row])
    return groups


def dashboard(*, uow: UnitOfWork, company_id: int, top: int = 8, activity: int = 12,
              cache: DashboardCache | None = None) -> Dashboard:
    """Receivables and payables today in aging buckets, the most overdue parties, and the latest changes.

    With a ``cache``, the dashboard made at the company's current audit id is reused (see the module).
    """
    with uow:
        today = uow.today()
        cc = uow.repo.company(company_id).currency
        conn = uow.repo.conn
        key = (company_id, today, top, activity)
        version = sql.audit_version(conn, company_id) if cache is not None else 0
        if cache is not None:
            cached = cache.get(key, version)
            if cached is not None:
                return cached
        totals = {r.kind: r for r in sql.aging_totals(conn, company_id, today, DASHBOARD_BUCKETS.limits)}
        overdue_rows = {kind: sql.top_overdue(conn, company_id, kind.value, today, top) for kind in PartyKind}
        audit_rows = sql.recent_audit(conn, company_id, _AUDIT_ROWS)
        groups = _activity(audit_rows, activity)
        party_ids = {int(g[0].entity_id) for g in groups if g[0].entity == "party" and g[0].entity_id.isdigit()}
        cards = uow.repo.parties_for_ids(company_id, party_ids) if party_ids else {}
        voucher_ids = [int(g[0].entity_id) for g in groups if g[0].entity == "voucher" and g[0].entity_id.isdigit()]
        refs = listings.voucher_refs(conn, company_id, voucher_ids)
    names = DASHBOARD_BUCKETS.names()
    aging: dict[PartyKind, Aging] = {}
    for kind in PartyKind:
        sign = natural_sign(kind)
        row = totals.get(kind.value)
        minors = row.buckets if row else (0,) * len(names)
        aging[kind] = Aging(kind, tuple((n, from_minor(sign * m, cc)) for n, m in zip(names, minors, strict=True)),
                            from_minor(sign * row.total if row else 0, cc),
                            from_minor(sign * row.overdue if row else 0, cc), row.open_items if row else 0)
    overdue = {kind: [Overdue(kind, r.number, r.name, from_minor(natural_sign(kind) * r.overdue, cc), r.oldest_due,
                              (today - r.oldest_due).days) for r in rows]
               for kind, rows in overdue_rows.items()}
    changes: list[Activity] = []
    for group in groups:
        head = group[0]
        party = None
        if head.entity == "party" and head.entity_id.isdigit() and int(head.entity_id) in cards:
            card = cards[int(head.entity_id)]
            party = (card.kind, card.number, card.name)
        at = head.at if head.at.tzinfo else head.at.replace(tzinfo=UTC)
        subject = refs.get(int(head.entity_id), head.entity_id) if head.entity == "voucher" and \
            head.entity_id.isdigit() else head.entity_id
        changes.append(Activity(at, head.actor, head.entity, head.entity_id, head.action,
                                tuple(r.field for r in group if r.field), party, subject))
    board = Dashboard(today, cc, names, aging, overdue, changes)
    if cache is not None:
        cache.put(key, version, board)
    return board
