"""The dashboard's figures: today's open balances in aging buckets, the most overdue, recent changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.parties import PartyKind
from reskontro.services.dashboard import dashboard
from reskontro.store import dashboard as store_dashboard
from tests.builders import customer, post, supplier
from tests.conftest import Ctx

C, S = PartyKind.CUSTOMER, PartyKind.SUPPLIER


def test_open_balances_by_bucket_in_the_natural_sign(ctx: Ctx) -> None:
    customer(ctx, "1", payment_terms_days=0)
    customer(ctx, "2", payment_terms_days=0)
    supplier(ctx, "9", payment_terms_days=0)
    post(ctx, "invoice", "1", "100.00", date(2026, 6, 30))  # due today: not due
    post(ctx, "invoice", "1", "200.00", date(2026, 6, 29))  # 1 day late
    post(ctx, "invoice", "1", "300.00", date(2026, 5, 31))  # 30 days
    post(ctx, "invoice", "2", "400.00", date(2026, 5, 30))  # 31 days
    post(ctx, "invoice", "2", "500.00", date(2026, 4, 1))  # 90 days
    post(ctx, "invoice", "2", "600.00", date(2026, 3, 1))  # over 90
    post(ctx, "payment", "2", "50.00", date(2026, 6, 30), auto_match=False)  # an unmatched payment, not due
    post(ctx, "invoice", "9", "700.00", date(2026, 1, 1), kind=S)
    board = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id)
    assert board.today == date(2026, 6, 30) and board.currency == "NOK"
    assert dict(board.aging[C].buckets) == {"not_due": Decimal("50.00"), "days_1_30": Decimal("500.00"),
                                            "days_31_60": Decimal("400.00"), "days_61_90": Decimal("500.00"),
                                            "days_over_90": Decimal("600.00")}
    assert board.aging[C].total == Decimal("2050.00") and board.aging[C].overdue == Decimal("2000.00")
    assert board.aging[C].open_items == 7
    assert board.aging[S].total == Decimal("700.00") and dict(board.aging[S].buckets)["days_over_90"] == 700


def test_the_most_overdue_parties_come_first_and_the_up_to_date_are_left_out(ctx: Ctx) -> None:
    for n in ("1", "2", "3"):
        customer(ctx, n, payment_terms_days=0)
    supplier(ctx, "9", payment_terms_days=0)
    post(ctx, "invoice", "1", "100.00", date(2026, 5, 1))
    post(ctx, "invoice", "2", "900.00", date(2026, 6, 1))
    post(ctx, "invoice", "3", "5000.00", date(2026, 6, 30))  # not overdue at all
    post(ctx, "invoice", "9", "40.00", date(2026, 6, 1), kind=S)
    board = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, top=5)
    assert [(o.number, o.overdue, o.days) for o in board.overdue[C]] == [("2", Decimal("900.00"), 29),
                                                                        ("1", Decimal("100.00"), 60)]
    assert [(o.number, o.overdue) for o in board.overdue[S]] == [("9", Decimal("40.00"))]


def test_the_most_overdue_are_found_by_their_bound_and_by_every_item_when_the_bound_cannot_tell(
        ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_dashboard, "CANDIDATES", 1)  # with top=1, the 4 largest bounds are read first
    for n in ("1", "2", "3", "4", "5", "6", "7"):
        customer(ctx, n, payment_terms_days=0)
    for n in ("1", "2", "3", "4"):  # the largest bounds (1 010), but only 10 overdue each
        post(ctx, "invoice", n, "1000.00", date(2026, 6, 30))
        post(ctx, "invoice", n, "10.00", date(2026, 5, 1))
    post(ctx, "invoice", "6", "900.00", date(2026, 5, 1))  # 900 overdue, as much as 5: the lower number first
    post(ctx, "invoice", "5", "900.00", date(2026, 5, 2))
    post(ctx, "invoice", "7", "950.00", date(2026, 5, 1))
    post(ctx, "payment", "7", "100.00", date(2026, 5, 1), auto_match=False)  # overdue 850, bound 950
    for n in ("91", "92"):
        supplier(ctx, n, payment_terms_days=0)
    post(ctx, "invoice", "91", "100.00", date(2026, 5, 1), kind=S)
    post(ctx, "payment", "91", "80.00", date(2026, 5, 1), kind=S, auto_match=False)  # overdue 20, bound 100
    post(ctx, "invoice", "92", "30.00", date(2026, 5, 1), kind=S)

    def top(n: int, kind: PartyKind = C) -> list[tuple[str, Decimal]]:
        board = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, top=n)
        return [(o.number, o.overdue) for o in board.overdue[kind]]

    assert top(1) == [("5", Decimal("900.00"))]  # not among the 4 read first: every item is read
    assert top(3) == [("5", Decimal("900.00")), ("6", Decimal("900.00")), ("7", Decimal("850.00"))]
    assert top(9)[-4:] == [(n, Decimal("10.00")) for n in ("1", "2", "3", "4")]
    assert top(1, S) == [("92", Decimal("30.00"))] and top(2, S) == [("92", Decimal("30.00")), ("91", Decimal("20.00"))]


def test_the_open_items_count_follows_settlement(ctx: Ctx) -> None:
    customer(ctx, "1", payment_terms_days=0)
    post(ctx, "invoice", "1", "100.00", date(2026, 5, 1), document_number="F1")
    post(ctx, "invoice", "1", "200.00", date(2026, 5, 2), document_number="F2")
    post(ctx, "payment", "1", "150.00", date(2026, 6, 1), applies_to="F1")  # settles F1, 50 left as a credit

    def count() -> int:
        return dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id).aging[C].open_items

    assert count() == 2  # F2 and the credit
    post(ctx, "payment", "1", "200.00", date(2026, 6, 2), applies_to="F2")
    assert count() == 1


def test_recent_activity_groups_a_change_and_names_the_party(ctx: Ctx) -> None:
    customer(ctx, "10001", name="Fjordlys AS", email="a@b.no", city="Bergen")
    board = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, activity=5)
    latest = board.activity[0]
    assert latest.entity == "party" and latest.action == "create"
    assert latest.party == (C, "10001", "Fjordlys AS")
    assert {"name", "email", "city"} <= set(latest.fields)
    assert board.activity[-1].entity == "company"


def test_an_empty_company_has_zero_everywhere(ctx: Ctx) -> None:
    board = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id)
    assert board.aging[C].total == 0 and board.aging[S].open_items == 0
    assert board.overdue == {C: [], S: []}


def test_the_cache_hands_out_the_same_dashboard_until_the_company_changes(ctx: Ctx) -> None:
    from reskontro.services.dashboard import DashboardCache

    cache = DashboardCache(size=2)
    customer(ctx, "1", payment_terms_days=0)
    first = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, cache=cache)
    assert dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, cache=cache) is first
    post(ctx, "invoice", "1", "100.00", date(2026, 6, 1))  # a change: audited, so the cache is passed by
    second = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, cache=cache)
    assert second is not first and second.aging[C].total == Decimal("100.00")
    ctx.today_value = date(2026, 7, 31)  # a new day ages the same items
    third = dashboard(uow=ctx.uow(readonly=True), company_id=ctx.company_id, cache=cache)
    assert third is not second and dict(third.aging[C].buckets)["days_31_60"] == Decimal("100.00")
