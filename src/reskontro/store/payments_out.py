"""Payments out: the due list's rows, supplier bank-account approvals, payment proposals and their lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select, update

from reskontro.store import tables as t
from reskontro.store.bank import one_of

#: Payment lines that hold their item: it is not offered again until the line ends.
ACTIVE = ("proposed", "in_payment")


@dataclass(frozen=True, slots=True)
class DueRow:
    """An open supplier item with its supplier's payment facts (amounts in GL sign: an invoice is negative)."""

    item_id: int
    party_id: int
    party_number: str
    party_name: str
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    currency: str
    open_minor: int
    kid: str | None
    payee_account: str | None
    bank_account: str | None
    bic: str | None
    country: str
    payment_block_reason: str | None
    bankrupt_since: date | None


def due_rows(conn: Connection, company_id: int, *, due_by: date | None, currency: str | None,
             party_number: str | None, account: str | None) -> list[DueRow]:
    """Open supplier items not held by a payment line, oldest due first; invoices due after ``due_by`` are left
    out, credit notes and other credits of the supplier always come (they net against what is paid)."""
    i, p, pl = t.items, t.parties, t.payment_lines
    held = exists().where(pl.c.company_id == i.c.company_id, pl.c.item_id == i.c.item_id,
                          pl.c.status.in_(ACTIVE))
    q = (select(i.c.item_id, i.c.party_id, p.c.number.label("party_number"), p.c.name.label("party_name"),
                i.c.item_type, i.c.document_number, i.c.item_date,
                i.c.due_date, i.c.currency, i.c.open_minor, i.c.kid, i.c.payee_account, p.c.bank_account, p.c.bic,
                p.c.country, p.c.payment_block_reason, p.c.bankrupt_since)
         .join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
         .where(i.c.company_id == company_id, i.c.kind == "supplier", i.c.open_minor != 0, ~held))
    if due_by is not None:
        q = q.where((i.c.due_date <= due_by) | (i.c.open_minor > 0))
    if currency:
        q = q.where(i.c.currency == currency)
    if party_number:
        q = q.where(p.c.number == party_number)
    if account:
        q = q.where(p.c.bank_account == account)
    q = q.order_by(i.c.due_date, i.c.party_id, i.c.item_id)
    return [DueRow(**r._mapping) for r in conn.execute(q)]


def account_states(conn: Connection, company_id: int, pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """(party, account) → "approved", "pending" or "rejected" (the latest decision on it)."""
    a = t.bank_account_approvals
    wanted = set(pairs)
    out: dict[tuple[int, str], str] = {}
    if not wanted:
        return out
    q = (select(a.c.party_id, a.c.account, a.c.status)
         .where(a.c.company_id == company_id, one_of(conn, a.c.party_id, {pid for pid, _ in wanted}))
         .order_by(a.c.approval_id))
    for pid, acc, status in conn.execute(q):
        key = (int(pid), acc)
        if key in wanted:
            # approved wins over a later rejection of a duplicate request; otherwise the latest says
            out[key] = status if out.get(key) != "approved" else "approved"
    return out


def paid_accounts(conn: Connection, company_id: int, party_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(party, account) pairs a payment was sent to before (exported or paid)."""
    pl = t.payment_lines
    ids = set(party_ids)
    if not ids:
        return set()
    q = select(pl.c.party_id, pl.c.creditor_account).distinct().where(
        pl.c.company_id == company_id, one_of(conn, pl.c.party_id, ids), pl.c.status.in_(("in_payment", "paid")))
    return {(int(pid), acc) for pid, acc in conn.execute(q)}


def approvals(conn: Connection, company_id: int, status: str | None) -> list[dict[str, Any]]:
    a, p = t.bank_account_approvals, t.parties
    q = (select(a, p.c.number, p.c.name)
         .join(p, and_(p.c.company_id == a.c.company_id, p.c.party_id == a.c.party_id))
         .where(a.c.company_id == company_id).order_by(a.c.approval_id.desc()))
    if status:
        q = q.where(a.c.status == status)
    return [dict(r) for r in conn.execute(q.limit(1000)).mappings()]


def approval(conn: Connection, company_id: int, approval_id: int) -> dict[str, Any] | None:
    a = t.bank_account_approvals
    row = conn.execute(select(a).where(a.c.company_id == company_id, a.c.approval_id == approval_id)).mappings().first()
    return dict(row) if row else None


def decide_approval(conn: Connection, company_id: int, approval_id: int, status: str, actor: str, at: datetime,
                    note: str | None) -> bool:
    a = t.bank_account_approvals
    done = conn.execute(update(a).where(a.c.company_id == company_id, a.c.approval_id == approval_id,
                                        a.c.status == "pending")
                        .values(status=status, decided_by=actor, decided_at=at, note=note)).rowcount
    return bool(done == 1)


def set_bankrupt(conn: Connection, company_id: int, party_id: int, since: date | None) -> None:
    p = t.parties
    conn.execute(update(p).where(p.c.company_id == company_id, p.c.party_id == party_id)
                 .values(bankrupt_since=since, version=p.c.version + 1))


# -- proposals ---------------------------------------------------------------------------------------------


def proposal(conn: Connection, company_id: int, proposal_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    pp = t.payment_proposals
    q = select(pp).where(pp.c.company_id == company_id, pp.c.proposal_id == proposal_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def proposals(conn: Connection, company_id: int, limit: int) -> list[dict[str, Any]]:
    pp, pl = t.payment_proposals, t.payment_lines
    counts = (select(pl.c.proposal_id, func.count().label("lines"), func.sum(pl.c.amount_minor).label("total"))
              .where(pl.c.company_id == company_id, pl.c.status != "cancelled")
              .group_by(pl.c.proposal_id).subquery())
    q = (select(pp.c.proposal_id, pp.c.status, pp.c.debtor_account, pp.c.execution_date, pp.c.message_id,
                pp.c.created_at, pp.c.created_by, pp.c.exported_at, func.coalesce(counts.c.lines, 0).label("lines"),
                func.coalesce(counts.c.total, 0).label("total"))
         .outerjoin(counts, counts.c.proposal_id == pp.c.proposal_id)
         .where(pp.c.company_id == company_id).order_by(pp.c.proposal_id.desc()).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


def lines(conn: Connection, company_id: int, proposal_id: int) -> list[dict[str, Any]]:
    pl, i, p = t.payment_lines, t.items, t.parties
    q = (select(pl, i.c.document_number, i.c.due_date, i.c.open_minor, p.c.number.label("party_number"),
                p.c.name.label("party_name"))
         .join(i, and_(i.c.company_id == pl.c.company_id, i.c.item_id == pl.c.item_id))
         .join(p, and_(p.c.company_id == pl.c.company_id, p.c.party_id == pl.c.party_id))
         .where(pl.c.company_id == company_id, pl.c.proposal_id == proposal_id).order_by(pl.c.line_no))
    return [dict(r) for r in conn.execute(q).mappings()]


def approvers(conn: Connection, company_id: int, proposal_id: int) -> list[str]:
    pa = t.payment_approvals
    q = select(pa.c.approved_by).where(pa.c.company_id == company_id, pa.c.proposal_id == proposal_id
                                       ).order_by(pa.c.approved_at)
    return [str(r[0]) for r in conn.execute(q)]


def clear_approvals(conn: Connection, company_id: int, proposal_id: int) -> None:
    pa = t.payment_approvals
    conn.execute(pa.delete().where(pa.c.company_id == company_id, pa.c.proposal_id == proposal_id))


def set_proposal(conn: Connection, company_id: int, proposal_id: int, version: int, values: dict[str, Any]) -> bool:
    pp = t.payment_proposals
    done = conn.execute(update(pp).where(pp.c.company_id == company_id, pp.c.proposal_id == proposal_id,
                                         pp.c.version == version).values(version=version + 1, **values)).rowcount
    return bool(done == 1)


def set_lines(conn: Connection, company_id: int, proposal_id: int, line_nos: Sequence[int] | None,
              values: dict[str, Any], *, only: Sequence[str] = ACTIVE) -> int:
    pl = t.payment_lines
    q = update(pl).where(pl.c.company_id == company_id, pl.c.proposal_id == proposal_id, pl.c.status.in_(only))
    if line_nos is not None:
        q = q.where(pl.c.line_no.in_(list(line_nos)))
    return int(conn.execute(q.values(**values)).rowcount)


def lines_by_end_to_end(conn: Connection, company_id: int, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """EndToEndId → its payment line (with the item's document number and the proposal's message id)."""
    pl, i, pp = t.payment_lines, t.items, t.payment_proposals
    wanted = set(ids)
    if not wanted:
        return {}
    q = (select(pl, i.c.document_number, i.c.kind, pp.c.message_id)
         .join(i, and_(i.c.company_id == pl.c.company_id, i.c.item_id == pl.c.item_id))
         .join(pp, and_(pp.c.company_id == pl.c.company_id, pp.c.proposal_id == pl.c.proposal_id))
         .where(pl.c.company_id == company_id, one_of(conn, pl.c.end_to_end_id, wanted)))
    return {r["end_to_end_id"]: dict(r) for r in conn.execute(q).mappings()}


def lines_of_message(conn: Connection, company_id: int, message_id: str) -> list[dict[str, Any]]:
    pl, pp = t.payment_lines, t.payment_proposals
    q = (select(pl).join(pp, and_(pp.c.company_id == pl.c.company_id, pp.c.proposal_id == pl.c.proposal_id))
         .where(pl.c.company_id == company_id, pp.c.message_id == message_id))
    return [dict(r) for r in conn.execute(q).mappings()]
