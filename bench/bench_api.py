"""Benchmark the REST API over the database ``bench_ledger.py`` left behind (full scale, 1.75M items).

Starts ``uvicorn`` (one process, as ``reskontro serve`` does) on 127.0.0.1, makes a user with a token,
then measures over real HTTP:

* one party's open items (limit 50) for 200 random customers, sequentially: p50/p95 in ms;
* the aged report as JSON (97k parties): seconds, best of 3;
* a load test: 50 concurrent clients (httpx, asyncio) each reading random parties' ledgers for
  ``--seconds``; requests/s, p50 and p99.

Usage::

    .venv/bin/python bench/bench_api.py --backend sqlite [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid

import httpx
from sqlalchemy import select

from reskontro.bootstrap import build
from reskontro.services import access
from reskontro.settings import Settings
from reskontro.store import tables as t
from served import URLS, out, pct, serving  # bench/served.py: the script's own folder is on the path


async def load(base: str, token: str, numbers: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=60) as client:
        async def worker(seed: int) -> None:
            nonlocal errors
            rnd = random.Random(seed)
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    r = await client.get(f"/companies/1/parties/customer/{rnd.choice(numbers)}/ledger",
                                         params={"limit": 50})
                except httpx.TransportError:  # counted, not fatal: a connection the server closed, a timeout
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                errors += r.status_code != 200
        await asyncio.gather(*(worker(k) for k in range(clients)))
    return latencies, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=tuple(URLS), required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args()
    app = build(Settings.from_env(database=URLS[args.backend], company=1))
    username = f"bench-{uuid.uuid4().hex[:8]}"
    access.create_user(uow=app.uow(), username=username, password="bench password 1")
    access.grant(uow=app.uow(), username=username, company_id=1, role="read_only")
    _, token = access.issue_token(uow=app.uow(), username=username, name="bench")
    with app.engine.connect() as conn:
        numbers = [str(n) for n in conn.execute(select(t.parties.c.number).where(
            t.parties.c.company_id == 1, t.parties.c.kind == "customer")).scalars()]
    app.close()
    with serving(URLS[args.backend]) as base:
        headers = {"Authorization": f"Bearer {token}"}
        rnd = random.Random(20261128)
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            times = []
            for number in rnd.sample(numbers, 200):
                started = time.perf_counter()
                r = client.get(f"/companies/1/parties/customer/{number}/open-items", params={"limit": 50})
                times.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            out(bench="api_party_open_items", backend=args.backend, requests=len(times), p50_ms=pct(times, 0.5),
                p95_ms=pct(times, 0.95))
            aged = []
            for _ in range(3):
                started = time.perf_counter()
                r = client.get("/companies/1/reports/aged", params={"kind": "customer", "as_of": "2026-11-28"})
                aged.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            out(bench="api_aged_json", backend=args.backend, parties=len(r.json()["rows"]), bytes=len(r.content),
                min_s=round(min(aged), 3), median_s=round(statistics.median(aged), 3))
        latencies, errors = asyncio.run(load(base, token, numbers, args.clients, args.seconds))
        out(bench="api_load_party_ledger", backend=args.backend, clients=args.clients, seconds=args.seconds,
            requests=len(latencies), errors=errors, requests_per_s=round(len(latencies) / args.seconds, 1),
            p50_ms=pct(latencies, 0.5), p99_ms=pct(latencies, 0.99), server="uvicorn, 1 process")


if __name__ == "__main__":
    main()
