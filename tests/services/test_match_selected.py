"""Matching several items by hand in one transaction (the browser's ticked items and accepted suggestions), and
the posting defaults a form shows before it posts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import CurrencyMismatch, MatchRefused, NotFound, OverAllocation, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.domain.vouchers import ItemType
from reskontro.services.posting import match_pairs, match_selected, posting_defaults, unmatch
from reskontro.services.reports import reconciliation_report
from tests.builders import count, customer, gl_balance, item_open, post, rules, supplier
from tests.conftest import Ctx

JAN, FEB, MAR = date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)


def opens(ctx: Ctx, *items: int) -> list[Decimal]:
    return [item_open(ctx, i) for i in items]


def test_the_oldest_debit_is_settled_first_by_the_oldest_credit_first(ctx: Ctx) -> None:
    customer(ctx)
    f1 = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F1")
    f2 = post(ctx, "invoice", "10001", "200.00", FEB, document_number="F2")
    p1 = post(ctx, "payment", "10001", "120.00", FEB, document_number="P1", auto_match=False)
    p2 = post(ctx, "payment", "10001", "130.00", MAR, document_number="P2", auto_match=False)
    made = match_selected(uow=ctx.uow(), company_id=ctx.company_id,
                          item_ids=[p2.item_id, f2.item_id, p1.item_id, f1.item_id])
    assert [(m.debit_item_id, m.credit_item_id, m.amount, m.method) for m in made] == [
        (f1.item_id, p1.item_id, Decimal("100.00"), "manual"),
        (f2.item_id, p1.item_id, Decimal("20.00"), "manual"),
        (f2.item_id, p2.item_id, Decimal("130.00"), "manual")]
    assert opens(ctx, f1.item_id, f2.item_id, p1.item_id, p2.item_id) == [Decimal("0.00"), Decimal("50.00"),
                                                                          Decimal("0.00"), Decimal("0.00")]
    assert gl_balance(ctx, "1500") == Decimal("50.00")


def test_the_same_holds_for_a_supplier_whose_invoices_are_credits(ctx: Ctx) -> None:
    supplier(ctx)
    inv = post(ctx, "invoice", "50001", "500.00", JAN, kind=PartyKind.SUPPLIER)
    p1 = post(ctx, "payment", "50001", "200.00", FEB, kind=PartyKind.SUPPLIER, auto_match=False)
    p2 = post(ctx, "payment", "50001", "300.00", MAR, kind=PartyKind.SUPPLIER, auto_match=False)
    made = match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=[inv.item_id, p1.item_id, p2.item_id])
    assert [m.amount for m in made] == [Decimal("200.00"), Decimal("300.00")]
    assert opens(ctx, inv.item_id, p1.item_id, p2.item_id) == [Decimal("0.00")] * 3
    assert gl_balance(ctx, "2400") == 0


def test_an_amount_limits_the_total_matched(ctx: Ctx) -> None:
    customer(ctx)
    f1 = post(ctx, "invoice", "10001", "100.00", JAN)
    f2 = post(ctx, "invoice", "10001", "100.00", FEB)
    pay = post(ctx, "payment", "10001", "300.00", MAR, auto_match=False)
    made = match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=[f1.item_id, f2.item_id, pay.item_id],
                          amount=Decimal("150.00"))
    assert [m.amount for m in made] == [Decimal("100.00"), Decimal("50.00")]
    assert opens(ctx, f1.item_id, f2.item_id, pay.item_id) == [Decimal("0.00"), Decimal("50.00"),
                                                               Decimal("-150.00")]


def test_any_refusal_leaves_nothing_matched(ctx: Ctx) -> None:
    from reskontro.services.companies import set_rate

    customer(ctx, "10001")
    customer(ctx, "10002")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=JAN, rate="11.00")
    f1 = post(ctx, "invoice", "10001", "100.00", JAN)
    f2 = post(ctx, "invoice", "10001", "100.00", FEB)
    pay = post(ctx, "payment", "10001", "150.00", MAR, auto_match=False)
    other = post(ctx, "payment", "10002", "10.00", MAR, auto_match=False)
    euro = post(ctx, "payment", "10001", "10.00", MAR, currency="EUR", auto_match=False)
    settled = post(ctx, "invoice", "10001", "5.00", JAN)
    post(ctx, "payment", "10001", "5.00", JAN, applies_to=settled.document_number)
    ids = [f1.item_id, f2.item_id, pay.item_id]
    matches, allocations, vouchers = count(ctx, "matches"), count(ctx, "allocations"), count(ctx, "vouchers")
    cases: list[tuple[type[Exception], list[int], Decimal | None, str]] = [
        (OverAllocation, ids, Decimal("150.01"), "amount"),  # the first pairs fit, the total does not
        (ValidationFailed, ids, Decimal("0.001"), "amount"),
        (MatchRefused, [*ids, other.item_id], None, "items"),
        (CurrencyMismatch, [*ids, euro.item_id], None, "items"),
        (MatchRefused, [*ids, settled.item_id], None, "items"),
        (MatchRefused, [f1.item_id, f2.item_id], None, "items"),
        (ValidationFailed, [f1.item_id], None, "items"),
        (NotFound, [*ids, 987654], None, "item"),
    ]
    for error, chosen, amount, field in cases:
        with pytest.raises(error) as exc:
            match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=chosen, amount=amount)
        assert exc.value.field == field, (error, exc.value)
    assert (count(ctx, "matches"), count(ctx, "allocations"), count(ctx, "vouchers")) == (matches, allocations,
                                                                                         vouchers)
    assert opens(ctx, *ids) == [Decimal("100.00"), Decimal("100.00"), Decimal("-150.00")]


def test_items_of_another_party_than_the_named_one_are_not_found(ctx: Ctx) -> None:
    customer(ctx, "10001")
    customer(ctx, "10002")
    inv = post(ctx, "invoice", "10002", "100.00", JAN)
    pay = post(ctx, "payment", "10002", "100.00", FEB, auto_match=False)
    with pytest.raises(NotFound):
        match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=[inv.item_id, pay.item_id],
                       party=(PartyKind.CUSTOMER, "10001"))
    with pytest.raises(NotFound):
        match_pairs(uow=ctx.uow(), company_id=ctx.company_id, pairs=[(inv.item_id, pay.item_id, None)],
                    party=(PartyKind.CUSTOMER, "10001"))
    made = match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=[inv.item_id, pay.item_id],
                          party=(PartyKind.CUSTOMER, "10002"))
    with pytest.raises(NotFound):
        unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=made[0].match_id,
                party=(PartyKind.CUSTOMER, "10001"))
    unmatch(uow=ctx.uow(), company_id=ctx.company_id, match_id=made[0].match_id, party=(PartyKind.CUSTOMER, "10002"))
    assert item_open(ctx, inv.item_id) == Decimal("100.00")


def test_foreign_currency_items_post_each_pairs_exchange_difference_and_the_ledger_still_agrees(ctx: Ctx) -> None:
    customer(ctx, currency="EUR", rules=rules("3100", "52"))
    inv = post(ctx, "invoice", "10001", "300.00", JAN, rate=Decimal("11.00"))
    p1 = post(ctx, "payment", "10001", "100.00", FEB, rate=Decimal("11.50"), auto_match=False)
    p2 = post(ctx, "payment", "10001", "200.00", MAR, rate=Decimal("10.50"), auto_match=False)
    made = match_selected(uow=ctx.uow(), company_id=ctx.company_id, item_ids=[inv.item_id, p1.item_id, p2.item_id])
    assert all(m.fx_voucher_id is not None for m in made)
    assert opens(ctx, inv.item_id, p1.item_id, p2.item_id) == [Decimal("0.00")] * 3
    assert gl_balance(ctx, "1500") == 0
    # 100 EUR paid at 11.50 for 11.00 booked: a gain of 50; 200 EUR at 10.50: a loss of 100.
    assert (gl_balance(ctx, "8060"), gl_balance(ctx, "8160")) == (Decimal("-50.00"), Decimal("100.00"))
    recon = reconciliation_report(uow=ctx.uow(), company_id=ctx.company_id, as_of=MAR)
    assert all(r["difference"] == 0 for r in recon)


def test_match_pairs_makes_exactly_the_pairs_given_or_none(ctx: Ctx) -> None:
    customer(ctx)
    f1 = post(ctx, "invoice", "10001", "100.00", JAN)
    f2 = post(ctx, "invoice", "10001", "100.00", FEB)
    pay = post(ctx, "payment", "10001", "150.00", MAR, auto_match=False)
    with pytest.raises(OverAllocation):  # the second pair asks for more than the payment has left
        match_pairs(uow=ctx.uow(), company_id=ctx.company_id,
                    pairs=[(f1.item_id, pay.item_id, Decimal("100.00")), (f2.item_id, pay.item_id, Decimal("60.00"))])
    assert count(ctx, "matches") == 0
    with pytest.raises(ValidationFailed):
        match_pairs(uow=ctx.uow(), company_id=ctx.company_id, pairs=[])
    with pytest.raises(ValidationFailed) as exc:
        match_pairs(uow=ctx.uow(), company_id=ctx.company_id, pairs=[(f1.item_id, pay.item_id, Decimal("0.001"))])
    assert exc.value.field == "amount"
    made = match_pairs(uow=ctx.uow(), company_id=ctx.company_id,
                       pairs=[(f2.item_id, pay.item_id, Decimal("100.00")), (pay.item_id, f1.item_id, None)])
    assert [(m.debit_item_id, m.amount) for m in made] == [(f2.item_id, Decimal("100.00")),
                                                           (f1.item_id, Decimal("50.00"))]
    assert opens(ctx, f1.item_id, f2.item_id, pay.item_id) == [Decimal("50.00"), Decimal("0.00"), Decimal("0.00")]


def test_posting_defaults_are_what_the_posting_would_use(ctx: Ctx) -> None:
    customer(ctx, "10001", payment_terms_days=20, rules=rules("3100", "52", department="OSL"))
    supplier(ctx, "50001", currency="SEK")
    d = posting_defaults(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                         item_type=ItemType.INVOICE)
    assert (d.currency, d.payment_terms_days, d.account, d.vat_code, d.department) == ("NOK", 20, "3100", "52", "OSL")
    pay = posting_defaults(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                           item_type=ItemType.PAYMENT)
    assert (pay.account, pay.vat_code, pay.department) == ("1920", None, None)
    loss = posting_defaults(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, number="10001",
                            item_type=ItemType.WRITE_OFF)
    assert (loss.account, loss.vat_code) == ("7830", None)
    sup = posting_defaults(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.SUPPLIER, number="50001",
                           item_type=ItemType.INVOICE)
    assert (sup.currency, sup.payment_terms_days, sup.account, sup.vat_code) == ("SEK", 30, "4000", "1")
    with pytest.raises(NotFound):
        posting_defaults(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.SUPPLIER, number="10001",
                         item_type=ItemType.INVOICE)
