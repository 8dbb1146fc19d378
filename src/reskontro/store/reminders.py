"""Reminders: legal rates, routines, the overdue claims a run looks at (one set-based pass each), runs and letters,
disputes, collection cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, exists, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from reskontro.store import tables as t

#: The item types a reminder climbs levels for; fees and interest notes ride along on the letters.
CLAIM_TYPES = ("invoice", "opening_balance")
#: The item types a letter lists besides its claims: what earlier reminders charged and is still unpaid.
CHARGE_TYPES = ("reminder_fee", "interest")


@dataclass(frozen=True, slots=True)
class CandidateRow:
    item_id: int
    party_id: int
    routine_id: int | None
    document_number: str
    item_type: str
    due_date: date
    currency: str
    amount_minor: int
    open_minor: int
    interest_to: date | None
    reminder_level: int | None
    org_number: str | None  # the customer's: a business when given
    email: str | None
    language: str


def _claim_filter(company_id: int, on: date) -> ColumnElement[bool]:
    """Open, overdue customer claims that may be reminded: not disputed, promised, at collection or pending in a
    proposal, of a customer neither blocked for reminders nor bankrupt."""
    i, p = t.items, t.parties
    rl, r = t.reminder_lines.alias("pending_line"), t.reminders.alias("pending_reminder")
    pending = exists().where(rl.c.company_id == i.c.company_id, rl.c.item_id == i.c.item_id,
                             r.c.company_id == rl.c.company_id, r.c.reminder_id == rl.c.reminder_id,
                             r.c.status == "proposed").correlate(i)
    return and_(i.c.company_id == company_id, i.c.kind == "customer", i.c.open_minor != 0, i.c.open_minor > 0,
                i.c.due_date < on,
                i.c.item_type.in_(CLAIM_TYPES), i.c.disputed_since.is_(None), i.c.collection_since.is_(None),
                i.c.ready_for_collection.is_(None),
                (i.c.promised_date.is_(None)) | (i.c.promised_date < on),
                p.c.reminder_block_reason.is_(None), p.c.bankrupt_since.is_(None), ~pending)


def _joined() -> Any:
    i, p, g = t.items, t.parties, t.party_groups
    return (i.join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
            .outerjoin(g, and_(g.c.company_id == p.c.company_id, g.c.kind == p.c.kind, g.c.code == p.c.group_code)))


def candidates(conn: Connection, company_id: int, on: date, default_routine: int | None) -> list[CandidateRow]:
    """Every claim a run on ``on`` may remind, with the routine that governs it (card, group, company default)."""
    i, p, g = t.items, t.parties, t.party_groups
    routine = func.coalesce(p.c.reminder_routine_id, g.c.reminder_routine_id, default_routine)
    q = (select(i.c.item_id, i.c.party_id, routine.label("routine_id"), i.c.document_number, i.c.item_type,
                i.c.due_date, i.c.currency, i.c.amount_minor, i.c.open_minor, i.c.interest_to, i.c.reminder_level,
                p.c.org_number, p.c.email, p.c.language)
         .select_from(_joined()).where(_claim_filter(company_id, on)))
    return [CandidateRow(**r._mapping) for r in conn.execute(q)]


def history(conn: Connection, company_id: int, on: date) -> list[RowMapping]:
    """The posted levels of the claims a run may remind (item, level, type, date, deadline, fee, offset,
    compensation), oldest first."""
    i, rl, r = t.items, t.reminder_lines, t.reminders
    q = (select(rl.c.item_id, rl.c.level_no, r.c.level_type, r.c.letter_date, r.c.deadline, rl.c.fee_minor,
                rl.c.fee_offset_minor, rl.c.compensation_minor)
         .select_from(_joined().join(rl, and_(rl.c.company_id == i.c.company_id, rl.c.item_id == i.c.item_id))
                      .join(r, and_(r.c.company_id == rl.c.company_id, r.c.reminder_id == rl.c.reminder_id)))
         .where(_claim_filter(company_id, on), i.c.reminder_level.is_not(None), r.c.status == "posted")
         .order_by(rl.c.item_id, rl.c.level_no))
    return list(conn.execute(q).mappings())


def part_paid_allocations(conn: Connection, company_id: int, on: date) -> list[tuple[int, date, int]]:
    """(item, date, amount taken off, natural sign) of the claims a run may remind that payments have touched."""
    i, a = t.items, t.allocations
    q = (select(a.c.item_id, a.c.alloc_date, a.c.amount_minor)
         .select_from(_joined().join(a, and_(a.c.company_id == i.c.company_id, a.c.item_id == i.c.item_id)))
         .where(_claim_filter(company_id, on), i.c.open_minor != i.c.amount_minor))
    return [(int(r[0]), r[1], int(r[2])) for r in conn.execute(q)]


def past_disputes(conn: Connection, company_id: int, on: date) -> list[tuple[int, date, date | None]]:
    """(item, opened, closed) of the earlier disputes of the claims a run may remind."""
    i, d = t.items, t.item_disputes
    q = (select(d.c.item_id, d.c.opened_on, d.c.closed_on)
         .select_from(_joined().join(d, and_(d.c.company_id == i.c.company_id, d.c.item_id == i.c.item_id)))
         .where(_claim_filter(company_id, on)))
    return [(int(r[0]), r[1], r[2]) for r in conn.execute(q)]


def open_charges(conn: Connection, company_id: int, party_ids: Sequence[int]) -> list[RowMapping]:
    """Unpaid fees and interest notes of these customers (listed again on their next letter)."""
    i = t.items
    if not party_ids:
        return []
    q = (select(i.c.item_id, i.c.party_id, i.c.item_type, i.c.document_number, i.c.item_date, i.c.due_date,
                i.c.currency, i.c.amount_minor, i.c.open_minor)
         .where(i.c.company_id == company_id, i.c.kind == "customer", i.c.open_minor > 0,
                i.c.item_type.in_(CHARGE_TYPES), i.c.party_id.in_(list(party_ids)))
         .order_by(i.c.party_id, i.c.due_date, i.c.item_id))
    return list(conn.execute(q).mappings())


# -- runs ------------------------------------------------------------------------------------------------------


def run_row(conn: Connection, company_id: int, run_id: int, *, lock: bool = False) -> RowMapping | None:
    q = select(t.reminder_runs).where(t.reminder_runs.c.company_id == company_id, t.reminder_runs.c.run_id == run_id)
    if lock:
        q = q.with_for_update()
    return conn.execute(q).mappings().first()


def runs(conn: Connection, company_id: int, limit: int = 50) -> list[RowMapping]:
    rr, r = t.reminder_runs, t.reminders
    counts = (select(r.c.run_id, func.count().label("letters"),
                     func.sum(r.c.fee_minor + r.c.compensation_minor).label("fees_minor"),
                     func.sum(case((r.c.delivery == "failed", 1), else_=0)).label("failed"))
              .where(r.c.company_id == company_id).group_by(r.c.run_id).subquery())
    q = (select(rr.c.run_id, rr.c.run_date, rr.c.status, rr.c.automatic, rr.c.routine_id, rr.c.created_by,
                rr.c.approved_by, func.coalesce(counts.c.letters, 0).label("letters"),
                func.coalesce(counts.c.fees_minor, 0).label("fees_minor"),
                func.coalesce(counts.c.failed, 0).label("failed"))
         .outerjoin(counts, counts.c.run_id == rr.c.run_id)
         .where(rr.c.company_id == company_id).order_by(rr.c.run_id.desc()).limit(limit))
    return list(conn.execute(q).mappings())


def reminders_of_run(conn: Connection, company_id: int, run_id: int) -> list[RowMapping]:
    r, p = t.reminders, t.parties
    q = (select(r, p.c.number.label("party_number"), p.c.name.label("party_name"))
         .join(p, and_(p.c.company_id == r.c.company_id, p.c.party_id == r.c.party_id))
         .where(r.c.company_id == company_id, r.c.run_id == run_id)
         .order_by(p.c.number, r.c.level_no, r.c.currency))
    return list(conn.execute(q).mappings())


def reminder_lines_of(conn: Connection, company_id: int, reminder_ids: Sequence[int]) -> list[RowMapping]:
    rl, i = t.reminder_lines, t.items
    if not reminder_ids:
        return []
    q = (select(rl, i.c.document_number, i.c.item_type, i.c.item_date, i.c.due_date, i.c.currency, i.c.amount_minor,
                i.c.open_minor.label("open_now_minor"), i.c.kid)
         .join(i, and_(i.c.company_id == rl.c.company_id, i.c.item_id == rl.c.item_id))
         .where(rl.c.company_id == company_id, rl.c.reminder_id.in_(list(reminder_ids)))
         .order_by(rl.c.reminder_id, i.c.due_date, i.c.document_number))
    return list(conn.execute(q).mappings())


def reminders_of_party(conn: Connection, company_id: int, party_id: int) -> list[RowMapping]:
    r = t.reminders
    q = (select(r).where(r.c.company_id == company_id, r.c.party_id == party_id, r.c.status != "cancelled")
         .order_by(r.c.letter_date.desc(), r.c.reminder_id.desc()))
    return list(conn.execute(q).mappings())


def reminders_of_item(conn: Connection, company_id: int, item_id: int) -> list[RowMapping]:
    r, rl = t.reminders, t.reminder_lines
    q = (select(r.c.reminder_id, r.c.level_no, r.c.level_type, r.c.letter_date, r.c.deadline, r.c.channel,
                r.c.delivery, r.c.document_id, rl.c.fee_minor, rl.c.interest_minor, rl.c.compensation_minor,
                rl.c.reasons)
         .join(r, and_(r.c.company_id == rl.c.company_id, r.c.reminder_id == rl.c.reminder_id))
         .where(rl.c.company_id == company_id, rl.c.item_id == item_id, r.c.status == "posted")
         .order_by(rl.c.level_no))
    return list(conn.execute(q).mappings())


def undelivered(conn: Connection, company_id: int, channel: str) -> list[RowMapping]:
    """Posted reminders of a channel still to deliver (pending, or failed with a chance of success)."""
    r = t.reminders
    q = (select(r).where(r.c.company_id == company_id, r.c.status == "posted", r.c.channel == channel,
                         r.c.delivery.in_(("pending", "failed")))
         .order_by(r.c.reminder_id))
    return list(conn.execute(q).mappings())


def set_reminder(conn: Connection, company_id: int, reminder_id: int, values: dict[str, Any],
                 *, expect_delivery: Sequence[str] | None = None) -> int:
    r = t.reminders
    q = update(r).where(r.c.company_id == company_id, r.c.reminder_id == reminder_id)
    if expect_delivery is not None:
        q = q.where(r.c.delivery.in_(list(expect_delivery)))
    return conn.execute(q.values(**values)).rowcount


def set_run(conn: Connection, company_id: int, run_id: int, values: dict[str, Any]) -> None:
    rr = t.reminder_runs
    conn.execute(update(rr).where(rr.c.company_id == company_id, rr.c.run_id == run_id).values(**values))


def delete_proposal_lines(conn: Connection, company_id: int, run_id: int) -> None:
    """A cancelled proposal lets go of its items: its lines go (the run and its letters stay, cancelled)."""
    rl, r = t.reminder_lines, t.reminders
    ids = select(r.c.reminder_id).where(r.c.company_id == company_id, r.c.run_id == run_id,
                                        r.c.status == "proposed").scalar_subquery()
    conn.execute(delete(rl).where(rl.c.company_id == company_id, rl.c.reminder_id.in_(ids)))


def set_item_state(conn: Connection, company_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Write each item's reminder level, letter date, deadline and interest date (``b_*`` keys: bound values)."""
    if not rows:
        return
    i = t.items
    conn.execute(update(i).where(i.c.company_id == bindparam("b_company"), i.c.item_id == bindparam("b_item"))
                 .values(reminder_level=bindparam("b_level"), reminded_on=bindparam("b_on"),
                         reminder_deadline=bindparam("b_deadline"),
                         interest_to=func.coalesce(bindparam("b_interest_to"), i.c.interest_to)),
                 [{"b_company": company_id, **r} for r in rows])


# -- rates and routines ----------------------------------------------------------------------------------------


def rate_rows(conn: Connection, company_id: int) -> list[RowMapping]:
    lr = t.legal_rates
    return list(conn.execute(select(lr).where(lr.c.company_id == company_id)
                             .order_by(lr.c.kind, lr.c.valid_from)).mappings())


def delete_rate(conn: Connection, company_id: int, kind: str, valid_from: date) -> int:
    lr = t.legal_rates
    return conn.execute(delete(lr).where(lr.c.company_id == company_id, lr.c.kind == kind,
                                         lr.c.valid_from == valid_from)).rowcount


def update_rate(conn: Connection, company_id: int, kind: str, valid_from: date, values: dict[str, Any]) -> int:
    lr = t.legal_rates
    return conn.execute(update(lr).where(lr.c.company_id == company_id, lr.c.kind == kind,
                                         lr.c.valid_from == valid_from).values(**values)).rowcount


def routine_rows(conn: Connection, company_id: int) -> tuple[list[RowMapping], list[RowMapping]]:
    rr, lv = t.reminder_routines, t.reminder_levels
    routines = list(conn.execute(select(rr).where(rr.c.company_id == company_id).order_by(rr.c.code)).mappings())
    levels = list(conn.execute(select(lv).where(lv.c.company_id == company_id)
                               .order_by(lv.c.routine_id, lv.c.level_no)).mappings())
    return routines, levels


def replace_levels(conn: Connection, company_id: int, routine_id: int, rows: Sequence[dict[str, Any]]) -> None:
    lv = t.reminder_levels
    conn.execute(delete(lv).where(lv.c.company_id == company_id, lv.c.routine_id == routine_id))
    if rows:
        conn.execute(lv.insert(), list(rows))


def update_routine(conn: Connection, company_id: int, routine_id: int, values: dict[str, Any],
                   version: int | None = None) -> int:
    rr = t.reminder_routines
    q = update(rr).where(rr.c.company_id == company_id, rr.c.routine_id == routine_id)
    if version is not None:
        q = q.where(rr.c.version == version)
    return conn.execute(q.values(**values)).rowcount


def clear_default(conn: Connection, company_id: int) -> None:
    rr = t.reminder_routines
    conn.execute(update(rr).where(rr.c.company_id == company_id, rr.c.is_default.is_(True)).values(is_default=False))


def set_party_routine(conn: Connection, company_id: int, party_id: int, routine_id: int | None) -> None:
    p = t.parties
    conn.execute(update(p).where(p.c.company_id == company_id, p.c.party_id == party_id)
                 .values(reminder_routine_id=routine_id))


def set_group_routine(conn: Connection, company_id: int, code: str, routine_id: int | None) -> int:
    g = t.party_groups
    return conn.execute(update(g).where(g.c.company_id == company_id, g.c.kind == "customer", g.c.code == code)
                        .values(reminder_routine_id=routine_id)).rowcount


# -- items: disputes, promises ---------------------------------------------------------------------------------


def item_row(conn: Connection, company_id: int, item_id: int, *, lock: bool = False) -> RowMapping | None:
    i = t.items
    q = select(i).where(i.c.company_id == company_id, i.c.item_id == item_id)
    if lock:
        q = q.with_for_update()
    return conn.execute(q).mappings().first()


def set_item(conn: Connection, company_id: int, item_id: int, values: dict[str, Any]) -> None:
    i = t.items
    conn.execute(update(i).where(i.c.company_id == company_id, i.c.item_id == item_id)
                 .values(**values, version=i.c.version + 1))


def open_dispute(conn: Connection, company_id: int, item_id: int) -> RowMapping | None:
    d = t.item_disputes
    return conn.execute(select(d).where(d.c.company_id == company_id, d.c.item_id == item_id,
                                        d.c.closed_on.is_(None))).mappings().first()


def close_dispute(conn: Connection, company_id: int, dispute_id: int, on: date, resolution: str) -> None:
    d = t.item_disputes
    conn.execute(update(d).where(d.c.company_id == company_id, d.c.dispute_id == dispute_id)
                 .values(closed_on=on, resolution=resolution))


def disputes(conn: Connection, company_id: int, *, open_only: bool = True) -> list[RowMapping]:
    d, i, p = t.item_disputes, t.items, t.parties
    q = (select(d, i.c.document_number, i.c.open_minor, i.c.currency, p.c.number.label("party_number"),
                p.c.name.label("party_name"))
         .join(i, and_(i.c.company_id == d.c.company_id, i.c.item_id == d.c.item_id))
         .join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
         .where(d.c.company_id == company_id))
    if open_only:
        q = q.where(d.c.closed_on.is_(None))
    return list(conn.execute(q.order_by(d.c.deadline, d.c.dispute_id)).mappings())


def disputes_of(conn: Connection, company_id: int, item_ids: Sequence[int]) -> list[tuple[int, date, date | None]]:
    d = t.item_disputes
    if not item_ids:
        return []
    q = select(d.c.item_id, d.c.opened_on, d.c.closed_on).where(d.c.company_id == company_id,
                                                                 d.c.item_id.in_(list(item_ids)))
    return [(int(r[0]), r[1], r[2]) for r in conn.execute(q)]


def allocations_of(conn: Connection, company_id: int, item_ids: Sequence[int]) -> list[tuple[int, date, int]]:
    a = t.allocations
    if not item_ids:
        return []
    q = select(a.c.item_id, a.c.alloc_date, a.c.amount_minor).where(a.c.company_id == company_id,
                                                                     a.c.item_id.in_(list(item_ids)))
    return [(int(r[0]), r[1], int(r[2])) for r in conn.execute(q)]


def paid_late(conn: Connection, company_id: int, since: date, on: date) -> list[RowMapping]:
    """Customer claims settled after their due date, between ``since`` and ``on``, with no interest charged to the
    day they were settled and no interest note for them yet (level 0)."""
    i, p, g, rl = t.items, t.parties, t.party_groups, t.reminder_lines
    noted = exists().where(rl.c.company_id == i.c.company_id, rl.c.item_id == i.c.item_id, rl.c.level_no == 0)
    q = (select(i.c.item_id, i.c.party_id, p.c.reminder_routine_id.label("p_routine"),
                g.c.reminder_routine_id.label("g_routine"), i.c.document_number, i.c.item_type, i.c.due_date,
                i.c.currency, i.c.amount_minor, i.c.closed_on, i.c.interest_to, i.c.reminder_level)
         .select_from(_joined())
         .where(i.c.company_id == company_id, i.c.kind == "customer", i.c.open_minor == 0,
                i.c.closed_on.is_not(None), i.c.closed_on > i.c.due_date, i.c.closed_on >= since,
                i.c.closed_on <= on, i.c.item_type.in_(CLAIM_TYPES), p.c.reminder_block_reason.is_(None),
                (i.c.interest_to.is_(None)) | (i.c.interest_to < i.c.closed_on), ~noted))
    return list(conn.execute(q).mappings())


def cards_by_ids(conn: Connection, company_id: int, party_ids: Sequence[int]) -> dict[int, Any]:
    """party_id → card of these parties (the letters' addresses and languages)."""
    from reskontro.store.repositories import card_from_row
    p = t.parties
    out: dict[int, Any] = {}
    ids = sorted(set(party_ids))
    for start in range(0, len(ids), 5000):
        rows = conn.execute(select(p).where(p.c.company_id == company_id,
                                            p.c.party_id.in_(ids[start:start + 5000]))).mappings()
        out.update({int(r["party_id"]): card_from_row(r) for r in rows})
    return out
