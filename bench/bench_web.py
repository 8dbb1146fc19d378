"""Benchmark the web UI's server-side rendering over the database ``bench_ledger.py`` left behind.

Starts ``reskontro serve`` (uvicorn, one process) on 127.0.0.1, signs a read-only user in through the
login form (a real session cookie), then times whole page requests over real HTTP, sequentially, for
random customers of the 100k: the customer list (first page, a page far down by keyset, a search that
reads every party, sorted by name), the party card's tabs (details, ledger, open items) and the
overview. Each page is requested once to warm up; p50 and p95 are in milliseconds, with the page size.
The issue's target is 150 ms p50 for list, card and report pages.

Usage::

    .venv/bin/python bench/bench_web.py --backend sqlite [--pages 100]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import select

from reskontro.bootstrap import build
from reskontro.services import access
from reskontro.settings import Settings
from reskontro.store import tables as t

URLS = {"sqlite": "sqlite:////tmp/bench.sqlite3",
        "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/reskontro_bench"}
PASSWORD = "bench password 1"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'href="([^"]*after=[A-Za-z0-9_\-]+[^"]*)"')


def out(**figure: object) -> None:
    print(json.dumps(figure), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)


def timed(client: httpx.Client, backend: str, name: str, urls: list[str]) -> None:
    client.get(urls[0])  # warm-up
    times, sizes = [], []
    for url in urls:
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


def wait_for(base: str) -> None:
    for _ in range(150):
        try:
            httpx.get(base + "/login", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=tuple(URLS), required=True)
    ap.add_argument("--pages", type=int, default=100, help="requests per page kind")
    args = ap.parse_args()
    app = build(Settings.from_env(database=URLS[args.backend], company=1))
    username = f"bench-{uuid.uuid4().hex[:8]}"
    access.create_user(uow=app.uow(), username=username, password=PASSWORD)
    access.grant(uow=app.uow(), username=username, company_id=1, role="read_only")
    with app.engine.connect() as conn:
        rows = conn.execute(select(t.parties.c.number, t.parties.c.name).where(
            t.parties.c.company_id == 1, t.parties.c.kind == "customer")).all()
    app.close()
    numbers = [r[0] for r in rows]
    words = sorted({w for r in rows[:5000] for w in r[1].split() if len(w) > 3})
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "reskontro"), "--database", URLS[args.backend],
                               "serve", "--port", str(port), "--no-migrate", "--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    rnd = random.Random(20261129)
    try:
        wait_for(base)
        with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
            sign_in(client, username)
            c = "/c/1"
            n = args.pages
            timed(client, args.backend, "customer_list_first_page", [f"{c}/customers"] * n)
            # Far down the list by keyset: follow "next" links 50 pages deep once, then time that page.
            url = f"{c}/customers"
            for _ in range(50):
                found = _NEXT.findall(client.get(url).text)
                url = found[-1].replace("&amp;", "&") if found else url
            timed(client, args.backend, "customer_list_page_50", [url] * n)
            timed(client, args.backend, "customer_list_by_name", [f"{c}/customers?sort=name&dir=desc"] * n)
            timed(client, args.backend, "customer_search",
                  [f"{c}/customers?q={rnd.choice(words)}" for _ in range(n)])
            pick: Callable[[], str] = lambda: rnd.choice(numbers)  # noqa: E731
            timed(client, args.backend, "party_card_details", [f"{c}/customer/{pick()}" for _ in range(n)])
            timed(client, args.backend, "party_card_ledger", [f"{c}/customer/{pick()}/ledger" for _ in range(n)])
            timed(client, args.backend, "party_card_open_items",
                  [f"{c}/customer/{pick()}/open-items" for _ in range(n)])
            timed(client, args.backend, "overview_cached", [f"{c}/"] * n)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
