"""The read side's paging: the first rows of the open-items listing, walked party by party, are exactly the
first rows of the whole listing, whatever the chunk boundaries, filters and date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from reskontro.domain.parties import PartyKind
from reskontro.store import queries
from reskontro.store import tables as t
from reskontro.store.repositories import Repository
from tests.builders import customer, post, supplier
from tests.conftest import Ctx


def ledger(ctx: Ctx) -> None:
    for n in range(1, 8):
        number = f"{10000 + n}"
        customer(ctx, number)
        if n % 3 == 0:  # a supplier with the same number: their items interleave by due date
            supplier(ctx, number)
            post(ctx, "invoice", number, "70.00", date(2026, 2, n), kind=PartyKind.SUPPLIER,
                 document_number=f"L{n}", due_date=date(2026, 3, n))
        for k in range(n % 4 + 1):
            post(ctx, "invoice", number, f"{100 + k}.00", date(2026, 1, 10 + k), document_number=f"F{n}-{k}",
                 due_date=date(2026, 2, 1 + k * 5))
    post(ctx, "payment", "10002", "100.00", date(2026, 4, 2), applies_to="F2-0")  # settled after March


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
@pytest.mark.parametrize(("kind", "as_of", "overdue"), [(None, date(2026, 6, 30), False),
                                                        ("customer", date(2026, 6, 30), False),
                                                        ("customer", date(2026, 3, 1), False),
                                                        (None, date(2026, 2, 7), True)])
def test_a_page_of_open_items_is_the_start_of_the_whole_listing(
        ctx: Ctx, monkeypatch: pytest.MonkeyPatch, chunk: int, kind: str | None, as_of: date, overdue: bool) -> None:
    ledger(ctx)
    monkeypatch.setattr(queries, "PARTY_CHUNK", chunk)
    with ctx.app.engine.connect() as conn:
        whole = list(queries.iter_open_items(conn, ctx.company_id, as_of, kind=kind, overdue_only=overdue))
        assert len(whole) > 5
        for limit in (1, 4, len(whole) - 1, len(whole), len(whole) + 5):
            page = list(queries.iter_open_items(conn, ctx.company_id, as_of, kind=kind, overdue_only=overdue,
                                                limit=limit))
            assert page == whole[:limit], (limit, chunk)


def _sqlite_plan(conn: Any, query: Any) -> str:
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled)).all()
    return " | ".join(r[-1] for r in rows)


@pytest.mark.parametrize("as_of", [date(2026, 6, 30), date(2026, 3, 1)])
def test_sqlite_reads_open_items_by_their_partial_index_not_the_date_index(ctx: Ctx, as_of: date) -> None:
    """SQLite keeps no statistics here: ``item_date <= D`` must not lead it down the index on the item date (made
    for the transactions of a period), which holds every item ever posted."""
    if ctx.backend != "sqlite":
        pytest.skip("a SQLite planner rule; PostgreSQL plans by its statistics")
    ledger(ctx)
    with ctx.app.engine.connect() as conn:
        plan = _sqlite_plan(conn, queries._open_at(conn, ctx.company_id, as_of, "customer", None))
        assert "ix_items_open" in plan and "ix_items_date" not in plan, plan
        listed = _sqlite_plan(conn, select(t.items.c.item_id).where(
            t.items.c.company_id == ctx.company_id, t.items.c.item_date >= date(2026, 1, 1),
            t.items.c.item_date <= date(2026, 1, 31)).order_by(t.items.c.item_date, t.items.c.item_id))
        assert "ix_items_date" in listed, listed  # the transactions of a period do read it
        one = _sqlite_plan(conn, select(t.items.c.item_id).where(
            t.items.c.company_id == ctx.company_id, t.items.c.party_id == 1, t.items.c.item_date >= date(2026, 1, 1))
            .order_by(*queries.transaction_order(1)))
        assert "ix_items_party" in one, one  # one party's: by the index on party
        seen: list[tuple[str, Any]] = []

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            seen.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", keep)
        Repository(conn, now=lambda: datetime.now(UTC), actor="test").open_items_of_party(ctx.company_id, 1)
        event.remove(conn, "before_cursor_execute", keep)
        card = " | ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + seen[-1][0], seen[-1][1]).all())
        assert "ix_items_party" in card and "ix_items_date" not in card, card  # a party's open items (the card)
