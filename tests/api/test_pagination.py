"""Keyset pagination: walking every page returns every row once, whatever is added meanwhile."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def walk(api: Api, path: str, limit: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        query = {"limit": limit, **params, **({"after": after} if after else {})}
        page = api.ok(api.get(path, params=query))
        pages += 1
        assert len(page["items"]) <= limit
        rows += page["items"]
        after = page["next"]
        if after is None:
            return rows, pages
        assert pages < 100


def test_walking_the_party_pages_returns_every_party_once_in_order(api: Api) -> None:
    numbers = [f"{n:05d}" for n in range(1, 24)]
    for n in numbers[::-1]:
        api.ok(api.post("/parties", {"kind": "customer" if int(n) % 3 else "supplier", "number": n,
                                     "name": f"Firma {n} AS"}), 201)
    rows, pages = walk(api, "/parties", 5)
    assert pages == 5
    keys = [(r["kind"], r["number"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(numbers) == len(keys)
    customers, _ = walk(api, "/parties", 4, kind="customer")
    assert [r["number"] for r in customers] == [n for n in numbers if int(n) % 3]
    found = walk(api, "/parties", 3, search="firma 0001")[0]
    assert sorted(r["number"] for r in found) == [f"{n:05d}" for n in range(10, 20)]


def test_a_row_added_during_the_walk_is_neither_repeated_nor_skips_another(api: Api) -> None:
    for n in ("10", "20", "30", "40"):
        api.customer(n)
    first = api.ok(api.get("/parties", params={"limit": 2}))
    api.customer("15")  # sorts before the cursor: not seen, and nothing shifts
    api.customer("35")  # after the cursor: seen once
    rest, _ = walk(api, "/parties", 2, after=first["next"])
    assert [r["number"] for r in first["items"] + rest] == ["10", "20", "30", "35", "40"]


def test_items_vouchers_and_audit_walk_without_duplicates(api: Api) -> None:
    api.customer("10001")
    for n in range(7):
        api.posting("invoice", "10001", f"{n + 1}.00", "2026-06-01")
    items, _ = walk(api, "/items", 3)
    assert len({i["item_id"] for i in items}) == len(items) == 7
    vouchers, _ = walk(api, "/vouchers", 2)
    assert [v["voucher"] for v in vouchers] == [f"SF2026-{n}" for n in range(1, 8)]
    events, _ = walk(api, "/audit", 4)
    ids = [e["audit_id"] for e in events]
    assert ids == sorted(set(ids)) and len(ids) >= 8


def test_a_cursor_from_another_listing_or_tampered_with_is_refused(api: Api) -> None:
    for n in ("1", "2", "3"):
        api.customer(n)
    cursor = api.ok(api.get("/parties", params={"limit": 1}))["next"]
    assert cursor
    for path, after in (("/vouchers", cursor), ("/parties", cursor[:-2]), ("/parties", "%%%")):
        response = api.get(path, params={"after": after})
        assert response.status_code == 422, (path, after)
    assert api.get("/parties", params={"limit": 0}).status_code == 422
