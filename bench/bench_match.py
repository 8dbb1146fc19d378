"""Isolate the cost of auto-matching: post the same transactions with auto-match off, then on.

The import service always matches, so this goes one level down, to the posting engine
(``services.posting.post_stream``) that the import uses, with the same requests the import builds.
Each run gets a fresh database. The difference between the two runs is what matching costs
(choosing targets in memory, and writing matches, allocations and the open-amount updates).

Usage::

    .venv/bin/python bench/bench_match.py --backend sqlite --scale medium
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench_ledger import SCALES, Reporter, ensure_data, fresh_database, log, peak_rss_mb, source_state
from reskontro.bootstrap import build
from reskontro.domain.errors import ReskontroError
from reskontro.services.companies import init_company
from reskontro.services.imports import import_parties, transaction_requests
from reskontro.services.posting import PostingRequest, post_stream
from reskontro.settings import Settings
from reskontro.store.repositories import Repository


def requests(path: Path, migration_account: str) -> Iterator[PostingRequest | ReskontroError]:
    """The requests ``import_transactions`` builds from the file (the service's own function)."""
    with path.open("rb") as fh:
        yield from transaction_requests(fh, path.name, migration_account)


def one_run(backend: str, scale_name: str, *, auto_match: bool, keep_totals: bool = True) -> tuple[float, int, int]:
    """Fresh database with the parties; post the transactions; (seconds, posted, matches). Without
    ``keep_totals`` the maintained totals are not written (``bench_totals.py`` measures what they cost; the
    database is then not fit for reports)."""
    if not keep_totals:
        Repository.add_totals = lambda *args, **kwargs: None  # type: ignore[method-assign]
        Repository.settled_totals = lambda *args, **kwargs: None  # type: ignore[method-assign]
    scale = SCALES[scale_name]
    app = build(Settings(database_url=fresh_database(backend, scale, "reskontro_bench_match"), actor="bench"))
    app.migrate()
    company_id = init_company(uow=app.uow(), name="Bench AS")
    with (scale.out / "parties.csv").open("rb") as fh:
        import_parties(uow=app.uow(), company_id=company_id, data=fh, filename="parties.csv")
    log(f"posting with auto-match {'on' if auto_match else 'off'}")
    uow = app.uow()
    t0 = time.perf_counter()
    with uow:
        company = uow.repo.company(company_id)
        summary = post_stream(uow, company, requests(scale.out / "transactions.csv", company.opening_balance_account),
                              auto_match=auto_match, source="bench")
        uow.commit()
    seconds = time.perf_counter() - t0
    app.close()
    return seconds, summary.posted, summary.matches


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Isolate the cost of auto-matching.")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    ap.add_argument("--scale", choices=tuple(SCALES), default="medium")
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args(argv)
    out = Reporter(args.backend, args.scale)
    meta = ensure_data(SCALES[args.scale], args.seed)
    out.figure("source", **source_state(), python=sys.version.split()[0])
    off_s, posted, _ = one_run(args.backend, args.scale, auto_match=False)
    out.figure("post_without_match", rows=posted, seconds=round(off_s, 2), rows_per_s=round(posted / off_s))
    on_s, posted, matches = one_run(args.backend, args.scale, auto_match=True)
    out.figure("post_with_match", rows=posted, matches=matches, seconds=round(on_s, 2),
               rows_per_s=round(posted / on_s))
    extra = on_s - off_s
    out.figure("auto_match_isolated", matches=matches, settling_rows=meta["payments"] + meta["credit_notes"],
               extra_seconds=round(extra, 2), share_of_posting=round(extra / on_s, 3),
               matches_per_s=round(matches / extra) if extra > 0 else None, peak_rss_mb=peak_rss_mb(),
               note="(time with auto-match − time without) over the same requests; includes writing matches, "
                    "allocations and open-amount updates")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
