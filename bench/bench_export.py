"""Benchmark the report exports on the database ``bench_ledger.py`` left behind (full scale).

Each figure runs in a child process of its own, so its peak RSS (``ru_maxrss``) is the export's
alone. Every export goes through ``report_catalog.write_report``, the entry point of the CLI and the
API: the database formats the rows where the report has a set-based export (``store.exports``), else
the writers of ``formats.tabular.export`` write the streamed rows.

* xlsx: the open items of all customers at 2025-12-31 (about 210k rows), streamed into the workbook;
* csv: every transaction of the period (about 1.75M rows; the figure also gives the time per 1M rows);
* json: the aged report at today (97k parties);
* json_transactions: every transaction of the period as JSON (time per 1M rows too).

``--writers`` takes the set-based exports away, to measure the writers on the same rows. ``--database``
names another database (e.g. ``sqlite:///file:/tmp/bench.sqlite3?mode=ro&uri=true`` to read the bench
database without any chance of writing to it).

Usage::

    .venv/bin/python bench/bench_export.py --backend sqlite     # after bench_ledger.py --scale full
    .venv/bin/python bench/bench_export.py --backend sqlite --case csv --writers
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from reskontro.bootstrap import build
from reskontro.services.report_catalog import run_report, write_report
from reskontro.settings import Settings

HERE = Path(__file__).resolve().parent
URLS = {"sqlite": "sqlite:////tmp/bench.sqlite3",
        "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/reskontro_bench"}
PERIOD = {"date_from": "2024-01-01", "date_to": "2026-11-28"}
#: case: (file format, report, parameters)
CASES = {
    "xlsx": ("xlsx", "open-items", {"kind": "customer", "as_of": "2025-12-31"}),
    "csv": ("csv", "transactions", PERIOD),
    "json": ("json", "aged", {"kind": "customer", "as_of": "2026-11-28"}),
    "json_transactions": ("json", "transactions", PERIOD),
}


def child(backend: str, database: str, case: str, writers: bool) -> None:
    app = build(Settings.from_env(database=database, company=1))
    fmt, name, params = CASES[case]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"export.{fmt}"
        start = time.perf_counter()
        result = run_report(uow=app.uow(readonly=True), company_id=1, name=name, params=params)
        set_based = result.lines is not None and not writers
        if writers:
            result.lines = None
        with target.open("wb") as out:
            rows = write_report(result, out, fmt=fmt, separator=";", run_at=datetime.now(UTC))
        seconds = time.perf_counter() - start
        size = target.stat().st_size
    figure = {"bench": f"export_{case}", "backend": backend, "report": name, "params": params,
              "path": "set-based" if set_based else "writers", "rows": rows, "seconds": round(seconds, 2),
              "rows_per_s": round(rows / seconds), "mb": round(size / 2**20, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "load_1m": round(os.getloadavg()[0], 2)}
    if name == "transactions":
        figure["seconds_per_1m_rows"] = round(seconds / rows * 1_000_000, 2)
    print(json.dumps(figure), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=tuple(URLS), required=True)
    ap.add_argument("--database", help="database URL (default: the backend's bench database)")
    ap.add_argument("--case", choices=tuple(CASES), action="append")
    ap.add_argument("--writers", action="store_true", help="write every report with the writers, no set-based export")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    database = args.database or URLS[args.backend]
    if args.child:
        child(args.backend, database, args.case[0], args.writers)
        return
    print(json.dumps({"bench": "export_source", "backend": args.backend, "date": datetime.now(UTC).date().isoformat(),
                      "cpus": os.cpu_count()}), flush=True)
    for case in args.case or list(CASES):
        print(f"export {case} ({args.backend})", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, __file__, "--backend", args.backend, "--database", database, "--case", case,
                        "--child", *(["--writers"] if args.writers else [])], check=True)


if __name__ == "__main__":
    main()
