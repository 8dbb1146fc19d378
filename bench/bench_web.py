"""Benchmark the web UI's server-side rendering over the database ``bench_ledger.py`` left behind.

Starts ``reskontro serve`` (uvicorn, one process) on 127.0.0.1, signs a read-only user in through the
login form (a real session cookie), then times whole page requests over real HTTP, sequentially, for
random customers of the 100k: the customer list (first page, a page far down by keyset, a search that
reads every party, sorted by name), the party card's tabs (details, ledger, open items) and the
overview; the report pages (one party's open items, the first 500 of all open items, the aged report
and top debtors over every customer, the ledger specification, a party ledger); and the import preview
(an upload of 200 customers that are already there, previewed and rolled back — nothing is written — and
the preview page). Each page is requested once to warm up; p50 and p95 are in milliseconds, with the page
size. The issue's target is 150 ms p50 for list, card and report pages.

Usage::

    .venv/bin/python bench/bench_web.py --backend sqlite [--pages 100] [--only report_,import_]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import httpx
from sqlalchemy import select

from reskontro.bootstrap import build
from reskontro.services import access
from reskontro.settings import Settings
from reskontro.store import tables as t
from served import URLS, out, pct, serving  # bench/served.py: the script's own folder is on the path

PASSWORD = "bench password 1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'href="([^"]*after=[A-Za-z0-9_\-]+[^"]*)"')


def timed(client: httpx.Client, backend: str, name: str, urls: list[str],
          before: Callable[[], None] | None = None) -> None:
    """Request each URL (after one warm-up) and emit p50 and p95; ``before`` runs untimed before each request."""
    client.get(urls[0])  # warm-up
    times, sizes = [], []
    for url in urls:
        if before:
            before()
        started = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        sizes.append(len(r.content))
    out(bench=f"web_{name}", backend=backend, requests=len(times), p50_ms=pct(times, 0.5), p95_ms=pct(times, 0.95),
        mean_kb=round(statistics.mean(sizes) / 1024, 1))


def sign_in(client: httpx.Client, username: str) -> None:
    page = client.get("/login")
    token = _CSRF.search(page.text)
    assert token, "no CSRF token on the login page"
    r = client.post("/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD,
                                    "next": ""})
    assert r.status_code == 303, (r.status_code, r.text[:300])


_PARTY_COLUMNS = ("number", "kind", "name", "org_number", "email", "language", "currency", "payment_terms_days",
                  "credit_limit", "address", "postal_code", "city", "country")


def parties_file(cards: list[dict[str, object]]) -> bytes:
    """The given customers as an import file, as they are: a preview finds nothing to change."""
    lines = [",".join(_PARTY_COLUMNS)]
    for card in cards:
        limit = card.get("credit_limit_minor")
        values = {**{k: "" if card.get(k) is None else str(card[k]) for k in _PARTY_COLUMNS},
                  "credit_limit": "" if limit is None else str(Decimal(str(limit)).scaleb(-2))}
        lines.append(",".join('"' + values[k].replace('"', '""') + '"' for k in _PARTY_COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def preview_import(client: httpx.Client, backend: str, cards: list[dict[str, object]], n: int) -> None:
    """Upload a file of existing customers and preview it (the import runs and is rolled back), then the
    preview page (rendered from what the preview kept)."""
    data = parties_file(cards)
    token = _CSRF.search(client.get("/c/1/import").text)
    assert token, "no CSRF token on the import page"
    times = []
    location = ""
    for _ in range(n + 1):
        started = time.perf_counter()
        r = client.post("/c/1/import", data={"csrf_token": token.group(1), "kind": "parties"},
                        files={"file": ("bench-parties.csv", data, "text/csv")})
        times.append(time.perf_counter() - started)
        assert r.status_code == 303, (r.status_code, r.text[:500])
        location = r.headers["location"]
    out(bench="web_import_upload_and_preview", backend=backend, requests=n, rows=len(cards),
        p50_ms=pct(times[1:], 0.5), p95_ms=pct(times[1:], 0.95))
    page = client.get(location)
    assert "data-would" in page.text, page.text[-800:]
    timed(client, backend, "import_preview_page", [location] * (n * 10))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=tuple(URLS), required=True)
    ap.add_argument("--pages", type=int, default=100, help="requests per page kind")
    ap.add_argument("--only", default="", help="comma-separated name prefixes of the figures to measure")
    args = ap.parse_args()
    only = tuple(x for x in args.only.split(",") if x)

    def wanted(name: str) -> bool:
        return not only or name.startswith(only)

    app = build(Settings.from_env(database=URLS[args.backend], company=1))
    username = f"bench-{uuid.uuid4().hex[:8]}"
    access.create_user(uow=app.uow(), username=username, password=PASSWORD)
    access.grant(uow=app.uow(), username=username, company_id=1, role="read_only")
    importer = f"bench-imp-{uuid.uuid4().hex[:8]}"  # the import preview needs write access (it writes nothing)
    access.create_user(uow=app.uow(), username=importer, password=PASSWORD)
    access.grant(uow=app.uow(), username=importer, company_id=1, role="accountant")
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.parties.c.number, t.parties.c.name).where(
            t.parties.c.company_id == 1, t.parties.c.kind == "customer")).all()
        cards = [dict(r._mapping) for r in conn.execute(select(t.parties).where(
            t.parties.c.company_id == 1, t.parties.c.kind == "customer").order_by(t.parties.c.number).limit(200))]
    numbers = [r[0] for r in rows]

    def touch() -> None:
        """A change to the company (one audit event), so the overview's cache no longer holds."""
        with app.uow() as uow:
            uow.repo.audit(1, "bench", "overview", "touch")
            uow.commit()

    words = sorted({w for r in rows[:5000] for w in r[1].split() if len(w) > 3})
    rnd = random.Random(20261129)
    with serving(URLS[args.backend]) as base:
        with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
            sign_in(client, username)
            c = "/c/1"
            n = args.pages

            def run(name: str, urls: list[str], before: Callable[[], None] | None = None) -> None:
                if wanted(name):
                    timed(client, args.backend, name, urls, before)

            run("customer_list_first_page", [f"{c}/customers"] * n)
            if wanted("customer_list_page_50"):
                # Far down the list by keyset: follow "next" links 50 pages deep once, then time that page.
                url = f"{c}/customers"
                for _ in range(50):
                    found = _NEXT.findall(client.get(url).text)
                    url = found[-1].replace("&amp;", "&") if found else url
                run("customer_list_page_50", [url] * n)
            run("customer_list_by_name", [f"{c}/customers?sort=name&dir=desc"] * n)
            run("customer_search", [f"{c}/customers?q={rnd.choice(words)}" for _ in range(n)])
            pick: Callable[[], str] = lambda: rnd.choice(numbers)  # noqa: E731
            run("party_card_details", [f"{c}/customer/{pick()}" for _ in range(n)])
            run("party_card_ledger", [f"{c}/customer/{pick()}/ledger" for _ in range(n)])
            run("party_card_open_items", [f"{c}/customer/{pick()}/open-items" for _ in range(n)])
            run("overview_cached", [f"{c}/"] * n)
            run("overview_after_change", [f"{c}/"] * n, before=touch)  # made anew: every figure from the database
            # Reports: one party's pages are light; the aged report and top debtors group every open item of
            # 100k customers (about 1 s of SQL at this size: fewer requests), the page shows the first 500 rows.
            few = max(5, n // 4)
            run("report_open_items_party", [f"{c}/reports/open-items?kind=customer&party={pick()}"
                                            for _ in range(n)])
            run("report_open_items_page", [f"{c}/reports/open-items?kind=customer"] * n)
            run("report_party_ledger", [f"{c}/reports/party-ledger?party={pick()}" for _ in range(n)])
            run("report_aged_page", [f"{c}/reports/aged?kind=customer"] * few)
            run("report_aged_both_page", [f"{c}/reports/aged"] * few)
            run("report_aged_past_page", [f"{c}/reports/aged?kind=customer&as_of=2025-12-31"] * few)
            run("report_open_items_past_page", [f"{c}/reports/open-items?kind=customer&as_of=2025-12-31"] * few)
            run("report_top_debtors", [f"{c}/reports/top-debtors"] * few)
            run("report_ledger_spec_page", [f"{c}/reports/ledger-spec"] * few)
            run("report_transactions_page", [f"{c}/reports/transactions"] * few)
            run("report_payment_behaviour_page", [f"{c}/reports/payment-behaviour"] * few)
            run("report_reconcile_page", [f"{c}/reports/reconcile"] * few)
            run("report_index", [f"{c}/reports"] * n)
        if wanted("import_"):
            with httpx.Client(base_url=base, timeout=300, follow_redirects=False) as client:
                sign_in(client, importer)
                preview_import(client, args.backend, cards, max(3, n // 10))
    app.close()


if __name__ == "__main__":
    main()
