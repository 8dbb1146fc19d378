"""Run the ledger benchmark on SQLite and on PostgreSQL, each in its own process.

Each backend runs in a subprocess so that its peak RSS is its own. The subprocesses' JSON lines
are passed through to stdout as they come; their progress goes to stderr. ``make bench`` calls this.

Usage::

    .venv/bin/python bench/run_all.py                      # full scale, both backends
    .venv/bin/python bench/run_all.py --scale small
    .venv/bin/python bench/run_all.py --backends sqlite -- --repeat 3
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_backend(backend: str, scale: str, extra: list[str]) -> int:
    cmd = [sys.executable, str(HERE / "bench_ledger.py"), "--backend", backend, "--scale", scale, *extra]
    print(f"$ {' '.join(cmd)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        code = proc.wait()
    print(f"{backend}: exit {code} after {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run bench_ledger.py for each backend in a subprocess.")
    ap.add_argument("--scale", choices=("full", "medium", "small"), default="full")
    ap.add_argument("--backends", nargs="+", choices=("sqlite", "postgres"), default=["sqlite", "postgres"])
    ap.add_argument("extra", nargs="*", help="more arguments for bench_ledger.py (after --)")
    args = ap.parse_args(argv)
    failed = [b for b in args.backends if run_backend(b, args.scale, args.extra) != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
