"""Open items and matching (utligning): auto-match order, partial and many-to-many, unmatch, reversal, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import (
    AlreadyReversed,
    MatchRefused,
    OverAllocation,
    PeriodClosed,
    ValidationFailed,
)
from reskontro.domain.parties import PartyKind
from reskontro.domain.periods import Period
from reskontro.services.companies import close_period
from reskontro.services.posting import match_items, reverse_voucher, unmatch
from reskontro.services.reports import aged_report, open_items_report, reconciliation_report
from tests.builders import customer, gl_balance, item_open, post, raw, supplier
from tests.conftest import Ctx

JAN = date(2026, 1, 15)
FEB = date(2026, 2, 10)
MAR = date(2026, 3, 5)


def open_docs(ctx: Ctx, as_of: date) -> dict[str, Decimal]:
    rows = open_items_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=as_of)
    return {r["document_number"]: r["open_amount"] for r in rows}


def test_a_payment_settles_the_document_it_names_first(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1", kid="0001000108")
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F2")
    pay = post(ctx, "payment", "10001", "100.00", FEB, document_number="P1", applies_to="F2", kid="0001000108")
    assert [m.method for m in pay.matches] == ["applies_to"]
    assert open_docs(ctx, FEB) == {"F1": Decimal("100.00")}


def test_then_by_kid_then_by_invoice_number_in_the_text_then_by_a_single_exact_amount(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1", kid="0001000108")
    post(ctx, "invoice", "10001", "200.00", JAN, document_number="F2")
    post(ctx, "invoice", "10001", "300.00", JAN, document_number="F3")
    by_kid = post(ctx, "payment", "10001", "100.00", FEB, document_number="P1", kid="0001000108")
    by_text = post(ctx, "payment", "10001", "50.00", FEB, document_number="P2", description="Faktura F2 delbetaling")
    by_amount = post(ctx, "payment", "10001", "300.00", FEB, document_number="P3")
    assert [m.method for m in (by_kid.matches + by_text.matches + by_amount.matches)] == ["kid", "text", "amount"]
    assert open_docs(ctx, FEB) == {"F2": Decimal("150.00")}


def test_an_ambiguous_amount_leaves_the_payment_open_as_a_credit(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1")
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F2")
    pay = post(ctx, "payment", "10001", "100.00", FEB, document_number="P1")
    assert pay.matches == ()
    assert open_docs(ctx, FEB) == {"F1": Decimal("100.00"), "F2": Decimal("100.00"), "P1": Decimal("-100.00")}


def test_partial_payment_leaves_the_rest_open_and_overpayment_leaves_a_credit(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "1000.00", JAN, document_number="F1", kid="0001000108")
    post(ctx, "payment", "10001", "400.00", FEB, document_number="P1", kid="0001000108")
    assert open_docs(ctx, FEB) == {"F1": Decimal("600.00")}
    post(ctx, "payment", "10001", "700.00", MAR, document_number="P2", kid="0001000108")
    assert open_docs(ctx, MAR) == {"P2": Decimal("-100.00")}


def test_one_credit_note_can_settle_several_invoices_with_the_same_kid(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1", kid="12343")
    post(ctx, "invoice", "10001", "50.00", JAN, document_number="F2", kid="12343")
    pay = post(ctx, "payment", "10001", "150.00", FEB, document_number="P1", kid="12343")
    assert len(pay.matches) == 2
    assert open_docs(ctx, FEB) == {}


def test_manual_match_can_be_partial_and_never_over_allocates(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1")
    pay = post(ctx, "payment", "10001", "80.00", FEB, document_number="P1", auto_match=False)
    with pytest.raises(OverAllocation):
        match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=inv.item_id, item_b=pay.item_id,
                    amount=Decimal("90.00"))
    m = match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=inv.item_id, item_b=pay.item_id,
                    amount=Decimal("30.00"))
    assert m.amount == Decimal("30.00")
    match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=pay.item_id, item_b=inv.item_id)
    assert (item_open(ctx, inv.item_id), item_open(ctx, pay.item_id)) == (Decimal("20.00"), Decimal("0"))
    with pytest.raises(MatchRefused):
        match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=inv.item_id, item_b=pay.item_id)


def test_items_of_different_parties_or_the_same_side_cannot_be_matched(ctx: Ctx) -> None:
    customer(ctx, "10001")
    customer(ctx, "10002")
    a = post(ctx, "invoice", "10001", "100.00", JAN)
    b = post(ctx, "invoice", "10002", "100.00", JAN)
    c = post(ctx, "invoice", "10001", "100.00", JAN)
    p = post(ctx, "payment", "10002", "100.00", JAN, auto_match=False)
    with pytest.raises(MatchRefused):
        match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=a.item_id, item_b=p.item_id)
    with pytest.raises(MatchRefused):
        match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=a.item_id, item_b=c.item_id)
    assert item_open(ctx, b.item_id) == Decimal("100.00")


def test_the_database_refuses_an_open_amount_past_zero(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "100.00", JAN)
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        raw(ctx, "UPDATE items SET open_minor = -1 WHERE company_id = :c AND item_id = :i", c=ctx.company_id,
            i=inv.item_id)


def test_a_match_counts_from_the_later_of_its_two_items_dates(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "100.00", FEB, document_number="F1")
    pay = post(ctx, "payment", "10001", "100.00", JAN, document_number="P1", auto_match=False)
    ctx.today_value = date(2026, 6, 1)
    match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=inv.item_id, item_b=pay.item_id)
    assert open_docs(ctx, date(2026, 1, 31)) == {"P1": Decimal("-100.00")}
    assert open_docs(ctx, FEB) == {}


def test_historic_aging_counts_items_settled_after_the_as_of_date_as_open(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1", due_date=date(2026, 1, 25), kid="12343")
    post(ctx, "payment", "10001", "100.00", MAR, kid="12343")
    aged_jan = aged_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=date(2026, 2, 28))
    assert aged_jan.rows[0]["days_31_60"] == Decimal("100.00")
    assert aged_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=MAR).rows == []


def test_unmatching_reopens_the_items_from_its_date_and_keeps_history(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1", kid="12343")
    pay = post(ctx, "payment", "10001", "100.00", FEB, document_number="P1", kid="12343")
    ctx.today_value = MAR
    unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=pay.matches[0].match_id)
    assert open_docs(ctx, date(2026, 2, 20)) == {}
    assert open_docs(ctx, MAR) == {"F1": Decimal("100.00"), "P1": Decimal("-100.00")}
    with pytest.raises(AlreadyReversed):
        unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=pay.matches[0].match_id)
    again = match_items(uow=ctx.uow(), company_id=ctx.company_id, item_a=inv.item_id, item_b=pay.item_id)
    assert again.amount == Decimal("100.00")
    audit = raw(ctx, "SELECT action FROM audit_events WHERE company_id = :c AND entity = 'match' ORDER BY audit_id",
                c=ctx.company_id).scalars().all()
    assert audit == ["unmatch", "match", "match"]


def test_unmatching_an_fx_match_reverses_its_exchange_difference(ctx: Ctx) -> None:
    customer(ctx, currency="EUR")
    post(ctx, "invoice", "10001", "100.00", JAN, rate=Decimal("11.00"), document_number="F1",
         lines=(), kid="12343")
    pay = post(ctx, "payment", "10001", "100.00", FEB, rate=Decimal("11.20"), kid="12343")
    assert gl_balance(ctx, "8060") == Decimal("-20.00")
    ctx.today_value = MAR
    unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=pay.matches[0].match_id)
    assert gl_balance(ctx, "8060") == 0
    assert gl_balance(ctx, "1500") == Decimal("-20.00")
    recon = reconciliation_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=MAR)
    assert all(r["difference"] == 0 for r in recon)


def test_a_reversal_nets_the_voucher_to_zero_and_reopens_what_it_had_settled(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "1250.00", JAN, document_number="F1", kid="12343")
    pay = post(ctx, "payment", "10001", "1250.00", FEB, document_number="P1", kid="12343")
    result = reverse_voucher(uow=ctx.uow(), company_id=ctx.company_id, voucher_ref="SF2026-1", on=MAR,
                             reason="Wrong customer")
    assert result.voucher_ref == "M2026-1"
    assert len(result.unmatched) == 1
    sums = raw(ctx, "SELECT account, SUM(amount_minor) FROM voucher_lines WHERE company_id = :c AND voucher_id IN "
               "(:a, :b) GROUP BY account", c=ctx.company_id, a=inv.voucher_id, b=result.voucher_id).all()
    assert all(total == 0 for _, total in sums)
    assert open_docs(ctx, MAR) == {"P1": Decimal("-1250.00")}
    assert open_docs(ctx, FEB) == {}
    assert item_open(ctx, pay.item_id) == Decimal("-1250.00")
    with pytest.raises(AlreadyReversed):
        reverse_voucher(uow=ctx.uow(), company_id=ctx.company_id, voucher_ref="SF2026-1", on=MAR)


def test_a_reversal_cannot_go_into_a_closed_period_and_a_reversal_cannot_be_reversed(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN)
    close_period(uow=ctx.uow(), company_id=ctx.company_id, period=Period(2026, 1))
    with pytest.raises(PeriodClosed):
        reverse_voucher(uow=ctx.uow(), company_id=ctx.company_id, voucher_ref="SF2026-1")
    reverse_voucher(uow=ctx.uow(), company_id=ctx.company_id, voucher_ref="sf2026-1", on=FEB)
    with pytest.raises(ValidationFailed):
        reverse_voucher(uow=ctx.uow(), company_id=ctx.company_id, voucher_ref="M2026-1", on=FEB)


def test_posted_vouchers_cannot_be_changed_or_deleted_in_the_database(ctx: Ctx) -> None:
    customer(ctx)
    inv = post(ctx, "invoice", "10001", "100.00", JAN)
    for sql in ("UPDATE vouchers SET description = 'x' WHERE company_id = :c AND voucher_id = :v",
                "DELETE FROM voucher_lines WHERE company_id = :c AND voucher_id = :v",
                "UPDATE voucher_lines SET amount_minor = 0 WHERE company_id = :c AND voucher_id = :v"):
        with pytest.raises(Exception, match="immutable"):
            raw(ctx, sql, c=ctx.company_id, v=inv.voucher_id)


def test_supplier_ledger_uses_the_natural_sign_we_owe_them_positive(ctx: Ctx) -> None:
    supplier(ctx)
    post(ctx, "invoice", "50001", "1000.00", JAN, kind=PartyKind.SUPPLIER, document_number="S1")
    post(ctx, "payment", "50001", "400.00", FEB, kind=PartyKind.SUPPLIER, applies_to="S1")
    post(ctx, "payment", "50001", "50.00", FEB, kind=PartyKind.SUPPLIER, document_number="UT2", auto_match=False)
    assert open_docs(ctx, FEB) == {"S1": Decimal("600.00"), "UT2": Decimal("-50.00")}
    assert gl_balance(ctx, "2400") == Decimal("-550.00")


def test_write_off_settles_the_rest_against_bad_debt(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1")
    post(ctx, "payment", "10001", "99.50", FEB, applies_to="F1")
    w = post(ctx, "write_off", "10001", "0.50", FEB, applies_to="F1")
    assert open_docs(ctx, FEB) == {}
    assert gl_balance(ctx, "7830") == Decimal("0.50")
    assert w.matches[0].method == "applies_to"


def test_opening_balances_may_be_credit_balances_and_post_against_the_migration_account(ctx: Ctx) -> None:
    customer(ctx)
    post(ctx, "opening_balance", "10001", "500.00", JAN, document_number="IB1", due_date=JAN)
    post(ctx, "opening_balance", "10001", "-120.00", JAN, document_number="IB2")
    assert open_docs(ctx, JAN) == {"IB1": Decimal("500.00"), "IB2": Decimal("-120.00")}
    assert gl_balance(ctx, "2980") == Decimal("-380.00")
