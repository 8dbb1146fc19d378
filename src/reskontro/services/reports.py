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
from reskontro.services.report_catalog import run_report
from reskontro.services.unit_of_work import UnitOfWork
from reskontro.store import queries, totals

Row = dict[str, Any]


def _kind(kind: str | None) -> PartyKind | None:
    if kind is None:
        return None
    try:
        return PartyKind(kind)
    except ValueError:
        raise ValidationFailed(f"kind {kind!r} must be customer or supplier", field="kind") from None


def open_items_report(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                      party_number: str | None = None, overdue_only: bool = False) -> list[Row]:
    """Items open at ``as_of``: one row each, amounts in the ledger's natural sign."""
    return list(iter_open_items(uow=uow, company_id=company_id, as_of=as_of, kind=kind, party_number=party_number,
                                overdue_only=overdue_only))


def iter_open_items(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                    party_number: str | None = None, overdue_only: bool = False) -> Iterator[Row]:
    """:func:`open_items_report` as a stream (the catalogue's ``open-items`` report); the unit of work
    stays open (read-only) until the last row is read or the iterator is closed."""
    result = run_report(uow=uow, company_id=company_id, name="open-items", params={
        "as_of": as_of.isoformat(), "kind": kind, "party": party_number,
        "overdue_only": "yes" if overdue_only else None})
    yield from result.rows


@dataclass(frozen=True, slots=True)
class AgedReport:
    bucket_names: tuple[str, ...]
    rows: list[Row]
    totals: Row


def aged_report(*, uow: UnitOfWork, company_id: int, as_of: date, kind: str | None = None,
                buckets: Buckets | None = None, party_number: str | None = None, by: str = "due_date") -> AgedReport:
    """Open amounts at ``as_of`` per party in aging buckets (days past due; ≤ 0 is not due), with totals:
    the catalogue's ``aged`` report with its rows in a list."""
    buckets = buckets or Buckets()
    result = run_report(uow=uow, company_id=company_id, name="aged", params={
        "as_of": as_of.isoformat(), "kind": kind, "party": party_number,
        "buckets": ",".join(str(x) for x in buckets.limits), "by": "document_date" if by == "item_date" else by})
    return AgedReport(buckets.names(), list(result.rows), result.totals or {})


def reconciliation_report(*, uow: UnitOfWork, company_id: int, as_of: date) -> list[Row]:
    """Each control account's GL balance against its open sub-ledger items; the difference must be 0."""
    return list(run_report(uow=uow, company_id=company_id, name="reconcile", params={"as_of": as_of.isoformat()})
                .rows)


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
               "currency": ln.currency, "currency_amount": from_minor(sign * ln.currency_amount_minor, ln.currency),
               "amount": from_minor(sign * ln.amount_minor, cc), "balance": from_minor(sign * ln.balance_minor, cc)}
              for ln in lines]
    opens = [{"document_number": r.document_number, "type": r.item_type, "date": r.item_date,
              "due_date": r.due_date, "kid": r.kid, "currency": r.currency,
              "amount": from_minor(sign * r.amount_minor, r.currency),
              "open_currency_amount": from_minor(sign * r.open_minor, r.currency),
              "open_amount": from_minor(sign * r.open_company_minor, cc)} for r in open_rows]
    balance = sum((from_minor(sign * r.open_company_minor, cc) for r in open_rows), Decimal(0))
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
             "balance": from_minor(natural_sign(PartyKind(r.kind)) * r.balance_minor, cc)} for r in rows]


@dataclass(frozen=True, slots=True)
class LedgerCheck:
    """What ``reskontro check`` found: every line a problem, none when the ledger is sound."""

    unbalanced_vouchers: tuple[int, ...]
    totals_differences: tuple[str, ...]  # maintained totals that are not the sums of their rows
    reconciliation_differences: tuple[str, ...]  # control accounts whose GL balance is not the sub-ledger's

    @property
    def sound(self) -> bool:
        return not (self.unbalanced_vouchers or self.totals_differences or self.reconciliation_differences)


def check_ledger(*, uow: UnitOfWork, company_id: int, as_of: date) -> LedgerCheck:
    """Check the company's books from their rows: every voucher balances, the maintained totals are the sums of
    the rows they count (lines, items, allocations), and each control account's GL balance at ``as_of`` is the
    open sub-ledger items'."""
    with uow:
        conn = uow.repo.conn
        unbalanced = tuple(queries.unbalanced_vouchers(conn, company_id))
        recounted = tuple(f"{d.table} {'/'.join(str(k) for k in d.key[1:])}: stored {d.stored}, counted {d.counted}"
                          for d in totals.recount(conn, company_id))
    reconciled = tuple(f"{r['account']}: GL {r['gl_balance']}, open items {r['subledger_open']}"
                       for r in reconciliation_report(uow=uow, company_id=company_id, as_of=as_of)
                       if r["difference"])
    return LedgerCheck(unbalanced, recounted, reconciled)

