"""Benchmark the streaming writers alone (``write_xlsx``, ``write_csv``, ``write_json``) on synthetic rows.

The rows are shaped like the open-items report (14 columns: eight texts, two dates, an integer and
three Decimal amounts) and cycle through a small pool of prebuilt mappings, so producing them costs
next to nothing and the figure is the writer's own cost. Each run is a child process of its own, so
its peak RSS (``ru_maxrss``) is that writer's alone (``rss_before_mb``: the same child just before it
writes); with ``--repeat N`` every writer runs N times, interleaved, and the figure gives the best and
the median wall time and the best CPU time of the process (``cpu_us_per_row``: on a busy machine the
steadier figure to compare two versions by).

Prints one JSON line per figure::

    {"bench": "writer_xlsx", "impl": "reskontro", "rows": 200000, "runs": 3, "us_per_row": 20.8,
     "us_per_row_median": 22.5, "cpu_us_per_row": 16.1, "seconds": 4.16, "peak_rss_mb": 21.6,
     "rss_before_mb": 18.9, "mb": 18.34}

Usage::

    .venv/bin/python bench/bench_writers.py                       # 200k rows, every writer, 3 runs each
    .venv/bin/python bench/bench_writers.py --writer csv --rows 1000000
    .venv/bin/python bench/bench_writers.py --impl /tmp/export_old.py   # another copy of export.py, to compare
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Any

WRITERS = ("xlsx", "csv", "json")
POOL = 997  # distinct prebuilt rows, cycled
NAMES = ("Fjord AS", "Blåbær & Søn AS", "Østlandske Rør <Drift> ANS", "Nordlys Handel", "Ærlig Bygg AS",
         "Hansen, Olsen & Co", "-Minus Design", "=Likhet AS", "Vestland Fisk \"Sjø\"", "Øvre Åsen Gård")
TYPES = ("invoice", "credit_note", "payment")


def _module(impl: str | None) -> ModuleType:
    if impl is None:
        from reskontro.formats.tabular import export
        return export
    spec = importlib.util.spec_from_file_location("export_impl", impl)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["export_impl"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def columns(export: ModuleType) -> list[Any]:
    c, k = export.Column, export.ColumnKind
    return [c("party_number", "Number"), c("party_name", "Name"), c("kind", "Kind"),
            c("document_number", "Document"), c("type", "Type"), c("voucher", "Voucher"),
            c("date", "Date", k.DATE), c("due_date", "Due date", k.DATE), c("days_overdue", "Days overdue", k.INTEGER),
            c("kid", "KID"), c("currency", "Currency"), c("amount", "Amount (currency)", k.AMOUNT),
            c("open_currency_amount", "Open (currency)", k.AMOUNT), c("open_amount", "Open (NOK)", k.AMOUNT)]


def pool() -> list[dict[str, Any]]:
    start = date(2024, 1, 1)
    rows = []
    for i in range(POOL):
        day = start + timedelta(days=i % 700)
        amount = Decimal((i * 7919) % 2_000_000 - 300_000).scaleb(-2)
        eur = i % 9 == 0
        rows.append({
            "party_number": str(10000 + i % 5000), "party_name": f"{NAMES[i % len(NAMES)]} {i}",
            "kind": "customer", "document_number": f"F{200000 + i}", "type": TYPES[i % 3],
            "voucher": f"2025-{i:06d}", "date": day, "due_date": None if i % 11 == 0 else day + timedelta(days=14),
            "days_overdue": (i * 37) % 400, "kid": None if i % 4 == 0 else f"{1000000 + i * 13}",
            "currency": "EUR" if eur else "NOK", "amount": amount,
            "open_currency_amount": amount if i % 3 else Decimal("0.00"),
            "open_amount": (amount * Decimal("11.50")).quantize(Decimal("0.01")) if eur else amount,
        })
    return rows


def rows(n: int) -> Iterator[dict[str, Any]]:
    prebuilt = pool()
    full, rest = divmod(n, POOL)
    for _ in range(full):
        yield from prebuilt
    yield from islice(prebuilt, rest)


def child(writer: str, n: int, impl: str | None, keep: str | None) -> None:
    export = _module(impl)
    cols = columns(export)
    list(rows(POOL))  # warm up
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(keep) if keep else Path(tmp) / f"export.{writer}"
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start, cpu = time.perf_counter(), time.process_time()
        with target.open("wb") as out:
            if writer == "xlsx":
                count = export.write_xlsx(out, cols, rows(n), sheet_name="open-items", title="Open items",
                                          parameters=[("kind", "customer"), ("as_of", "2025-12-31")],
                                          run_at=datetime.now(UTC))
            elif writer == "csv":
                count = export.write_csv(out, cols, rows(n), delimiter=";")
            else:
                count = export.write_json(out, cols, rows(n))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = target.stat().st_size
    assert count == n
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "mb": size / 2**20, "rss_before_mb": before,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


def source(n: int) -> float:
    """µs per row of producing the synthetic rows alone, to show they cost next to nothing."""
    start = time.perf_counter()
    for _ in rows(n):
        pass
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--writer", choices=WRITERS, action="append")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--impl", help="path of another export.py to take the writers from (a baseline)")
    ap.add_argument("--keep", help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.writer[0], args.rows, args.impl, args.keep)
        return
    writers = args.writer or list(WRITERS)
    print(json.dumps({"bench": "writers_source", "rows": args.rows, "columns": 14, "impl": args.impl or "reskontro",
                      "us_per_row": round(source(args.rows), 3), "cpus": os.cpu_count(),
                      "load": round(os.getloadavg()[0], 2), "date": datetime.now(UTC).date().isoformat()}), flush=True)
    runs: dict[str, list[dict[str, float]]] = {w: [] for w in writers}
    for _ in range(args.repeat):
        for writer in writers:  # interleaved, so a busy spell spreads over all writers
            cmd = [sys.executable, __file__, "--child", "--writer", writer, "--rows", str(args.rows)]
            if args.impl:
                cmd += ["--impl", args.impl]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[writer].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for writer in writers:
        seconds = [r["seconds"] for r in runs[writer]]
        print(json.dumps({
            "bench": f"writer_{writer}", "impl": args.impl or "reskontro", "rows": args.rows, "runs": len(seconds),
            "us_per_row": round(min(seconds) / args.rows * 1e6, 2),
            "us_per_row_median": round(statistics.median(seconds) / args.rows * 1e6, 2),
            "cpu_us_per_row": round(min(r["cpu_seconds"] for r in runs[writer]) / args.rows * 1e6, 2),
            "seconds": round(min(seconds), 2), "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs[writer]), 1),
            "rss_before_mb": round(max(r["rss_before_mb"] for r in runs[writer]), 1),
            "mb": round(runs[writer][0]["mb"], 2)}), flush=True)


if __name__ == "__main__":
    main()
