"""Benchmark the report exports on the database ``bench_ledger.py`` left behind (full scale).

Each figure runs in a child process of its own, so its peak RSS (``ru_maxrss``) is the export's
alone: the report catalogue's streamed rows written by ``formats.tabular.export``.

* xlsx: the open items of all customers at 2025-12-31 (about 210k rows), streamed into the workbook;
* csv: every transaction of the period (about 1.75M rows; the figure also gives the time per 1M rows);
* json: the aged report at today (97k parties).

Usage::

    .venv/bin/python bench/bench_export.py --backend sqlite     # after bench_ledger.py --scale full
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
from reskontro.formats.tabular.export import write_csv, write_json, write_xlsx
from reskontro.services.report_catalog import run_report
from reskontro.settings import Settings

HERE = Path(__file__).resolve().parent
URLS = {"sqlite": "sqlite:////tmp/bench.sqlite3",
        "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/reskontro_bench"}
CASES = {
    "xlsx": ("open-items", {"kind": "customer", "as_of": "2025-12-31"}),
    "csv": ("transactions", {"date_from": "2024-01-01", "date_to": "2026-11-28"}),
    "json": ("aged", {"kind": "customer", "as_of": "2026-11-28"}),
}


def child(backend: str, case: str) -> None:
    app = build(Settings.from_env(database=URLS[backend], company=1))
    name, params = CASES[case]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"export.{case}"
        start = time.perf_counter()
        result = run_report(uow=app.uow(readonly=True), company_id=1, name=name, params=params)
        with target.open("wb") as out:
            if case == "xlsx":
                rows = write_xlsx(out, result.columns, result.rows, sheet_name=name, title=result.title,
                                  parameters=list(result.parameters), run_at=datetime.now(UTC))
            elif case == "csv":
                rows = write_csv(out, result.columns, result.rows, delimiter=";")
            else:
                rows = write_json(out, result.columns, result.rows)
        seconds = time.perf_counter() - start
        size = target.stat().st_size
    figure = {"bench": f"export_{case}", "backend": backend, "report": name, "params": params, "rows": rows,
              "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "mb": round(size / 2**20, 1),
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if case == "csv":
        figure["seconds_per_1m_rows"] = round(seconds / rows * 1_000_000, 2)
    print(json.dumps(figure), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=tuple(URLS), required=True)
    ap.add_argument("--case", choices=tuple(CASES), action="append")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.backend, args.case[0])
        return
    print(json.dumps({"bench": "export_source", "backend": args.backend, "date": datetime.now(UTC).date().isoformat(),
                      "cpus": os.cpu_count()}), flush=True)
    for case in args.case or list(CASES):
        print(f"export {case} ({args.backend})", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, __file__, "--backend", args.backend, "--case", case, "--child"],
                       check=True)


if __name__ == "__main__":
    main()
