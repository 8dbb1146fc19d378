"""Isolate the cost of the maintained totals: post the same transactions without writing them, then with.

The maintained totals (``store/totals.py``, migration 0008) are written by the posting engine in each batch's
transaction. This posts the import's requests through the engine (``services.posting.post_stream``, as
``bench_match.py`` does) into a fresh database twice, in separate processes: once with the totals' writes
replaced by no-ops, once as the product runs. The difference is what keeping them costs.

Usage::

    .venv/bin/python bench/bench_totals.py --backend sqlite --scale medium
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from bench_ledger import SCALES, Reporter, ensure_data, source_state
from bench_match import one_run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Isolate the cost of the maintained totals.")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    ap.add_argument("--scale", choices=tuple(SCALES), default="medium")
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--one", choices=("with", "without"), help=argparse.SUPPRESS)  # a child run
    args = ap.parse_args(argv)
    if args.one:
        seconds, posted, matches = one_run(args.backend, args.scale, auto_match=True,
                                           keep_totals=args.one == "with")
        print(json.dumps({"seconds": seconds, "posted": posted, "matches": matches}))
        return 0
    out = Reporter(args.backend, args.scale)
    ensure_data(SCALES[args.scale], args.seed)
    out.figure("source", **source_state(), python=sys.version.split()[0])
    runs = {}
    for one in ("without", "with"):  # separate processes: the no-op patch must not leak into the other run
        child = subprocess.run([sys.executable, __file__, "--backend", args.backend, "--scale", args.scale,
                                "--one", one], check=True, capture_output=True, text=True)
        runs[one] = json.loads(child.stdout.strip().splitlines()[-1])
        r = runs[one]
        out.figure(f"post_{one}_totals", rows=r["posted"], seconds=round(r["seconds"], 2),
                   rows_per_s=round(r["posted"] / r["seconds"]))
    extra = runs["with"]["seconds"] - runs["without"]["seconds"]
    out.figure("maintained_totals_isolated", extra_seconds=round(extra, 2),
               share_of_posting=round(extra / runs["with"]["seconds"], 3),
               us_per_row=round(extra / runs["with"]["posted"] * 1e6, 1),
               note="(time with the totals − time without) over the same requests, each in a fresh database")
    return 0


if __name__ == "__main__":
    sys.exit(main())
