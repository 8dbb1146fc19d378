"""Reports: open items, aged open items, party ledger and the control-account reconciliation.

Each report is one definition here, used by the CLI (and later the API and web UI) alike. Rows
are plain dicts of JSON-ready values: amounts are ``Decimal`` in the ledger's natural sign —
invoices positive for customers (they owe us) and for suppliers (we owe them); payments and
credit notes negative.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reskontro.domain.aging import Buckets
from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.parties import PartyCard, PartyKind, flatten_card
from reskontro.domain.vouchers import natural_sign
from reskontro.money import from_minor
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import queries

Row = dict[str, Any]


def _kind(kind: str | None) -> PartyKind | None:
    if kind is None:
        return None
    try:
        return PartyKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind {kind!r} must be customer or supplier", field="kind") from None


def _party_id(uow: UnitOfWork, company_id: int, kind: PartyKind | None, number: str | None) -> int | None:
    if number is None:
        return None
    found = uow.repo.party_by_number(company_id, kind.value if kind else None, number)
    if found is None:
        raise NotFound(f"{kind.value if kind else 'party'} {number!r} does not exist", field="party")
    return found.party_id


def open_items_report(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                      party_number: str | None = None, overdue_only: bool = False) -> list[Row]:
    """Items open at ``as_of``: one row each, amounts in the ledger's natural sign."""
    return list(iter_open_items(uow=uow, company_id=company_id, as_of=as_of, kind=kind, party_number=party_number,
                                overdue_only=overdue_only))


def iter_open_items(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                    party_number: str | None = None, overdue_only: bool = False) -> Iterator[Row]:
    """:func:`open_items_report` as a stream for listings and exports of any size; the unit of work
    stays open (read-only) until the last row is read or the iterator is closed."""
    k = _kind(kind)
    with uow:
        cc = uow.repo.company(company_id).currency
        party_id = _party_id(uow, company_id, k, party_number)
        for r in queries.iter_open_items(uow.repo.conn, company_id, as_of, kind=k.value if k else None,
                                         party_id=party_id, overdue_only=overdue_only):
            sign = natural_sign(PartyKind(r.kind))
            yield {
                "party_number": r.party_number, "party_name": r.party_name, "kind": r.kind,
                "document_number": r.document_number, "type": r.item_type, "voucher": r.voucher_ref,
                "date": r.item_date, "due_date": r.due_date, "days_overdue": max((as_of - r.due_date).days, 0),
                "kid": r.kid, "currency": r.currency,
                "amount": sign * from_minor(r.amount_minor, r.currency),
                "open_currency_amount": sign * from_minor(r.open_minor, r.currency),
                "open_amount": sign * from_minor(r.open_company_minor, cc),
            }


@dataclass(frozen=True, slots=True)
class AgedReport:
    bucket_names: tuple[str, ...]
    rows: list[Row]
    totals: Row


def aged_report(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                buckets: Buckets | None = None, party_number: str | None = None, by: str = "due_date") -> AgedReport:
    """Open amounts at ``as_of`` per party in aging buckets (days past due; ≤ 0 is not due), with totals."""
    k = _kind(kind)
    buckets = buckets or Buckets()
    if by not in ("due_date", "item_date", "document_date"):
        raise ValidationFailed(f"aging basis {by!r} must be due_date or document_date", field="by")
    names = buckets.names()
    with uow:
        cc = uow.repo.company(company_id).currency
        party_id = _party_id(uow, company_id, k, party_number)
        rows = queries.aged(uow.repo.conn, company_id, as_of, buckets.limits, kind=k.value if k else None,
                            party_id=party_id, by="due_date" if by == "due_date" else "item_date")
    out: list[Row] = []
    totals: dict[str, Decimal] = {n: Decimal(0) for n in (*names, "total")}
    for r in rows:
        sign = natural_sign(PartyKind(r.kind))
        row: Row = {"party_number": r.party_number, "party_name": r.party_name, "kind": r.kind}
        for name, minor in zip(names, r.buckets, strict=True):
            row[name] = sign * from_minor(minor, cc)
            totals[name] += row[name]
        row["total"] = sign * from_minor(r.total, cc)
        totals["total"] += row["total"]
        out.append(row)
    return AgedReport(names, out, {"party_number": "TOTAL", "party_name": "", "kind": kind or "", **totals})


def reconciliation_report(*, uow: UnitOfWork, company_id: int, as_of: date) -> list[Row]:
    """Each control account's GL balance against its open sub-ledger items; the difference must be 0."""
    with uow:
        cc = uow.repo.company(company_id).currency
        rows = queries.control_reconciliation(uow.repo.conn, company_id, as_of)
    return [{"account": r.account, "kind": r.kind, "gl_balance": from_minor(r.gl_minor, cc),
             "subledger_open": from_minor(r.subledger_minor, cc),
             "difference": from_minor(r.difference_minor, cc)} for r in rows]


@dataclass(frozen=True, slots=True)
class PartyView:
    party_id: int
    card: Any
    free_values: dict[str, str]
    contacts: list[Row]
    follow_ups: list[Row]
    documents: list[Row]
    ledger: list[Row]
    open_items: list[Row]
    balance: Decimal


def party_view(*, uow: UnitOfWork, company_id: int, number: str, kind: str | None = None,
               as_of: date | None = None) -> PartyView:
    """The party card, its ledger with running balance, and its open items."""
    k = _kind(kind)
    with uow:
        repo = uow.repo
        cc = repo.company(company_id).currency
        found = repo.party_by_number(company_id, k.value if k else None, number)
        if found is None:
            raise NotFound(f"party {number!r} does not exist" + ("" if k else " (or the number is both a customer "
                                                                  "and a supplier: give --kind)"), field="number")
        day = as_of or uow.today()
        sign = natural_sign(found.card.kind)
        _, lines = queries.party_ledger(repo.conn, company_id, found.party_id)
        open_rows = queries.open_items(repo.conn, company_id, day, party_id=found.party_id)
        contacts = [dict(r) for r in repo.rows_of("contacts", company_id, party_id=found.party_id)]
        follow_ups = [dict(r) for r in repo.rows_of("follow_ups", company_id, party_id=found.party_id)]
        documents = [{k2: v for k2, v in dict(r).items() if k2 != "content"}
                     for r in repo.rows_of("documents", company_id, party_id=found.party_id)]
        free = repo.free_values(company_id, found.party_id)
    ledger = [{"date": ln.line_date, "voucher": ln.voucher_ref, "type": ln.item_type or ln.voucher_type,
               "document_number": ln.document_number, "due_date": ln.due_date, "description": ln.description,
               "currency": ln.currency, "currency_amount": sign * from_minor(ln.currency_amount_minor, ln.currency),
               "amount": sign * from_minor(ln.amount_minor, cc), "balance": sign * from_minor(ln.balance_minor, cc)}
              for ln in lines]
    opens = [{"document_number": r.document_number, "type": r.item_type, "date": r.item_date,
              "due_date": r.due_date, "kid": r.kid, "currency": r.currency,
              "amount": sign * from_minor(r.amount_minor, r.currency),
              "open_currency_amount": sign * from_minor(r.open_minor, r.currency),
              "open_amount": sign * from_minor(r.open_company_minor, cc)} for r in open_rows]
    balance = sum((sign * from_minor(r.open_company_minor, cc) for r in open_rows), Decimal(0))
    return PartyView(found.party_id, found.card, free, contacts, follow_ups, documents, ledger, opens, balance)


def card_dict(card: PartyCard) -> Row:
    """A party card as flat display/JSON fields."""
    return flatten_card(card)


def list_parties(*, uow: UnitOfWork, company_id: int, kind: str | None = None, search: str | None = None,
                 free_field: tuple[str, str] | None = None, limit: int = 100, offset: int = 0) -> list[Row]:
    """Customers and suppliers with their open balance (natural sign), searchable by free-field value."""
    k = _kind(kind)
    with uow:
        cc = uow.repo.company(company_id).currency
        rows = queries.list_parties(uow.repo.conn, company_id, kind=k.value if k else None, search=search,
                                    free_field=free_field, limit=limit, offset=offset)
    return [{"kind": r.kind, "number": r.number, "name": r.name, "org_number": r.org_number, "currency": r.currency,
             "balance": natural_sign(PartyKind(r.kind)) * from_minor(r.balance_minor, cc)} for r in rows]


def voucher_view(*, uow: UnitOfWork, company_id: int, voucher_ref: str) -> tuple[Row, list[Row]]:
    """A voucher's head and lines (debit/credit in company currency)."""
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
        names = {pid: c.number for pid, c in repo.parties_for_ids(company_id, {r["party_id"] for r in lines
                                                                               if r["party_id"]}).items()}
        ref_of = repo.voucher_ref_of
        out_head: Row = dict(head)
        out_head["reversed_by"] = ref_of(company_id, reversed_by) if reversed_by else None
        out_head["reverses"] = ref_of(company_id, head["reverses_voucher_id"]) if head["reverses_voucher_id"] else None
    out = []
    for r in lines:
        amount = from_minor(r["amount_minor"], cc)
        out.append({"line_no": r["line_no"], "account": r["account"], "party": names.get(r["party_id"]),
                    "vat_code": r["vat_code"], "department": r["department"], "project": r["project"],
                    "currency": r["currency"],
                    "currency_amount": from_minor(r["currency_amount_minor"], r["currency"]),
                    "debit": amount if amount > 0 else None, "credit": -amount if amount < 0 else None})
    return out_head, out
