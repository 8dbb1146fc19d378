"""The report catalogue: each report's rows and totals, its filters, and how bad parameters are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.services.companies import set_rate
from reskontro.services.parties import create_group, define_free_field, set_block, set_free_value
from reskontro.services.report_catalog import REPORTS, ReportResult, ledger_difference, run_report
from tests.builders import customer, gl_voucher, post, raw, supplier
from tests.conftest import Ctx

D = date(2026, 3, 2)


def run(ctx: Ctx, name: str, **params: str) -> ReportResult:
    return run_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name=name, params=params)


def rows(ctx: Ctx, name: str, **params: str) -> list[dict[str, Any]]:
    return list(run(ctx, name, **params).rows)


def docs(ctx: Ctx, **params: str) -> list[str]:
    return [r["document_number"] for r in rows(ctx, "open-items", as_of="2026-06-30", **params)]


@pytest.fixture
def ledger(ctx: Ctx) -> Ctx:
    """Two customers in different groups, one blocked, one with a free field; NOK and EUR invoices."""
    create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="EXPORT", name="Eksport")
    customer(ctx, "10001", group_code="EXPORT")
    customer(ctx, "10002", payment_terms_days=30)
    set_block(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10002", block="reminder_block",
              reason="klage", since=D)
    define_free_field(uow=ctx.uow(), company_id=ctx.company_id, code="region", label="Region", field_type="text")
    set_free_value(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10002",
                   code="region", value="Vest")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=date(2026, 1, 1), rate="11.50")
    post(ctx, "invoice", "10001", "1000.00", D, document_number="A1")                      # due 03-16
    post(ctx, "invoice", "10001", "200.00", D, document_number="A2", currency="EUR")        # 2300 NOK
    post(ctx, "invoice", "10002", "5000.00", date(2026, 6, 1), document_number="B1")       # due 07-01
    post(ctx, "invoice", "10002", "300.00", date(2026, 1, 5), document_number="B2")        # due 02-04
    post(ctx, "payment", "10002", "300.00", date(2026, 4, 1), applies_to="B2")
    return ctx


def test_open_items_filters_narrow_the_listing(ledger: Ctx) -> None:
    ctx = ledger
    assert docs(ctx) == ["A1", "A2", "B1"]
    assert docs(ctx, group="EXPORT") == ["A1", "A2"]
    assert docs(ctx, currency="EUR") == ["A2"]
    assert docs(ctx, due_before="2026-04-01") == ["A1", "A2"]
    assert docs(ctx, min_amount="2000", max_amount="4999.99") == ["A2"]
    assert docs(ctx, overdue_only="yes") == ["A1", "A2"]
    assert docs(ctx, blocked="yes") == ["B1"]
    assert docs(ctx, blocked="no") == ["A1", "A2"]
    assert docs(ctx, **{"field.region": "Vest"}) == ["B1"]
    assert docs(ctx, **{"field.region": "Øst"}) == []
    # B2 was open until it was paid on 1 April: the historic listing still has it.
    assert [r["document_number"] for r in rows(ctx, "open-items", as_of="2026-03-31")] == ["A1", "A2", "B2"]


def test_disputed_and_in_collection_items_can_be_singled_out(ledger: Ctx) -> None:
    ctx = ledger
    raw(ctx, "UPDATE items SET disputed_since = :d WHERE company_id = :c AND document_number = 'A1'",
        d=date(2026, 4, 1), c=ctx.company_id)
    raw(ctx, "UPDATE items SET collection_since = :d WHERE company_id = :c AND document_number = 'A2'",
        d=date(2026, 5, 1), c=ctx.company_id)
    assert docs(ctx, disputed="yes") == ["A1"]
    assert docs(ctx, disputed="no") == ["A2", "B1"]
    assert docs(ctx, in_collection="yes") == ["A2"]
    # Not yet disputed at the end of March.
    assert [r["document_number"] for r in rows(ctx, "open-items", as_of="2026-03-31", disputed="yes")] == []


def test_open_items_total_follows_the_stream(ledger: Ctx) -> None:
    result = run(ledger, "open-items", as_of="2026-06-30")
    assert result.totals is not None
    listed = list(result.rows)
    assert result.totals["open_amount"] == sum(r["open_amount"] for r in listed) == Decimal("8300.00")
    assert ("as_of", "2026-06-30") in result.parameters


def test_aged_per_currency_keeps_currency_amounts_beside_the_company_total(ledger: Ctx) -> None:
    got = {(r["party_number"], r["currency"]): r for r in rows(ledger, "aged", as_of="2026-06-30", per="currency")}
    assert got[("10001", "EUR")]["days_over_90"] == Decimal("200.00")
    assert got[("10001", "EUR")]["total_company"] == Decimal("2300.00")
    assert got[("10001", "NOK")]["days_over_90"] == Decimal("1000.00")
    assert got[("10002", "NOK")]["not_due"] == Decimal("5000.00")


def test_aged_by_document_date_top_n_and_any_buckets(ledger: Ctx) -> None:
    ctx = ledger
    by_doc = rows(ctx, "aged", as_of="2026-06-30", by="document_date", buckets="10,20,30,60,120,180")
    first = next(r for r in by_doc if r["party_number"] == "10001")
    assert first["days_61_120"] == Decimal("3300.00")  # dated 2 March: 120 days before 30 June
    top = rows(ctx, "aged", as_of="2026-06-30", top="1")
    assert [r["party_number"] for r in top] == ["10001"]  # most overdue, though 10002 owes more


def test_ledger_specification_reconciles_with_the_gl(ledger: Ctx) -> None:
    ctx = ledger
    result = run(ctx, "ledger-spec", date_from="2026-03-01", date_to="2026-06-30")
    got = {r["party_number"]: (r["opening"], r["debit"], r["credit"], r["closing"]) for r in result.rows}
    assert got == {"10001": (Decimal(0), Decimal("3300.00"), Decimal(0), Decimal("3300.00")),
                   "10002": (Decimal("300.00"), Decimal("5000.00"), Decimal("300.00"), Decimal("5000.00"))}
    assert result.totals is not None and result.totals["closing"] == Decimal("8300.00")
    assert ledger_difference(result) == 0


def test_a_gl_posting_on_a_control_account_without_a_party_shows_as_a_difference(ledger: Ctx) -> None:
    ctx = ledger
    gl_voucher(ctx, 999999, date(2026, 5, 5), (("1500", 12345), ("1920", -12345)))
    result = run(ctx, "ledger-spec", date_from="2026-03-01", date_to="2026-06-30")
    assert ledger_difference(result) == Decimal("123.45")
    assert ("difference closing (GL − sub-ledger)", "123.45") in result.summary


def test_party_ledger_and_statement_run_the_balance(ledger: Ctx) -> None:
    ctx = ledger
    lines = rows(ctx, "party-ledger", party="10002", date_from="2026-02-01", date_to="2026-06-30")
    assert [(r.get("document_number"), r["balance"]) for r in lines] == [
        (None, Decimal("300.00")), ("IB2026-1", Decimal("0.00")), ("B1", Decimal("5000.00"))]
    statement = run(ctx, "statement", party="10002", date_from="2026-02-01", date_to="2026-06-30")
    assert ("total open", "5000.00") in statement.summary


def test_payment_behaviour_measures_lateness_and_dso(ctx: Ctx) -> None:
    customer(ctx, "10001", payment_terms_days=10)
    post(ctx, "invoice", "10001", "1000.00", date(2026, 1, 1), document_number="F1")   # due 01-11
    post(ctx, "payment", "10001", "1000.00", date(2026, 1, 21), applies_to="F1")       # 10 days late
    post(ctx, "invoice", "10001", "3000.00", date(2026, 2, 1), document_number="F2")   # due 02-11
    post(ctx, "payment", "10001", "3000.00", date(2026, 2, 9), applies_to="F2")        # 2 days early
    post(ctx, "invoice", "10001", "500.00", date(2026, 3, 1), document_number="F3")    # open
    (row,) = rows(ctx, "payment-behaviour", date_from="2026-01-01", date_to="2026-03-31")
    assert (row["invoices_paid"], row["paid_late"], row["share_paid_late"]) == (2, 1, Decimal("50.0"))
    assert row["avg_days_after_due"] == Decimal("4.0")  # (10 − 2) / 2
    assert row["weighted_days_after_due"] == Decimal("1.0")  # (10·1000 − 2·3000) / 4000
    assert row["invoiced"] == Decimal("4500.00")
    assert row["dso"] == Decimal("10.0")  # 500 open ÷ 4500 invoiced × 90 days


def test_top_debtors_rank_by_open_balance(ledger: Ctx) -> None:
    top = rows(ledger, "top-debtors", as_of="2026-06-30", n="5")
    assert [(r["rank"], r["party_number"], r["open_amount"], r["overdue_amount"]) for r in top] == [
        (1, "10002", Decimal("5000.00"), Decimal("0.00")), (2, "10001", Decimal("3300.00"), Decimal("3300.00"))]


def test_supplier_reports_use_the_natural_sign(ctx: Ctx) -> None:
    supplier(ctx)
    post(ctx, "invoice", "50001", "800.00", D, kind=PartyKind.SUPPLIER, document_number="L1")
    (row,) = rows(ctx, "aged", kind="supplier", as_of="2026-06-30")
    assert row["total"] == Decimal("800.00")
    (spec,) = rows(ctx, "ledger-spec", kind="supplier", date_from="2026-01-01", date_to="2026-06-30")
    assert (spec["credit"], spec["closing"]) == (Decimal("800.00"), Decimal("800.00"))


@pytest.mark.parametrize(("name", "params", "field"), [
    ("open-items", {"as_of": "31.12.2026"}, "as_of"),
    ("open-items", {"colour": "red"}, "colour"),
    ("open-items", {"min_amount": "lots"}, "min_amount"),
    ("aged", {"buckets": "60,30"}, "buckets"),
    ("aged", {"per": "month"}, "per"),
    ("aged", {"kind": "employee"}, "kind"),
    ("party-ledger", {}, "party"),
    ("ledger-spec", {"date_from": "2026-07-01", "date_to": "2026-06-30"}, "date_from"),
    ("top-debtors", {"n": "0"}, "n"),
])
def test_bad_parameters_are_refused_by_name(ctx: Ctx, name: str, params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        list(run_report(uow=ctx.uow(readonly=True), company_id=ctx.company_id, name=name, params=params).rows)
    assert exc.value.field == field


def test_an_unknown_report_or_party_is_not_found(ctx: Ctx) -> None:
    with pytest.raises(NotFound):
        run(ctx, "nonsense")
    with pytest.raises(NotFound):
        run(ctx, "party-ledger", party="404")


def test_every_report_runs_on_an_empty_company(ctx: Ctx) -> None:
    required = {"party-ledger", "statement"}
    for name in REPORTS:
        if name not in required:
            result = run(ctx, name)
            assert list(result.rows) == [] or name == "reconcile"


def test_a_stream_left_unread_can_be_closed(ctx: Ctx) -> None:
    result = run(ctx, "open-items")
    result.close()
    result.close()


def test_transactions_list_every_item_of_the_period_in_date_order_with_its_open_amount_now(ledger: Ctx) -> None:
    ctx = ledger
    got = [(r["document_number"], r["type"], r["date"], r["amount_company"], r["open_amount"])
           for r in rows(ctx, "transactions", date_from="2026-01-01", date_to="2026-04-30")]
    # B2 was posted after A1 and A2 but is dated before them; posting order breaks ties of a date.
    assert got == [("B2", "invoice", date(2026, 1, 5), Decimal("300.00"), Decimal("0.00")),
                   ("A1", "invoice", D, Decimal("1000.00"), Decimal("1000.00")),
                   ("A2", "invoice", D, Decimal("2300.00"), Decimal("2300.00")),
                   ("IB2026-1", "payment", date(2026, 4, 1), Decimal("-300.00"), Decimal("0.00"))]
    assert [r["document_number"] for r in rows(ctx, "transactions", date_from="2026-01-01", type="payment")] == [
        "IB2026-1"]
