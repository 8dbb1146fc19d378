"""Two users matching against the same open item at the same time cannot both over-allocate (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from reskontro.domain.errors import MatchRefused, OverAllocation, ReskontroError
from reskontro.services.posting import match_items
from reskontro.store.uow import SqlUnitOfWork
from tests.builders import customer, item_open, post, raw
from tests.conftest import Ctx

D = date(2026, 1, 10)


@pytest.fixture
def pg(ctx: Ctx) -> Ctx:
    if ctx.backend != "postgresql":
        pytest.skip("concurrency needs PostgreSQL's row locks; SQLite serialises writers")
    return ctx


def test_two_concurrent_matches_against_one_invoice_settle_it_once(pg: Ctx) -> None:
    customer(pg)
    inv = post(pg, "invoice", "10001", "100.00", D, document_number="F1")
    pays = [post(pg, "payment", "10001", "100.00", D, document_number=f"P{n}", auto_match=False) for n in (1, 2)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def worker(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = match_items(uow=pg.uow(), company_id=pg.company_id, item_a=inv.item_id,
                                      item_b=pays[n].item_id)
        except ReskontroError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    errors = [o for o in outcomes if isinstance(o, ReskontroError)]
    assert len(errors) == 1
    assert isinstance(errors[0], MatchRefused | OverAllocation)
    assert item_open(pg, inv.item_id) == 0
    assert sorted(item_open(pg, p.item_id) for p in pays) == [Decimal("-100.00"), Decimal("0")]


@pytest.mark.raw_rows  # applies takes without their allocation rows, as a stale writer would
def test_the_database_itself_refuses_the_second_of_two_concurrent_allocations(pg: Ctx) -> None:
    """Even a writer that skipped the row lock (a stale read) cannot take the open amount twice:
    the second relative UPDATE waits for the first, then fails the CHECK constraint."""
    customer(pg)
    inv = post(pg, "invoice", "10001", "100.00", D)
    first, second = SqlUnitOfWork(pg.app.engine), SqlUnitOfWork(pg.app.engine)
    with first, second:
        first.repo.apply_allocations(pg.company_id, [(inv.item_id, 10000, 10000)])
        result: list[BaseException | None] = [None]

        def late() -> None:
            try:
                second.repo.apply_allocations(pg.company_id, [(inv.item_id, 10000, 10000)])
            except BaseException as exc:
                result[0] = exc

        th = threading.Thread(target=late)
        th.start()
        th.join(0.5)
        assert th.is_alive(), "the second writer should be waiting for the first one's row lock"
        first.commit()
        th.join(30)
        assert isinstance(result[0], OverAllocation)
    assert item_open(pg, inv.item_id) == 0
    assert raw(pg, "SELECT COUNT(*) FROM items WHERE company_id = :c AND open_minor < 0 AND amount_minor > 0",
               c=pg.company_id).scalar_one() == 0
