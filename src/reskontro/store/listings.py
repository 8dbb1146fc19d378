"""Keyset-paginated listings for the API: parties, vouchers, items, audit events, a party's ledger.

A page is asked for with the key of the last row already seen (``after``) and a ``limit``; each
query reads ``limit + 1`` rows so the caller knows whether there is a next page, and never uses
``OFFSET`` (which gets slower the deeper one pages and skips or repeats rows when others insert
meanwhile). Every query filters on ``company_id``, which leads the index it walks.

Rows come back as plain typed records, amounts in minor units and the GL sign; the services turn
them into ``Decimal`` in the ledger's natural sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, and_, case, cast, func, or_, select

from reskontro.store import tables as t
from reskontro.store.queries import voucher_ref


def _after(columns: Sequence[Any], values: Sequence[Any]) -> Any:
    """``(c1, c2, ...) > (v1, v2, ...)`` spelled out, so that both backends use the index on the columns."""
    first, *rest = list(zip(columns, values, strict=True))
    if not rest:
        return first[0] > first[1]
    return or_(first[0] > first[1], and_(first[0] == first[1], _after([c for c, _ in rest], [v for _, v in rest])))


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- parties -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartyRow:
    party_id: int
    kind: str
    number: str
    name: str
    org_number: str | None
    currency: str
    email: str | None
    blocked: bool
    balance_minor: int  # open items in company currency, GL sign


def parties(conn: Connection, company_id: int, *, kind: str | None, search: str | None,
            after: tuple[str, str] | None, limit: int) -> list[PartyRow]:
    """Parties ordered by (kind, number), with their open balance; ``search`` matches the name (part,
    any case), the number or the org number."""
    p, i = t.parties, t.items
    q = select(p.c.party_id, p.c.kind, p.c.number, p.c.name, p.c.org_number, p.c.currency, p.c.email,
               p.c.reminder_block_since, p.c.credit_stop_since, p.c.payment_block_since
               ).where(p.c.company_id == company_id)
    if kind:
        q = q.where(p.c.kind == kind)
    if search:
        q = q.where(or_(func.lower(p.c.name).like(_like(search), escape="\\"), p.c.number == search,
                        p.c.org_number == search))
    if after is not None:
        q = q.where(_after([p.c.kind, p.c.number], after))
    rows = conn.execute(q.order_by(p.c.kind, p.c.number).limit(limit)).all()
    ids = [int(r[0]) for r in rows]
    balances: dict[int, int] = {}
    if ids:
        balances = {int(pid): int(b) for pid, b in conn.execute(
            select(i.c.party_id, func.sum(i.c.open_company_minor))
            .where(i.c.company_id == company_id, i.c.open_minor != 0, i.c.party_id.in_(ids))
            .group_by(i.c.party_id))}
    return [PartyRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], any(x is not None for x in r[7:10]),
                     balances.get(int(r[0]), 0)) for r in rows]


@dataclass(frozen=True, slots=True)
class DocumentRow:
    document_id: int
    party_id: int
    filename: str
    content_type: str
    doc_type: str
    size: int
    sha256: str
    created_at: datetime
    created_by: str


def documents_of_party(conn: Connection, company_id: int, party_id: int) -> list[DocumentRow]:
    """A party's documents without their content (which may be large)."""
    d = t.documents
    q = (select(d.c.document_id, d.c.party_id, d.c.filename, d.c.content_type, d.c.doc_type, d.c.size, d.c.sha256,
                d.c.created_at, d.c.created_by)
         .where(d.c.company_id == company_id, d.c.party_id == party_id).order_by(d.c.document_id))
    return [DocumentRow(*tuple(row)) for row in conn.execute(q)]


def party_rows(conn: Connection, company_id: int, table: str, party_id: int) -> list[dict[str, Any]]:
    """Rows of a small party-owned table (contacts, follow-ups) in key order."""
    tbl = t.metadata.tables[table]
    q = (select(tbl).where(tbl.c.company_id == company_id, tbl.c.party_id == party_id)
         .order_by(*tbl.primary_key.columns))
    return [dict(r) for r in conn.execute(q).mappings()]


def free_values(conn: Connection, company_id: int, party_id: int) -> list[tuple[str, str]]:
    v = t.party_free_values
    q = (select(v.c.code, v.c.value_text).where(v.c.company_id == company_id, v.c.party_id == party_id)
         .order_by(v.c.code))
    return [(c, val) for c, val in conn.execute(q)]


# -- a party's ledger ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerLineRow:
    voucher_id: int
    line_no: int
    voucher_ref: str
    voucher_type: str
    line_date: date
    item_id: int | None
    document_number: str | None
    item_type: str | None
    due_date: date | None
    description: str | None
    currency: str
    currency_amount_minor: int
    amount_minor: int
    open_company_minor: int | None


def ledger_before(conn: Connection, company_id: int, party_id: int, after: tuple[date, int, int] | None) -> int:
    """Σ of the party's control-account lines up to and including the key ``after`` (0 at the start): the
    running balance a page continues from."""
    if after is None:
        return 0
    vl = t.voucher_lines
    q = select(func.coalesce(func.sum(vl.c.amount_minor), 0)).where(
        vl.c.company_id == company_id, vl.c.party_id == party_id,
        ~_after([vl.c.line_date, vl.c.voucher_id, vl.c.line_no], after))
    return int(conn.execute(q).scalar_one())


def ledger(conn: Connection, company_id: int, party_id: int, *, after: tuple[date, int, int] | None,
           limit: int) -> list[LedgerLineRow]:
    """The party's control-account lines in (date, voucher, line) order, with their items."""
    vl, v, i = t.voucher_lines, t.vouchers, t.items
    q = (select(vl.c.voucher_id, vl.c.line_no, voucher_ref(v), v.c.voucher_type, vl.c.line_date, i.c.item_id,
                i.c.document_number, i.c.item_type, i.c.due_date, func.coalesce(vl.c.description, v.c.description),
                vl.c.currency, vl.c.currency_amount_minor, vl.c.amount_minor, i.c.open_company_minor)
         .select_from(vl.join(v, and_(v.c.company_id == vl.c.company_id, v.c.voucher_id == vl.c.voucher_id))
                      .outerjoin(i, and_(i.c.company_id == vl.c.company_id, i.c.voucher_id == vl.c.voucher_id,
                                         i.c.line_no == vl.c.line_no)))
         .where(vl.c.company_id == company_id, vl.c.party_id == party_id))
    if after is not None:
        q = q.where(_after([vl.c.line_date, vl.c.voucher_id, vl.c.line_no], after))
    q = q.order_by(vl.c.line_date, vl.c.voucher_id, vl.c.line_no).limit(limit)
    return [LedgerLineRow(*tuple(row)) for row in conn.execute(q)]


# -- items ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemRow:
    item_id: int
    party_id: int
    party_number: str
    kind: str
    item_type: str
    document_number: str
    item_date: date
    due_date: date
    kid: str | None
    currency: str
    amount_minor: int
    open_minor: int
    amount_company_minor: int
    open_company_minor: int
    description: str | None
    voucher_ref: str


def items(conn: Connection, company_id: int, *, kind: str | None, party_id: int | None, open_only: bool,
          item_type: str | None, after: int | None, limit: int) -> list[ItemRow]:
    """Items ordered by id (the order they were posted in), optionally open ones of one party."""
    i, p, v = t.items, t.parties, t.vouchers
    q = (select(i.c.item_id, i.c.party_id, p.c.number, i.c.kind, i.c.item_type, i.c.document_number, i.c.item_date,
                i.c.due_date, i.c.kid, i.c.currency, i.c.amount_minor, i.c.open_minor, i.c.amount_company_minor,
                i.c.open_company_minor, i.c.description, voucher_ref(v))
         .join(p, and_(p.c.company_id == i.c.company_id, p.c.party_id == i.c.party_id))
         .join(v, and_(v.c.company_id == i.c.company_id, v.c.voucher_id == i.c.voucher_id))
         .where(i.c.company_id == company_id))
    if kind:
        q = q.where(i.c.kind == kind)
    if party_id is not None:
        q = q.where(i.c.party_id == party_id)
    if open_only:
        q = q.where(i.c.open_minor != 0)
    if item_type:
        q = q.where(i.c.item_type == item_type)
    if after is not None:
        q = q.where(i.c.item_id > after)
    # For one party, "+ 0" keeps the planner from walking the whole primary key in item_id order
    # (SQLite did, 600 ms at 1.75M items): it reads the party's items by index and sorts those few.
    order = i.c.item_id + 0 if party_id is not None else i.c.item_id
    return [ItemRow(*tuple(row)) for row in conn.execute(q.order_by(order).limit(limit))]


# -- vouchers ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoucherRow:
    voucher_id: int
    voucher_ref: str
    voucher_type: str
    voucher_date: date
    description: str | None
    reverses_voucher_id: int | None
    source: str | None
    created_at: datetime
    created_by: str


def vouchers(conn: Connection, company_id: int, *, series: str | None, year: int | None,
             date_from: date | None, date_to: date | None, after: int | None, limit: int) -> list[VoucherRow]:
    """Vouchers ordered by id (the order they were posted in)."""
    v = t.vouchers
    q = select(v.c.voucher_id, voucher_ref(v), v.c.voucher_type, v.c.voucher_date, v.c.description,
               v.c.reverses_voucher_id, v.c.source, v.c.created_at, v.c.created_by).where(v.c.company_id == company_id)
    if series:
        q = q.where(v.c.series == series)
    if year is not None:
        q = q.where(v.c.year == year)
    if date_from is not None:
        q = q.where(v.c.voucher_date >= date_from)
    if date_to is not None:
        q = q.where(v.c.voucher_date <= date_to)
    if after is not None:
        q = q.where(v.c.voucher_id > after)
    return [VoucherRow(*tuple(row)) for row in conn.execute(q.order_by(v.c.voucher_id).limit(limit))]


def voucher_refs(conn: Connection, company_id: int, voucher_ids: Sequence[int]) -> dict[int, str]:
    v = t.vouchers
    ids = sorted(set(voucher_ids))
    if not ids:
        return {}
    q = select(v.c.voucher_id, voucher_ref(v)).where(v.c.company_id == company_id, v.c.voucher_id.in_(ids))
    return {int(vid): ref for vid, ref in conn.execute(q)}


@dataclass(frozen=True, slots=True)
class MatchRow:
    match_id: int
    match_kind: str
    debit_item_id: int
    credit_item_id: int
    currency: str
    amount_minor: int
    match_date: date
    method: str
    undoes_match_id: int | None
    undone: bool


def matches_of_items(conn: Connection, company_id: int, item_ids: Sequence[int]) -> list[MatchRow]:
    """Matches and unmatch events touching the items, oldest first."""
    m = t.matches
    ids = sorted(set(item_ids))
    if not ids:
        return []
    undoing = select(m.c.undoes_match_id).where(m.c.company_id == company_id, m.c.undoes_match_id.is_not(None))
    q = (select(m.c.match_id, m.c.match_kind, m.c.debit_item_id, m.c.credit_item_id, m.c.currency, m.c.amount_minor,
                m.c.match_date, m.c.method, m.c.undoes_match_id, m.c.match_id.in_(undoing))
         .where(m.c.company_id == company_id, or_(m.c.debit_item_id.in_(ids), m.c.credit_item_id.in_(ids)))
         .order_by(m.c.match_id))
    return [MatchRow(int(r[0]), r[1], int(r[2]), int(r[3]), r[4], int(r[5]), r[6], r[7], r[8], bool(r[9]))
            for r in conn.execute(q)]


@dataclass(frozen=True, slots=True)
class MatchLineRow:
    """A match with both of its items' documents and vouchers, and when it was undone (if it was)."""

    match_id: int
    match_date: date
    method: str
    currency: str
    amount_minor: int  # in ``currency``, positive
    created_by: str
    debit_item_id: int
    debit_document: str
    debit_type: str
    debit_voucher: str
    credit_item_id: int
    credit_document: str
    credit_type: str
    credit_voucher: str
    undone_by: int | None
    undone_on: date | None


def match_lines(conn: Connection, company_id: int, *, party_id: int | None = None,
                item_ids: Sequence[int] | None = None, limit: int) -> list[MatchLineRow]:
    """Matches (not the unmatch events, which show as ``undone_by``/``undone_on``), newest first: a party's
    (both items of a match belong to one party, so its debit items find them) or those touching the items."""
    m, u = t.matches, t.matches.alias("u")
    d, c = t.items.alias("d"), t.items.alias("c")
    dv, cv = t.vouchers.alias("dv"), t.vouchers.alias("cv")
    q = (select(m.c.match_id, m.c.match_date, m.c.method, m.c.currency, m.c.amount_minor, m.c.created_by,
                d.c.item_id, d.c.document_number, d.c.item_type, voucher_ref(dv),
                c.c.item_id, c.c.document_number, c.c.item_type, voucher_ref(cv), u.c.match_id, u.c.match_date)
         .select_from(m)
         .join(d, and_(d.c.company_id == m.c.company_id, d.c.item_id == m.c.debit_item_id))
         .join(c, and_(c.c.company_id == m.c.company_id, c.c.item_id == m.c.credit_item_id))
         .join(dv, and_(dv.c.company_id == d.c.company_id, dv.c.voucher_id == d.c.voucher_id))
         .join(cv, and_(cv.c.company_id == c.c.company_id, cv.c.voucher_id == c.c.voucher_id))
         .outerjoin(u, and_(u.c.company_id == m.c.company_id, u.c.undoes_match_id == m.c.match_id))
         .where(m.c.company_id == company_id, m.c.match_kind == "match"))
    if party_id is not None:
        q = q.where(d.c.party_id == party_id)
    if item_ids is not None:
        ids = sorted(set(item_ids))
        if not ids:
            return []
        q = q.where(or_(m.c.debit_item_id.in_(ids), m.c.credit_item_id.in_(ids)))
    rows = conn.execute(q.order_by(m.c.match_id.desc()).limit(limit))
    return [MatchLineRow(int(r[0]), r[1], r[2], r[3], int(r[4]), r[5], int(r[6]), r[7], r[8], r[9], int(r[10]), r[11],
                         r[12], r[13], None if r[14] is None else int(r[14]), r[15]) for r in rows]


# -- audit ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditRow:
    audit_id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None


def audit_events(conn: Connection, company_id: int, *, entity: str | None, entity_id: str | None,
                 actor: str | None, since: datetime | None, until: datetime | None, after: int | None,
                 limit: int) -> list[AuditRow]:
    """Audit events ordered by id (the order they were written in); ``since`` inclusive, ``until`` exclusive."""
    a = t.audit_events
    q = select(a.c.audit_id, a.c.at, a.c.actor, a.c.entity, a.c.entity_id, a.c.action, a.c.field, a.c.old_value,
               a.c.new_value).where(a.c.company_id == company_id)
    if entity:
        q = q.where(a.c.entity == entity)
    if entity_id:
        q = q.where(a.c.entity_id == entity_id)
    if actor:
        q = q.where(a.c.actor == actor)
    if since is not None:
        q = q.where(a.c.at >= since)
    if until is not None:
        q = q.where(a.c.at < until)
    if after is not None:
        q = q.where(a.c.audit_id > after)
    return [AuditRow(*tuple(row)) for row in conn.execute(q.order_by(a.c.audit_id).limit(limit))]


# -- the web UI's party lists: sorted, filtered, paged both ways ---------------------------------------


#: Sort orders of :func:`browse_parties`: the columns of the key, each order backed by an index that leads
#: with (company_id, kind): the unique key on the number, ``ix_parties_name`` on the name.
PARTY_SORTS: dict[str, tuple[str, ...]] = {"number": ("number",), "name": ("name", "number")}


def _beyond(columns: Sequence[Any], values: Sequence[Any], *, greater: bool) -> Any:
    """``(c1, c2, ...) > (v1, v2, ...)`` (or ``<``), spelled out so that both backends use the index."""
    first, *rest = list(zip(columns, values, strict=True))
    cmp = first[0] > first[1] if greater else first[0] < first[1]
    if not rest:
        return cmp
    return or_(cmp, and_(first[0] == first[1],
                         _beyond([c for c, _ in rest], [v for _, v in rest], greater=greater)))


@dataclass(frozen=True, slots=True)
class PartyFilter:
    """Filters of a party list; all that are set must match."""

    search: str | None = None  # part of the name (any case), the start of the number, or the org number
    group_code: str | None = None
    currency: str | None = None
    blocked: bool | None = None  # any of reminder block, credit stop, payment block (True) or none (False)
    free_field: tuple[str, str] | None = None  # (code, canonical value text)


@dataclass(frozen=True, slots=True)
class PartyListRow:
    party_id: int
    number: str
    name: str
    org_number: str | None
    city: str | None
    currency: str
    group_code: str | None
    blocks: tuple[str, ...]  # the names of the blocks that are set
    balance_minor: int  # open items today, company currency, GL sign
    overdue_minor: int  # the part of it past due today


def _org_digits(text: str) -> str | None:
    digits = "".join(ch for ch in text if ch not in " .-")
    return digits if len(digits) == 9 and digits.isdigit() else None


def browse_parties(conn: Connection, company_id: int, kind: str, where: PartyFilter, *, sort: str,
                   descending: bool, key: Sequence[Any] | None, backwards: bool, limit: int,
                   today: date) -> list[PartyListRow]:
    """One page of a kind's parties in the order ``sort`` (``PARTY_SORTS``), after (or, ``backwards``,
    before) the row with sort key ``key``, with each party's open balance and overdue part today.

    The page is read by key, never by offset, and nothing is counted: the cost is that of the page (and of
    the rows a filter has to skip), whatever the page's depth. A name search is a substring match, so it
    reads the kind's parties in key order until the page is full.
    """
    p, i, fv = t.parties, t.items, t.party_free_values
    columns = [p.c[name] for name in PARTY_SORTS[sort]]
    q = select(p.c.party_id, p.c.number, p.c.name, p.c.org_number, p.c.city, p.c.currency, p.c.group_code,
               p.c.reminder_block_since, p.c.credit_stop_since, p.c.payment_block_since
               ).where(p.c.company_id == company_id, p.c.kind == kind)
    if where.search:
        text = where.search.strip()
        conds: list[Any] = [func.lower(p.c.name).like(_like(text), escape="\\"),
                 func.lower(p.c.number).like(_like(text)[1:], escape="\\")]  # the start of the number
        org = _org_digits(text)
        if org is not None:
            conds.append(p.c.org_number == org)
        q = q.where(or_(*conds))
    if where.group_code:
        q = q.where(p.c.group_code == where.group_code)
    if where.currency:
        q = q.where(p.c.currency == where.currency)
    if where.blocked is not None:
        any_block = or_(p.c.reminder_block_since.is_not(None), p.c.credit_stop_since.is_not(None),
                        p.c.payment_block_since.is_not(None))
        q = q.where(any_block if where.blocked else ~any_block)
    if where.free_field is not None:
        code, value = where.free_field
        q = q.where(select(fv.c.party_id).where(fv.c.company_id == company_id, fv.c.party_id == p.c.party_id,
                                                fv.c.code == code, fv.c.value_text == value).exists())
    forward = descending == backwards  # the direction the index is walked in, ascending or not
    if key is not None:
        q = q.where(_beyond(columns, key, greater=forward))
    q = q.order_by(*[c.asc() if forward else c.desc() for c in columns]).limit(limit)
    rows = conn.execute(q).all()
    if backwards:
        rows = rows[::-1]
    ids = [int(r[0]) for r in rows]
    sums: dict[int, tuple[int, int]] = {}
    if ids:
        # (company, kind, party) lead the covering index of open items: an index-only read of these parties.
        overdue = cast(func.sum(case((i.c.due_date < today, i.c.open_company_minor), else_=0)), BigInteger)
        sums = {int(pid): (int(b), int(o)) for pid, b, o in conn.execute(
            select(i.c.party_id, cast(func.sum(i.c.open_company_minor), BigInteger), overdue)
            .where(i.c.company_id == company_id, i.c.kind == kind, i.c.party_id.in_(ids), i.c.open_minor != 0)
            .group_by(i.c.party_id))}
    names = ("reminder_block", "credit_stop", "payment_block")
    return [PartyListRow(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6],
                         tuple(n for n, since in zip(names, r[7:10], strict=True) if since is not None),
                         *sums.get(int(r[0]), (0, 0))) for r in rows]


def parties_by_org_number(conn: Connection, company_id: int, org_number: str, limit: int = 5
                          ) -> list[tuple[str, str, str]]:
    """(kind, number, name) of parties with this org number, by ``ix_parties_org_number``."""
    p = t.parties
    q = (select(p.c.kind, p.c.number, p.c.name).where(p.c.company_id == company_id, p.c.org_number == org_number)
         .order_by(p.c.kind, p.c.number).limit(limit))
    return [(r[0], r[1], r[2]) for r in conn.execute(q)]
