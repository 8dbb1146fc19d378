"""The web UI's party lists: sorted by number or name either way, filtered, paged by key both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import NotFound, ValidationFailed
from reskontro.domain.parties import PartyKind
from reskontro.services import parties
from reskontro.services.listings import browse_parties
from tests.builders import customer, post, supplier
from tests.conftest import Ctx


def page(ctx: Ctx, **kw):  # type: ignore[no-untyped-def]
    return browse_parties(uow=ctx.uow(readonly=True), company_id=ctx.company_id, kind=kw.pop("kind", "customer"),
                          **kw)


def numbers(found) -> list[str]:  # type: ignore[no-untyped-def]
    return [p["number"] for p in found.items]


@pytest.mark.parametrize(("sort", "descending"), [("number", False), ("number", True), ("name", False),
                                                  ("name", True)])
def test_paging_forward_then_back_visits_every_party_once_in_order(ctx: Ctx, sort: str, descending: bool) -> None:
    names = ["Åsen", "Berg", "berg", "Dal", "Eik", "Fjord", "Eik", "Gran", "Hav", "Ås"]
    for n, name in enumerate(names, start=1):
        customer(ctx, f"{n:03d}", name=f"{name} AS")
    supplier(ctx, "000", name="Aaa Leverandør AS")
    seen: list[list[str]] = []
    found = page(ctx, sort=sort, descending=descending, limit=3)
    assert found.previous is None
    while True:
        seen.append(numbers(found))
        if found.next is None:
            break
        found = page(ctx, sort=sort, descending=descending, limit=3, after=found.next)
    flat = [n for chunk in seen for n in chunk]
    assert len(flat) == 10 and len(set(flat)) == 10 and "000" not in flat
    everything = numbers(page(ctx, sort=sort, descending=descending, limit=50))
    assert flat == everything
    # ... and back again from the last page
    back = [numbers(found)]
    while found.previous is not None:
        found = page(ctx, sort=sort, descending=descending, limit=3, before=found.previous)
        back.insert(0, numbers(found))
    assert back == seen


def test_filters_combine_and_the_balance_and_overdue_are_today(ctx: Ctx) -> None:
    parties.create_group(uow=ctx.uow(), company_id=ctx.company_id, kind=PartyKind.CUSTOMER, code="G", name="G")
    customer(ctx, "1", name="Fjordlys AS", group_code="G", org_number="923456783")
    customer(ctx, "2", name="Nordlys AS", group_code="G", currency="EUR")
    customer(ctx, "3", name="Fjellbakst AS")
    post(ctx, "invoice", "1", "100.00", date(2026, 5, 1))
    post(ctx, "invoice", "1", "50.00", date(2026, 6, 29))
    assert numbers(page(ctx, search="lys", group="G")) == ["1", "2"]
    assert numbers(page(ctx, search="lys", currency="eur")) == ["2"]
    assert numbers(page(ctx, search="923456783")) == ["1"]
    assert numbers(page(ctx, blocked=True)) == []
    row = page(ctx, search="Fjordlys").items[0]
    assert row["balance"] == Decimal("150.00") and row["overdue"] == Decimal("100.00")
    assert row["blocks"] == ()


def test_bad_input_is_refused_by_name(ctx: Ctx) -> None:
    with pytest.raises(ValidationFailed) as sort:
        page(ctx, sort="balance")
    assert sort.value.field == "sort"
    with pytest.raises(ValidationFailed) as cursor:
        page(ctx, after="x" + "A" * 20)
    assert cursor.value.field == "after"
    with pytest.raises(ValidationFailed):
        page(ctx, after="WyJicm93c2UtY3VzdG9tZXItbmFtZS1hc2MiLCJ4IiwieCJd")  # a name cursor on the number list
    with pytest.raises(NotFound):
        page(ctx, free_field=("nope", "x"))
    with pytest.raises(ValidationFailed):
        page(ctx, kind="")
