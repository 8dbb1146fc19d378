"""Listings for the API and other interfaces: parties, a party's card and ledger, items, vouchers, audit.

Lists are paged by key, not by offset: a page is asked for with the opaque cursor that the previous
page returned (``next``), and the cursor holds the sort key of that page's last row. Paging through
a list that others are adding to therefore never repeats or skips a row, and page 1 000 costs what
page 1 costs. Cursors are URL-safe base64 of a small JSON array tagged with the listing they belong
to; a cursor of another listing, or one that was tampered with, is refused as a bad ``after``.

Amounts are ``Decimal`` in the ledger's natural sign, as in the reports: invoices positive for
customers and for suppliers, payments and credit notes negative.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.parties import FreeFieldDef, PartyCard, PartyKind
from reskontro.domain.vouchers import natural_sign
from reskontro.money import from_minor
from reskontro.services.parties import canonical_free_text
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import listings as sql
from reskontro.store.repositories import PartyRecord

Row = dict[str, Any]
T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; ``next`` is the cursor of the following page, None on the last."""

    items: list[T]
    next: str | None


# -- cursors -------------------------------------------------------------------------------------------


def encode_cursor(tag: str, key: Sequence[Any]) -> str:
    """An opaque cursor for the row with sort key ``key`` in the listing ``tag``."""
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    raw = json.dumps([tag, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("the cursor is not one this listing returned; start again without 'after'", field="after")


def decode_cursor(cursor: str | None, tag: str, types: Sequence[type]) -> tuple[Any, ...] | None:
    """The sort key in a cursor, checked against the listing's tag and key types (str, int or date)."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(data, list) or len(data) != len(types) + 1 or data[0] != tag:
        raise _bad_cursor()
    out: list[Any] = []
    for value, kind in zip(data[1:], types, strict=True):
        if kind is int:
            if type(value) is not int or not 0 <= value <= _MAX_ID:
                raise _bad_cursor()
            out.append(value)
        elif kind is date:
            try:
                out.append(date.fromisoformat(value))
            except (TypeError, ValueError):
                raise _bad_cursor() from None
        else:
            if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
                raise _bad_cursor()
            out.append(value)
    return tuple(out)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit {limit} must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def _page(rows: Sequence[Any], limit: int, tag: str, key: Callable[[Any], Sequence[Any]],
          render: Callable[[Any], T]) -> Page[T]:
    """The first ``limit`` rows (the query read one more, to know whether a next page exists)."""
    shown = list(rows[:limit])
    nxt = encode_cursor(tag, key(shown[-1])) if len(rows) > limit and shown else None
    return Page([render(r) for r in shown], nxt)


def _kind(kind: str | None) -> PartyKind | None:
    if kind is None or kind == "":
        return None
    try:
        return PartyKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind {kind!r} must be customer or supplier", field="kind") from None


def _party(uow: UnitOfWork, company_id: int, kind: PartyKind | str, number: str) -> PartyRecord:
    k = _kind(str(kind))
    found = uow.repo.party_by_number(company_id, k.value if k else None, number)
    if found is None:
        raise NotFound(f"{k.value if k else 'party'} {number!r} does not exist", field="number")
    return found


# -- parties -------------------------------------------------------------------------------------------


def list_parties(*, uow: UnitOfWork, company_id: int, kind: str | None = None, search: str | None = None,
                 after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """Customers and suppliers by (kind, number) with their open balance; ``search`` finds a name part,
    a number or an org number."""
    k = _kind(kind)
    limit = check_limit(limit)
    key = decode_cursor(after, "parties", (str, str))
    with uow:
        cc = uow.repo.company(company_id).currency
        rows = sql.parties(uow.repo.conn, company_id, kind=k.value if k else None, search=search or None,
                           after=(key[0], key[1]) if key else None, limit=limit + 1)
    return _page(rows, limit, "parties", lambda r: (r.kind, r.number), lambda r: {
        "kind": r.kind, "number": r.number, "name": r.name, "org_number": r.org_number, "currency": r.currency,
        "email": r.email, "blocked": r.blocked,
        "balance": from_minor(natural_sign(PartyKind(r.kind)) * r.balance_minor, cc)})


@dataclass(frozen=True, slots=True)
class PartyDetail:
    """A party card with everything that hangs on it (documents without their content)."""

    party_id: int
    version: int
    card: PartyCard
    balance: Decimal
    free_fields: dict[str, str]
    contacts: list[Row]
    follow_ups: list[Row]
    documents: list[Row]


def party_detail(*, uow: UnitOfWork, company_id: int, kind: str, number: str) -> PartyDetail:
    """The card, its free-field values, contacts, follow-ups, document list and open balance."""
    with uow:
        cc = uow.repo.company(company_id).currency
        found = _party(uow, company_id, kind, number)
        conn = uow.repo.conn
        pid = found.party_id
        contacts = [{k: r[k] for k in ("contact_id", "name", "role", "email", "phone")}
                    for r in sql.party_rows(conn, company_id, "contacts", pid)]
        follow_ups = [{k: r[k] for k in ("follow_up_id", "title", "note", "owner", "due_date", "status", "done_at",
                                         "created_at", "created_by")}
                      for r in sql.party_rows(conn, company_id, "follow_ups", pid)]
        documents = [{"document_id": d.document_id, "filename": d.filename, "content_type": d.content_type,
                      "doc_type": d.doc_type, "size": d.size, "sha256": d.sha256, "created_at": d.created_at,
                      "created_by": d.created_by} for d in sql.documents_of_party(conn, company_id, pid)]
        free = dict(sql.free_values(conn, company_id, pid))
        open_minor = sum(r.open_company_minor for r in uow.repo.open_items_of_party(company_id, pid))
    balance = from_minor(natural_sign(found.card.kind) * open_minor, cc)
    return PartyDetail(pid, found.version, found.card, balance, free, contacts, follow_ups, documents)


def list_free_fields(*, uow: UnitOfWork, company_id: int) -> list[FreeFieldDef]:
    """The company's free-field definitions, by code."""
    with uow:
        uow.repo.company(company_id)
        defs = uow.repo.free_field_defs(company_id)
    return [defs[code] for code in sorted(defs)]


def party_ledger(*, uow: UnitOfWork, company_id: int, kind: str, number: str, after: str | None = None,
                 limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """The party's sub-ledger lines in date order with a running balance (company currency, natural sign).

    Each page continues the balance from the sum of every line before it, so the balance on a line is
    the same whichever page it is read on.
    """
    limit = check_limit(limit)
    key = decode_cursor(after, "ledger", (date, int, int))
    with uow:
        cc = uow.repo.company(company_id).currency
        found = _party(uow, company_id, kind, number)
        after_key = (key[0], key[1], key[2]) if key else None
        opening = sql.ledger_before(uow.repo.conn, company_id, found.party_id, after_key)
        rows = sql.ledger(uow.repo.conn, company_id, found.party_id, after=after_key, limit=limit + 1)
    sign = natural_sign(found.card.kind)
    balances: dict[tuple[int, int], int] = {}
    running = opening
    for r in rows:
        running += r.amount_minor
        balances[(r.voucher_id, r.line_no)] = running
    return _page(rows, limit, "ledger", lambda r: (r.line_date, r.voucher_id, r.line_no), lambda r: {
        "date": r.line_date, "voucher": r.voucher_ref, "voucher_type": r.voucher_type, "line_no": r.line_no,
        "item_id": r.item_id, "type": r.item_type or r.voucher_type, "document_number": r.document_number,
        "due_date": r.due_date, "description": r.description, "currency": r.currency,
        "currency_amount": from_minor(sign * r.currency_amount_minor, r.currency),
        "amount": from_minor(sign * r.amount_minor, cc),
        "balance": from_minor(sign * balances[(r.voucher_id, r.line_no)], cc),
        "open_amount": None if r.open_company_minor is None else from_minor(sign * r.open_company_minor, cc)})


# -- items ---------------------------------------------------------------------------------------------


def _item(cc: str) -> Callable[[sql.ItemRow], Row]:
    def render(r: sql.ItemRow) -> Row:
        sign = natural_sign(PartyKind(r.kind))
        return {"item_id": r.item_id, "party_number": r.party_number, "kind": r.kind, "type": r.item_type,
                "document_number": r.document_number, "voucher": r.voucher_ref, "date": r.item_date,
                "due_date": r.due_date, "kid": r.kid, "currency": r.currency, "description": r.description,
                "amount": from_minor(sign * r.amount_minor, r.currency),
                "open_currency_amount": from_minor(sign * r.open_minor, r.currency),
                "open_amount": from_minor(sign * r.open_company_minor, cc)}
    return render


def list_items(*, uow: UnitOfWork, company_id: int, kind: str | None = None, party_number: str | None = None,
               open_only: bool = False, item_type: str | None = None, after: str | None = None,
               limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """Sub-ledger items in the order they were posted; ``open_only`` leaves out settled ones."""
    k = _kind(kind)
    limit = check_limit(limit)
    key = decode_cursor(after, "items", (int,))
    with uow:
        cc = uow.repo.company(company_id).currency
        party_id = _party(uow, company_id, k.value if k else "", party_number).party_id if party_number else None
        rows = sql.items(uow.repo.conn, company_id, kind=k.value if k else None, party_id=party_id,
                         open_only=open_only, item_type=item_type or None, after=key[0] if key else None,
                         limit=limit + 1)
    return _page(rows, limit, "items", lambda r: (r.item_id,), _item(cc))


def party_open_items(*, uow: UnitOfWork, company_id: int, kind: str, number: str, after: str | None = None,
                     limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """The party's items open today, oldest first (open items at a past date are a report)."""
    limit = check_limit(limit)
    key = decode_cursor(after, "open-items", (int,))
    with uow:
        cc = uow.repo.company(company_id).currency
        found = _party(uow, company_id, kind, number)
        rows = sql.items(uow.repo.conn, company_id, kind=None, party_id=found.party_id, open_only=True,
                         item_type=None, after=key[0] if key else None, limit=limit + 1)
    return _page(rows, limit, "open-items", lambda r: (r.item_id,), _item(cc))


# -- vouchers ------------------------------------------------------------------------------------------


def list_vouchers(*, uow: UnitOfWork, company_id: int, series: str | None = None, year: int | None = None,
                  date_from: date | None = None, date_to: date | None = None, after: str | None = None,
                  limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """Voucher heads in the order they were posted."""
    limit = check_limit(limit)
    key = decode_cursor(after, "vouchers", (int,))
    with uow:
        uow.repo.company(company_id)
        rows = sql.vouchers(uow.repo.conn, company_id, series=series.upper() if series else None, year=year,
                            date_from=date_from, date_to=date_to, after=key[0] if key else None, limit=limit + 1)
        refs = sql.voucher_refs(uow.repo.conn, company_id, [r.reverses_voucher_id for r in rows
                                                            if r.reverses_voucher_id is not None])
    return _page(rows, limit, "vouchers", lambda r: (r.voucher_id,), lambda r: {
        "voucher": r.voucher_ref, "voucher_type": r.voucher_type, "date": r.voucher_date,
        "description": r.description, "reverses": refs.get(r.reverses_voucher_id) if r.reverses_voucher_id else None,
        "source": r.source, "created_at": r.created_at, "created_by": r.created_by})


def voucher_detail(*, uow: UnitOfWork, company_id: int, voucher_ref: str) -> Row:
    """A voucher: head, GL lines (debit/credit in company currency), its items and their matches."""
    from reskontro.services.posting import parse_voucher_ref

    series, year, number = parse_voucher_ref(voucher_ref)
    with uow:
        repo = uow.repo
        cc = repo.company(company_id).currency
        head = repo.voucher_by_number(company_id, series, year, number)
        if head is None:
            raise NotFound(f"voucher {voucher_ref} does not exist", field="voucher")
        vid = int(head["voucher_id"])
        lines = repo.voucher_lines(company_id, vid)
        reversed_by = repo.reversal_of(company_id, vid)
        refs = sql.voucher_refs(repo.conn, company_id, [x for x in (reversed_by, head["reverses_voucher_id"]) if x])
        numbers = {pid: c.number for pid, c in repo.parties_for_ids(
            company_id, {r["party_id"] for r in lines if r["party_id"]}).items()}
        items = repo.items_by_voucher(company_id, vid)
        matches = sql.matches_of_items(repo.conn, company_id, [i.item_id for i in items])
    out_lines = []
    for r in lines:
        amount = from_minor(r["amount_minor"], cc)
        out_lines.append({"line_no": r["line_no"], "account": r["account"], "party": numbers.get(r["party_id"]),
                          "vat_code": r["vat_code"], "department": r["department"], "project": r["project"],
                          "description": r["description"], "currency": r["currency"],
                          "currency_amount": from_minor(r["currency_amount_minor"], r["currency"]),
                          "debit": amount if amount > 0 else None, "credit": -amount if amount < 0 else None})
    out_items = []
    for i in items:
        sign = natural_sign(PartyKind(i.kind))
        out_items.append({"item_id": i.item_id, "party_number": numbers.get(i.party_id), "kind": i.kind,
                          "type": i.item_type, "document_number": i.document_number, "date": i.item_date,
                          "due_date": i.due_date, "kid": i.kid, "currency": i.currency,
                          "amount": from_minor(sign * i.amount_minor, i.currency),
                          "open_currency_amount": from_minor(sign * i.open_minor, i.currency)})
    return {
        "voucher": f"{head['series']}{head['year']}-{head['number']}", "voucher_type": head["voucher_type"],
        "date": head["voucher_date"], "description": head["description"], "source": head["source"],
        "created_at": head["created_at"], "created_by": head["created_by"],
        "reverses": refs.get(head["reverses_voucher_id"]) if head["reverses_voucher_id"] else None,
        "reversed_by": refs.get(reversed_by) if reversed_by else None,
        "lines": out_lines, "items": out_items,
        "matches": [{"match_id": m.match_id, "kind": m.match_kind, "debit_item_id": m.debit_item_id,
                     "credit_item_id": m.credit_item_id, "currency": m.currency,
                     "amount": from_minor(abs(m.amount_minor), m.currency), "date": m.match_date,
                     "method": m.method, "undoes_match_id": m.undoes_match_id, "undone": m.undone}
                    for m in matches]}


def _match_line(r: sql.MatchLineRow) -> Row:
    return {"match_id": r.match_id, "date": r.match_date, "method": r.method, "currency": r.currency,
            "amount": from_minor(r.amount_minor, r.currency), "created_by": r.created_by,
            "debit": {"item_id": r.debit_item_id, "document_number": r.debit_document, "type": r.debit_type,
                      "voucher": r.debit_voucher},
            "credit": {"item_id": r.credit_item_id, "document_number": r.credit_document, "type": r.credit_type,
                       "voucher": r.credit_voucher},
            "undone_by": r.undone_by, "undone_on": r.undone_on}


def party_matches(*, uow: UnitOfWork, company_id: int, kind: str, number: str,
                  limit: int = DEFAULT_LIMIT) -> list[Row]:
    """The party's latest matches, newest first, each with both documents and whether it was undone."""
    limit = check_limit(limit)
    with uow:
        uow.repo.company(company_id)
        found = _party(uow, company_id, kind, number)
        rows = sql.match_lines(uow.repo.conn, company_id, party_id=found.party_id, limit=limit)
    return [_match_line(r) for r in rows]


def matches_of_items(*, uow: UnitOfWork, company_id: int, item_ids: Sequence[int],
                     limit: int = MAX_LIMIT) -> list[Row]:
    """The matches touching the items (a voucher's, say), newest first, with both documents."""
    limit = check_limit(limit)
    with uow:
        uow.repo.company(company_id)
        rows = sql.match_lines(uow.repo.conn, company_id, item_ids=item_ids, limit=limit)
    return [_match_line(r) for r in rows]


# -- audit ---------------------------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    """Audit times are stored in UTC; a time without a zone is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def list_audit(*, uow: UnitOfWork, company_id: int, entity: str | None = None, entity_id: str | None = None,
               actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
               after: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Row]:
    """Audit events (who, when, what, old → new) in the order they were written."""
    limit = check_limit(limit)
    key = decode_cursor(after, "audit", (int,))
    with uow:
        uow.repo.company(company_id)
        rows = sql.audit_events(uow.repo.conn, company_id, entity=entity or None, entity_id=entity_id or None,
                                actor=actor or None, since=_utc(since), until=_utc(until),
                                after=key[0] if key else None, limit=limit + 1)
    return _page(rows, limit, "audit", lambda r: (r.audit_id,), lambda r: {
        "audit_id": r.audit_id, "at": r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), "actor": r.actor,
        "entity": r.entity, "entity_id": r.entity_id, "action": r.action, "field": r.field,
        "old_value": r.old_value, "new_value": r.new_value})


# -- tokens --------------------------------------------------------------------------------------------


def presented_token_id(*, uow: UnitOfWork, token: str) -> int | None:
    """The id of a stored API token, from its plaintext (for sign-out, which revokes the token it was sent
    with). Tokens are kept as their SHA-256 only, so this hashes the way :mod:`services.access` does."""
    from reskontro.services.access import _sha256

    with uow:
        found = uow.access.token_by_hash(_sha256(token))
    return None if found is None else found.token_id


# -- the web UI's party lists ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrowsePage:
    """A page of a party list with cursors both ways (None where there is nothing more that way)."""

    items: list[Row]
    next: str | None
    previous: str | None


PARTY_SORTS = tuple(sql.PARTY_SORTS)


def browse_parties(*, uow: UnitOfWork, company_id: int, kind: str, search: str | None = None,
                   group: str | None = None, currency: str | None = None, blocked: bool | None = None,
                   free_field: tuple[str, str] | None = None, sort: str = "number", descending: bool = False,
                   after: str | None = None, before: str | None = None, limit: int = DEFAULT_LIMIT) -> BrowsePage:
    """A kind's parties sorted by number or name (either way), filtered, with their balance and overdue
    amount today (company currency, natural sign); paged by key forwards (``after``) or back (``before``).

    A free-field filter's value is compared in the field's canonical form (``ja`` finds ``yes``, ``1,50``
    finds ``1.5``).
    """
    k = _kind(kind)
    if k is None:
        raise ValidationFailed("a party list is of customers or of suppliers", field="kind")
    if sort not in sql.PARTY_SORTS:
        raise ValidationFailed(f"sort {sort!r} must be one of {', '.join(sql.PARTY_SORTS)}", field="sort")
    limit = check_limit(limit)
    tag = f"browse-{k.value}-{sort}-{'desc' if descending else 'asc'}"
    types = (str,) * len(sql.PARTY_SORTS[sort])
    if after and before:
        raise ValidationFailed("give 'after' or 'before', not both", field="before")
    key = decode_cursor(before, tag, types) if before else decode_cursor(after, tag, types)
    backwards = bool(before)
    with uow:
        cc = uow.repo.company(company_id).currency
        if free_field is not None:
            defs = uow.repo.free_field_defs(company_id)
            code, value = free_field
            if code not in defs:
                raise NotFound(f"free field {code!r} is not defined", field="field")
            free_field = (code, canonical_free_text(defs[code], value))
        rows = sql.browse_parties(
            uow.repo.conn, company_id, k.value,
            sql.PartyFilter(search=(search or "").strip() or None, group_code=group or None,
                            currency=(currency or "").upper() or None, blocked=blocked, free_field=free_field),
            sort=sort, descending=descending, key=key, backwards=backwards, limit=limit + 1, today=uow.today())
    more = len(rows) > limit
    # The query read one row more than a page, at the far end of the direction it walked.
    rows = rows[-limit:] if backwards else rows[:limit]

    def cursor(r: sql.PartyListRow) -> str:
        return encode_cursor(tag, [getattr(r, c) for c in sql.PARTY_SORTS[sort]])

    sign = natural_sign(k)
    items = [{"number": r.number, "name": r.name, "org_number": r.org_number, "city": r.city, "currency": r.currency,
              "group": r.group_code, "blocks": r.blocks, "balance": from_minor(sign * r.balance_minor, cc),
              "overdue": from_minor(sign * r.overdue_minor, cc)} for r in rows]
    if not rows:
        return BrowsePage(items, None, None)
    if backwards:
        return BrowsePage(items, cursor(rows[-1]), cursor(rows[0]) if more else None)
    return BrowsePage(items, cursor(rows[-1]) if more else None, cursor(rows[0]) if key is not None else None)


def parties_with_org_number(*, uow: UnitOfWork, company_id: int, org_number: str) -> list[Row]:
    """Parties (a few at most) that carry this org number, to warn before a second card is made for it."""
    with uow:
        uow.repo.company(company_id)
        rows = sql.parties_by_org_number(uow.repo.conn, company_id, org_number)
    return [{"kind": k, "number": n, "name": name} for k, n, name in rows]
