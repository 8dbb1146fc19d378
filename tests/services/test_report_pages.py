"""A report page (the first rows of a report, ``row_limit``) shows exactly the first rows of the whole report,
and totals of every row — read from the maintained totals where the page does not read every row."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from reskontro.domain.parties import PartyKind
from reskontro.services.companies import set_rate
from reskontro.services.posting import unmatch
from reskontro.services.report_catalog import ReportResult, run_report
from reskontro.store import queries
from tests.builders import customer, post, raw, supplier
from tests.conftest import Ctx

TODAY = date(2026, 6, 30)


def run(ctx: Ctx, name: str, row_limit: int | None = None, **params: str) -> tuple[list[dict[str, Any]], ReportResult]:
    """The rows a reader takes (the first ``row_limit``, as a page does), and the result."""
    result = run_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name=name, params=params,
                        row_limit=row_limit)
    rows = list(itertools.islice(result.rows, row_limit))
    result.close()
    return rows, result


@pytest.fixture
def ledger(ctx: Ctx) -> Ctx:
    """Nine customers and three suppliers (two share a customer's number), in NOK and EUR: invoices, credit
    notes, part and whole payments, an overpayment, an unmatch, across half a year."""
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 1, 1), rate="11.50")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 4, 1), rate="11.80")
    for n in range(1, 10):
        number = f"{10000 + n}"
        customer(ctx, number)
        for k in range(n % 4 + 1):
            post(ctx, "invoice", number, f"{100 * n + k}.00", date(2026, 1 + k, 3 * n), document_number=f"F{n}-{k}",
                 currency="EUR" if (n + k) % 5 == 0 else "NOK")
        if n % 2 == 0:
            post(ctx, "payment", number, f"{50 * n}.00", date(2026, 5, n), applies_to=f"F{n}-0")
        if n % 3 == 0:
            post(ctx, "credit_note", number, "25.00", date(2026, 4, n), document_number=f"K{n}")
        if n == 7:
            post(ctx, "payment", number, "5000.00", date(2026, 6, 1))  # more than is open: a credit remains
    for n in (2, 4, 6):
        number = f"{10000 + n}" if n != 6 else "50006"
        supplier(ctx, number)
        post(ctx, "invoice", number, f"{700 + n}.00", date(2026, 2, n), kind=PartyKind.SUPPLIER,
             document_number=f"L{n}")
        post(ctx, "invoice", number, f"{300 + n}.00", date(2026, 5, n), kind=PartyKind.SUPPLIER,
             document_number=f"M{n}")
        post(ctx, "payment", number, "100.00", date(2026, 6, n), kind=PartyKind.SUPPLIER, applies_to=f"L{n}")
    match_id = raw(ctx, "SELECT MAX(match_id) FROM matches WHERE company_id = :c", c=ctx.company_id).scalar()
    unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=int(match_id))
    return ctx


PAGES = [
    ("aged", {}),
    ("aged", {"kind": "customer", "buckets": "15,45"}),
    ("aged", {"kind": "supplier"}),
    ("aged", {"by": "document_date", "buckets": "30,60,90,120"}),
    ("aged", {"per": "currency"}),
    ("aged", {"currency": "EUR"}),
    ("aged", {"as_of": "2026-03-31"}),  # a past date: every row is read
    ("ledger-spec", {"date_from": "2026-02-01", "date_to": "2026-05-31"}),
    ("ledger-spec", {"kind": "supplier", "date_from": "2026-03-01"}),
    ("payment-behaviour", {"date_from": "2026-01-01"}),
    ("top-debtors", {"n": "3"}),
    ("top-debtors", {"kind": "supplier", "n": "5"}),
    ("top-debtors", {"n": "4", "as_of": "2026-04-30"}),
    ("transactions", {"date_from": "2026-01-01"}),
    ("reconcile", {}),
    ("reconcile", {"as_of": "2026-03-31"}),
    ("open-items", {}),
    ("open-items", {"kind": "supplier", "currency": "NOK"}),
    ("open-items", {"overdue_only": "yes", "due_before": "2026-04-01"}),
    ("open-items", {"min_amount": "200"}),  # a filter the maintained totals cannot apply: totals of the rows read
]


@pytest.mark.parametrize("chunk", [1, 2, 1000])
@pytest.mark.parametrize(("name", "params"), PAGES, ids=[f"{n}-{'-'.join(p.values())}" for n, p in PAGES])
def test_a_page_is_the_start_of_the_whole_report_with_its_totals(
        ledger: Ctx, monkeypatch: pytest.MonkeyPatch, chunk: int, name: str, params: dict[str, str]) -> None:
    ledger.today_value = TODAY
    monkeypatch.setattr(queries, "PARTY_CHUNK", chunk)
    whole, full = run(ledger, name, **params)
    assert whole, "the sample should give rows"
    for limit in (1, 3, len(whole), len(whole) + 1):
        page, result = run(ledger, name, row_limit=limit, **params)
        assert page == whole[:limit], limit
        if result.totals_whole or isinstance(result.rows, list) or len(page) == len(whole):
            assert result.totals == full.totals, limit
        assert result.summary == full.summary


@pytest.mark.parametrize("as_of", ["2026-02-28", "2026-05-05", "2026-06-30"])
def test_totals_before_a_post_dated_item_and_later_payments_are_those_of_the_rows(ledger: Ctx, as_of: str) -> None:
    """An invoice dated after the as-of date is not open at it, and payments after it had not yet taken
    anything off: the page's totals (from the maintained sums) are still those of every row at that date."""
    ledger.today_value = TODAY
    post(ledger, "invoice", "10001", "999.00", date(2026, 8, 1), document_number="LATER")
    post(ledger, "payment", "10003", "100.00", date(2026, 8, 2), applies_to="F3-0")
    for name in ("aged", "open-items", "reconcile", "top-debtors"):
        whole, full = run(ledger, name, as_of=as_of)
        page, result = run(ledger, name, row_limit=2, as_of=as_of)
        assert page == whole[:2]
        if result.totals_whole or isinstance(result.rows, list):
            assert result.totals == full.totals, name
    whole, full = run(ledger, "aged")
    later, _ = run(ledger, "aged", as_of="2026-08-31")
    assert sum(r["total"] for r in later) - sum(r["total"] for r in whole) == 999 - 100  # the invoice, the payment
    # Both kinds: the totals row is the net (what customers owe less what is owed to suppliers), and the summary
    # gives each kind's total.
    of = {k: sum((r["total"] for r in whole if r["kind"] == k), Decimal(0)) for k in ("customer", "supplier")}
    assert of["supplier"] > 0 and full.totals is not None
    assert full.totals["party_number"] == "Net (customers − suppliers)"
    assert full.totals["total"] == of["customer"] - of["supplier"]
    assert dict(full.summary) == {"customers total": str(of["customer"]), "suppliers total": str(of["supplier"])}
    customers, only = run(ledger, "aged", kind="customer")
    assert only.totals is not None and only.totals["party_number"] == "Total" and only.summary == []
    assert only.totals["total"] == of["customer"] == sum(r["total"] for r in customers)
